"""Plain-text tables for the terminal (column widths count CJK characters as two cells)."""

from __future__ import annotations

import unicodedata
from typing import Any, List, Sequence

__all__ = ["format_table"]


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """``headers`` over ``rows``, columns padded to their widest cell (``right``: right-aligned column indexes),
    a dashed rule under the header; no trailing spaces."""
    texts: List[List[str]] = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(_cells(row[i]) for row in texts) for i in range(len(headers))]

    def line(row: List[str]) -> str:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _cells(cell))
            parts.append(pad + cell if i in right else cell + pad)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(texts[0]), rule] + [line(r) for r in texts[1:]])
