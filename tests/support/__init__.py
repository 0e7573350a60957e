"""Test support shared by every test folder: repository paths and fixture names (``paths``), synthetic and
public-domain images (``images``), in-memory fakes behind the package's Protocols (``fakes``), the cloud path
built over those fakes (``cloud``) and the official SDK clients pointed at an emulator (``clients``).

Helpers live here; ``conftest.py`` files hold fixtures only."""
