"""Median ms of ``FaceAnalyzer.analyze`` (detection + 468-point mesh) on this machine.

Cases: obama.jpg resized to 1024 px on its long side (one face), tests/assets/faces/group.jpg (1400x950, five
faces from 44 to 256 px), and from the hard-case set (issue 11) a tight 256 px selfie, a 112 px aligned crop and
crowd_2560.jpg (2560x1600: a grey 3/4-turned face and faces of 36..64 px). Also the detector alone and the mesh
per face. Wall and CPU (``time.process_time``) times.
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
    """(median wall, min wall, median CPU) ms over ``repeat`` calls after a warm-up (min ~ the uncontended time)."""
    fn()
    times, cpu = [], []
    for _ in range(repeat):
        start, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1000.0)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times), statistics.median(cpu)


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

    hard = FACES / "hard"
    for label, img in (
        (f"one face, {one_face.shape[1]}x{one_face.shape[0]}", one_face),
        ("group.jpg, 1400x950", group),
        ("hard/selfie256_biden.jpg, 256x256", decode((hard / "selfie256_biden.jpg").read_bytes())),
        ("hard/crop112_obama.jpg, 112x112", decode((hard / "crop112_obama.jpg").read_bytes())),
        ("hard/crowd_2560.jpg, 2560x1600", decode((hard / "crowd_2560.jpg").read_bytes())),
    ):
        n = len(analyzer.analyze(img))
        total = median_ms(lambda img=img: analyzer.analyze(img), args.repeat)
        detect = median_ms(lambda img=img: analyzer.detector.detect(img), args.repeat)
        print(
            f"{label}: {n} face(s)  analyze median {total[0]:.1f} ms wall (min {total[1]:.1f}, {total[2]:.1f} CPU)"
            f"  detector median {detect[0]:.1f} ms (min {detect[1]:.1f}, {detect[2]:.1f} CPU)"
        )

    det = analyzer.detector.detect(one_face)[0]
    mesh = median_ms(
        lambda: analyzer.mesh.landmarks(rgb, det.box, det.right_eye, det.left_eye), args.repeat
    )
    print(f"mesh per face: median {mesh[0]:.1f} ms (min {mesh[1]:.1f}, {mesh[2]:.1f} CPU, "
          f"{1 + analyzer.mesh.refine} passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
