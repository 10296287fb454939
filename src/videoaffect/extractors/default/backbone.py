"""The ``backbone`` modality of the ``default-deep`` set: EfficientNet-Lite0's ImageNet global-pool
embedding of the second's frame.

Per second (the frame in the middle of the second), ``shape = (1280,)`` float32: the head's
1280 ReLU6 activations averaged over the 7 x 7 positions, the input of the ImageNet classifier
(``nets/efficientnet.py``).  The whole frame is resized to 224 x 224 (``framing="whole"``, the
default: a film frame's edges hold as much of the scene as its centre) or, with
``framing="centre"``, its central square (ImageNet's evaluation crop) is.  Seconds without a
frame are marked missing.

Frames go through the network ``batch_size`` at a time, on ``device`` (``cuda`` with
``--device cuda``).  The weight file is ``efficientnet-lite0`` of the registry (fetched by
``videoaffect weights pull``, checked by sha256); its hash is in the provenance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from videoaffect.core.files import sha256_of
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, frames_of
from videoaffect.extractors.nets.efficientnet import (
    CENTRE_CROP,
    EMBED_DIM,
    INPUT_MEAN,
    INPUT_SIZE,
    INPUT_STD,
    load_efficientnet_lite0,
    network_input,
)

REGISTRY_NAME = "efficientnet-lite0"
WEIGHTS = (REGISTRY_NAME,)
FRAMINGS = {"whole": None, "centre": CENTRE_CROP}


class DefaultBackbone(Extractor):
    modality = "backbone"
    name = "default.backbone.efficientnet-lite0"
    version = "1"
    shape = (EMBED_DIM,)
    needs = "frame"
    batch_size = 16
    # one thread each, beside the other extractors (see features.movie.intra_op_threads): on few
    # cores the set's extractors running side by side keep every core busy
    intra_op_threads = 1

    def __init__(self, device: str = "cpu", batch_size: int = 16, framing: str = "whole",
                 weight_path: str | Path | None = None) -> None:
        if framing not in FRAMINGS:
            raise ExtractorError(f"unknown backbone framing {framing!r}; choose one of {', '.join(FRAMINGS)}")
        if int(batch_size) < 1:
            raise ExtractorError(f"backbone batch_size must be at least 1, got {batch_size}")
        self.framing = framing
        self.batch_size = int(batch_size)
        if weight_path is None:
            from videoaffect.weights.registry import weight_path as registry_path

            weight_path = registry_path(REGISTRY_NAME)
        self.weight_file = Path(weight_path)
        self.net = load_efficientnet_lite0(self.weight_file)
        # Hashed once: provenance is asked per movie.
        self._sha256 = sha256_of(self.weight_file)
        self.device = torch.device("cpu")
        self.to(device)

    def to(self, device: str | torch.device) -> DefaultBackbone:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def params(self) -> dict:
        return {
            "network": "EfficientNet-Lite0 (ImageNet)",
            "framing": self.framing,
            "input": f"RGB {INPUT_SIZE}x{INPUT_SIZE}, (x - {INPUT_MEAN:g}) / {INPUT_STD:g}",
            "feature": f"head ({EMBED_DIM} channels, ReLU6) global average pool",
        }

    def weights_sha256(self) -> dict[str, str]:
        return {REGISTRY_NAME: self._sha256}

    def embed(self, frames: list[np.ndarray]) -> np.ndarray:
        """(n, 1280) float32 for RGB uint8 frames, ``batch_size`` at a time on ``device``."""
        out = np.empty((len(frames), EMBED_DIM), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch_size):
                chunk = frames[start : start + self.batch_size]
                x = torch.from_numpy(network_input(chunk, FRAMINGS[self.framing])).to(self.device)
                out[start : start + len(chunk)] = self.net.features(x).cpu().numpy()
        return out

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        frames, present = frames_of(samples)
        feats, _ = self.empty(len(samples))
        if frames:
            feats[present] = self.embed(frames)
        return feats, present
