"""The README's commands copy-paste on a fresh clone: every repository path they name exists, every file they
write goes to the ignored ``out/`` folder (or the ignored local cloud), every ``fuseface`` sub-command and option
they use exists, and its two pictures are small PNGs."""

from __future__ import annotations

import re
import shlex

from fuseface_local.cli import build_parser

from ..support.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)


def _commands():
    """Each command of the bash blocks as its words (continuations joined, comments dropped, split on | and &&)."""
    for block in BLOCKS:
        for line in block.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars="|&>")
            lexer.whitespace_split = True
            words: list = []
            for word in lexer:
                if word in ("|", "&&"):
                    if words:
                        yield words
                    words = []
                else:
                    words.append(word)
            if words:
                yield words


def test_the_readme_has_copyable_commands():
    assert len(BLOCKS) >= 8 and len(list(_commands())) >= 25


def test_every_repository_path_named_exists():
    text = " ".join(w for words in _commands() for w in words)
    named = set(re.findall(r"(?<![\w/])((?:tests|events|docs)/[\w./*-]+\w)", text))
    assert named, "no repository path in the commands"
    missing = sorted(p for p in named if "*" not in p and not (ROOT / p).exists())
    assert missing == []
    for pattern in (p for p in named if "*" in p):
        assert list(ROOT.glob(pattern)), pattern


def test_outputs_go_to_the_ignored_out_folder():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/out/" in ignored and ".local-cloud/" in ignored
    outputs = [words[i + 1] for words in _commands() for i, w in enumerate(words[:-1]) if w in ("--output", "-o", ">")]
    assert outputs and all(o.startswith("out/") for o in outputs), outputs


def test_every_fuseface_command_and_option_exists():
    parser = build_parser()
    checked = 0
    for words in _commands():
        if not words[0].endswith("/fuseface"):
            continue
        args = parser.parse_args(words[1:])  # a full parse: an unknown option or command fails here
        assert callable(args.func), words
        checked += 1
    assert checked >= 15


def test_the_two_pictures_are_small_pngs_that_exist():
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    assert pictures == ["docs/page.png", "docs/sweep.png"]
    for rel in pictures:
        data = (ROOT / rel).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 150 * 1024, rel
