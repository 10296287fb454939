"""Paper action features (3.1.2): frozen OpenPose body-backbone feature maps, pooled small.

Per second (the frame at the middle of the second):

1. Resize, as OpenPose does, to a fixed height (default 368 px, OpenPose's default net
   resolution, so people appear at the scale the network was trained on) keeping the aspect
   ratio, the width rounded to a multiple of 8 (the backbone's stride) instead of OpenPose's
   padding, so no padded border enters the maps; aspect ratios beyond 4:1 are clamped.
   Bicubic interpolation, as OpenPose.
2. BGR, ``x / 256 - 0.5`` (OpenPose's input normalisation), backbone -> (128, H/8, W/8) ReLU
   maps (46 x 82 for a 16:9 frame at 368 px).
3. Adaptive average pooling to a fixed (128, S, S) grid, default S = 12, so that every movie has
   the same per-second shape whatever its resolution.  The trainable conv head of the core model
   (two conv + 2x2 max-pool groups, then FC 128; paper 3.1.2) runs on these maps.

Values are rounded to float16 precision (``storage_dtype``), so writing them as float16 is
lossless.  Disk per second of video = 128 * S * S * 2 bytes: 36,864 B (36.9 KB) at S = 12, about
199 MB for a 90-minute film (S = 8: 16.4 KB/s; S = 16: 65.5 KB/s).  S is limited to 4..24
(at most 147 KB/s, 0.8 GB per 90 minutes).

Compute precision (``compute_dtype``, recorded in ``params()``): bfloat16 by
default, float32 on request; see ``paper/precision.py`` for the measured tolerance (relative L2
error per second below 0.01; the pooled maps are rounded to float16 in both cases).

CPU cost (random weights, torch 2.13, 1 thread, a 368 x 656 frame; the backbone is ~145 GFLOP
per frame): about 1.05 s of CPU per frame in float32, about 0.38 s in bfloat16 on a CPU with
AVX512-BF16 (``benchmarks/bench_paper_nets.py``).  Use ``--device cuda`` for long films.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from videoaffect.core.files import sha256_of, sha256_of_arrays
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, frames_of
from videoaffect.extractors.nets.openpose import (
    OUT_CHANNELS,
    STRIDE,
    OpenPoseBackbone,
    load_openpose_backbone,
    preprocess,
)
from videoaffect.extractors.paper.precision import DEFAULT_COMPUTE_DTYPE, checked_compute_dtype, compute, network_input
from videoaffect.weights.registry import weight_path

FLOAT16_MAX = 65504.0
MAX_ASPECT = 4.0


class PaperAction(Extractor):
    modality = "action"
    name = "paper.action.openpose-backbone"
    version = "2"  # 2: bfloat16 compute by default (``compute_dtype``)
    needs = "frame"
    shape = (OUT_CHANNELS, 12, 12)
    batch_size = 8
    #: dtype the store can write these features in without loss
    storage_dtype = "float16"

    def __init__(
        self,
        weights: str | Path | None = None,
        *,
        net: OpenPoseBackbone | None = None,
        input_height: int = 368,
        pooled_size: int = 12,
        batch_size: int = 8,
        compute_dtype: str = DEFAULT_COMPUTE_DTYPE,
    ) -> None:
        """Weights from ``weights``, else the registry's "openpose-body"; ``net`` injects a ready
        backbone (tests use random weights; its hash is then ``in-memory:`` + tensor sha256).
        ``compute_dtype``: "bfloat16" (default) or "float32", see ``paper/precision.py``."""
        if input_height < STRIDE or input_height % STRIDE:
            raise ExtractorError(f"input_height must be a positive multiple of {STRIDE}, got {input_height}")
        if not 4 <= pooled_size <= 24:
            raise ExtractorError(
                f"pooled_size must be in 4..24 (the core model's head needs >= 4; 24 already costs "
                f"{OUT_CHANNELS * 24 * 24 * 2} bytes per second), got {pooled_size}"
            )
        if input_height < STRIDE * pooled_size:
            raise ExtractorError(
                f"input_height {input_height} gives maps lower than pooled_size {pooled_size}; "
                f"use input_height >= {STRIDE * pooled_size}"
            )
        if batch_size < 1:
            raise ExtractorError(f"batch_size must be >= 1, got {batch_size}")
        if net is not None and weights is not None:
            raise ExtractorError("pass either a weights path or net, not both")
        self.compute_dtype = checked_compute_dtype(compute_dtype)
        self.input_height = input_height
        self.pooled_size = pooled_size
        self.batch_size = batch_size
        self.shape = (OUT_CHANNELS, pooled_size, pooled_size)
        self.device = torch.device("cpu")
        if net is None:
            path = Path(weights) if weights is not None else weight_path("openpose-body")
            net = load_openpose_backbone(path)
            self._hashes = {"openpose-body": sha256_of(path)}
        else:
            self._hashes = {"openpose-body": sha256_of_arrays(net.state_dict().values())}
        self.net = net.eval()

    @property
    def bytes_per_second(self) -> int:
        """Disk per second of video when stored as float16."""
        return int(np.prod(self.shape)) * 2

    def params(self) -> dict:
        return {
            "input_height": self.input_height,
            "max_aspect": MAX_ASPECT,
            "resize": "bicubic, width rounded to a multiple of 8",
            "normalisation": "BGR, x/256 - 0.5",
            "pooled_size": self.pooled_size,
            "pooling": "adaptive average",
            "precision": "float16",
            "compute_dtype": self.compute_dtype,
        }

    def weights_sha256(self) -> dict[str, str]:
        return dict(self._hashes)

    def to(self, device: str) -> PaperAction:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def input_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) the backbone sees for a frame of the given size."""
        h = self.input_height
        lo = STRIDE * max(1, int(np.ceil(h / MAX_ASPECT / STRIDE)))
        hi = STRIDE * int(np.floor(h * MAX_ASPECT / STRIDE))
        w = STRIDE * int(round(width * h / height / STRIDE))
        return h, int(min(max(w, lo), hi))

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        features, _ = self.empty(len(samples))
        frames, present = frames_of(samples)
        if frames:
            features[present] = self.maps(frames)
        return features, present

    def maps(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 frames -> (n, 128, S, S) float32 (float16-exact) pooled backbone maps."""
        inputs = [self._prepare(f) for f in frames]
        out = np.zeros((len(inputs), *self.shape), dtype=np.float32)
        # Frames of one movie share a size; grouping keeps any odd one out of a batch.
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, x in enumerate(inputs):
            groups.setdefault(x.shape, []).append(i)
        with compute(self.compute_dtype, self.device):
            for idx in groups.values():
                for start in range(0, len(idx), self.batch_size):
                    chunk = idx[start : start + self.batch_size]
                    batch = torch.from_numpy(np.stack([inputs[i] for i in chunk])).to(self.device)
                    batch = network_input(batch, self.compute_dtype)
                    pooled = F.adaptive_avg_pool2d(self.net(batch).float(), self.pooled_size)
                    out[chunk] = pooled.clamp(max=FLOAT16_MAX).half().float().cpu().numpy()
        return out

    def _prepare(self, frame: np.ndarray) -> np.ndarray:
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ExtractorError(f"{self.name} needs RGB uint8 (H, W, 3) frames, got {frame.dtype} {frame.shape}")
        h, w = self.input_size(frame.shape[0], frame.shape[1])
        resized = cv2.resize(frame, (w, h), interpolation=cv2.INTER_CUBIC)
        return preprocess(resized)
