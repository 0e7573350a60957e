"""COS XML API subset (wire format + views): object PUT/GET/HEAD/DELETE, PUT-copy, GET bucket, HEAD bucket.

Views are ``view(ctx, request, bucket, key) -> Response``; routing and authentication happen in ``app.py``.
Errors use COS's XML body ``<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Dict, Iterable, Optional
from urllib.parse import quote, unquote

from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from .ranges import Unsatisfiable, byte_range
from .store import ObjectRecord, ObjectStore, StoreError

__all__ = ["COS_HOST_RE", "MAX_PUT_BYTES", "VIEWS", "cos_error", "forbids_overwrite", "new_request_id", "read_body"]

COS_HOST_RE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9-]*-\d+)\.cos\.(?P<region>[a-z0-9-]+)\.myqcloud\.com$"
)
# Headers stored with an object and returned on GET/HEAD, besides Content-Type and x-cos-meta-*.
_KEPT_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
# A simple PUT is at most 5 GB in COS; the emulator holds bodies in memory and stops at 256 MB (a deviation).
MAX_PUT_BYTES = 256 * 1024 * 1024


def read_body(request: Request, limit: int) -> Optional[bytes]:
    """The request body, or None when it is over ``limit`` bytes -- also when it is chunked and declares no
    length (the body is never read past ``limit + 1`` bytes). A body cut short, stalled past the server's read
    timeout or badly chunked is ``StoreError`` 400 ``IncompleteBody`` (the S3 code; COS's is UNCONFIRMED)."""
    if (request.content_length or 0) > limit:
        return None
    try:
        data = request.stream.read(limit + 1)
    except (OSError, ValueError, ClientDisconnected) as exc:
        raise StoreError("IncompleteBody", f"The request body could not be read ({type(exc).__name__}).") from None
    return None if len(data) > limit else data


def forbids_overwrite(request: Request) -> bool:
    """``x-cos-forbid-overwrite: true``: the write must not replace an existing object (409 FileAlreadyExists;
    the code is UNCONFIRMED for COS: third-party sources and the OSS analogue, see the README)."""
    return request.headers.get("x-cos-forbid-overwrite", "").strip().lower() == "true"


def new_request_id() -> str:
    return base64.b64encode(uuid.uuid4().hex.encode()).decode().rstrip("=")


def _xml(root: ET.Element, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    body = b"<?xml version='1.0' encoding='utf-8' ?>\n" + ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return Response(body, status=status, headers=headers or {}, content_type="application/xml")


def _sub(parent: ET.Element, tag: str, text: object = "") -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = "" if text is None else str(text)
    return el


def cos_error(code: str, message: str, status: int, resource: str = "", head: bool = False) -> Response:
    """COS's error response; a HEAD answer has no body (the SDK then reports ``NoSuchResource``)."""
    request_id = new_request_id()
    headers = {"x-cos-request-id": request_id, "x-cos-trace-id": request_id}
    if head:
        return Response(b"", status=status, headers=headers, content_type="application/xml")
    root = ET.Element("Error")
    for tag, text in (("Code", code), ("Message", message), ("Resource", resource),
                      ("RequestId", request_id), ("TraceId", request_id)):
        _sub(root, tag, text)
    return _xml(root, status, headers)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _object_headers(record: ObjectRecord) -> Dict[str, str]:
    headers = {
        "ETag": f'"{record.etag}"', "Last-Modified": http_date(record.last_modified),
        "Accept-Ranges": "bytes", "x-cos-request-id": new_request_id(), "x-cos-storage-class": "STANDARD",
    }
    headers.update(record.headers)
    headers.update(record.metadata)
    return headers


def _response_for(record: ObjectRecord, data: Optional[bytes], request: Request) -> Response:
    """The GET (``data``) or HEAD (``data`` None: the body is never read) answer for ``record``."""
    headers = _object_headers(record)
    status, start, stop = 200, 0, record.size
    try:
        bounds = byte_range(request.headers.get("Range"), record.size)
    except Unsatisfiable:
        return cos_error("InvalidRange", "The requested range is not satisfiable.", 416, record.key)
    if bounds is not None:
        start, stop = bounds
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{record.size}"
        status = 206
    content_type = request.args.get("response-content-type") or record.content_type
    if data is None:
        response = Response(b"", status=status, headers=headers, content_type=content_type)
        response.headers["Content-Length"] = str(stop - start)
        return response
    return Response(data[start:stop], status=status, headers=headers, content_type=content_type)


# --- views ------------------------------------------------------------------------------------------------
def get_object(store: ObjectStore, request: Request, bucket: str, key: str) -> Response:
    if request.method == "HEAD":
        return _response_for(store.head(bucket, key), None, request)
    record, data = store.read(bucket, key)
    return _response_for(record, data, request)


def put_object(store: ObjectStore, request: Request, bucket: str, key: str) -> Response:
    source = request.headers.get("x-cos-copy-source")
    if source:
        return _copy_object(store, request, bucket, key, source)
    data = read_body(request, MAX_PUT_BYTES)
    if data is None:
        raise StoreError("EntityTooLarge", f"The body exceeds the emulator's {MAX_PUT_BYTES} bytes.", 413)
    md5 = request.headers.get("Content-MD5")
    if md5 and base64.b64encode(hashlib.md5(data).digest()).decode() != md5:  # noqa: S324
        raise StoreError("BadDigest", "The Content-MD5 you specified did not match what we received.")
    record = store.put(bucket, key, data, metadata=_meta_from(request.headers.items()),
                       content_type=request.headers.get("Content-Type"), headers=_kept_from(request),
                       if_absent=forbids_overwrite(request))
    return Response(b"", status=200, headers={"ETag": f'"{record.etag}"', "x-cos-request-id": new_request_id()})


def _copy_object(store: ObjectStore, request: Request, bucket: str, key: str, source: str) -> Response:
    host, _, src_path = source.partition("/")
    match = COS_HOST_RE.match(host.split(":")[0])
    if match is None or not src_path:
        raise StoreError("InvalidArgument", "x-cos-copy-source must be <bucket>.cos.<region>.myqcloud.com/<key>.")
    src_record, data = store.read(match["bucket"], unquote(src_path.split("?")[0]))
    if request.headers.get("x-cos-metadata-directive", "Copy").lower() == "replaced":
        metadata, content_type = _meta_from(request.headers.items()), request.headers.get("Content-Type")
        kept = _kept_from(request)
    else:
        metadata, content_type, kept = src_record.metadata, src_record.content_type, src_record.headers
    record = store.put(bucket, key, data, metadata=metadata, content_type=content_type, headers=kept,
                       if_absent=forbids_overwrite(request))
    root = ET.Element("CopyObjectResult")
    _sub(root, "ETag", f'"{record.etag}"')
    _sub(root, "LastModified", _iso(record.last_modified))
    return _xml(root, headers={"x-cos-request-id": new_request_id()})


def delete_object(store: ObjectStore, request: Request, bucket: str, key: str) -> Response:
    if not store.bucket_exists(bucket):
        raise StoreError("NoSuchBucket", "The specified bucket does not exist.", 404)
    store.delete(bucket, key)  # a missing key in an existing bucket is 204, as in COS
    return Response(b"", status=204, headers={"x-cos-request-id": new_request_id()})


def put_bucket(store: ObjectStore, request: Request, bucket: str, key: str = "") -> Response:
    if not store.create_bucket(bucket):
        raise StoreError("BucketAlreadyOwnedByYou", "The bucket already exists.", 409)
    return Response(b"", status=200, headers={"x-cos-request-id": new_request_id()})


def list_bucket(store: ObjectStore, request: Request, bucket: str, key: str = "") -> Response:
    if not store.bucket_exists(bucket):
        raise StoreError("NoSuchBucket", "The specified bucket does not exist.", 404)
    if request.method == "HEAD":
        return Response(b"", status=200, headers={"x-cos-request-id": new_request_id()})
    args = request.args
    prefix, marker, delimiter = args.get("prefix", ""), args.get("marker", ""), args.get("delimiter", "")
    try:
        max_keys = max(0, min(1000, int(args.get("max-keys") or 1000)))
    except ValueError:
        raise StoreError("InvalidArgument", "max-keys must be an integer.") from None
    url_encode = args.get("encoding-type") == "url"
    contents, prefixes, truncated, next_marker = _page(store.records(bucket, prefix), prefix, marker,
                                                        delimiter, max_keys)
    enc = (lambda s: quote(s.encode("utf-8"), "/-_.~")) if url_encode else (lambda s: s)
    root = ET.Element("ListBucketResult")
    _sub(root, "Name", bucket)
    if url_encode:
        _sub(root, "EncodingType", "url")
    for tag, text in (("Prefix", enc(prefix)), ("Marker", enc(marker)), ("MaxKeys", max_keys),
                      ("Delimiter", enc(delimiter)), ("IsTruncated", "true" if truncated else "false")):
        _sub(root, tag, text)
    if truncated:
        _sub(root, "NextMarker", enc(next_marker))
    for record in contents:
        item = _sub(root, "Contents")
        for tag, text in (("Key", enc(record.key)), ("LastModified", _iso(record.last_modified)),
                          ("ETag", f'"{record.etag}"'), ("Size", record.size), ("StorageClass", "STANDARD")):
            _sub(item, tag, text)
        owner = _sub(item, "Owner")
        _sub(owner, "ID", "1250000000")
        _sub(owner, "DisplayName", "1250000000")
    for common in prefixes:
        _sub(_sub(root, "CommonPrefixes"), "Prefix", enc(common))
    return _xml(root, headers={"x-cos-request-id": new_request_id()})


def _page(records: Iterable[ObjectRecord], prefix: str, marker: str, delimiter: str, max_keys: int):
    contents, prefixes, last = [], [], ""
    for record in records:
        if marker and record.key <= marker:
            continue
        entry, is_prefix = record.key, False
        if delimiter:
            cut = record.key.find(delimiter, len(prefix))
            if cut >= 0:
                entry, is_prefix = record.key[: cut + len(delimiter)], True
                if prefixes and prefixes[-1] == entry:
                    continue
                if entry <= marker:
                    continue
        if len(contents) + len(prefixes) >= max_keys:
            return contents, prefixes, True, last
        if is_prefix:
            prefixes.append(entry)
        else:
            contents.append(record)
        last = entry
    return contents, prefixes, False, ""


def _meta_from(headers) -> Dict[str, str]:
    return {name.lower(): value for name, value in headers if name.lower().startswith("x-cos-meta-")}


def _kept_from(request: Request) -> Dict[str, str]:
    return {name: request.headers[name] for name in _KEPT_HEADERS if name in request.headers}


# endpoint name -> (view, counter name)
VIEWS = {
    "cos.get_object": (get_object, "cos:GET"),
    "cos.put_object": (put_object, "cos:PUT"),
    "cos.delete_object": (delete_object, "cos:DELETE"),
    "cos.list_bucket": (list_bucket, "cos:LIST"),
    "cos.put_bucket": (put_bucket, "cos:PUT_BUCKET"),
}
