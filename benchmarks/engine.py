"""Engine speed and memory: median ms per fuse (one face, ~1024 px template; six faces), detection ms,
peak RSS. Targets (2-core box, one process): <= 120 ms single-face fuse, <= 500 ms six faces, <= 400 MB.

Each time is printed as wall ms and CPU ms (``time.process_time``: all threads of this process, so LiteRT's two
threads can make it exceed wall time on an idle machine). On a shared, loaded machine wall time is noisy and
CPU time is the comparable number; the targets are wall times on a quiet machine.

Single-face fuse is reported twice: UNCACHED (the template is decoded and analysed on every call, as
for a new material) and CACHED (the engine reuses its analysis of a template it has seen).

Run: ``.venv/bin/python benchmarks/engine.py [--repeat N]``. Inputs are built in memory from the
public-domain test faces: template ``obama.jpg`` (910x1137), user ``biden.jpg`` scaled to a 1024 px long
side, and a six-face 1200x800 composite template (crops of the four test faces, two of them mirrored).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
FACES = ROOT / "tests" / "assets" / "faces"

from fuseface_local.engine import FusionEngine  # noqa: E402
from fuseface_local.engine.codec import decode  # noqa: E402


def _jpeg(img: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def _scaled(name: str, long_side: int) -> bytes:
    img = decode((FACES / name).read_bytes())
    s = long_side / max(img.shape[:2])
    return _jpeg(cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA))


def _six_face_template(engine: FusionEngine) -> bytes:
    """3x2 grid of 400x400 head crops (faces ~150-200 px) from the test faces."""
    tiles = []
    for name, mirror in (("obama.jpg", False), ("biden.jpg", False), ("astronaut.jpg", False),
                         ("obama2.jpg", False), ("biden.jpg", True), ("obama.jpg", True)):
        img = decode((FACES / name).read_bytes())
        f = max(engine.analyzer.analyze(img), key=lambda face: face.area)
        cx, cy, half = f.x + f.width // 2, f.y + f.height // 2, int(f.width * 1.1)
        crop = img[max(cy - half, 0): cy + half, max(cx - half, 0): cx + half]
        crop = cv2.resize(crop, (400, 400), interpolation=cv2.INTER_AREA)
        tiles.append(crop[:, ::-1] if mirror else crop)
    return _jpeg(np.vstack([np.hstack(tiles[:3]), np.hstack(tiles[3:])]))


class Timing:
    """Median wall and CPU ms of ``repeat`` calls."""

    def __init__(self, fn, repeat: int) -> None:
        walls, cpus = [], []
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            cpus.append((time.process_time() - c0) * 1000.0)
            walls.append((time.perf_counter() - w0) * 1000.0)
        self.wall, self.cpu = statistics.median(walls), statistics.median(cpus)

    def __str__(self) -> str:
        return f"{self.wall:8.1f} ms wall {self.cpu:8.1f} ms CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    t0 = time.perf_counter()
    engine = FusionEngine()
    load_ms = (time.perf_counter() - t0) * 1000.0
    template = (FACES / "obama.jpg").read_bytes()
    user = _scaled("biden.jpg", 1024)
    six = _six_face_template(engine)
    users6 = [_scaled(n, 800) for n in ("biden.jpg", "astronaut.jpg", "obama2.jpg", "obama.jpg",
                                         "biden.jpg", "astronaut.jpg")]
    assert len(engine.detect(six)) == 6, "the six-face composite must show six faces"

    engine.fuse(template, [user])  # warm-up (first-call allocations, template analysis cached)
    warm = Timing(lambda: engine.fuse(template, [user]), args.repeat)

    def cold(t: bytes, users: list):
        engine._cache.clear()
        engine.fuse(t, users)

    cold_1 = Timing(lambda: cold(template, [user]), args.repeat)
    detect_t = Timing(lambda: engine.detect(template), args.repeat)
    detect_u = Timing(lambda: engine.detect(user), args.repeat)
    engine.fuse(six, users6)
    six_warm = Timing(lambda: engine.fuse(six, users6), max(args.repeat // 3, 3))
    six_cold = Timing(lambda: cold(six, users6), max(args.repeat // 3, 3))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    print(f"model load                          {load_ms:8.1f} ms")
    print(f"fuse, 1 face, UNCACHED template     {cold_1}  (median of {args.repeat}; target <= 120; "
          "decode + analyse both images + fuse + encode)")
    print(f"fuse, 1 face, CACHED template       {warm}  (median of {args.repeat}; template analysis reused)")
    print(f"fuse, 6 faces (6 users), UNCACHED   {six_cold}  (target <= 500)")
    print(f"fuse, 6 faces (6 users), cached     {six_warm}")
    print(f"detect (decode + faces), template   {detect_t}  (obama.jpg 910x1137)")
    print(f"detect (decode + faces), user       {detect_u}  (biden 451x1024)")
    print(f"peak RSS                            {peak_mb:8.1f} MB  (target <= 400)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
