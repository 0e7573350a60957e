"""Request authentication, exactly as the official SDKs sign (see tencent-cloud.md §3.3 and §4.3).

* :func:`verify_tc3` -- API 3.0 ``TC3-HMAC-SHA256`` (tencentcloud-sdk-python-common): canonical request over
  the signed headers (the SDK signs ``content-type;host``) and the body's SHA-256, credential scope
  ``<date>/<service>/tc3_request``, key chain ``"TC3"+SecretKey -> date -> service -> "tc3_request"``. As the
  signing doc says, each signed header's key *and value* are lowercased and trimmed in ``CanonicalHeaders``
  ("头部 key 和 value 统一转成小写，并去掉首尾空格"; its example line is ``x-tc-action:describeinstances``).
  An ``Authorization`` header that is missing or not of the form ``TC3-HMAC-SHA256 Credential=.../<date>/<service>/
  tc3_request, SignedHeaders=..., Signature=<64 hex>`` is ``AuthFailure.InvalidAuthorization`` ("请求头部的
  Authorization 不符合腾讯云标准"); which malformations the real gateway calls InvalidAuthorization rather than
  SignatureFailure is UNCONFIRMED. A missing ``X-TC-Timestamp`` is ``MissingParameter`` and a non-integer one
  ``InvalidParameter`` (UNCONFIRMED: modelled on the documented answer to a missing Region,
  "MissingParameter: 请求缺少必传参数 `Region`").
* :func:`verify_cos` -- COS ``q-sign-algorithm=sha1`` (qcloud_cos ``CosS3Auth``), from the ``Authorization``
  header or from presigned-URL query parameters: ``FormatString = method\\n/key\\nparams\\nheaders\\n`` over the
  listed parameter and header names, ``StringToSign = sha1\\n<sign-time>\\nsha1(FormatString)\\n``,
  ``signature = HMAC-SHA1(HMAC-SHA1(SecretKey, key-time).hex, StringToSign).hex``.
* :func:`cos_presign` -- the same algorithm on the issuing side (the emulator's own result URLs).

Failures raise :class:`AuthError` with the code the real service would answer with.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import datetime, timezone
from typing import Dict, Mapping, Optional
from urllib.parse import quote, urlencode

__all__ = ["AuthError", "Credentials", "cos_presign", "verify_cos", "verify_tc3"]

MAX_SKEW_SECONDS = 300
_TC3_RE = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<sid>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)/tc3_request,"
    r" ?SignedHeaders=(?P<headers>[a-z0-9;-]+), ?Signature=(?P<sig>[0-9a-f]{64})$"
)
_COS_SIGN_FIELDS = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list",
                    "q-url-param-list", "q-signature")


class AuthError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Credentials:
    """The one key pair (and optional session token) the emulator accepts."""

    def __init__(self, secret_id: str, secret_key: str, session_token: Optional[str] = None) -> None:
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.session_token = session_token

    def __repr__(self) -> str:  # never show the key or the token
        return f"Credentials(secret_id={self.secret_id!r})"


def _hmac256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    k_date = _hmac256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac256(k_date, service)
    k_signing = _hmac256(k_service, "tc3_request")
    return hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_tc3(creds: Credentials, *, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes, service: str, now: Optional[float] = None) -> None:
    """Check an API 3.0 request; ``headers`` is case-insensitive (werkzeug ``Headers``)."""
    authorization = (headers.get("Authorization") or "").strip()
    if not authorization:
        raise AuthError("AuthFailure.InvalidAuthorization", "The Authorization header is missing.")
    match = _TC3_RE.match(authorization)
    if match is None:
        raise AuthError("AuthFailure.InvalidAuthorization",
                        "The Authorization header does not follow TC3-HMAC-SHA256 (Credential=<SecretId>/<date>/"
                        "<service>/tc3_request, SignedHeaders=<names>, Signature=<64 hex digits>).")
    timestamp = (headers.get("X-TC-Timestamp") or "").strip()
    if not timestamp:
        raise AuthError("MissingParameter", "The request is missing a required parameter `Timestamp`.")
    try:
        ts = int(timestamp)
    except ValueError:
        raise AuthError("InvalidParameter", "X-TC-Timestamp must be an integer (Unix seconds).") from None
    if match["sid"] != creds.secret_id:
        raise AuthError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure it is correct.")
    now = time.time() if now is None else now
    if abs(int(now) - ts) > MAX_SKEW_SECONDS:  # integers: an absurd timestamp must not overflow a float
        raise AuthError("AuthFailure.SignatureExpire",
                        "The signature expired: the timestamp differs from the server time by over 5 minutes.")
    date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
    if match["date"] != date or match["service"] != service:
        raise AuthError("AuthFailure.SignatureFailure", "The credential scope does not match the request.")
    signed = match["headers"].split(";")
    if "host" not in signed or "content-type" not in signed:
        raise AuthError("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host.")
    canonical_headers = "".join(f"{name}:{(headers.get(name) or '').strip().lower()}\n" for name in signed)
    if headers.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD":
        payload_hash = hashlib.sha256(b"UNSIGNED-PAYLOAD").hexdigest()
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, path, query, canonical_headers, match["headers"], payload_hash])
    string_to_sign = "\n".join([
        "TC3-HMAC-SHA256", timestamp, f"{date}/{service}/tc3_request",
        hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ])
    expected = tc3_signature(creds.secret_key, date, service, string_to_sign)
    if not hmac.compare_digest(expected, match["sig"]):
        raise AuthError("AuthFailure.SignatureFailure",
                        "The provided credentials could not be validated. Please check your signature is correct.")
    if creds.session_token is not None and headers.get("X-TC-Token") != creds.session_token:
        raise AuthError("AuthFailure.TokenFailure", "The X-TC-Token is missing or invalid.")


# --- COS ---------------------------------------------------------------------------------------------------
def _q(value: str) -> str:
    return quote(value.encode("utf-8"), "-_.~")


def _cos_signature(secret_key: str, method: str, key: str, params: Mapping[str, str],
                   headers: Mapping[str, str], sign_time: str) -> str:
    def join(items: Mapping[str, str]) -> str:
        return "&".join(f"{k}={v}" for k, v in sorted(items.items()))

    format_str = f"{method.lower()}\n/{key}\n{join(params)}\n{join(headers)}\n"
    string_to_sign = f"sha1\n{sign_time}\n{hashlib.sha1(format_str.encode()).hexdigest()}\n"  # noqa: S324 - COS v5 signs with SHA-1
    sign_key = hmac.new(secret_key.encode("utf-8"), sign_time.encode("utf-8"), hashlib.sha1).hexdigest()
    return hmac.new(sign_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).hexdigest()


def _parse_authorization(value: str) -> Dict[str, str]:
    fields = {}
    for item in value.split("&"):
        name, _, val = item.partition("=")
        fields[name.strip()] = val.strip()
    return fields


def _window(value: str) -> tuple:
    try:
        start, end = (int(v) for v in value.split(";"))
    except ValueError:
        raise AuthError("AccessDenied", "q-sign-time is malformed.") from None
    return start, end


def verify_cos(creds: Credentials, *, method: str, key: str, host: str, headers: Mapping[str, str],
               query: Mapping[str, str], now: Optional[float] = None) -> None:
    """Check a COS request signed in the Authorization header or in the query (presigned URL).

    ``key`` is the decoded object key without the leading ``/`` ("" for the bucket); ``host`` is the Host
    without the port (the SDK signs the bare host name); ``query`` maps decoded parameter names to values.
    """
    if headers.get("Authorization"):
        fields = _parse_authorization(headers["Authorization"])
    elif "q-signature" in query or "q-sign-algorithm" in query:
        fields = {name: query.get(name, "") for name in _COS_SIGN_FIELDS}
    else:
        raise AuthError("AccessDenied", "Access Denied.")
    if fields.get("q-sign-algorithm") != "sha1" or not fields.get("q-signature"):
        raise AuthError("AccessDenied", "The authorization is malformed (q-sign-algorithm=sha1 expected).")
    if fields.get("q-ak") != creds.secret_id:
        raise AuthError("InvalidAccessKeyId", "The access key Id format you provided is invalid.")
    now = time.time() if now is None else now
    sign_time = fields.get("q-key-time") or fields.get("q-sign-time", "")
    for window in {fields.get("q-sign-time", ""), sign_time}:
        start, end = _window(window)
        if not start <= now <= end:
            raise AuthError("AccessDenied", "Request has expired or is not yet valid.")
    header_names = [h for h in fields.get("q-header-list", "").split(";") if h]
    param_names = [p for p in fields.get("q-url-param-list", "").split(";") if p]
    lowered = {name.lower(): value for name, value in headers.items()}
    lowered["host"] = host
    signed_headers = {}
    for name in header_names:
        if name not in lowered:
            raise AuthError("SignatureDoesNotMatch", f"The signed header {name!r} is missing.")
        signed_headers[name] = _q(lowered[name])
    lowered_query = {_q(name).lower(): value for name, value in query.items()}
    signed_params = {}
    for name in param_names:
        if name not in lowered_query:
            raise AuthError("SignatureDoesNotMatch", f"The signed parameter {name!r} is missing.")
        signed_params[name] = _q(lowered_query[name])
    expected = _cos_signature(creds.secret_key, method, key, signed_params, signed_headers, sign_time)
    if not hmac.compare_digest(expected, fields["q-signature"]):
        raise AuthError("SignatureDoesNotMatch",
                        "The Signature you specified does not match what we calculated.")
    if creds.session_token is not None:
        token = headers.get("x-cos-security-token") or query.get("x-cos-security-token")
        if token != creds.session_token:
            raise AuthError("InvalidAccessKeyId", "The x-cos-security-token is missing or invalid.")


def cos_presign(creds: Credentials, *, method: str, key: str, host: str, expires: int,
                params: Optional[Mapping[str, str]] = None, now: Optional[float] = None) -> str:
    """The query string of a presigned URL, host signed, as ``CosS3Client.get_presigned_url`` builds it."""
    start = int(time.time() if now is None else now)
    sign_time = f"{start - 60};{start + expires}"
    params = dict(params or {})
    signed_params = {_q(k).lower(): _q(v) for k, v in params.items()}
    signature = _cos_signature(creds.secret_key, method, key, signed_params, {"host": _q(host)}, sign_time)
    fields = {
        "q-sign-algorithm": "sha1", "q-ak": creds.secret_id, "q-sign-time": sign_time, "q-key-time": sign_time,
        "q-header-list": "host", "q-url-param-list": ";".join(sorted(signed_params)), "q-signature": signature,
    }
    query = urlencode(fields)
    return query + ("&" + urlencode(params) if params else "")
