"""The unchanged official SDK clients pointed at an in-process emulator, and an API 3.0 request signed
independently of the emulator's own code (TC3 per Tencent's documentation)."""

from __future__ import annotations

from .paths import REGION

TOKEN = "functional-session-token"  # noqa: S105 - the session token the SDK-level suites' emulator requires


def cos_client(emu, *, secret_id=None, secret_key=None, token=None, retry=0):
    from qcloud_cos import CosConfig, CosS3Client

    conf = CosConfig(Region=REGION, SecretId=secret_id or emu.secret_id, SecretKey=secret_key or emu.secret_key,
                     Token=token, IP="127.0.0.1", Port=emu.port, Scheme="http", Timeout=10)
    return CosS3Client(conf, retry=retry)


def api_client(emu, *, secret_id=None, secret_key=None, token=None, timeout=30):
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    cred = credential.Credential(secret_id or emu.secret_id, secret_key or emu.secret_key, token)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=emu.endpoint, reqTimeout=timeout))
    return CommonClient("facefusion", "2022-09-27", cred, REGION, profile)





def signed_api_request(emu, action: str, params: dict, *, timestamp=None, secret_id=None, secret_key=None,
                       version: str = "2022-09-27", token=None, region="ap-guangzhou", signed_headers=None,
                       canonical_value=None, authorization=None, body=None):
    """POST an API 3.0 request signed independently of the emulator's code (TC3 per Tencent's docs).

    ``signed_headers`` (name -> value) are sent and signed next to ``content-type`` and ``host``; in
    ``CanonicalHeaders`` each value goes through ``canonical_value`` (default: trimmed and lowercased, as the doc's
    "头部 key 和 value 统一转成小写，并去掉首尾空格"). ``region=None`` leaves ``X-TC-Region`` out, ``authorization``
    replaces the ``Authorization`` header, ``body`` (bytes) replaces the JSON of ``params``.
    """
    import hashlib
    import hmac
    import json
    import time
    from datetime import datetime, timezone

    import requests

    canonical_value = canonical_value or (lambda value: value.strip().lower())
    ts = int(time.time() if timestamp is None else timestamp)
    date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
    payload = body if body is not None else json.dumps(params).encode()
    host = emu.endpoint
    headers = {"Content-Type": "application/json", "Host": host, **(signed_headers or {})}
    names = sorted(name.lower() for name in headers)
    values = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{canonical_value(values[name])}\n" for name in names)
    signed = ";".join(names)
    canonical = f"POST\n/\n\n{canonical_headers}\n{signed}\n" + hashlib.sha256(payload).hexdigest()
    to_sign = (f"TC3-HMAC-SHA256\n{ts}\n{date}/facefusion/tc3_request\n"
               + hashlib.sha256(canonical.encode()).hexdigest())

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + (secret_key or emu.secret_key)).encode(), date), "facefusion"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers.update({
        "X-TC-Action": action, "X-TC-Version": version, "X-TC-Timestamp": str(ts),
        "Authorization": authorization if authorization is not None else (
            f"TC3-HMAC-SHA256 Credential={secret_id or emu.secret_id}/{date}/facefusion/tc3_request, "
            f"SignedHeaders={signed}, Signature={signature}"),
    })
    if region is not None:
        headers["X-TC-Region"] = region
    if token:
        headers["X-TC-Token"] = token
    return requests.post(f"http://{host}/", data=payload, headers=headers, timeout=30)
