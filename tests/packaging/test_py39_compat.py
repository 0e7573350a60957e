"""The cloud path (everything the function zip ships) stays Python 3.9 compatible.

The main check runs on every interpreter (this one): each shipped file parses with the 3.9 grammar, and no
annotation that pydantic (or Python itself, without ``from __future__ import annotations``) evaluates at
runtime uses ``X | Y``. Where Python 3.9 / 3.10 interpreters exist (``FUSEFACE_PYTHON39``/``FUSEFACE_PYTHON310``, set by ``make``; or
``python3.9``/``python3.10`` on PATH), every shipped file is also byte-compiled by them.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import List

import pytest

from fuseface_local import packaging

SRC = Path(__file__).resolve().parents[2] / "src"


def cloud_files() -> List[Path]:
    """``index.py`` and every module of the shipped package (it ships whole)."""
    pkg = SRC / "scf_fuseface"
    return [SRC / "index.py"] + [p for p in sorted(pkg.rglob("*.py")) if "__pycache__" not in p.parts]


def _annotations(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign):
            yield node.annotation
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if arg is not None and arg.annotation is not None:
                    yield arg.annotation
            if node.returns is not None:
                yield node.returns


def _uses_pipe(annotation: ast.AST) -> bool:
    return any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr) for n in ast.walk(annotation))


def _problems(path: Path) -> List[str]:
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path), feature_version=(3, 9))
    except SyntaxError as exc:
        return [f"{path.name}:{exc.lineno}: not Python 3.9 syntax ({exc.msg})"]
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and
                 any(a.name == "annotations" for a in n.names) for n in tree.body)
    evaluated = not future or "pydantic" in source  # pydantic resolves string annotations at runtime
    out = []
    if evaluated:
        out += [f"{path.name}:{a.lineno}: 'X | Y' annotation is evaluated at runtime (use Optional/Union)"
                for a in _annotations(tree) if _uses_pipe(a)]
    for node in ast.walk(tree):  # 3.10+ keyword arguments of the standard library
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            kws = {k.arg for k in node.keywords}
            if (name == "zip" and "strict" in kws) or (name == "dataclass" and kws & {"slots", "kw_only"}):
                out.append(f"{path.name}:{node.lineno}: {name}({', '.join(sorted(kws))}) needs Python 3.10")
    return out


def test_cloud_path_is_python39_compatible():
    problems = [p for path in cloud_files() for p in _problems(path)]
    assert problems == []


def test_the_checker_catches_what_python39_rejects(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from __future__ import annotations\nfrom pydantic import BaseModel\n"
                   "class M(BaseModel):\n    x: int | None = None\n", encoding="utf-8")
    assert "evaluated at runtime" in _problems(bad)[0]
    bad.write_text("def f(v):\n    match v:\n        case 1:\n            return 1\n", encoding="utf-8")
    assert "not Python 3.9 syntax" in _problems(bad)[0]
    bad.write_text("import dataclasses\n@dataclasses.dataclass(slots=True)\nclass A:\n    x: int\n"
                   "pairs = list(zip([1], [2], strict=True))\n", encoding="utf-8")
    assert len(_problems(bad)) == 2
    bad.write_text("from __future__ import annotations\ndef f(x: int | None) -> str | None:\n    return None\n",
                   encoding="utf-8")
    assert _problems(bad) == []  # postponed and never evaluated: fine on 3.9


@pytest.mark.parametrize("version", ["3.9", "3.10"])
def test_cloud_path_byte_compiles_with_older_pythons(version, tmp_path):
    python = packaging.find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter here (pythonX.Y on PATH or pyenv); the AST check above ran")
    script = ("import os, py_compile, sys\n"
              "for i, f in enumerate(sys.argv[2:]):\n"
              "    py_compile.compile(f, cfile=os.path.join(sys.argv[1], '%d.pyc' % i), doraise=True)\n")
    files = [str(p) for p in cloud_files()]
    proc = subprocess.run([python, "-c", script, str(tmp_path)] + files, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(tmp_path.iterdir())) == len(files)
