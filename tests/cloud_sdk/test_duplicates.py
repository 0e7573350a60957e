"""Duplicate deliveries through the real SDKs: the emulator honours x-cos-forbid-overwrite, so concurrent
deliveries of one upload make exactly one billable FuseFace call (issue 9: it was 4 of 4 before)."""

from __future__ import annotations

import threading

import pytest

from fuseface_local.eventgen import cos_event, cos_record
from scf_fuseface.entry import main_handler

from ..support.cloud import scf_context, unique_key
from ..support.images import small_face
from ..support.paths import BUCKET


@pytest.mark.parametrize("deliveries", [2, 4])
def test_concurrent_deliveries_bill_once(emu, deliveries):
    key = unique_key("dup")
    data = small_face()
    emu.store.put(BUCKET, key, data, content_type="image/jpeg")
    event = cos_event([cos_record(BUCKET, key, size=len(data))])
    emu.inject_delay("FuseFace", seconds=0.5, times=1)  # the winner's call is slow: the others overlap it
    results, errors = [], []

    def deliver():
        try:
            results.append(main_handler(event, scf_context()))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(deliveries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    statuses = sorted(r["records"][0]["status"] for r in results)
    assert statuses == ["fused"] + ["skipped"] * (deliveries - 1)
    assert emu.calls["FuseFace"] == 1  # (usage is not compared: a call of an earlier test may still be billed)
    assert [k for k in emu.store.list(BUCKET, "fused/.claims/")] == []
