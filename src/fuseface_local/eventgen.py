"""Build SCF trigger events exactly as SCF delivers them (COS, API Gateway, Function URL).

Local tooling only (``fuseface event``, ``events/make_fixtures.py``); it is left out of the function zip.
Shapes follow Tencent's documentation (COS trigger doc 583/9707, API Gateway trigger doc 583/12513,
Function URL doc 583/96099); see ``events/README.md`` for what is confirmed and what is not.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from scf_fuseface.regions import DEFAULT_REGION, REGION_CODES

__all__ = [
    "REGION_SHORT",
    "cos_event",
    "cos_record",
    "http_event",
    "json_body",
    "split_bucket",
]

# Long region name -> the short code COS puts in `cosBucket.region` and in the event queue name: the reverse of
# the function's own map (the first code listed for a region wins).
REGION_SHORT: Dict[str, str] = {}
for _code, _region in REGION_CODES.items():
    REGION_SHORT.setdefault(_region, _code)

_FAKE_AUTH = (
    "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLEEXAMPLEEXAMPLEEXAMPLE&q-sign-time=1795600000;1795603600"
    "&q-key-time=1795600000;1795603600&q-header-list=content-length;content-type;host"
    "&q-url-param-list=&q-signature=0000000000000000000000000000000000000000"
)


def split_bucket(bucket: str) -> Tuple[str, str]:
    """``"fuseface-1250000000"`` -> ``("fuseface", "1250000000")``; the APPID is the last dash part."""
    name, sep, appid = bucket.rpartition("-")
    if not sep or not name or not appid.isdigit():
        raise ValueError(f"bucket must look like NAME-APPID (e.g. fuseface-1250000000), got {bucket!r}")
    return name, appid


def cos_record(
    bucket: str,
    key: str,
    *,
    region: str = DEFAULT_REGION,
    event_name: str = "cos:ObjectCreated:Put",
    size: Union[int, str] = 0,
    content_type: str = "image/jpeg",
    meta: Optional[Mapping[str, str]] = None,
    encode_key: bool = False,
    event_time: int = 1795600000,
    reqid: int = 179398952,
    request_id: Optional[str] = None,
    source_ip: str = "203.0.113.7",
    function_name: str = "fuseface",
    namespace: str = "default",
) -> Dict[str, Any]:
    """One ``Records[]`` entry of a COS trigger event.

    ``cosObject.key`` is ``/{appid}/{name}/{key}``; with ``encode_key`` the object-key part is
    percent-encoded (``quote(key, safe="/")``), the variant whose real-world use is unconfirmed.
    """
    name, appid = split_bucket(bucket)
    short = REGION_SHORT.get(region, region)
    wire_key = quote(key, safe="/") if encode_key else key
    object_meta: Dict[str, str] = {
        "x-cos-request-id": request_id or _fake_cos_request_id(key, event_time),
        "Content-Type": content_type,
    }
    object_meta.update(meta or {})
    return {
        "cos": {
            "cosSchemaVersion": "1.0",
            "cosObject": {
                "url": f"http://{bucket}.cos.{region}.myqcloud.com/{quote(key, safe='/')}",
                "meta": object_meta,
                "vid": "",
                "key": f"/{appid}/{name}/{wire_key}",
                "size": size,
            },
            "cosBucket": {"region": short, "name": name, "appid": appid},
            "cosNotificationId": "unkown",
        },
        "event": {
            "eventName": event_name,
            "eventVersion": "1.0",
            "eventTime": event_time,
            "eventSource": "qcs::cos",
            "requestParameters": {
                "requestSourceIP": source_ip,
                "requestHeaders": {"Authorization": _FAKE_AUTH},
            },
            "eventQueue": f"qcs:0:lambda:{short}:appid/{appid}:{namespace}.{function_name}.$LATEST",
            "reservedInfo": "",
            "reqid": reqid,
        },
    }


def cos_event(records: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """A COS trigger event: ``{"Records": [...]}``."""
    return {"Records": [dict(r) for r in records]}


def http_event(
    method: str = "POST",
    path: str = "/fuse",
    *,
    body: Union[bytes, str, None] = None,
    content_type: Optional[str] = None,
    headers: Optional[Mapping[str, str]] = None,
    query: Optional[Mapping[str, Any]] = None,
    base64_body: Optional[bool] = None,
    function_url: bool = False,
    request_context: bool = False,
    service_id: str = "service-fusef4ce",
    stage: str = "release",
    request_id: Optional[str] = None,
    source_ip: str = "203.0.113.7",
    host: Optional[str] = None,
) -> Dict[str, Any]:
    """An API Gateway event, or with ``function_url`` a Function URL event.

    ``body`` bytes are base64-encoded (``isBase64Encoded: true``) unless ``base64_body`` is False and they
    decode as UTF-8. A Function URL event has no ``requestContext``, ``headerParameters``,
    ``pathParameters``, ``queryStringParameters`` nor ``isBase64Encoded`` (doc 583/96099); its header
    names are lower case and the client address is in ``x-scf-remote-addr``. With ``request_context`` a Function
    URL event also carries ``requestContext: {"sourceIp": ...}``, the shape third-party code reported in 2026
    (UNCONFIRMED); never a ``serviceId``, which is API Gateway's.
    """
    method = method.upper()
    text, is_b64 = _encode_body(body, base64_body)
    query_dict: Dict[str, Any] = dict(query or {})
    hdrs: Dict[str, str] = {}
    if function_url:
        hdrs.update({
            "accept": "*/*",
            "host": host or "1250000000-abcd1234ef.ap-guangzhou.tencentscf.com",
            "user-agent": "curl/8.5.0",
            "x-scf-remote-addr": source_ip,
        })
    else:
        request_id = request_id or _uuid(method + path + text)
        hdrs.update({
            "Accept": "*/*",
            "Host": host or f"{service_id}-1250000000.gz.apigw.tencentcs.com",
            "User-Agent": "curl/8.5.0",
            "X-Anonymous-Consumer": "true",
            "X-Api-Requestid": request_id,
            "X-Qualifier": "$DEFAULT",
        })
    if body:
        raw_len = len(body.encode("utf-8") if isinstance(body, str) else body)
        hdrs["content-length" if function_url else "Content-Length"] = str(raw_len)
    if content_type:
        hdrs["content-type" if function_url else "Content-Type"] = content_type
    for k, v in (headers or {}).items():
        hdrs[k.lower() if function_url else k] = v
    if function_url:
        event: Dict[str, Any] = {"body": text, "headers": hdrs, "httpMethod": method, "path": path,
                                 "queryString": query_dict}
        if request_context:
            event["requestContext"] = {"sourceIp": source_ip}
        return event
    return {
        "requestContext": {
            "serviceId": service_id,
            "path": path,
            "httpMethod": method,
            "requestId": request_id,
            "identity": {},
            "sourceIp": source_ip,
            "stage": stage,
        },
        "headers": hdrs,
        "body": text,
        "pathParameters": {},
        "queryStringParameters": {},
        "headerParameters": {},
        "stageVariables": {"stage": stage},
        "path": path,
        "queryString": query_dict,
        "httpMethod": method,
        "isBase64Encoded": is_b64,
    }


def json_body(obj: Any) -> str:
    """Request JSON as a client would send it (compact, UTF-8)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _encode_body(body: Union[bytes, str, None], base64_body: Optional[bool]) -> Tuple[str, bool]:
    if body is None:
        return "", False
    if isinstance(body, str):
        if base64_body:
            return base64.b64encode(body.encode("utf-8")).decode("ascii"), True
        return body, False
    if base64_body is False:
        return body.decode("utf-8"), False
    return base64.b64encode(body).decode("ascii"), True


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _fake_cos_request_id(key: str, event_time: int) -> str:
    raw = uuid.uuid5(uuid.NAMESPACE_URL, f"{key}@{event_time}").hex[:24]
    return base64.b64encode(raw.encode("ascii")).decode("ascii")
