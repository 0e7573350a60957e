"""Pydantic validation errors as plain messages: the one place ``ValidationError.errors()`` is read.

Used by the COS event model (which fields are malformed), the FuseFace request model (``field: message``)
and the settings loader (which environment variables are bad).
"""

from __future__ import annotations

from typing import List, NamedTuple

from pydantic import ValidationError

__all__ = ["FieldError", "describe", "field_errors"]


class FieldError(NamedTuple):
    field: str  # dotted location, e.g. "Records.0.cos.cosBucket"; "" for the model itself
    message: str  # pydantic's message, e.g. "Field required"
    kind: str  # pydantic's error type, e.g. "missing"


def field_errors(exc: ValidationError) -> List[FieldError]:
    """One :class:`FieldError` per problem pydantic found, in its order."""
    return [FieldError(".".join(str(part) for part in err["loc"]), err["msg"], err["type"]) for err in exc.errors()]


MAX_DESCRIBED = 5


def describe(errors: List[FieldError], *, whole: str = "request") -> str:
    """``"field: message; field: message"`` (``whole`` names a problem of the model itself): the first
    ``MAX_DESCRIBED`` problems, then how many more there are, each field name cut at 100 characters."""
    shown = "; ".join(f"{(err.field or whole)[:100]}: {err.message[:200]}" for err in errors[:MAX_DESCRIBED])
    more = len(errors) - MAX_DESCRIBED
    return shown + (f"; and {more} more" if more > 0 else "")
