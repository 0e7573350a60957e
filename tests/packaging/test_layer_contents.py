"""What the layer leaves out (a declared list), the ELF reader behind its checks, and the checks themselves.

Real ELF files come from this interpreter's Pillow and pydantic-core wheels; expected values from binutils'
``readelf`` and from the file list of the Pillow 12.2.0 cp310 manylinux2014 wheel (the layer's Pillow)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fuseface_local import layer_contents
from fuseface_local.elf import read_elf

SITE = Path(__import__("PIL").__file__).resolve().parents[1]
PILLOW_ELFS = sorted((SITE / "PIL").glob("*.so")) + sorted((SITE / "pillow.libs").glob("*.so*"))

# PIL/*.so and pillow.libs/ of pillow-12.2.0-cp310-cp310-manylinux2014_x86_64 (`unzip -l`).
WHEEL_FILES = [
    "PIL/_avif.cpython-310-x86_64-linux-gnu.so", "PIL/_imaging.cpython-310-x86_64-linux-gnu.so",
    "PIL/_imagingcms.cpython-310-x86_64-linux-gnu.so", "PIL/_imagingft.cpython-310-x86_64-linux-gnu.so",
    "PIL/_imagingmath.cpython-310-x86_64-linux-gnu.so", "PIL/_imagingmorph.cpython-310-x86_64-linux-gnu.so",
    "PIL/_imagingtk.cpython-310-x86_64-linux-gnu.so", "PIL/_webp.cpython-310-x86_64-linux-gnu.so",
    "pillow.libs/libXau-00ec42fe.so.6.0.0", "pillow.libs/libavif-0b1c2ae7.so.16.4.1",
    "pillow.libs/libbrotlicommon-c43ca8d5.so.1.2.0", "pillow.libs/libbrotlidec-2b4e35de.so.1.2.0",
    "pillow.libs/libfreetype-bbbc9ca1.so.6.20.6", "pillow.libs/libharfbuzz-0c77c97f.so.0.61321.0",
    "pillow.libs/libjpeg-02b4d8cf.so.62.4.0", "pillow.libs/liblcms2-35454777.so.2.0.18",
    "pillow.libs/liblzma-d41bb66c.so.5.8.3", "pillow.libs/libopenjp2-a0b2093f.so.2.5.4",
    "pillow.libs/libpng16-1ff02007.so.16.56.0", "pillow.libs/libsharpyuv-f85d91c0.so.0.1.2",
    "pillow.libs/libtiff-56c1bbc6.so.6.2.0", "pillow.libs/libwebp-15463320.so.7.2.0",
    "pillow.libs/libwebpdemux-65067297.so.2.0.17", "pillow.libs/libwebpmux-83c74882.so.3.1.2",
    "pillow.libs/libxcb-46a603a8.so.1.1.0", "pillow.libs/libzstd-96175704.so.1.5.7",
]


def _readelf(path: Path):
    out = subprocess.run(["readelf", "-d", "-S", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    rpath = re.findall(r"\(RPATH\)\s+Library rpath: \[(.+?)\]", out)
    runpath = re.findall(r"\(RUNPATH\)\s+Library runpath: \[(.+?)\]", out)
    debug = re.findall(r"\]\s+(\.debug\S*)", out)
    return needed, [p for r in rpath for p in r.split(":")], [p for r in runpath for p in r.split(":")], debug


@pytest.mark.skipif(shutil.which("readelf") is None, reason="binutils' readelf is not installed")
@pytest.mark.parametrize("path", PILLOW_ELFS + sorted((SITE / "pydantic_core").glob("*.so")),
                         ids=lambda p: p.name)
def test_the_elf_reader_agrees_with_readelf(path):
    info = read_elf(path)
    needed, rpath, runpath, debug = _readelf(path)
    assert list(info.needed) == needed and needed
    assert (list(info.rpath), list(info.runpath)) == (rpath, runpath)
    assert list(info.debug_sections) == debug


def test_a_text_file_is_not_read_as_elf(tmp_path):
    (tmp_path / "x.so").write_text("not an ELF")
    assert read_elf(tmp_path / "x.so") is None


def test_omitting_leaves_pillow_with_its_core_and_the_libraries_it_loads(tmp_path):
    for name in WHEEL_FILES + ["pydantic/main.py", "pydantic/v1/__init__.py", "pydantic/mypy.py",
                               "urllib3/contrib/__init__.py", "urllib3/contrib/socks.py",
                               "urllib3/contrib/pyopenssl.py", "urllib3/contrib/emscripten/fetch.py",
                               "PIL/WebPImagePlugin.py", "PIL/ImageFont.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    removed = layer_contents.omit(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == [
        "PIL/ImageFont.py", "PIL/WebPImagePlugin.py",  # the plugins stay: they import their codec optionally
        "PIL/_imaging.cpython-310-x86_64-linux-gnu.so", "PIL/_imagingmath.cpython-310-x86_64-linux-gnu.so",
        "pillow.libs/libXau-00ec42fe.so.6.0.0", "pillow.libs/libjpeg-02b4d8cf.so.62.4.0",
        "pillow.libs/liblzma-d41bb66c.so.5.8.3", "pillow.libs/libopenjp2-a0b2093f.so.2.5.4",
        "pillow.libs/libtiff-56c1bbc6.so.6.2.0", "pillow.libs/libxcb-46a603a8.so.1.1.0",
        "pillow.libs/libzstd-96175704.so.1.5.7",
        "pydantic/main.py", "urllib3/contrib/__init__.py",
    ]
    assert len(removed) == 22 and "pydantic/v1" in removed and "urllib3/contrib/emscripten" in removed


def test_every_omission_is_one_file_or_folder_with_a_reason():
    for entry in layer_contents.OMITTED:
        *folders, name = entry.path.split("/")
        assert entry.reason and not any("*" in f for f in folders), entry
        # '*' only for a version or hash: after a '-' or '.' of a named file ("libwebp-*" is not "libwebpmux-*")
        assert all(part and part[-1] in "-." for part in name.split("*")[:-1]), entry
    assert set(layer_contents.EXCLUDED_DISTRIBUTIONS) == {"pycryptodome"}


def _pillow_layer(tmp_path: Path) -> Path:
    """This interpreter's Pillow extension modules and bundled libraries, as a layer tree."""
    layer = tmp_path / "layer"
    for path in PILLOW_ELFS:
        dest = layer / path.relative_to(SITE)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return layer


