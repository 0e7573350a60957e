"""SCF entry point: handler ``index.main_handler`` (code at /var/user, dependencies in a layer at /opt)."""

from scf_fuseface.entry import main_handler

__all__ = ["main_handler"]
