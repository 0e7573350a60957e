"""Tencent Cloud regions: the default one and the short codes COS trigger events use. Standard library only
(the local tools import it without loading the function's dependencies)."""

from __future__ import annotations

from typing import Dict

__all__ = ["DEFAULT_REGION", "REGION_CODES"]

# FuseFace's region when FUSEFACE_REGION is unset (the local tools default to it too).
DEFAULT_REGION = "ap-guangzhou"

# Short region codes of COS trigger events (cosBucket.region) -> API regions. Where a region has two codes,
# the one listed first is what `fuseface event` writes (eventgen derives its reverse map from this table).
REGION_CODES: Dict[str, str] = {
    "gz": "ap-guangzhou", "sh": "ap-shanghai", "bj": "ap-beijing", "cd": "ap-chengdu", "cq": "ap-chongqing",
    "tj": "ap-beijing-1", "nj": "ap-nanjing", "hk": "ap-hongkong", "sg": "ap-singapore", "sgp": "ap-singapore",
    "th": "ap-bangkok", "bkk": "ap-bangkok", "jkt": "ap-jakarta", "kr": "ap-seoul", "jp": "ap-tokyo",
    "in": "ap-mumbai", "ca": "na-toronto", "usw": "na-siliconvalley", "use": "na-ashburn",
    "de": "eu-frankfurt", "ger": "eu-frankfurt", "sao": "sa-saopaulo", "szjr": "ap-shenzhen-fsi", "shjr": "ap-shanghai-fsi",
    "bjjr": "ap-beijing-fsi",
}
