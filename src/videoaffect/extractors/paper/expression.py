"""The paper's expression feature (3.1.2): MTCNN finds the faces in the second's frame, the
largest one is cropped and resized to 160 x 160 and an Xception expression network trained on a
facial-expression dataset gives a 3072-d vector (``nets/xception.py``).

Where the frame has no face the paper uses "the average face vector of the training set": the
``expression-xception`` file stores that mean (computed by ``training/expression_pretrain.py``
over its training faces) and it fills those seconds.  Such seconds stay *present*: the paper
treats the mean vector as the expression feature of a faceless frame, and the store keeps the
shape (3072,) without a separate per-second flag.  Only seconds without a frame are absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from videoaffect.core.files import sha256_of
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, frames_of
from videoaffect.extractors.nets import xception as xc

REGISTRY_NAME = "expression-xception"


class FaceCropper(Protocol):
    def crop_largest(self, rgb: np.ndarray, size: int = 160) -> np.ndarray | None: ...


class PaperExpression(Extractor):
    modality = "expression"
    name = "paper.expression.xception"
    version = "1"
    shape = (xc.FEATURE_DIM,)
    needs = "frame"

    def __init__(
        self,
        weight_path: str | Path | None = None,
        random_init: bool = False,
        detector: FaceCropper | None = None,
        device: str = "cpu",
        batch_size: int = 8,
        seed: int = 0,
    ) -> None:
        self.batch_size = batch_size
        self.random_init = random_init
        self.seed = seed
        self.weight_file: Path | None = None
        self._sha256: str | None = None
        if random_init:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                net = xc.ExpressionNet()
            # no training set, so no mean face: zeros stand in and params say so
            self.model = xc.ExpressionModel(net.eval(), list(xc.DEFAULT_CLASSES), np.zeros(xc.FEATURE_DIM, np.float32))
        else:
            if weight_path is None:
                from videoaffect.weights.registry import weight_path as registry_path

                weight_path = registry_path(REGISTRY_NAME)
            self.weight_file = Path(weight_path)
            try:
                self.model = xc.load_expression_model(self.weight_file)
            except (ValueError, FileNotFoundError) as exc:
                raise ExtractorError(f"cannot load {REGISTRY_NAME} weights: {exc}") from exc
        self._detector = detector
        self.device = "cpu"
        self.to(device)

    @property
    def detector(self) -> FaceCropper:
        if self._detector is None:
            # imported late: MTCNN loads its packaged weights when built
            from videoaffect.extractors.nets.mtcnn import MTCNN

            self._detector = MTCNN(device=self.device)
        return self._detector

    @property
    def face_size(self) -> int:
        return self.model.image_size

    def params(self) -> dict:
        p = {
            "detector": "MTCNN, largest face, square crop",
            "face_size": self.face_size,
            "input": "RGB / 127.5 - 1",
            "feature": "FC 3072 after ReLU",
            "no_face": "training-set mean feature (present stays True)",
            "classes": list(self.model.classes),
        }
        if self.random_init:
            p["random_init_seed"] = self.seed
            p["no_face"] = "zeros (random weights have no training-set mean)"
        return p

    def weights_sha256(self) -> dict[str, str]:
        if self.weight_file is None:
            return {}
        if self._sha256 is None:
            self._sha256 = sha256_of(self.weight_file)
        return {REGISTRY_NAME: self._sha256}

    def to(self, device: str) -> PaperExpression:
        self.model.net.to(device)
        if self._detector is not None and hasattr(self._detector, "to"):
            self._detector.to(device)
        self.device = device
        return self

    @property
    def fixed_batch_shape(self) -> bool:
        """Whether every batch is zero-padded to ``batch_size`` faces.

        On CUDA, cuDNN builds an execution plan the first time it sees a convolution input
        shape (about 0.1 s each, pytorch/pytorch#191617), and the number of faces changes from
        batch to batch: on an H100 the expression extractor cost 0.14-0.17 s of CPU per second
        of film, more than on the CPU (docs/benchmarks/gpu.md, issue 10), most of it in this network's
        batches.  One shape per network makes that a one-off (not yet measured on a GPU).  Rows are independent (batch
        norm in eval mode), so padding changes the real rows only by float rounding.  On the
        CPU padding would only cost time."""
        return torch.device(self.device).type != "cpu"

    @torch.no_grad()
    def face_features(self, faces: list[np.ndarray]) -> np.ndarray:
        """(n, 3072) for (face_size, face_size, 3) uint8 RGB crops, in batches."""
        out = np.empty((len(faces), xc.FEATURE_DIM), dtype=np.float32)
        for start in range(0, len(faces), self.batch_size):
            chunk = faces[start : start + self.batch_size]
            x = xc.face_input(np.stack(chunk))
            if self.fixed_batch_shape and len(chunk) < self.batch_size:
                x = torch.cat([x, x.new_zeros((self.batch_size - len(chunk), *x.shape[1:]))])
            features = self.model.net.features(x.to(self.device))[: len(chunk)]
            out[start : start + len(chunk)] = features.float().cpu().numpy()
        return out

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        frames, present = frames_of(samples)
        feats, _ = self.empty(len(samples))
        rows = np.flatnonzero(present)
        crops = [self.detector.crop_largest(f, size=self.face_size) for f in frames]
        found = [i for i, c in enumerate(crops) if c is not None]
        faces = [c for c in crops if c is not None]  # the crops of `found`, in order
        feats[rows] = self.model.mean_feature
        if found:
            feats[rows[found]] = self.face_features(faces)
        return feats, present
