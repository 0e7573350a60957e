"""Local cloud emulator: the unchanged official SDKs (tencentcloud-sdk-python, qcloud_cos) talk to it on loopback.

One port serves both APIs, routed by the ``Host`` header:

* ``Host: {bucket}.cos.{region}.myqcloud.com`` -> COS XML API subset (PUT/GET with Range/HEAD/DELETE object,
  PUT-copy, GET bucket), ``q-sign-algorithm=sha1`` header and presigned-URL signatures verified.
* any other Host, ``POST /`` -> TencentCloud API 3.0, routed by the signed service (``api3``): facefusion
  2022-09-27 (``FuseFace``, ``FuseFaceUltra`` in ``ultra_api``, ``DescribeMaterialList``) and iai 2020-03-03
  (``DetectFace``, ``iai_api``), TC3-HMAC-SHA256 verified; ``GET /<key>?q-sign-...`` serves presigned URLs that
  name no bucket (the emulator's own ``RspImgType=url`` results and ``CosConfig(IP=...)`` presigned URLs).

Credentials: ``secret_id``/``secret_key``/``session_token`` arguments, else the environment variables
``TENCENTCLOUD_SECRETID`` / ``TENCENTCLOUD_SECRETKEY`` / ``TENCENTCLOUD_SESSIONTOKEN``, else the documented
loopback-only defaults SecretId ``AKIDLOCALFUSEFACEEMULATOR`` and SecretKey ``local-emulator-secret`` (no token).

Data (``data_dir``): ``cos/`` (an SQLite index of buckets and keys + one body file per write, see ``store.py``),
``materials/index.json`` and the material images, ``usage.sqlite3`` (billable calls, ``usage.py``), and with the
upload loop (``upload_loop.py``) ``dead-letters/`` and ``logs/``. Everything survives a restart, and several
processes may share one DATA dir.

Load and faults: a per-account FuseFace QPS limit and usage counters (``usage.py``), deterministic fault injection
(``faults.py``), the load-test ``StampEngine`` (``stamp_engine.py``), and the whole upload loop: serverless.yml's COS
triggers (``triggers.py``) delivering events to SCF-like function instances with SCF's retry rule and dead letters
(``workers.py``, ``dlq.py``).

Deviations from the real services are documented in each module: the AI label is ASCII (``render``), the
codec metadata is a JPEG COM segment (``render``), only signed (presigned) URLs to emulated COS can be fused
(``fuseface_api.fetch_url``), simple PUTs stop at 256 MB and there is no POST Object or multipart upload
(``cos_api``).
"""

from __future__ import annotations

from .materials import QUOTA, MaterialStore
from .render import read_metadata
from .server import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, EmulatorError, EmulatorServer
from .store import ObjectStore, StoreError

__all__ = [
    "DEFAULT_SECRET_ID", "DEFAULT_SECRET_KEY", "QUOTA", "EmulatorError", "EmulatorServer", "MaterialStore",
    "ObjectStore", "StoreError", "read_metadata",
]
