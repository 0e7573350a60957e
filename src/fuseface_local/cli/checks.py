"""argparse ``type=`` checks shared by the commands: a bad value is a usage error (the CLI's one JSON error line,
exit 2) before any work starts."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from scf_fuseface.regions import REGION_CODES

__all__ = ["KNOWN_REGIONS", "data_dir", "degree", "port", "region"]

KNOWN_REGIONS = tuple(sorted(set(REGION_CODES.values())))


def data_dir(value: str) -> Path:
    """A data directory: an existing, writable directory, or a path whose nearest existing parent is one (it is
    created when needed)."""
    path = Path(value).expanduser()
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{value!r} exists and is not a directory")
        if not os.access(path, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{value!r} is not writable")
        return path
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{value!r} cannot be created: {parent} is not a writable directory")
    return path


def region(value: str) -> str:
    """A Tencent Cloud region name such as ``ap-guangzhou`` (one of those COS events can name)."""
    if value not in KNOWN_REGIONS:
        raise argparse.ArgumentTypeError(f"unknown region {value!r}; known: {', '.join(KNOWN_REGIONS)}")
    return value


def _int_within(value: str, low: int, high: int, what: str) -> int:
    """``value`` as an integer in ``low..high``, else ``argparse.ArgumentTypeError`` naming ``what``."""
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(f"{what} an integer {low}..{high}, got {value!r}")
    return number


def port(value: str) -> int:
    """A TCP port 0..65535 (0 picks a free one)."""
    return _int_within(value, 0, 65535, "the port must be")


def degree(value: str) -> int:
    """FuseFaceDegree / FuseProfileDegree: an integer 0..100."""
    return _int_within(value, 0, 100, "a degree is")
