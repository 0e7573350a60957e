"""``fuseface replay`` over many events: a progress line per event, a summary table, exit 2 on an event the
function does not recognise."""

from __future__ import annotations

import json
import shutil

from fuseface_local.cli import main as cli_main
from fuseface_local.replay import ReplayResult
from fuseface_local.replay.batch import Summary, event_sources, outcomes

from ..support.paths import EVENTS


def _result(result=None, error=None, ids=(), actions=()):
    res = ReplayResult(request_id="r", result=result, error=error)
    res.fuseface_request_ids = list(ids)
    res.fuseface_actions = list(actions) or ["FuseFace"] * len(ids)
    return res


def test_outcomes_read_cos_records_http_replies_and_unrecognised_events():
    cos = {"trigger": "cos", "records": [{"status": "fused"}, {"status": "skipped"},
                                         {"status": "failed", "code": "FailedOperation.NoFaceDetected"}]}
    assert outcomes(_result(cos)) == [("fused", ""), ("skipped", ""), ("failed", "FailedOperation.NoFaceDetected")]
    fused = {"statusCode": 200, "body": json.dumps({"Response": {"FusedImage": "x", "RequestId": "q"}})}
    listed = {"statusCode": 200, "body": json.dumps({"Response": {"MaterialInfos": []}})}
    refused = {"statusCode": 429, "body": json.dumps({"Response": {"Error": {"Code": "RequestLimitExceeded"}}})}
    assert [outcomes(_result(r))[0] for r in (fused, listed, refused)] == [
        ("fused", ""), ("answered", ""), ("failed", "RequestLimitExceeded")]
    unknown = {"error": {"Code": "InvalidParameterValue.InvalidEvent", "Message": "m"}}
    assert outcomes(_result(unknown)) == [("unrecognised", "InvalidParameterValue.InvalidEvent")]
    assert outcomes(_result(error=KeyError("x"))) == [("failed", "KeyError")]


def test_the_summary_counts_failures_by_code_and_calls_and_sets_the_exit_code():
    summary = Summary()
    summary.add(_result({"records": [{"status": "fused"}]}, ids=["a", "b"]))  # one retry: two calls
    summary.add(_result({"records": [{"status": "failed", "code": "X.Y"}, {"status": "failed", "code": "X.Y"}]}))
    assert summary.exit_code == 0
    rows = dict(summary.table())
    assert (rows["events"], rows["fused"], rows["failed"], rows["  X.Y"], rows["FuseFace calls"]) == (2, 1, 2, 2, 2)
    summary.add(_result(error=RuntimeError("boom")))
    assert summary.exit_code == 1
    summary.add(_result({"error": {"Code": "InvalidParameterValue.InvalidEvent"}}))
    assert summary.exit_code == 2 and dict(summary.table())["unrecognised events"] == 1


def test_the_summary_keeps_fuseface_ultra_calls_apart():
    summary = Summary()
    summary.add(_result({"records": [{"status": "fused"}]}, ids=["a"]))
    summary.add(_result({"records": [{"status": "fused"}]}, ids=["b", "c"], actions=["FuseFaceUltra"] * 2))
    rows = dict(summary.table())
    assert (rows["FuseFace calls"], rows["FuseFaceUltra calls"]) == (1, 2)
    assert "FuseFaceUltra calls" not in dict(Summary().table())  # shown only when there were some


def test_a_folder_stands_for_its_json_files_in_name_order(tmp_path):
    for name in ("b.json", "a.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert event_sources([str(tmp_path), "-"]) == [str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-"]


def test_replay_many_prints_progress_and_a_table_and_exits_2_on_an_unrecognised_event(tmp_path, capsys):
    folder = tmp_path / "events"
    folder.mkdir()
    shutil.copy(EVENTS / "cos_delete.json", folder / "1-delete.json")
    shutil.copy(EVENTS / "function_url_get_health.json", folder / "2-health.json")
    (folder / "3-timer.json").write_text(json.dumps({"Type": "Timer", "TriggerName": "t"}))
    empty = tmp_path / "no-fixtures"  # nothing to seed: no material review, no engine
    (empty / "objects").mkdir(parents=True)
    code = cli_main(["replay", str(folder), "--data", str(tmp_path / "data"), "--events-dir", str(empty)])
    captured = capsys.readouterr()
    assert code == 2
    progress = captured.err.strip().splitlines()
    assert progress[0].endswith("1/3 1-delete.json: skipped") and progress[1].endswith("2/3 2-health.json: answered")
    assert progress[2].endswith("3/3 3-timer.json: unrecognised InvalidParameterValue.InvalidEvent")
    table = [line for line in captured.out.splitlines() if not line.startswith('{"time"')]
    assert table[0].split() == ["outcome", "count"]
    rows = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in table[2:] if "wall time" not in line}
    assert rows == {"events": "3", "fused": "0", "skipped": "1", "answered (HTTP, no fusion)": "1", "failed": "0",
                    "unrecognised events": "1", "FuseFace calls": "0"}
    assert table[-1].startswith("wall time") and table[-1].endswith(" s")


def test_replay_one_unrecognised_event_exits_2(tmp_path, capsys):
    event = tmp_path / "timer.json"
    event.write_text(json.dumps({"Type": "Timer"}))
    empty = tmp_path / "no-fixtures"
    (empty / "objects").mkdir(parents=True)
    assert cli_main(["replay", str(event), "--data", str(tmp_path / "d"), "--events-dir", str(empty)]) == 2
    assert "ERROR the function did not recognise this event" in capsys.readouterr().out
