"""JSON log lines on stdout, with request-scoped fields (request id, trigger, bucket, key).

Modules log with ``logging.getLogger(__name__)`` and pass values as ``extra={...}``; only
``main_handler`` calls :func:`configure`. Values whose field name looks secret (authorization, secret,
token, password, signature, api key) are replaced by ``"<redacted>"`` as a last line of defence; callers
must still never pass raw events, headers or image bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
from typing import Any, Dict, Iterator, Optional

__all__ = ["configure", "log_context", "JsonFormatter", "Timer"]

_CONTEXT: contextvars.ContextVar[Optional[Dict[str, Any]]] = contextvars.ContextVar("scf_fuseface_log_ctx", default=None)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_SECRET_WORDS = ("authorization", "secret", "token", "password", "signature", "api_key", "apikey", "x-api-key")
_ROOT = "scf_fuseface"


MAX_VALUE_CHARS = 2000  # a longer string field is cut (a hostile request must not make a 16 MB log line)


def _redact(name: str, value: Any) -> Any:
    if any(word in name.lower() for word in _SECRET_WORDS):
        return "<redacted>"
    if isinstance(value, dict):
        return {k: _redact(str(k), v) for k, v in list(value.items())[:100]}
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return f"{value[:MAX_VALUE_CHARS]}...<{len(value)} chars>"
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context fields and ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: Dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": _redact("message", record.getMessage()),
        }
        line.update(_CONTEXT.get() or {})
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = _redact(name, value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return json.dumps(line, ensure_ascii=False, default=str)


class _StdoutHandler(logging.Handler):
    """Writes each line to whatever ``sys.stdout`` is at that moment (SCF collects stdout; pytest swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:  # logging must never break the invocation
            self.handleError(record)


# The SDKs' own loggers: qcloud_cos logs the Authorization header, the signing key and the
# x-cos-security-token at DEBUG, request headers at INFO, and every expected 404 of a HEAD (our idempotency
# probes) as a non-JSON WARNING; tencentcloud logs whole responses (FusedImage = image bytes) at DEBUG.
# Whatever level the runtime's root logger has, they are capped here; our adapters log what matters.
SDK_LOGGER_FLOORS = {"qcloud_cos": logging.ERROR, "tencentcloud_sdk_common": logging.WARNING}


def configure(level: str = "INFO") -> logging.Logger:
    """Install the JSON handler on the package logger once (idempotent) and cap the SDK loggers (see
    ``SDK_LOGGER_FLOORS``); returns the package logger."""
    for name, floor in SDK_LOGGER_FLOORS.items():
        sdk = logging.getLogger(name)
        if sdk.level < floor:
            sdk.setLevel(floor)
    logger = logging.getLogger(_ROOT)
    if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every log line inside the block (nested blocks merge)."""
    merged = dict(_CONTEXT.get() or {})
    merged.update({k: v for k, v in fields.items() if v is not None})
    token = _CONTEXT.set(merged)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class Timer:
    """Phase timings in milliseconds: ``with timer("head"): ...``; ``timer.phases`` -> {"head": 12.3}."""

    def __init__(self) -> None:
        self.phases: Dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - start) * 1000.0
            self.phases[phase] = round(self.phases.get(phase, 0.0) + elapsed, 1)
