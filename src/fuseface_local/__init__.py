"""fuseface_local: everything that never ships to SCF -- the offline engine, the local cloud (emulator), the
``fuseface`` CLI, event replay, ``fuseface serve`` (the emulator and serve share the ``loopback`` server) and
packaging. It imports ``scf_fuseface``; the reverse never happens (a test enforces it)."""
