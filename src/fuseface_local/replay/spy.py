"""A read-only spy on the official SDK clients: the FuseFace RequestIds and the COS writes of one invocation."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, List, Tuple

__all__ = ["FUSEFACE_ACTIONS", "SdkSpy"]

FUSEFACE_ACTIONS = ("FuseFace", "FuseFaceUltra")  # the paid actions


class SdkSpy:
    """Records FuseFace RequestIds (one per HTTP attempt; ``actions`` says which paid action each was) and COS
    object writes made through the SDKs."""

    def __init__(self) -> None:
        self.request_ids: List[str] = []
        self.actions: List[str] = []
        self.writes: List[Tuple[Any, Any]] = []
        self._lock = threading.Lock()
        self._undo: List[Callable[[], None]] = []

    def __enter__(self) -> SdkSpy:
        from qcloud_cos import CosS3Client  # the cloud dependencies: always installed
        from tencentcloud.common.abstract_client import AbstractClient

        self._wrap(AbstractClient, "_call", self._after_call)
        self._wrap(CosS3Client, "put_object", self._after_write)
        self._wrap(CosS3Client, "copy_object", self._after_write)
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def _wrap(self, cls: type, name: str, after: Callable[..., None]) -> None:
        original = cls.__dict__[name]

        def wrapper(client: Any, *args: Any, **kwargs: Any) -> Any:
            out = original(client, *args, **kwargs)
            try:
                after(args, kwargs, out)
            except Exception:  # noqa: BLE001 - a spy must never break the handler
                pass
            return out

        setattr(cls, name, wrapper)
        self._undo.append(lambda: setattr(cls, name, original))

    def _after_call(self, args: tuple, kwargs: dict, resp: Any) -> None:
        action = args[0] if args else kwargs.get("action")
        if action not in FUSEFACE_ACTIONS:
            return
        request_id = json.loads(resp.content)["Response"].get("RequestId")
        if request_id:
            with self._lock:
                self.request_ids.append(request_id)
                self.actions.append(action)

    def _after_write(self, args: tuple, kwargs: dict, _out: Any) -> None:
        bucket = kwargs.get("Bucket", args[0] if args else None)
        key = kwargs.get("Key")
        if key is None and len(args) >= 3:  # put_object(Bucket, Body, Key)
            key = args[2]
        elif key is None and len(args) >= 2:  # copy_object(Bucket, Key, CopySource)
            key = args[1]
        with self._lock:
            self.writes.append((bucket, key))
