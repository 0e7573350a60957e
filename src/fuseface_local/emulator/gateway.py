"""The API 3.0 gateway's checks in front of FuseFace's actions: the region (``X-TC-Region``) and the version.

Regions: the 公共参数 doc says the value is checked against the product's region list ("接口接受的地域取值参考接口
文档中输入参数公共参数 Region 的说明"), and a region the API does not serve is ``UnsupportedRegion`` ("接口不支持
所传地域"). A missing Region is ``MissingParameter`` ("请求缺少必传参数 `Region`", an SDK user's report of the real
answer, https://cloud.tencent.com/developer/ask/228227, 2019).

FuseFace's own region list could not be read: UNCONFIRMED. :data:`SERVED_REGIONS` is the list of regional endpoints
of the FuseFace API's "Request Structure" page (https://tencentcloud.com/document/product/1239/64615, updated
2025-10-30; the stored copy is cut after Hong Kong). It is configurable: ``EmulatorServer(regions=...)``,
``fuseface emulator --regions``, or ``FUSEFACE_EMULATOR_REGIONS`` (comma-separated).
"""

from __future__ import annotations

import os
from typing import FrozenSet, Iterable, Optional

from scf_fuseface.errors import FuseFaceError

__all__ = ["SERVED_REGIONS", "check_region", "check_version", "served_regions"]

SERVED_REGIONS: FrozenSet[str] = frozenset({
    "ap-guangzhou", "ap-shanghai", "ap-nanjing", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-hongkong",
})


def served_regions(regions: Optional[Iterable[str]] = None) -> FrozenSet[str]:
    """``regions``, else ``$FUSEFACE_EMULATOR_REGIONS`` (comma-separated), else :data:`SERVED_REGIONS`."""
    if regions is None:
        env = os.environ.get("FUSEFACE_EMULATOR_REGIONS", "")
        regions = [r for r in (part.strip() for part in env.split(",")) if r] or SERVED_REGIONS
    return frozenset(regions)


def check_region(served: FrozenSet[str], region: Optional[str]) -> None:
    """Raise ``MissingParameter`` / ``UnsupportedRegion`` unless ``region`` is one FuseFace serves."""
    region = (region or "").strip()
    if not region:
        raise FuseFaceError("MissingParameter", "The request is missing a required parameter `Region`.")
    if region not in served:
        raise FuseFaceError("UnsupportedRegion", f"The API does not support the region {region!r}; it serves "
                                                 f"{', '.join(sorted(served))}.")


def check_version(version: Optional[str], served: str, service: str = "facefusion") -> None:
    """Raise ``NoSuchVersion`` unless ``version`` is ``served`` (the version ``service`` serves)."""
    if version != served:
        raise FuseFaceError("NoSuchVersion", f"The API version {version!r} does not exist; {service} serves {served}.")
