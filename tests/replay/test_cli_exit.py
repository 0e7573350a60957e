"""`fuseface replay` (the CLI) exits non-zero when the handler raised, after printing the full report."""

from __future__ import annotations

from fuseface_local.cli import main as cli_main

from ..support.paths import EVENTS


def test_cli_replay_exits_1_when_the_handler_raises(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "no-fixtures"  # nothing to seed: no material review, no engine
    (empty / "objects").mkdir(parents=True)
    monkeypatch.setenv("FUSEFACE_OUTPUT_PREFIX", "uploads/out/")  # refused: results would re-trigger
    code = cli_main(["replay", str(EVENTS / "cos_delete.json"), "--data", str(tmp_path / "data"),
                     "--events-dir", str(empty)])
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith('{"time"')]
    assert code == 1
    assert lines[0].startswith("START RequestId: ")
    assert any(line.startswith("END RequestId: ") for line in lines)
    assert any(line.startswith("REPORT RequestId: ") and "FuseFace RequestIds: []" in line for line in lines)
    assert lines[-1].startswith("ERROR FuseFaceError: InvalidParameterValue.Configuration")
    assert "FUSEFACE_OUTPUT_PREFIX" in lines[-1]


def test_cli_replay_exits_0_for_a_skipped_event(tmp_path, capsys):
    empty = tmp_path / "no-fixtures"
    (empty / "objects").mkdir(parents=True)
    code = cli_main(["replay", str(EVENTS / "cos_delete.json"), "--data", str(tmp_path / "data"),
                     "--events-dir", str(empty)])
    out = capsys.readouterr().out
    assert code == 0 and '"skipped": 1' in out and "ERROR" not in out
