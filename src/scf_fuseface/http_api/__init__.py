"""The HTTP API shared by the API Gateway and Function URL handlers (integrated-response shape).

``dispatch.py`` matches the route and turns every error into Tencent's envelope, ``routes.py`` holds
``POST /fuse``, ``GET /materials`` and ``GET /healthz``, ``body.py`` reads the body (JSON, raw image,
multipart), ``responses.py`` builds replies and CORS headers, ``api_keys.py`` checks ``X-Api-Key``. Storing a
result too large for a reply is COS output code (``outputs.store_http_result``).
"""

from .dispatch import handle

__all__ = ["handle"]
