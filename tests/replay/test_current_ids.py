"""Current-format IDs end to end (issue 7, "done when"): an upload under ``uploads/<mt_ ModelId>/`` with
``FUSEFACE_PROJECT_ID=at_...`` and a *different* ``FUSEFACE_MODEL_ID`` is fused with the material in its key,
through the real SDKs, the emulator and the real engine."""

from __future__ import annotations

import io

from PIL import Image

from fuseface_local.eventgen import cos_event, cos_record
from fuseface_local.replay import replay_local

from ..support.paths import BUCKET, EVENTS, MODEL, PROJECT, asset

OTHER_MATERIAL = "mt_1000000000000000002"  # a second material of the same activity: the configured default


def test_upload_under_an_mt_model_id_is_fused_with_that_material_not_the_configured_one(emulator, monkeypatch):
    # The fixtures' material (720x900 template) is seeded by replay_local; the configured default is another one
    # (astronaut.jpg, 512x512), so the output's size tells which template was used.
    if emulator.materials.get(OTHER_MATERIAL) is None:
        emulator.materials.add(PROJECT, asset("astronaut.jpg"), material_id=OTHER_MATERIAL)
    monkeypatch.setenv("FUSEFACE_PROJECT_ID", PROJECT)
    monkeypatch.setenv("FUSEFACE_MODEL_ID", f"{OTHER_MATERIAL}_1")
    key = f"uploads/{MODEL}/x.jpg"
    selfie = (EVENTS / "objects" / BUCKET / f"uploads/{MODEL}/selfie.jpg").read_bytes()
    emulator.store.put(BUCKET, key, selfie, content_type="image/jpeg")

    res = replay_local(cos_event([cos_record(BUCKET, key, size=len(selfie))]), emulator=emulator,
                       events_dir=EVENTS)
    emulator.check_errors()

    assert res.exit_code == 0, res.error_traceback
    (record,) = res.result["records"]
    assert record["status"] == "fused" and res.calls.get("FuseFace") == 1
    data, meta, _ = emulator.store.get(BUCKET, f"fused/{key}")
    assert meta["x-cos-meta-fuseface-model-id"] == "mt_1603586676924403712_1"
    assert meta["x-cos-meta-fuseface-project-id"] == "at_1603326187690926080"
    assert Image.open(io.BytesIO(data)).size == (720, 900)  # the key's template, not astronaut.jpg (512x512)
