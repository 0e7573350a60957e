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
                       version: str = "2022-09-27", token=None):
    """POST an API 3.0 request signed independently of the emulator's code (TC3 per Tencent's docs)."""
    import hashlib
    import hmac
    import json
    import time
    from datetime import datetime, timezone

    import requests

    ts = int(time.time() if timestamp is None else timestamp)
    date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
    body = json.dumps(params)
    host = emu.endpoint
    canonical = (f"POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n"
                 + hashlib.sha256(body.encode()).hexdigest())
    to_sign = (f"TC3-HMAC-SHA256\n{ts}\n{date}/facefusion/tc3_request\n"
               + hashlib.sha256(canonical.encode()).hexdigest())

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + (secret_key or emu.secret_key)).encode(), date), "facefusion"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json", "Host": host, "X-TC-Action": action, "X-TC-Version": version,
        "X-TC-Timestamp": str(ts), "X-TC-Region": "ap-guangzhou",
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id or emu.secret_id}/{date}/facefusion/tc3_request, "
                         f"SignedHeaders=content-type;host, Signature={signature}",
    }
    if token:
        headers["X-TC-Token"] = token
    return requests.post(f"http://{host}/", data=body, headers=headers, timeout=30)
