"""What the SCF layer leaves out of its wheels, why, and the checks that it still holds everything our code needs.

Nothing is removed by a broad pattern: each omission below names one distribution, one file or one folder (a
``*`` only stands for the version or the auditwheel hash in a file name, never for a folder), with its reason.
After omitting, :func:`problems` walks the dynamic loader's search from every extension module in the layer:
each library it needs must be in the layer or one of :data:`SYSTEM_LIBRARIES`, each bundled library must be
reached, and :data:`REQUIRED` must be there. Local tooling only (``fuseface_local.packaging`` uses it).

Measured with the cp310 wheels of 2026-11 (zipped / unpacked):

* pycryptodome: 2.97 / 10.7 MB. ``qcloud_cos/crypto.py`` imports ``Crypto`` at its top; only
  ``qcloud_cos/cos_encryption_client.py`` (client-side encryption, ``CosEncryptionClient``) imports that module,
  and neither ``qcloud_cos/__init__.py`` nor ``cos_client.py`` imports either (cos-python-sdk-v5 1.9.44).
* Pillow's optional codecs and their libraries: about 4.2 MB zipped (libavif alone is 7.9 MB unpacked).
* Debug info of Pillow's own extension modules (``strip --strip-debug``): 0.76 MB zipped.
* ``pydantic/v1``: 0.29 MB zipped.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from .elf import ElfInfo, is_elf, read_elf

__all__ = ["EXCLUDED_DISTRIBUTIONS", "OMITTED", "REQUIRED", "SYSTEM_LIBRARIES", "omit", "problems",
           "strip_debug_info"]

# Distributions a dependency declares that our code never imports: never installed into the layer.
EXCLUDED_DISTRIBUTIONS: Dict[str, str] = {
    "pycryptodome": "cos-python-sdk-v5 needs Crypto only for CosEncryptionClient (client-side encryption, "
                    "qcloud_cos/crypto.py); CosS3Client never imports it",
}


@dataclass(frozen=True)
class Omission:
    path: str  # relative to the layer root; a file or a folder; '*' only for the version/hash in a file name
    reason: str


_PIL_EXT = "PIL/{}.cpython-*.so"
_LIB = "pillow.libs/{}-*.so.*"  # auditwheel names: lib<name>-<hash>.so.<version>

OMITTED: Tuple[Omission, ...] = (
    # Pillow: we read only jpg/png (scf_fuseface.imageinfo.sniff refuses anything else before Pillow sees it).
    Omission(_PIL_EXT.format("_avif"), "AVIF codec; AvifImagePlugin reports AVIF as unsupported without it"),
    Omission(_PIL_EXT.format("_webp"), "WebP codec; WebPImagePlugin reports WebP as unsupported without it"),
    Omission(_PIL_EXT.format("_imagingft"), "FreeType/HarfBuzz text drawing (ImageFont); we draw no text"),
    Omission(_PIL_EXT.format("_imagingcms"), "LittleCMS colour management (ImageCms); we apply no ICC profile"),
    Omission(_PIL_EXT.format("_imagingtk"), "Tk display (ImageTk); no display on SCF"),
    Omission(_PIL_EXT.format("_imagingmorph"), "ImageMorph (morphological operators); unused"),
    Omission(_LIB.format("libavif"), "needed only by PIL/_avif"),
    Omission(_LIB.format("libwebp"), "needed only by PIL/_webp (and libwebpmux/libwebpdemux)"),
    Omission(_LIB.format("libwebpmux"), "needed only by PIL/_webp"),
    Omission(_LIB.format("libwebpdemux"), "needed only by PIL/_webp"),
    Omission(_LIB.format("libsharpyuv"), "needed only by libwebp"),
    Omission(_LIB.format("libfreetype"), "needed only by PIL/_imagingft and libharfbuzz"),
    Omission(_LIB.format("libharfbuzz"), "needed only by PIL/_imagingft"),
    Omission(_LIB.format("libpng16"), "needed only by libfreetype (Pillow's PNG codec is zlib inside _imaging)"),
    Omission(_LIB.format("libbrotlidec"), "needed only by libfreetype"),
    Omission(_LIB.format("libbrotlicommon"), "needed only by libbrotlidec"),
    Omission(_LIB.format("liblcms2"), "needed only by PIL/_imagingcms"),
    # pydantic: only the v2 API is used.
    Omission("pydantic/v1", "the pydantic 1 API (import pydantic.v1); pydantic 2 itself imports it only for a "
                            "type with __get_validators__, which our models do not have"),
    Omission("pydantic/mypy.py", "mypy plugin; imports mypy"),
    # iai: POST /detect calls DetectFace of API version 2020-03-03 (scf_fuseface.adapters.iai) only.
    Omission("tencentcloud/iai/v20180301", "iai API version 2018-03-01 (its client and models); unused"),
    # urllib3 extras whose own dependencies are not in the layer (importing them fails either way).
    Omission("urllib3/contrib/emscripten", "urllib3 for Pyodide (browser) only"),
    Omission("urllib3/contrib/socks.py", "SOCKS proxies; imports PySocks, which is not in the layer"),
    Omission("urllib3/contrib/pyopenssl.py", "imports pyOpenSSL, which is not in the layer"),
)

# Kept on purpose; the layer is broken without them (glob -> reason; each must match exactly one file).
REQUIRED: Dict[str, str] = {
    "PIL/_imaging.cpython-*.so": "Pillow's core: JPEG (libjpeg) and PNG (zlib) codecs, exif_transpose, resize",
    "PIL/_imagingmath.cpython-*.so": "imported by every Image.open (preinit -> GifImagePlugin -> ImageMath); "
                                     "9 KB zipped, and without it GIF would silently stop being recognised",
    "pydantic_core/_pydantic_core.cpython-*.so": "pydantic 2's validator core",
    "crcmod/_crcfunpy.py": "crcmod's pure-Python CRC (qcloud_cos imports crcmod; we ship no C extension)",
    "certifi/cacert.pem": "CA bundle of requests (HTTPS to FuseFace and COS)",
    "tencentcloud/iai/v20200303/iai_client.py": "iai DetectFace 2020-03-03 (POST /detect, adapters/iai.py)",
}

# Libraries the wheels leave to the operating system (manylinux2014's allowed set, plus zlib, which
# auditwheel also allows). UNCONFIRMED for the SCF Python 3.10 image: libz.so.1 (PIL/_imaging and libtiff need
# it). Very likely there, as CPython's own zlib module links it, but no Tencent document lists the image's libraries.
SYSTEM_LIBRARIES: Tuple[str, ...] = (
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libgcc_s.so.1", "libstdc++.so.6",
    "ld-linux-x86-64.so.2", "libz.so.1",
)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def omit(target: Path) -> List[str]:
    """Remove every :data:`OMITTED` entry present in ``target``; returns the removed paths (relative)."""
    removed = []
    for entry in OMITTED:
        for path in sorted(target.glob(entry.path)):
            removed.append(path.relative_to(target).as_posix())
            _remove(path)
    return removed


def strip_debug_info(target: Path) -> Tuple[List[str], Optional[str]]:
    """``strip --strip-debug`` every ELF in ``target`` that carries ``.debug_*`` sections (symbols stay).

    Returns the stripped paths and, when binutils' ``strip`` is missing, a note (the layer is then bigger)."""
    candidates = [p for p in sorted(target.rglob("*")) if p.is_file() and ".so" in p.name and is_elf(p)]
    debug = [p for p in candidates if (read_elf(p) or ElfInfo((), (), (), ())).debug_sections]
    if not debug:
        return [], None
    strip = shutil.which("strip")
    if strip is None:
        return [], "binutils' strip not found: debug info kept (apt-get install binutils)"
    subprocess.run([strip, "--strip-debug", *map(str, debug)], check=True)
    return [p.relative_to(target).as_posix() for p in debug], None


