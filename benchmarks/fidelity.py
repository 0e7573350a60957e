"""Identity fidelity of the local engine: dlib 128-D distances over the fusion degrees on every local pair.

For every ordered (template, user) pair of different people among the public-domain faces, fuse at
FuseFaceDegree = FuseProfileDegree = 0, 10, ..., 100 (algorithm ``redefine``) plus ``faceswap`` once, and
print d(out, user) and d(out, template). Targets (issue 2): at 0/0, d(out, user) < d(out, template) on every
pair, and the median d(out, user) at 0/0 <= 0.50. Also reports whether d(out, user) rises monotonically with
the degrees (tolerance 0.02).

Run: ``.venv/bin/python benchmarks/fidelity.py [--step 10] [--strict]`` (``--strict``: exit 1 on a missed target).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fuseface_local.engine import FusionEngine  # noqa: E402
from fuseface_local.engine.identity import IdentityMetric  # noqa: E402

FACES = ROOT / "tests" / "assets" / "faces"
PEOPLE = ("obama", "biden", "astronaut")  # obama2 is the same person as obama, so it is not paired with it
TOLERANCE = 0.02


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=10, help="degree step (default 10)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    engine = FusionEngine()
    metric = IdentityMetric()
    images = {name: (FACES / f"{name}.jpg").read_bytes() for name in PEOPLE}
    desc = {name: metric.embed_largest(data) for name, data in images.items()}
    degrees = list(range(0, 101, args.step))
    if degrees[-1] != 100:
        degrees.append(100)

    at_zero_user, at_zero_ok, monotonic_ok, fuse_ms = [], True, True, []
    for template in PEOPLE:
        for user in PEOPLE:
            if template == user:
                continue
            base = float(np.linalg.norm(desc[template] - desc[user]))
            print(f"\n{template} <- {user}   (d(template, user) = {base:.3f})")
            print("  degree  d(out,user)  d(out,template)")
            rows = []
            for degree in degrees:
                start = time.perf_counter()
                out = engine.fuse(images[template], [images[user]], face_degree=degree, profile_degree=degree)
                fuse_ms.append((time.perf_counter() - start) * 1000)
                e = metric.embed_largest(out)
                du, dt = float(np.linalg.norm(e - desc[user])), float(np.linalg.norm(e - desc[template]))
                rows.append((degree, du, dt))
                print(f"  {degree:6d}  {du:11.3f}  {dt:15.3f}")
            out = engine.fuse(images[template], [images[user]], algorithm="faceswap")
            e = metric.embed_largest(out)
            print(
                f"  faceswap {np.linalg.norm(e - desc[user]):9.3f}  {np.linalg.norm(e - desc[template]):15.3f}"
            )
            at_zero_user.append(rows[0][1])
            at_zero_ok &= rows[0][1] < rows[0][2]
            rising = all(b[1] >= a[1] - TOLERANCE for a, b in zip(rows, rows[1:]))
            monotonic_ok &= rising
            if not rising:
                print("  ! d(out,user) is not monotonic over the degrees")

    median_zero = statistics.median(at_zero_user)
    print("\nsummary")
    print(f"  at 0/0, d(out,user) < d(out,template) on every pair: {'yes' if at_zero_ok else 'NO'}")
    print(
        f"  median d(out,user) at 0/0: {median_zero:.3f} (target <= 0.50): {'ok' if median_zero <= 0.5 else 'MISSED'}"
    )
    print(
        f"  d(out,user) monotonic in the degrees (tolerance {TOLERANCE}): {'yes' if monotonic_ok else 'NO'}"
    )
    print(f"  fuse median {statistics.median(fuse_ms):.0f} ms over {len(fuse_ms)} calls")
    missed = not (at_zero_ok and median_zero <= 0.5 and monotonic_ok)
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
