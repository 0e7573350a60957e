"""Sizes of the deploy zips, as the build prints them: the whole zip, zipped and unpacked, and per top-level
package of the layer (``pydantic_core``, ``PIL``, ``pillow.libs``, ...). Local tooling only."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

__all__ = ["component_sizes", "dir_size", "size_report"]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def _component(name: str) -> str:
    top = name.split("/", 1)[0]
    if top.endswith(".dist-info"):
        return "*.dist-info"
    return top if "/" in name and top != "__pycache__" else "(modules at the root)"


def component_sizes(zip_path: Path) -> List[Tuple[str, int, int]]:
    """``(top-level package, zipped bytes, unpacked bytes)`` of a zip, largest zipped first."""
    sizes: Dict[str, List[int]] = {}
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            entry = sizes.setdefault(_component(info.filename), [0, 0])
            entry[0] += info.compress_size
            entry[1] += info.file_size
    return sorted(((k, v[0], v[1]) for k, v in sizes.items()), key=lambda row: (-row[1], row[0]))


def size_report(what: str, zip_path: Path, staging: Path) -> str:
    lines = [f"{what}: {zip_path} {_mb(zip_path.stat().st_size)} zipped, {_mb(dir_size(staging))} unpacked "
             f"(staging dir {staging})"]
    if what == "layer":
        lines += [f"  {name:<24} {_mb(zipped):>9} zipped {_mb(unpacked):>9} unpacked"
                  for name, zipped, unpacked in component_sizes(zip_path)]
    return "\n".join(lines)
