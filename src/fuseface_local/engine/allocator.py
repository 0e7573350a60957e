"""The C allocator's settings for the engine's process: freed image-sized blocks stay with the process.

A fuse allocates a few thousand numpy temporaries of 0.1-4 MB (box-sized float images). glibc's malloc serves
blocks from 128 KB up (the threshold grows as such blocks are freed) with fresh ``mmap``s and hands freed
memory at the top of the heap back to the kernel, so the next temporary of that size touches new pages: on
the 2-core test host about 3,500 page faults per one-face fuse, ~10 ms of a ~95 ms fuse. With
``keep_freed_memory`` blocks up to 32 MB come from the heap and up to 256 MB of free heap top is kept, so the
same pages are reused (under one page fault per fuse). The results are unchanged (only where memory comes from
changes); the process keeps its peak heap instead of shrinking after each fuse.

It sets process-wide options (the emulator and the CLI run the engine in their own process). Elsewhere than
glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1  # <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 256 << 20


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (see the module docstring); True when both were accepted."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
