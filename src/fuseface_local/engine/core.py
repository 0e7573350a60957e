"""``FusionEngine``: FuseFace semantics (validation, face selection, error codes) around ``fuse.fuse_face``.

Face mapping (documented, stable):

* Template faces are numbered 1..N in ``faces.sort_faces`` order (left to right by box centre x, ties by
  y); ``template_face_ids[i]`` picks face number ``i`` for user ``i``.
* A user without a template face id gets the largest template face not taken yet; when several users
  have none, those largest faces are handed out left to right (user order = left-to-right order of the
  chosen faces), so two users into a two-person photo land left then right.
* The user's face: the detected face overlapping ``user_rects[i]`` most (intersection area), else the
  largest face. A user image is first looked at in one coarse view (``FaceAnalyzer.quick_face``); the
  fine tiles run only when that view cannot settle the choice. Templates always get the full analysis.

Errors (``FusionError.code``): parameter errors come from ``params.validate``, before any image work. No
face (or none overlapping the rect) -> ``FailedOperation.NoFaceDetected``; a template face id out of range
-> ``FailedOperation.TemplateFaceIDNotExist``; a face box <= 34 px, or a user face too small for a
believable result (eyes < 28 px apart) -> ``FailedOperation.FaceSizeTooSmall``. FuseFace has no code for the two
other refusals of a user face, so they use ours: uncertain or too turned -> ``FailedOperation.FaceUnusable``,
blurred -> ``FailedOperation.FaceTooBlurry``. Image errors come from ``codec``.

At FuseFaceDegree = FuseProfileDegree = 100 (``reinvent``/``redefine``) the template bytes are returned
as they are, after the inputs are validated. ``faceswap`` ignores both degrees (identity 0/0).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import cv2
import numpy as np

from scf_fuseface import limits

from . import codec
from .align import MirrorView, UserFace, side_face_from
from .allocator import keep_freed_memory
from .blazeface import Keypoint
from .errors import FusionError
from .faces import DetectedFace
from .fuse import fuse_face
from .fusion_mesh import face_region, ring_scale_clear_of
from .params import PARAMETER_ERROR, Algorithm, Degrees
from .params import validate as validate_params
from .segment import Occluders, template_occluders
from .shape import TemplateFrame
from .warp import Roi

__all__ = ["FusionEngine", "MIN_INTER_OCULAR", "MIN_SHARPNESS", "MAX_YAW"]

MIN_INTER_OCULAR = 28.0  # px: below this a user face cannot give a believable fusion
MIN_SHARPNESS = 12.0  # variance of the Laplacian on a normalised 128 px face crop
MAX_YAW = 60.0  # degrees: a user face turned further is refused (FaceUnusable)
MIN_USER_PRESENCE = 0.6  # the mesh's face probability below which a user face is refused (FaceUnusable)
FACE_WORKERS = 2  # template faces whose regions are apart are fused this many at a time (``_render``)


class TemplateAnalysis(NamedTuple):
    """A decoded template, ``image`` (H, W, 3) uint8 BGR, its ``faces`` in the stable order, and the
    ``occluders`` of each face (``segment.Occluders``), filled in as faces are fused (cached with the rest)."""

    image: np.ndarray
    faces: List[DetectedFace]
    occluders: Dict[int, Occluders]

    def occluders_of(self, j: int) -> Occluders:
        """The occluders of face ``j`` (0-based), found on the original template once."""
        if j not in self.occluders:
            lt = self.faces[j].landmarks.astype(np.float64)
            # the segmentation needs the face's size and axes only, not the costly per-vertex contourness
            self.occluders[j] = template_occluders(self.image, lt, TemplateFrame.measure(lt, contour=False))
        return self.occluders[j]


def sharpness(img_bgr: np.ndarray, landmarks: np.ndarray) -> float:
    """Variance of the Laplacian of the face (mesh bounding box) resampled to 128 px wide, grey."""
    x0, y0 = np.floor(landmarks.min(axis=0)).astype(int)
    x1, y1 = np.ceil(landmarks.max(axis=0)).astype(int)
    h, w = img_bgr.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    crop = cv2.cvtColor(img_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    size = (128, max(int(round(128 * (y1 - y0) / (x1 - x0))), 8))
    crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if x1 - x0 > 128 else cv2.INTER_LINEAR)
    return float(cv2.Laplacian(crop, cv2.CV_32F).var())


def _overlap(face: DetectedFace, rect: Sequence) -> float:
    """Intersection area (px) of the face box and ``rect`` (x, y, width, height)."""
    x, y, w, h = rect
    ix = max(0, min(face.x + face.width, x + w) - max(face.x, x))
    iy = max(0, min(face.y + face.height, y + h) - max(face.y, y))
    return float(ix * iy)


class FusionEngine:
    """Loads the face models once; ``fuse`` / ``fuse_arrays`` / ``detect`` (see the module docstring).

    Template analyses (decoded image + faces) are cached by content hash (``cache_size`` entries), as
    FuseFace materials are fused again and again. Calls are serialised by a lock (one engine may serve
    several emulator threads). Within a call, ``FACE_WORKERS`` threads decode the user images while the
    template is analysed, find the template faces' occluders while the users are analysed, and fuse template
    faces whose regions are apart at once (the result is the same as one after the other).
    """

    takes_overlay = True  # ``fuse(..., overlay=...)`` is honoured (the emulator draws its label through it)

    def __init__(self, *, analyzer=None, cache_size: int = 8) -> None:
        keep_freed_memory()  # process-wide: numpy temporaries reuse freed heap pages (``allocator``)
        if analyzer is None:
            from .faces import FaceAnalyzer

            analyzer = FaceAnalyzer()
        self.analyzer = analyzer
        self._lock = threading.RLock()  # LiteRT interpreters and the cache are not thread-safe
        self._cache: OrderedDict[str, TemplateAnalysis] = OrderedDict()
        self._cache_size = cache_size
        self._pool: Optional[ThreadPoolExecutor] = None

    # --- public API ------------------------------------------------------------------------------------
    def detect(self, image: bytes) -> list:
        """Faces in ``image`` (jpg/png bytes), in the stable order; image errors raise ``FusionError``."""
        img = codec.decode(image)
        with self._lock:
            return self.analyzer.analyze(img)

    def fuse(
        self,
        template: bytes,
        users: Sequence[bytes],
        *,
        algorithm: str = "redefine",
        face_degree: Optional[int] = None,
        profile_degree: Optional[int] = None,
        user_rects: Optional[Sequence] = None,
        template_face_ids: Optional[Sequence] = None,
        overlay: Optional[Callable[[np.ndarray], None]] = None,
    ) -> bytes:
        """Fuse each user image into the template; returns JPEG bytes (the template itself at 100/100).

        ``overlay``: draws on the result's pixels ((H, W, 3) uint8 BGR, in place) before the one encoding (the
        emulator's AI label); with it, a 100/100 result is the template's pixels re-encoded."""
        degrees = self.validate(users, algorithm, face_degree, profile_degree, user_rects, template_face_ids)
        with self._lock:
            decoding = self._workers().submit(_decode_each, users)  # while the template is decoded and analysed
            analysis = self._analysed_template(template)
            user_imgs = decoding.result()
            out = self._fuse(analysis, user_imgs, Algorithm(algorithm), degrees, user_rects,
                             template_face_ids)
        if overlay is None:
            return bytes(template) if out is None else codec.encode_jpeg(out)
        out = analysis.image.copy() if out is None else out
        overlay(out)
        return codec.encode_jpeg(out)

    def fuse_arrays(
        self,
        template_bgr: np.ndarray,
        users_bgr: Sequence[np.ndarray],
        *,
        algorithm: str = "redefine",
        face_degree: Optional[int] = None,
        profile_degree: Optional[int] = None,
        user_rects: Optional[Sequence] = None,
        template_face_ids: Optional[Sequence] = None,
    ) -> np.ndarray:
        """``fuse`` on decoded ``(H, W, 3) uint8`` BGR arrays; returns a new array (a copy at 100/100)."""
        degrees = self.validate(users_bgr, algorithm, face_degree, profile_degree, user_rects, template_face_ids)
        with self._lock:
            analysis = TemplateAnalysis(template_bgr, self.analyzer.analyze(template_bgr), {})
            out = self._fuse(analysis, list(users_bgr), Algorithm(algorithm), degrees, user_rects,
                             template_face_ids)
        return template_bgr.copy() if out is None else out

    @staticmethod
    def validate(users, algorithm, face_degree, profile_degree, user_rects, template_face_ids) -> Degrees:
        """Check the parameters (no image work); returns the effective ``Degrees(face, profile)``."""
        return validate_params(users, algorithm, face_degree, profile_degree, user_rects, template_face_ids)

    # --- internals -------------------------------------------------------------------------------------
    def _analysed_template(self, template: bytes) -> TemplateAnalysis:
        """The decoded template and its faces, from the cache when this content was seen before."""
        key = hashlib.sha256(bytes(template)).hexdigest()
        cached = self._cache.get(key)
        if cached is None:
            img = codec.decode(template)
            cached = TemplateAnalysis(img, self.analyzer.analyze(img), {})
            self._cache[key] = cached
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return cached

    def _pick_template_faces(self, t_faces: list, n: int, template_face_ids) -> List[int]:
        """For each of ``n`` users, the index (0-based) of the template face it goes into."""
        if not t_faces:
            raise FusionError("FailedOperation.NoFaceDetected", "No face was detected in the template image.")
        ids = list(template_face_ids or [None] * n)
        chosen: List[Optional[int]] = [None] * n
        for u, tid in enumerate(ids):
            if tid is not None:
                if not 1 <= int(tid) <= len(t_faces):
                    raise FusionError("FailedOperation.TemplateFaceIDNotExist",
                                      f"Template face {tid} does not exist; the template has {len(t_faces)}.")
                chosen[u] = int(tid) - 1
        free = [j for j in sorted(range(len(t_faces)), key=lambda j: -t_faces[j].area) if j not in chosen]
        need = [u for u in range(n) if chosen[u] is None]
        if len(need) > len(free):
            raise FusionError(PARAMETER_ERROR, f"{n} users but the template has only {len(t_faces)} faces.")
        for u, j in zip(need, sorted(free[: len(need)])):  # largest faces, handed out left to right
            chosen[u] = j
        for j in chosen:
            f = t_faces[j]
            if min(f.width, f.height) <= limits.MIN_FACE_SIDE_EXCLUSIVE:
                raise FusionError("FailedOperation.FaceSizeTooSmall",
                                  f"Template face {j + 1} is {f.width}x{f.height} px; it must exceed 34x34.")
        return chosen  # type: ignore[return-value]

    def _pick_user_face(self, img: np.ndarray, rect, index: int) -> DetectedFace:
        """The face of user image ``index`` to fuse (see the module docstring), after the user-face checks."""
        quick = getattr(self.analyzer, "quick_face", None)  # coarse-view fast path when it is conclusive
        face = quick(img, rect) if quick is not None else None
        faces = [face] if face is not None else self.analyzer.analyze(img)
        if not faces:
            raise FusionError("FailedOperation.NoFaceDetected", f"No face was detected in user image {index + 1}.")
        if rect is not None:
            best = max(faces, key=lambda f: _overlap(f, rect))
            if _overlap(best, rect) <= 0:
                raise FusionError("FailedOperation.NoFaceDetected",
                                  f"No face in user image {index + 1} overlaps the rect {tuple(rect)}.")
            face = best
        else:
            face = max(faces, key=lambda f: f.area)
        if min(face.width, face.height) <= limits.MIN_FACE_SIDE_EXCLUSIVE:
            raise FusionError("FailedOperation.FaceSizeTooSmall",
                              f"The face in user image {index + 1} is {face.width}x{face.height} px; it must "
                              f"exceed 34x34.")
        if face.inter_ocular < MIN_INTER_OCULAR:  # FuseFace's own code for a face too small to use
            raise FusionError("FailedOperation.FaceSizeTooSmall",
                              f"The face in user image {index + 1} is too small for a believable fusion: its eyes "
                              f"are {face.inter_ocular:.0f} px apart, at least {MIN_INTER_OCULAR:.0f} are needed.")
        if face.presence < MIN_USER_PRESENCE or abs(face.yaw_degrees) > MAX_YAW:
            raise FusionError("FailedOperation.FaceUnusable",
                              f"The face in user image {index + 1} is too uncertain or too turned (yaw "
                              f"{face.yaw_degrees:.0f} degrees, at most {MAX_YAW:.0f}).")
        sharp = sharpness(img, face.landmarks)
        if sharp < MIN_SHARPNESS:
            raise FusionError("FailedOperation.FaceTooBlurry",
                              f"The face in user image {index + 1} is too blurred (sharpness {sharp:.1f} < "
                              f"{MIN_SHARPNESS:.0f}).")
        return face

    def _mirror(self, img: np.ndarray, face: DetectedFace) -> Optional[MirrorView]:
        """The flipped user image and the landmarks of the same face in it (for side-face correction);
        ``None`` when the flipped image shows no face. With a ``FaceAnalyzer`` only the mesh runs, on the
        mirrored box and keypoints (the subject's right eye in the mirror is the left eye, mirrored)."""
        flipped = np.ascontiguousarray(img[:, ::-1])
        w = img.shape[1]
        fx = w - face.x - face.width
        mesh = getattr(self.analyzer, "mesh", None)
        if mesh is not None:
            kp = np.asarray(face.keypoints, np.float64).copy()
            kp[:, 0] = w - kp[:, 0]
            rgb = cv2.cvtColor(flipped, cv2.COLOR_BGR2RGB)
            box = (fx, face.y, fx + face.width, face.y + face.height)
            res = mesh.landmarks(rgb, box, kp[Keypoint.LEFT_EYE], kp[Keypoint.RIGHT_EYE])
            return MirrorView(flipped, res.points) if res.presence >= MIN_USER_PRESENCE else None
        faces = self.analyzer.analyze(flipped)
        if not faces:
            return None
        best = max(faces, key=lambda f: _overlap(f, (fx, face.y, face.width, face.height)))
        return MirrorView(flipped, best.landmarks)

    def _user_face(self, img: np.ndarray, rect, index: int, algorithm: Algorithm) -> UserFace:
        """The picked face of user image ``index``, with its mirror view when it is turned enough for side-face
        correction (``align.side_face_from``)."""
        face = self._pick_user_face(img, rect, index)
        start = side_face_from(algorithm)
        user = UserFace(img, face.landmarks.astype(np.float64), float(face.yaw_degrees),
                        depth=np.asarray(face.landmarks_z, np.float64), side_from=start)
        if abs(face.yaw_degrees) > start:
            user.mirror = self._mirror(img, face)
        return user

    def _fuse(self, template: TemplateAnalysis, user_imgs: list, algorithm: Algorithm, degrees: Degrees,
              user_rects, template_face_ids) -> Optional[np.ndarray]:
        """The fused image, or ``None`` for "the template itself" (100/100, after the inputs were checked)."""
        n = len(user_imgs)
        t_faces = template.faces
        targets = self._pick_template_faces(t_faces, n, template_face_ids)
        rects = list(user_rects or [None] * n)
        blend = not (degrees.face == 100 and degrees.profile == 100)
        # The template faces' occluders are found (once, cached with the template) while the users are analysed.
        finding = [self._workers().submit(template.occluders_of, j)
                   for j in sorted(set(targets)) if blend and j not in template.occluders]
        users = [self._user_face(img, rects[i], i, algorithm) for i, img in enumerate(user_imgs)]
        if not blend:
            return None
        for task in finding:
            task.result()  # each face's occluders are now in the template analysis
        out = template.image.copy()
        jobs = []
        for user, j in zip(users, targets):
            lt = t_faces[j].landmarks.astype(np.float64)
            others = [t_faces[k].landmarks for k in range(len(t_faces)) if k != j]
            jobs.append(_FaceJob(user, j, lt, ring_scale_clear_of(lt, others)))

        def render(job: _FaceJob) -> None:
            fuse_face(out, job.landmarks, job.user, degrees=degrees, algorithm=algorithm,
                      ring_scale=job.ring_scale, template_depth=t_faces[job.face].landmarks_z,
                      occluders=template.occluders_of(job.face))

        if len(jobs) > 1 and _apart([job.reach(out.shape) for job in jobs]):
            list(self._workers().map(render, jobs))
        else:
            for job in jobs:
                render(job)
        return out

    def _workers(self) -> ThreadPoolExecutor:
        """Threads for work that can run beside the calling thread (created on first use): decoding the user
        images, finding the template's occluders, fusing faces whose regions are apart."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(FACE_WORKERS, thread_name_prefix="fuseface-face")
        return self._pool


class _FaceJob(NamedTuple):
    """One user into template face ``face`` (0-based) with ``landmarks`` (468, 2), inside a ring of
    ``ring_scale``."""

    user: UserFace
    face: int
    landmarks: np.ndarray
    ring_scale: float

    def reach(self, shape: tuple) -> Roi:
        """Every pixel ``fuse_face`` reads from or writes to the template for this face: the box of its outer
        ring (the warp mesh's hull; nothing outside it changes), grown by 3 px (the ROI's 1 px pad and the
        bilinear taps)."""
        return Roi.around(face_region(self.landmarks, scale=self.ring_scale), shape, pad=3)


def _apart(boxes: List[Roi]) -> bool:
    """No two boxes share a pixel: the faces can then be fused in any order, or at once, with the same result
    as one after the other."""
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def _decode_each(users: Sequence[bytes]) -> List[np.ndarray]:
    """Each user image decoded (the same bytes object passed twice is decoded once)."""
    decoded = {}
    out = []
    for data in users:
        if id(data) not in decoded:
            decoded[id(data)] = codec.decode(data)
        out.append(decoded[id(data)])
    return out
