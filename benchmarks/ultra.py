"""FuseFaceUltra on the local engine (``engine.ultra.fuse_ultra``, what the emulator runs): median ms per call at
the recommended values, with every effect off (the cost of the effects is the difference), per effect alone, and
for a template over FuseFace's 4096 px (fused scaled, put back); peak RSS. No targets yet: numbers to watch.

Run: ``.venv/bin/python benchmarks/ultra.py [--repeat N]``. Inputs from the public-domain test faces: template
``obama.jpg`` (910x1137), user ``obama2.jpg`` (open mouth: the teeth effect has work to do); the large template is
``obama.jpg`` padded to 4310x1137 (replicated border).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
FACES = ROOT / "tests" / "assets" / "faces"

from fuseface_local.engine import FusionEngine  # noqa: E402
from fuseface_local.engine.codec import decode, encode_jpeg  # noqa: E402
from fuseface_local.engine.ultra import UltraOptions, fuse_ultra  # noqa: E402


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = FusionEngine()
    template = (FACES / "obama.jpg").read_bytes()
    user = (FACES / "obama2.jpg").read_bytes()
    big = encode_jpeg(cv2.copyMakeBorder(decode(template), 0, 0, 1700, 1700, cv2.BORDER_REPLICATE))
    off = dict(enhance=0.0, mp=0.0, teeth=0.0)
    cases = [
        ("recommended values (910x1137)", template, UltraOptions()),
        ("effects off", template, UltraOptions(**off)),
        ("EnhanceRadio 1 alone", template, UltraOptions(**{**off, "enhance": 1.0})),
        ("MpRadio 1 alone", template, UltraOptions(**{**off, "mp": 1.0})),
        ("TeethEnhanceRadio 1 alone", template, UltraOptions(**{**off, "teeth": 1.0})),
        ("recommended values, 4310x1137 template", big, UltraOptions()),
    ]
    fuse_ultra(engine, template, [user], options=UltraOptions())  # warm-up: models loaded, caches filled
    for label, tmpl, options in cases:
        ms = _median_ms(lambda t=tmpl, o=options: fuse_ultra(engine, t, [user], options=o), args.repeat)
        print(f"{label:42s} {ms:8.1f} ms (median of {args.repeat})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"{'peak RSS':42s} {peak:8.1f} MB")


if __name__ == "__main__":
    main()