def _loader_problems(layer: Path):
    return [p for p in layer_contents.problems(layer) if " needs " in p or "nothing loads" in p]


def test_the_loader_check_passes_after_omitting_and_names_a_missing_library(tmp_path):
    layer = _pillow_layer(tmp_path)
    orphans = _loader_problems(layer)  # before omitting: nothing is missing
    assert not [p for p in orphans if " needs " in p]
    layer_contents.omit(layer)
    assert _loader_problems(layer) == []
    libjpeg = next((layer / "pillow.libs").glob("libjpeg-*"))
    libjpeg.unlink()  # needed by _imaging (and libtiff)
    imaging = next((layer / "PIL").glob("_imaging.cpython-*.so")).name
    libtiff = next((layer / "pillow.libs").glob("libtiff-*")).name
    assert sorted(_loader_problems(layer)) == [
        f"PIL/{imaging} needs {libjpeg.name}: not in the layer, not a system library",
        f"pillow.libs/{libtiff} needs {libjpeg.name}: not in the layer, not a system library",
    ]


def test_a_bundled_library_nothing_loads_is_reported(tmp_path):
    layer = _pillow_layer(tmp_path)
    webp = next((layer / "PIL").glob("_webp.cpython-*.so"))
    layer_contents.omit(layer)
    shutil.copy2(next((SITE / "pillow.libs").glob("libwebp-*")), layer / "pillow.libs")
    assert _loader_problems(layer) == [
        f"bundled library nothing loads: pillow.libs/{next((layer / 'pillow.libs').glob('libwebp-*')).name}"]
    assert not webp.exists()


@pytest.mark.skipif(shutil.which("strip") is None, reason="binutils' strip is not installed")
def test_stripped_pillow_still_decodes_and_encodes(tmp_path):
    from PIL import Image

    layer = _pillow_layer(tmp_path)
    for path in (SITE / "PIL").glob("*.py"):
        shutil.copy2(path, layer / "PIL" / path.name)
    imaging = next((layer / "PIL").glob("_imaging.cpython-*.so"))
    before = imaging.stat().st_size
    assert read_elf(imaging).debug_sections  # the wheel ships it with debug info
    stripped, note = layer_contents.strip_debug_info(layer)
    assert note is None and f"PIL/{imaging.name}" in stripped
    assert read_elf(imaging).debug_sections == () and imaging.stat().st_size < before / 2
    assert read_elf(imaging).needed == read_elf(next((SITE / "PIL").glob("_imaging.cpython-*.so"))).needed
    Image.linear_gradient("L").save(tmp_path / "in.png")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from PIL import Image\n"
            "im = Image.open(sys.argv[2]).convert('RGB').resize((64, 48), Image.LANCZOS)\n"
            "im.save(sys.argv[3], 'JPEG'); print(Image.__file__)")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(layer), str(tmp_path / "in.png"),
                          str(tmp_path / "out.jpg")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(str(layer))
    with Image.open(tmp_path / "out.jpg") as img:
        assert img.format == "JPEG" and img.size == (64, 48)
