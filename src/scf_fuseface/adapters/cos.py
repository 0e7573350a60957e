"""COS through ``cos-python-sdk-v5`` (``qcloud_cos``): HEAD, ranged GET, GET, PUT, presigned GET.

Error mapping (``CosServiceError`` / ``CosClientError`` -> ``FuseFaceError``):

* 404 (``NoSuchKey``, ``NoSuchResource``) -> ``ResourceNotFound.CosObject`` (permanent; ``head`` returns None);
* 5xx and client/network errors -> ``FailedOperation.StorageError`` (transient: SCF retries the event);
* any other 4xx (``AccessDenied``, ``NoSuchBucket``, ...) and the SDK's own refusals of a bad bucket name or key
  -> ``FailedOperation.StorageRejected`` (configuration: permanent, not retried).

Loopback: with ``FUSEFACE_COS_IP``/``FUSEFACE_COS_PORT`` the client talks to ``http(s)://IP:PORT`` while signing
and sending ``Host: {bucket}.cos.{region}.myqcloud.com``. Presigned URLs always use the real domain (a URL
with the loopback IP would lose the bucket); with temporary credentials they carry ``x-cos-security-token``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from ..config import Credentials, Settings
from ..errors import FuseFaceError
from .base import ObjectHead

__all__ = ["CosStorage"]

# CosClientError messages of the SDK's own argument checks (qcloud_cos.cos_comm: format_bucket, format_region,
# get_object key checks); every other CosClientError is a network failure after the SDK's retries.
_SDK_VALIDATION = re.compile(r"^(bucket|key|getobject key|appid|region)\b", re.IGNORECASE)

def _cos_error(exc: Exception, action: str, bucket: str, key: str) -> FuseFaceError:
    from qcloud_cos import CosServiceError

    where = f"COS {action} {bucket}/{key}"
    if isinstance(exc, CosServiceError):
        status = exc.get_status_code() or 0
        code = "" if exc.get_error_code() == "Unknown" else (exc.get_error_code() or "")
        request_id = None if exc.get_request_id() in ("", "Unknown") else exc.get_request_id()
        if status == 404 and code not in ("NoSuchBucket",):
            return FuseFaceError("ResourceNotFound.CosObject", f"{where}: {code or 'not found'}.", request_id=request_id)
        if status >= 500 or status in (408, 429):
            return FuseFaceError("FailedOperation.StorageError", f"{where}: HTTP {status} {code}.", request_id=request_id)
        return FuseFaceError("FailedOperation.StorageRejected", f"{where}: HTTP {status} {code}.", request_id=request_id)
    if _SDK_VALIDATION.match(str(exc)):  # refused by the SDK before sending (a bad bucket name...): permanent
        return FuseFaceError("FailedOperation.StorageRejected", f"{where}: {str(exc)[:300]}")
    return FuseFaceError("FailedOperation.StorageError", f"{where}: {str(exc)[:300]}")


class CosStorage:
    """COS for one region (implements :class:`~scf_fuseface.adapters.base.Storage`); one instance per
    invocation (credentials are per invocation). The class itself is the production ``StorageFactory``."""

    def __init__(self, settings: Settings, creds: Credentials, region: str) -> None:
        from qcloud_cos import CosClientError, CosConfig, CosS3Client, CosServiceError

        self._errors = (CosServiceError, CosClientError)
        self._token = creds.token
        common: Dict[str, Any] = dict(
            Region=region, SecretId=creds.secret_id, SecretKey=creds.secret_key, Token=creds.token,
            Scheme=settings.cos_scheme, Timeout=settings.cos_timeout,
        )
        try:
            if settings.cos_ip:
                self._client = CosS3Client(CosConfig(IP=settings.cos_ip, Port=settings.cos_port, **common), retry=1)
                self._signer = CosS3Client(CosConfig(**common), retry=0)
            else:  # the wire already uses the real domain: one client signs and sends
                self._client = self._signer = CosS3Client(CosConfig(**common), retry=1)
        except CosClientError as exc:
            raise FuseFaceError("InvalidCredential", f"COS configuration: {exc}") from None

    def head(self, bucket: str, key: str) -> Optional[ObjectHead]:
        """The object's size, ETag, Content-Type and ``x-cos-meta-*``; None when it does not exist."""
        try:
            headers = self._client.head_object(Bucket=bucket, Key=key)
        except self._errors as exc:
            err = _cos_error(exc, "HEAD", bucket, key)
            if err.code == "ResourceNotFound.CosObject":
                return None
            raise err from None
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        return ObjectHead(
            size=int(lower.get("content-length", "0") or 0),
            etag=lower.get("etag", "").strip('"'),
            content_type=lower.get("content-type", ""),
            metadata={k: v for k, v in lower.items() if k.startswith("x-cos-meta-")},
        )

    def get(self, bucket: str, key: str, *, first_bytes: Optional[int] = None) -> bytes:
        """The object's bytes, or only its first ``first_bytes`` (ranged GET)."""
        kwargs = {"Range": f"bytes=0-{first_bytes - 1}"} if first_bytes else {}
        try:
            resp = self._client.get_object(Bucket=bucket, Key=key, **kwargs)
            data = resp["Body"].get_raw_stream().read()
        except self._errors as exc:
            raise _cos_error(exc, "GET", bucket, key) from None
        except OSError as exc:  # connection dropped while streaming
            raise FuseFaceError("FailedOperation.StorageError", f"COS GET {bucket}/{key}: {exc}") from None
        return data[:first_bytes] if first_bytes else data

    def put(self, bucket: str, key: str, data: bytes, *, content_type: str,
            metadata: Optional[Dict[str, str]] = None) -> str:
        """Write ``data``; ``metadata`` keys are full ``x-cos-meta-*`` names. Returns the new ETag."""
        try:
            resp = self._client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=dict(metadata or {})
            )
        except self._errors as exc:
            raise _cos_error(exc, "PUT", bucket, key) from None
        return str({str(k).lower(): v for k, v in resp.items()}.get("etag", "")).strip('"')

    def put_if_absent(self, bucket: str, key: str, data: bytes, *, content_type: str,
                      metadata: Optional[Dict[str, str]] = None) -> bool:
        """Create ``key`` unless it exists: True when written, False on 409 (any 409 code: ``FileAlreadyExists``
        is UNCONFIRMED). The SDK has no parameter for ``x-cos-forbid-overwrite``: ``Metadata`` keys are copied
        into the request headers verbatim (``qcloud_cos.cos_comm.mapped``), so it travels there."""
        headers = dict(metadata or {}, **{"x-cos-forbid-overwrite": "true"})
        try:
            self._client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata=headers)
        except self._errors as exc:
            from qcloud_cos import CosServiceError

            if isinstance(exc, CosServiceError) and exc.get_status_code() == 409:
                return False
            raise _cos_error(exc, "PUT", bucket, key) from None
        return True

    def delete(self, bucket: str, key: str) -> None:
        """Delete ``key`` (COS answers 204 for a missing key too)."""
        try:
            self._client.delete_object(Bucket=bucket, Key=key)
        except self._errors as exc:
            err = _cos_error(exc, "DELETE", bucket, key)
            if err.code != "ResourceNotFound.CosObject":
                raise err from None

    def presign_get(self, bucket: str, key: str, *, expires: int) -> str:
        """A presigned GET URL on the real COS domain (+ ``x-cos-security-token`` under temporary credentials)."""
        params = {"x-cos-security-token": self._token} if self._token else {}
        try:
            return self._signer.get_presigned_url(Bucket=bucket, Key=key, Method="GET", Expired=expires, Params=params)
        except self._errors as exc:
            raise _cos_error(exc, "presign", bucket, key) from None
