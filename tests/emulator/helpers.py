"""Shared helpers for the emulator tests: a fake engine and real-SDK client factories."""

from __future__ import annotations

import io
from dataclasses import dataclass

from ..helpers import BUCKET, FACES, PROJECT  # noqa: F401  (re-exported to the emulator tests)

REGION = "ap-guangzhou"


@dataclass
class FakeFace:
    x: int
    y: int
    width: int
    height: int
    score: float = 0.9


class FakeEngine:
    """Stands in for ``FusionEngine`` where the API behaviour, not the pixels, is under test.

    ``detect`` returns ``faces`` (default: one 200x200 face); ``fuse`` records its arguments and returns a
    256x256 grey JPEG.
    """

    def __init__(self) -> None:
        self.faces = [FakeFace(100, 120, 200, 200)]
        self.fuse_calls = []

    def detect(self, image: bytes):
        return list(self.faces)

    def fuse(self, template, users, **kwargs):
        from PIL import Image

        self.fuse_calls.append({"template": template, "users": users, **kwargs})
        buf = io.BytesIO()
        Image.new("RGB", (256, 256), (128, 128, 128)).save(buf, "JPEG")
        return buf.getvalue()


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


def face_bytes(name: str = "obama.jpg") -> bytes:
    return (FACES / name).read_bytes()


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 160)).save(buf, "PNG")
    return buf.getvalue()


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
