"""``LogoParam``: a caller's own mark in place of FuseFace's default label.

SDK (facefusion v20220927 models.py): ``LogoAdd`` "为融合结果图添加合成标识的开关，默认为1 ... 其他数值：默认按1处理";
``LogoParam`` "标识内容设置。默认在融合结果图右下角添加“本图片为AI合成图片”字样，您可根据自身需要替换为其他的Logo
图片" with ``LogoRect`` (``FaceRect``: "标识图片位于融合结果图中的坐标，将按照坐标对标识图片进行位置和大小的拉伸匹配。
Width、Height <= 2160"), ``LogoUrl`` / ``LogoImage`` ("base64 和 url 必须提供一个，如果都提供以 url 为准"; jpg or
png; base64 <= 5 MB for the non-Pro API).

So with ``LogoAdd != 0`` and a ``LogoParam``, the logo image is stretched into ``LogoRect`` on the result instead of
the default label; with ``LogoAdd == 0`` nothing is drawn and ``LogoParam`` is not looked at. UNCONFIRMED (no doc
text): that ``LogoAdd=0`` ignores ``LogoParam``, the answer to a ``LogoParam`` without ``LogoRect`` or without an
image (here ``InvalidParameterValue.ParameterValueError``), a zero-sized rect (refused) and a rect partly outside the
result (clipped; wholly outside: ``ParameterValueError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Tuple

from scf_fuseface.errors import FuseFaceError
from scf_fuseface.imageinfo import sniff

__all__ = ["MAX_LOGO_SIDE", "Logo", "parse_logo"]

MAX_LOGO_SIDE = 2160
_PARAM = "InvalidParameterValue.ParameterValueError"


@dataclass(frozen=True)
class Logo:
    image: bytes  # jpg or png
    rect: Tuple[int, int, int, int]  # x, y, width, height on the result


def parse_logo(params: Mapping[str, Any], *, fetch: Callable[[str], bytes],
               decode: Callable[[str], bytes]) -> Optional[Logo]:
    """The logo to draw, or None for the default label (no ``LogoParam``) and for ``LogoAdd == 0``.

    ``fetch(url)`` downloads ``LogoUrl`` (emulated COS), ``decode(text)`` reads ``LogoImage`` (base64, <= 5 MB).
    """
    param = params.get("LogoParam")
    if params.get("LogoAdd", 1) == 0 or not param:
        return None
    rect = param.get("LogoRect")
    if not rect:
        raise FuseFaceError(_PARAM, "LogoParam needs LogoRect (where the logo goes on the result).")
    x, y, w, h = (rect.get(k, 0) for k in ("X", "Y", "Width", "Height"))
    if x < 0 or y < 0 or not 0 < w <= MAX_LOGO_SIDE or not 0 < h <= MAX_LOGO_SIDE:
        raise FuseFaceError(_PARAM, f"LogoRect must be at a non-negative position with 0 < Width, Height <= "
                                    f"{MAX_LOGO_SIDE}, got {(x, y, w, h)}.")
    if param.get("LogoUrl"):
        image = fetch(param["LogoUrl"])  # Url wins over the base64 image
    elif param.get("LogoImage"):
        image = decode(param["LogoImage"])
    else:
        raise FuseFaceError(_PARAM, "LogoParam needs LogoUrl or LogoImage.")
    sniff(image)  # jpg or png, else FailedOperation.ImageDecodeFailed
    return Logo(image, (x, y, w, h))
