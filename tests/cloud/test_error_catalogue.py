"""The error catalogue against sources we did not write.

* The installed SDK's ``facefusion/v20220927/errorcodes.py`` (and ``v20181201``) is *parsed* (its constants' string
  values): every code must have an explicit ``CATALOG`` entry, and every code must be in ``EXPECTED`` below, so a
  new SDK release fails here until someone decides the code's class.
* ``EXPECTED`` (``tests/support/fuseface_codes.py``) holds the class of every code as a literal: the current SDK's codes, the codes of earlier releases
  (research notes issue7.md §1b/§1c/§1e: 3.0.812-3.0.1220, v20181201, the international SDK) and the common API 3.0
  codes (doc 1388/114322, 213/30435). Frequency control and inner errors are transient; account and resource state
  permanent.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
from pathlib import Path
from typing import List

import pytest

from scf_fuseface.errors import CATALOG, known, spec_for

from ..support.fuseface_codes import EXPECTED, A, C, I, T


def sdk_codes(version: str) -> List[str]:
    """The string values of the constants in the installed SDK's ``facefusion/<version>/errorcodes.py``."""
    spec = importlib.util.find_spec(f"tencentcloud.facefusion.{version}.errorcodes")
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text("utf-8"))
    codes = [node.value.value for node in tree.body
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
             and isinstance(node.value.value, str)
             and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)]
    assert codes, f"no constants parsed from {spec.origin}"
    return codes


@pytest.mark.parametrize("version", ["v20220927", "v20181201"])
def test_every_code_of_the_installed_sdk_has_an_explicit_entry_and_a_decided_class(version):
    codes = sdk_codes(version)
    assert [c for c in codes if c not in CATALOG] == []
    assert [c for c in codes if c not in EXPECTED] == []


def test_the_parser_sees_the_whole_current_file():
    codes = sdk_codes("v20220927")
    assert len(codes) >= 39  # SDK 3.1.70 (research issue7.md §1a)
    assert {"FailedOperation.NoFaceDetected", "ResourceUnavailable.NotExist", "RequestLimitExceeded"} <= set(codes)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_the_class_of_every_code(code):
    assert known(code)  # an explicit entry, not one inherited from a dotted parent
    spec = spec_for(code)
    assert spec.kind == EXPECTED[code]
    assert spec.retryable is (EXPECTED[code] == T)


@pytest.mark.parametrize("code, kind", [
    ("FailedOperation.FuseFreqCtrl", T), ("FailedOperation.FuseInnerError", T),  # were permanent by their parent
    ("ResourceUnavailable.LowBalance", A), ("ResourcesSoldOut.ChargeStatusException", A),  # were transient
    ("UnknownParameter", C), ("IpNotInWhitelist", C), ("ResourceUnavailable.NotReady", A),
])
def test_the_codes_the_issue_names(code, kind):
    assert spec_for(code).kind == kind


@pytest.mark.parametrize("code, kind", [
    ("FailedOperation.SomethingNew", I),  # its parent FailedOperation: a permanent input error
    ("RequestLimitExceeded.SomethingNew", T),
    ("ResourceUnavailable.SomethingNew", A),
    ("Brand.New.Code", T),  # no catalogued parent: transient (bounded by SCF's retries)
])
def test_an_unknown_code_takes_its_closest_parent_else_transient(code, kind):
    assert not known(code)
    assert spec_for(code).kind == kind


def test_the_adapter_logs_an_uncatalogued_code(caplog):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    from scf_fuseface.adapters.sdk import sdk_error as _sdk_error

    with caplog.at_level(logging.WARNING, logger="scf_fuseface.adapters.facefusion"):
        err = _sdk_error(TencentCloudSDKException("FailedOperation.BrandNew", "new", "req-9"))
        _sdk_error(TencentCloudSDKException("FailedOperation.NoFaceDetected", "no face", "req-10"))
    assert err.code == "FailedOperation.BrandNew" and err.request_id == "req-9"
    (record,) = [r for r in caplog.records if r.getMessage() == "uncatalogued API error code"]
    assert record.code == "FailedOperation.BrandNew" and record.treated_as == I
