"""Just enough of ELF (64-bit little-endian, x86-64 Linux) to check a layer's shared libraries: what each one
needs (``DT_NEEDED``), where it looks for them (``DT_RPATH``/``DT_RUNPATH``) and whether it carries debug info.

Read from the section headers, as ``readelf -d`` prints them; no binutils needed. Local tooling only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

__all__ = ["ElfInfo", "read_elf", "is_elf"]

_MAGIC = b"\x7fELF"
_SHT_DYNAMIC = 6
_DT_NULL, _DT_NEEDED, _DT_RPATH, _DT_RUNPATH = 0, 1, 15, 29


@dataclass(frozen=True)
class ElfInfo:
    needed: Tuple[str, ...]
    rpath: Tuple[str, ...]  # DT_RPATH split on ':' (``$ORIGIN`` left as is); also searched for its dependencies
    runpath: Tuple[str, ...]  # DT_RUNPATH; when present the loader ignores this object's DT_RPATH
    debug_sections: Tuple[str, ...]  # .debug_* sections (``strip --strip-debug`` removes them)


def is_elf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == _MAGIC


def _cstr(blob: bytes, offset: int) -> str:
    end = blob.index(b"\0", offset)
    return blob[offset:end].decode("utf-8", "replace")


def read_elf(path: Path) -> Optional[ElfInfo]:
    """The dynamic entries and debug sections of ``path``; None when it is not a 64-bit little-endian ELF."""
    data = Path(path).read_bytes()
    if data[:4] != _MAGIC or data[4] != 2 or data[5] != 1:  # ELFCLASS64, ELFDATA2LSB
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []  # (name offset, type, file offset, size, link)
    for i in range(shnum):
        name, stype, _flags, _addr, offset, size, link = struct.unpack_from("<IIQQQQI", data, shoff + i * shentsize)
        sections.append((name, stype, offset, size, link))
    _, _, str_off, str_size, _ = sections[shstrndx]
    names = data[str_off:str_off + str_size]
    debug = tuple(_cstr(names, s[0]) for s in sections if _cstr(names, s[0]).startswith(".debug"))
    needed: List[str] = []
    rpath: List[str] = []
    runpath: List[str] = []
    for _name, stype, offset, size, link in sections:
        if stype != _SHT_DYNAMIC:
            continue
        _, _, dynstr_off, dynstr_size, _ = sections[link]
        dynstr = data[dynstr_off:dynstr_off + dynstr_size]
        for pos in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, pos)
            if tag == _DT_NULL:
                break
            if tag == _DT_NEEDED:
                needed.append(_cstr(dynstr, value))
            elif tag == _DT_RPATH:
                rpath += _cstr(dynstr, value).split(":")
            elif tag == _DT_RUNPATH:
                runpath += _cstr(dynstr, value).split(":")
    return ElfInfo(tuple(needed), tuple(p for p in rpath if p), tuple(p for p in runpath if p), debug)
