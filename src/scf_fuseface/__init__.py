"""scf-fuseface: the Tencent Cloud SCF function (COS upload or HTTP request -> FuseFace -> COS), shipped whole.

``entry.main_handler`` infers the trigger (``handlers/``), which runs the COS ``pipeline`` or the ``http_api``;
``fuse`` builds and sends the FuseFace request; ``routing`` and ``outputs`` decide the parameters and what is
written; ``adapters/`` are the only code touching the SDKs. Local-only tooling lives in ``fuseface_local``.
"""

__version__ = "0.1.0"
