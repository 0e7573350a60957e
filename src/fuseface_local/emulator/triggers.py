"""The function and its COS triggers, read from ``serverless.yml`` (Serverless Framework, component ``scf``).

What is read (``inputs``): ``name`` (``${name}``-style references to top-level keys resolved), ``handler``
(``index.main_handler``), ``src`` (a path, or ``{src: path}``), ``region``, ``timeout`` (s), ``memorySize`` (MB),
``environment.variables``, and every ``events[].cos.parameters``: ``bucket`` (``name-appid`` or its full domain
``name-appid.cos.<region>.myqcloud.com``), ``filter.prefix`` / ``filter.suffix`` (both must match, doc 583/9707),
``events`` (one name such as ``cos:ObjectCreated:*`` or a list) and ``enable``. Other triggers are ignored here.

Which writes fire which event (doc 583/9707): PUT Object ``cos:ObjectCreated:Put``, POST Object ``...:Post``,
PUT Object-Copy ``...:Copy``, CompleteMultipartUpload ``...:CompleteMultipartUpload`` (the emulator has no
multipart upload); ``cos:ObjectCreated:*`` matches all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.regions import DEFAULT_REGION

__all__ = ["CosTrigger", "FunctionSpec", "load_serverless", "parse_serverless"]

_DOMAIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9-]*-\d+)(?:\.cos\.(?P<region>[a-z0-9-]+)\.myqcloud\.com)?$")
_REF = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class CosTrigger:
    bucket: str  # name-appid
    region: str
    prefix: str = ""
    suffix: str = ""
    events: Tuple[str, ...] = ("cos:ObjectCreated:*",)
    enabled: bool = True

    def matches(self, bucket: str, key: str, event_name: str) -> bool:
        """True when a write of ``key`` in ``bucket`` firing ``event_name`` invokes the function."""
        if not self.enabled or bucket != self.bucket:
            return False
        if not (key.startswith(self.prefix) and key.endswith(self.suffix)):
            return False
        return any(event_name == e or (e.endswith(":*") and event_name.startswith(e[:-1])) for e in self.events)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str = "index.main_handler"
    code_dir: Optional[Path] = None
    region: str = DEFAULT_REGION
    timeout_s: float = 3.0
    memory_mb: int = 128
    environment: Dict[str, str] = field(default_factory=dict)
    triggers: Tuple[CosTrigger, ...] = ()


def _bad(message: str) -> FuseFaceError:
    return FuseFaceError("InvalidParameterValue", f"serverless.yml: {message}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _events(value: Any) -> Tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.startswith("cos:") for n in names):
        raise _bad(f"a COS trigger's events must be a cos:... name or a list of them, got {value!r}")
    return tuple(n.strip() for n in names)


def _cos_trigger(params: Mapping[str, Any], default_region: str) -> CosTrigger:
    match = _DOMAIN.match(str(params.get("bucket", "")).strip())
    if match is None:
        raise _bad(f"COS trigger bucket must be name-appid or its myqcloud.com domain, got {params.get('bucket')!r}")
    filt = params.get("filter") or {}
    if not isinstance(filt, Mapping):
        raise _bad("a COS trigger's filter must be a mapping with prefix/suffix")
    enable = params.get("enable", True)
    return CosTrigger(bucket=match["bucket"], region=match["region"] or default_region,
                      prefix=_text(filt.get("prefix")), suffix=_text(filt.get("suffix")),
                      events=_events(params.get("events", "cos:ObjectCreated:*")),
                      enabled=enable is True or _text(enable).lower() == "true")


def parse_serverless(doc: Any, base_dir: Path) -> FunctionSpec:
    """The :class:`FunctionSpec` of a parsed ``serverless.yml`` (``base_dir`` resolves ``src``)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("inputs"), Mapping):
        raise _bad("no 'inputs' mapping (is this a component: scf file?)")
    inputs = doc["inputs"]
    name = _REF.sub(lambda m: _text(doc.get(m.group(1), m.group(0))), _text(inputs.get("name") or doc.get("name")))
    region = _text(inputs.get("region")) or DEFAULT_REGION
    src = inputs.get("src")
    src = src.get("src") if isinstance(src, Mapping) else src
    variables = ((inputs.get("environment") or {}).get("variables")) or {}
    if not isinstance(variables, Mapping):
        raise _bad("environment.variables must be a mapping")
    triggers: List[CosTrigger] = []
    for entry in inputs.get("events") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("cos"), Mapping):
            triggers.append(_cos_trigger(entry["cos"].get("parameters") or {}, region))
    try:
        timeout, memory = float(inputs.get("timeout", 3)), int(inputs.get("memorySize", 128))
    except (TypeError, ValueError):
        raise _bad("timeout and memorySize must be numbers") from None
    return FunctionSpec(
        name=name or "function", handler=_text(inputs.get("handler")) or "index.main_handler",
        code_dir=(base_dir / str(src)).resolve() if src else None, region=region, timeout_s=timeout,
        memory_mb=memory, environment={str(k): _text(v) for k, v in variables.items()}, triggers=tuple(triggers),
    )


def load_serverless(path: Path) -> FunctionSpec:
    """Read and parse ``serverless.yml``; every problem is one ``InvalidParameterValue`` naming it."""
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise _bad(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise _bad(f"not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_serverless(doc, path.parent)
