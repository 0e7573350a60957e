"""Identity fidelity and colour of the local engine over the fusion degrees, on clean and hard pairs.

Pairs (template <- user), algorithm ``redefine``, both degrees 0, 10, ..., 100:

* clean: every ordered pair of different people among obama, biden, astronaut;
* hard (issue 11, ``tests/assets/faces/hard/``): close-up users and templates (112 px aligned crops, 256 px tight
  selfies), grey/sepia/warm/blue templates, turned templates and users (3/4 view), templates with occluders
  (glasses, a hand, a tongue, a lock of hair).

Printed per pair: d(out, user) and d(out, template) (dlib 128-D, ``engine.identity``) at each degree, the face
chroma at each degree, and a pair that fails (a ``FusionError``) with its code. Then the summary, numbers only:

* at 0/0: the share of pairs whose output is nearer the user than the template, and the median d(out, user)
  (targets: 100 %, <= 0.40);
* the largest step of d(out, user) between neighbouring degrees (target <= 0.12) and where it is;
* face chroma of a grey template (target <= 3): the mean chroma sqrt(a*a + b*b) of the output in CIE Lab
  (OpenCV float Lab: L 0..100, a and b in Lab units) over the pixels inside the template face's mesh silhouette
  (``topology.FACE_OVAL`` polygon of the template's landmarks), the largest over the degrees;
* tint kept: for the coloured templates, the distance in (a, b) between the output's and the template's mean
  face colour at 0/0.

Input faces the analyser cannot find (a close-up before issue 11) are embedded with the whole image as the
face box, so the reference descriptors exist either way.

Run: ``.venv/bin/python benchmarks/fidelity.py [--step 10] [--only clean|hard] [--pairs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from fuseface_local.engine import FusionEngine, FusionError, topology  # noqa: E402
from fuseface_local.engine.codec import decode  # noqa: E402
from fuseface_local.engine.identity import IdentityMetric  # noqa: E402

FACES = ROOT / "tests" / "assets" / "faces"
PEOPLE = ("obama", "biden", "astronaut")
CLEAN = [(f"{t}.jpg", f"{u}.jpg", "clean") for t in PEOPLE for u in PEOPLE if t != u]
HARD = [
    ("obama.jpg", "hard/selfie256_biden.jpg", "close-up user"),
    ("biden.jpg", "hard/crop112_astronaut.jpg", "close-up user"),
    ("astronaut.jpg", "hard/selfie256_obama.jpg", "close-up user"),
    ("hard/selfie256_obama.jpg", "biden.jpg", "close-up template"),
    ("hard/crop112_biden.jpg", "astronaut.jpg", "close-up template"),
    ("hard/grey_obama.jpg", "biden.jpg", "grey template"),
    ("hard/grey_obama.jpg", "astronaut.jpg", "grey template"),
    ("hard/sepia_biden.jpg", "obama.jpg", "tinted template"),
    ("hard/warm_astronaut.jpg", "biden.jpg", "tinted template"),
    ("hard/blue_obama2.jpg", "astronaut.jpg", "tinted template"),
    ("hard/turned45_obama.jpg", "biden.jpg", "turned template"),
    ("hard/turned35_biden.jpg", "astronaut.jpg", "turned template"),
    ("hard/turned30_obama.jpg", "astronaut.jpg", "turned template"),
    ("obama.jpg", "hard/turned35_biden.jpg", "turned user"),
    ("astronaut.jpg", "hard/turned45_obama.jpg", "turned user"),
    ("hard/glasses_obama.jpg", "biden.jpg", "occluder template"),
    ("hard/hand_biden.jpg", "obama.jpg", "occluder template"),
    ("hard/tongue_obama2.jpg", "biden.jpg", "occluder template"),
    ("hard/hair_astronaut.jpg", "obama.jpg", "occluder template"),
]


class WholeImage(NamedTuple):
    """A face box covering the whole image (for an input the analyser cannot find)."""

    centre: tuple
    width: int
    height: int


def _largest(analyzer, img: np.ndarray):
    faces = analyzer.analyze(img)
    if faces:
        return max(faces, key=lambda f: f.area)
    h, w = img.shape[:2]
    return WholeImage((w / 2, h / 2), w, h)


def face_lab(img: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(N, 3) float32 Lab of the pixels inside the silhouette polygon of ``landmarks``."""
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[topology.FACE_OVAL]).astype(np.int32)], 255)
    lab = cv2.cvtColor(img.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    return lab[mask > 0]


def face_chroma(img: np.ndarray, landmarks: np.ndarray) -> float:
    """Mean chroma (Lab) inside the silhouette polygon of ``landmarks``."""
    lab = face_lab(img, landmarks)
    return float(np.hypot(lab[:, 1], lab[:, 2]).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=10, help="degree step (default 10)")
    parser.add_argument("--only", choices=("clean", "hard"), default=None)
    parser.add_argument("--pairs", type=int, default=None, help="only the first N pairs (a quick look)")
    args = parser.parse_args()

    engine = FusionEngine()
    metric = IdentityMetric(analyzer=engine.analyzer)
    pairs = (CLEAN if args.only != "hard" else []) + (HARD if args.only != "clean" else [])
    pairs = pairs[: args.pairs] if args.pairs else pairs
    degrees = list(range(0, 101, args.step))
    if degrees[-1] != 100:
        degrees.append(100)
    images, desc, lms = {}, {}, {}
    for name in {n for t, u, _ in pairs for n in (t, u)}:
        data = (FACES / name).read_bytes()
        img = decode(data)
        face = _largest(engine.analyzer, img)
        images[name] = data
        desc[name] = metric.embed(img, face)
        lms[name] = getattr(face, "landmarks", None)

    zero_near, zero_du, steps, grey_chroma, tint_shift, failed = [], [], [], [], [], []
    for t, u, kind in pairs:
        base = float(np.linalg.norm(desc[t] - desc[u]))
        print(f"\n[{kind}] {t} <- {u}   (d(template, user) = {base:.3f})")
        print("  degree  d(out,user)  d(out,template)  face chroma")
        rows = []
        try:
            for degree in degrees:
                out = decode(engine.fuse(images[t], [images[u]], face_degree=degree, profile_degree=degree))
                e = metric.embed(out, _largest(engine.analyzer, out))
                du, dt = float(np.linalg.norm(e - desc[u])), float(np.linalg.norm(e - desc[t]))
                chroma = face_chroma(out, lms[t]) if lms[t] is not None else float("nan")
                rows.append((degree, du, dt, chroma, out))
                print(f"  {degree:6d}  {du:11.3f}  {dt:15.3f}  {chroma:11.2f}")
        except FusionError as exc:
            print(f"  FAILED: {exc.code}: {exc.message}")
            failed.append((t, u, exc.code))
            zero_near.append(False)
            continue
        zero_near.append(rows[0][1] < rows[0][2])
        zero_du.append(rows[0][1])
        jumps = [(abs(b[1] - a[1]), a[0], b[0]) for a, b in zip(rows, rows[1:])]
        big = max(jumps)
        steps.append((big[0], f"{t} <- {u} {big[1]}->{big[2]}"))
        print(f"  largest step of d(out,user): {big[0]:.3f} ({big[1]} -> {big[2]})")
        if kind == "grey template":
            grey_chroma.append((max(r[3] for r in rows), rows[0][3], f"{t} <- {u}"))
        if kind == "tinted template" and lms[t] is not None:
            ab_t = face_lab(decode(images[t]), lms[t])[:, 1:].mean(0)
            ab_o = face_lab(rows[0][4], lms[t])[:, 1:].mean(0)
            tint_shift.append((float(np.linalg.norm(ab_o - ab_t)), f"{t} <- {u}", ab_t, ab_o))

    print("\nsummary")
    n = len(zero_near)
    print(f"  pairs: {n} ({len(failed)} failed: {', '.join(f'{t}<-{u} {c}' for t, u, c in failed) or 'none'})")
    print(f"  at 0/0, output nearer the user than the template: {sum(zero_near)}/{n} = "
          f"{100.0 * sum(zero_near) / max(n, 1):.0f} %  (target 100 %; failed pairs count as not nearer)")
    if zero_du:
        print(f"  median d(out,user) at 0/0: {statistics.median(zero_du):.3f}  (target <= 0.40; over "
              f"{len(zero_du)} fused pairs)")
    if steps:
        worst = max(steps)
        print(f"  largest step of d(out,user) between neighbouring degrees: {worst[0]:.3f} at {worst[1]}  "
              "(target <= 0.12)")
        print(f"  median over pairs of the largest step: {statistics.median(s for s, _ in steps):.3f}")
    for worst, zero, label in grey_chroma:
        print(f"  face chroma of a grey template, {label}: max over degrees {worst:.2f}, at 0/0 {zero:.2f}  "
              "(target <= 3)")
    for shift, label, ab_t, ab_o in tint_shift:
        print(f"  tint kept, {label}: template face (a, b) = ({ab_t[0]:.1f}, {ab_t[1]:.1f}), output at 0/0 "
              f"({ab_o[0]:.1f}, {ab_o[1]:.1f}), distance {shift:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
