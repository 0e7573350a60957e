"""fuseface_local: everything that never ships to SCF -- the offline engine, the local cloud (emulator), the
``fuseface`` CLI, event replay, ``fuseface serve`` and packaging. It imports ``scf_fuseface``; the reverse
never happens (a test enforces it)."""
