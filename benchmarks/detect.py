"""Median ms of ``FaceAnalyzer.analyze`` (detection + 468-point mesh) on this machine.

Cases: obama.jpg resized to 1024 px on its long side (one face) and tests/assets/faces/group.jpg
(1400x950, five faces from 44 to 256 px). Also the detector alone and the mesh per face.
Run: ``.venv/bin/python benchmarks/detect.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fuseface_local.engine.codec import decode  # noqa: E402
from fuseface_local.engine.faces import FaceAnalyzer  # noqa: E402

FACES = ROOT / "tests" / "assets" / "faces"


def median_ms(fn, repeat: int) -> tuple:
    """(median, min) wall ms over ``repeat`` calls after a warm-up (min ~ the uncontended time)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    start = time.perf_counter()
    analyzer = FaceAnalyzer()
    print(f"model load: {(time.perf_counter() - start) * 1000:.0f} ms")

    obama = decode((FACES / "obama.jpg").read_bytes())
    k = 1024 / max(obama.shape[:2])
    one_face = cv2.resize(obama, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    group = decode((FACES / "group.jpg").read_bytes())
    rgb = cv2.cvtColor(one_face, cv2.COLOR_BGR2RGB)

    for label, img in (
        (f"one face, {one_face.shape[1]}x{one_face.shape[0]}", one_face),
        ("group.jpg, 1400x950", group),
    ):
        n = len(analyzer.analyze(img))
        total = median_ms(lambda img=img: analyzer.analyze(img), args.repeat)
        detect = median_ms(lambda img=img: analyzer.detector.detect(img), args.repeat)
        print(
            f"{label}: {n} face(s)  analyze median {total[0]:.1f} ms (min {total[1]:.1f})"
            f"  detector median {detect[0]:.1f} ms (min {detect[1]:.1f})"
        )

    det = analyzer.detector.detect(one_face)[0]
    mesh = median_ms(
        lambda: analyzer.mesh.landmarks(rgb, det.box, det.right_eye, det.left_eye), args.repeat
    )
    print(f"mesh per face: median {mesh[0]:.1f} ms (min {mesh[1]:.1f}, {1 + analyzer.mesh.refine} passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
