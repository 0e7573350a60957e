"""The whole upload loop in the emulator: COS write -> trigger -> ``index.main_handler`` -> fused image in COS.

:class:`UploadLoop` listens to the emulator's successful writes (PUT Object, PUT Object-Copy, POST Object); for
every COS trigger of the function (``triggers.py``) that matches, it builds the event exactly as SCF delivers it
(``eventgen.cos_record``: ``cosObject.key`` = ``/appid/name/key``, the object's size, Content-Type and
``x-cos-meta-*`` in ``cosObject.meta``) and hands it to the :class:`~.workers.Invoker` -- asynchronously: the
client's PUT is answered first. With the ``duplicate`` fault the event is delivered twice at once.

The function's environment, in order (later wins): ``serverless.yml``'s variables, this process's environment,
then the emulator's endpoints and keys (``FUSEFACE_ENDPOINT``, ``FUSEFACE_COS_IP/PORT``, ``TENCENTCLOUD_*``).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional

from scf_fuseface.errors import FuseFaceError

from ..eventgen import cos_event, cos_record
from .dlq import DeadLetters
from .triggers import FunctionSpec
from .workers import Delivery, Invoker

__all__ = ["UploadLoop", "default_code_dir", "function_environ"]

log = logging.getLogger(__name__)
_ENDPOINT_VARS_SKIPPED = ("FUSEFACE_PROJECT_ID", "FUSEFACE_MODEL_ID")  # sample defaults, not endpoints


def default_code_dir(spec: FunctionSpec) -> Path:
    """Where ``index.py`` is: serverless.yml's ``src`` when it holds one, else this checkout's ``src/``."""
    if spec.code_dir is not None and (spec.code_dir / "index.py").is_file():
        return spec.code_dir
    import scf_fuseface

    here = Path(scf_fuseface.__file__).resolve().parents[1]
    if (here / "index.py").is_file():
        return here
    raise FuseFaceError("InvalidParameterValue",
                        f"No index.py in {spec.code_dir} nor in {here}: run `make package` or pass --function-dir.")


def function_environ(spec: FunctionSpec, emulator: Any) -> Dict[str, str]:
    """The function's environment variables (see the module docstring)."""
    from ..replay import emulator_environ

    env: Dict[str, str] = dict(spec.environment)
    env.update(os.environ)
    for name, value in emulator_environ(emulator).items():
        if name in _ENDPOINT_VARS_SKIPPED:
            continue
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class UploadLoop:
    """Triggers of ``spec`` on ``emulator`` (an ``EmulatorServer``, started before :meth:`start`)."""

    def __init__(self, emulator: Any, spec: FunctionSpec, *, concurrency: int = 10, retry_delay_s: float = 60.0,
                 code_dir: Optional[Path] = None, max_retries: int = 2) -> None:
        self.emulator = emulator
        self.spec = spec
        self.concurrency = concurrency
        self.retry_delay_s = retry_delay_s
        self.max_retries = max_retries
        self.code_dir = Path(code_dir) if code_dir is not None else default_code_dir(spec)
        self.dead_letters = DeadLetters(Path(emulator.data_dir) / "dead-letters", function_name=spec.name)
        self.invoker: Optional[Invoker] = None

    def start(self, *, provisioned: bool = False) -> UploadLoop:
        """Start listening; with ``provisioned`` every instance is started and initialised first (SCF's
        provisioned concurrency), otherwise each one cold-starts on its first invocation."""
        context = {"function_name": self.spec.name, "function_version": "$LATEST", "namespace": "default",
                   "memory_limit_in_mb": self.spec.memory_mb, "tencentcloud_region": self.spec.region}
        self.invoker = Invoker(
            code_dir=self.code_dir, handler=self.spec.handler, env=function_environ(self.spec, self.emulator),
            context=context, timeout_s=self.spec.timeout_s, concurrency=self.concurrency,
            retry_delay_s=self.retry_delay_s, log_path=Path(self.emulator.data_dir) / "logs" / "function.log",
            on_dead_letter=self._dead_letter, max_retries=self.max_retries,
        )
        if provisioned:
            self.invoker.warm()
        self.invoker.start()
        self.emulator.app.on_created.append(self.on_created)
        return self

    def stop(self) -> None:
        if self.on_created in self.emulator.app.on_created:
            self.emulator.app.on_created.remove(self.on_created)
        if self.invoker is not None:
            self.invoker.stop()

    def __enter__(self) -> UploadLoop:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- events ------------------------------------------------------------------------------------------
    def on_created(self, bucket: str, key: str, event_name: str) -> None:
        """Called by the emulator after a successful write: deliver it to every matching trigger."""
        triggers = [t for t in self.spec.triggers if t.matches(bucket, key, event_name)]
        if not triggers or self.invoker is None:
            return
        head = self.emulator.store.head(bucket, key)
        for trigger in triggers:
            record = cos_record(
                bucket, key, region=trigger.region, event_name=event_name, size=head.size,
                content_type=head.content_type, meta=head.metadata, event_time=int(time.time()),
                reqid=uuid.uuid4().int % 10 ** 9, request_id=uuid.uuid4().hex[:24], function_name=self.spec.name,
            )
            faults = self.emulator.app.meter.faults
            copies = 2 if faults is not None and faults.duplicated(bucket, key, head.etag) else 1
            self.invoker.submit(cos_event([record]), copies=copies)

    def _dead_letter(self, delivery: Delivery) -> Path:
        path = self.dead_letters.write(delivery)
        log.warning("dead letter written: %s", path)
        return path