def _search_dirs(paths: Tuple[str, ...], origin: Path) -> List[Path]:
    return [Path(p.replace("$ORIGIN", str(origin)).replace("${ORIGIN}", str(origin))).resolve() for p in paths]


def _walk(target: Path, path: Path, chain: List[Tuple[Path, ElfInfo]], reached: Set[Path], out: List[str]) -> None:
    """The loader's search for ``path``'s DT_NEEDED: the DT_RPATHs of it and its loaders (unless it has a
    DT_RUNPATH), then its DT_RUNPATH; then the system."""
    info = read_elf(path)
    if info is None:
        out.append(f"{path.relative_to(target)}: not a 64-bit little-endian ELF")
        return
    links = [(path, info)] + chain
    dirs = [] if info.runpath else [d for p, i in links for d in _search_dirs(i.rpath, p.parent)]
    dirs += _search_dirs(info.runpath, path.parent)
    for name in info.needed:
        found = next((d / name for d in dirs if (d / name).is_file()), None)
        if found is not None and target.resolve() in found.resolve().parents:
            if found.resolve() not in reached:
                reached.add(found.resolve())
                _walk(target, found, links, reached, out)
        elif name not in SYSTEM_LIBRARIES:
            out.append(f"{path.relative_to(target).as_posix()} needs {name}: not in the layer, not a system library")


def problems(target: Path) -> List[str]:
    """What is wrong with the layer dir ``target`` (empty list = fine)."""
    out = []
    for dist, reason in EXCLUDED_DISTRIBUTIONS.items():
        stem = dist.replace("-", "_")
        if list(target.glob(f"{stem}-*.dist-info")):
            out.append(f"excluded distribution in the layer: {dist} ({reason})")
    if (target / "Crypto").exists():
        out.append("excluded package in the layer: Crypto (pycryptodome)")
    for entry in OMITTED:
        out += [f"omitted path still in the layer: {p.relative_to(target).as_posix()}" for p in target.glob(entry.path)]
    for pattern, reason in REQUIRED.items():
        if len(list(target.glob(pattern))) != 1:
            out.append(f"required file missing (or not unique): {pattern} ({reason})")
    elfs = [p for p in sorted(target.rglob("*")) if p.is_file() and ".so" in p.name and is_elf(p)]
    bundled = {p.resolve() for p in elfs if any(part.endswith(".libs") for part in p.relative_to(target).parts)}
    reached: Set[Path] = set()
    for module in (p for p in elfs if p.resolve() not in bundled):  # extension modules: what Python loads
        _walk(target, module, [], reached, out)
    out += [f"bundled library nothing loads: {p.relative_to(target.resolve()).as_posix()}"
            for p in sorted(bundled - reached)]
    return out
