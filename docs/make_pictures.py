"""The README's two pictures from the browser tests' screenshots (run `make test` or
`.venv/bin/python -m pytest tests/browser` first; they write tests/output/browser/):

* ``docs/page.png``  -- the try-it page after a fusion (desktop, top of the page), from ``02-result-0-0.png`` (both degrees at 0);
* ``docs/sweep.png`` -- the "compare levels" contact sheet, from ``07-sweep.png``.

Each is scaled down and reduced to a 128-colour palette so it stays under 150 KB.
Run: ``.venv/bin/python docs/make_pictures.py``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "output" / "browser"
LIMIT = 150 * 1024


def shrink(source: str, target: str, *, width: int, crop_height: int = 0) -> int:
    with Image.open(SHOTS / source) as img:
        img = img.convert("RGB")
        if crop_height:
            img = img.crop((0, 0, img.width, min(img.height, crop_height)))
        img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
        for colours in (128, 96, 64, 48):
            out = ROOT / "docs" / target
            img.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, optimize=True)
            if out.stat().st_size < LIMIT:
                return out.stat().st_size
    raise SystemExit(f"{target} stays over {LIMIT} bytes")


if __name__ == "__main__":
    print("docs/page.png", shrink("02-result-0-0.png", "page.png", width=760, crop_height=1100))
    print("docs/sweep.png", shrink("07-sweep.png", "sweep.png", width=760))
