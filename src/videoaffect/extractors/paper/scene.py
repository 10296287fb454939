"""The paper's scene feature (3.1.2): VGG16 trained on Places365, 224 x 224 input, 512 values
from the last pooling layer (pool5 averaged over its 7 x 7 positions, see ``nets/vgg.py``).

Alternative backbone (``backbone="resnet50"``): the official ResNet50-Places365 PyTorch
checkpoint, 2048 values from its global average pool (``nets/resnet.py``).  The two give different
features and dimensions, so they have different extractor names and never mix in a store.

Compute precision (``compute_dtype``, recorded in ``params()``): bfloat16 by default, float32 on
request; see ``paper/precision.py`` for the measured tolerance (relative L2 error per second
below 0.01).  VGG16 at 224 x 224 (~15.5 GFLOP per frame) takes about 0.19 s of CPU per frame in
float32 and about 0.07 s in bfloat16 (1 thread, AVX512-BF16; ``benchmarks/bench_paper_nets.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from videoaffect.core.files import sha256_of
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, frames_of
from videoaffect.extractors.nets import resnet, vgg
from videoaffect.extractors.paper.precision import DEFAULT_COMPUTE_DTYPE, checked_compute_dtype, compute, network_input

BACKBONES = {
    # backbone: (registry name, feature dim)
    "vgg16": ("vgg16-places365", 512),
    "resnet50": ("resnet50-places365", 2048),
}


def _random_net(backbone: str, seed: int) -> vgg.VGG16Features | resnet.ResNet50:
    # fork_rng keeps the caller's global RNG stream untouched while making the weights reproducible
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return (vgg.VGG16Features() if backbone == "vgg16" else resnet.ResNet50()).eval()


class PaperScene(Extractor):
    modality = "scene"
    needs = "frame"
    version = "2"  # 2: bfloat16 compute by default (``compute_dtype``)

    def __init__(
        self,
        backbone: str = "vgg16",
        weight_path: str | Path | None = None,
        random_init: bool = False,
        device: str = "cpu",
        batch_size: int = 8,
        seed: int = 0,
        compute_dtype: str = DEFAULT_COMPUTE_DTYPE,
    ) -> None:
        if backbone not in BACKBONES:
            raise ExtractorError(f"unknown scene backbone {backbone!r}; choose one of {', '.join(BACKBONES)}")
        self.compute_dtype = checked_compute_dtype(compute_dtype)
        self.backbone = backbone
        self.registry_name, dim = BACKBONES[backbone]
        self.name = f"paper.scene.{self.registry_name}"
        self.shape = (dim,)
        self.batch_size = batch_size
        self.random_init = random_init
        self.seed = seed
        self.weight_file: Path | None = None
        self._sha256: str | None = None
        self.net: vgg.VGG16Features | resnet.ResNet50
        if random_init:
            self.net = _random_net(backbone, seed)
        else:
            if weight_path is None:
                from videoaffect.weights.registry import weight_path as registry_path

                weight_path = registry_path(self.registry_name)
            self.weight_file = Path(weight_path)
            self.net = self._load(self.weight_file)
        self.device = "cpu"
        self.to(device)

    def _load(self, path: Path) -> vgg.VGG16Features | resnet.ResNet50:
        try:
            if self.backbone == "vgg16":
                return vgg.load_vgg16_places365_caffe(path)
            return resnet.load_resnet50_places365(path)
        except (ValueError, FileNotFoundError) as exc:
            raise ExtractorError(f"cannot load {self.registry_name} weights: {exc}") from exc

    def preprocess(self, frames: list[np.ndarray]) -> np.ndarray:
        if self.backbone == "vgg16":
            return vgg.caffe_bgr_input(frames)
        return resnet.imagenet_rgb_input(frames)

    def params(self) -> dict:
        p: dict[str, object]
        if self.backbone == "vgg16":
            p = {
                "input": "whole frame resized to 224x224 (INTER_AREA), BGR, 0-255, minus Places365 mean",
                "bgr_mean": list(vgg.PLACES365_BGR_MEAN),
                "feature": "pool5 (512x7x7) global average",
            }
        else:
            p = {
                "input": "whole frame resized to 224x224 (INTER_AREA), RGB /255, ImageNet mean/std",
                "feature": "global average pool (2048)",
            }
        p["compute_dtype"] = self.compute_dtype
        if self.random_init:
            p["random_init_seed"] = self.seed
        return p

    def weights_sha256(self) -> dict[str, str]:
        if self.weight_file is None:
            return {}
        if self._sha256 is None:  # hashing a 528 MB file once per process is enough
            self._sha256 = sha256_of(self.weight_file)
        return {self.registry_name: self._sha256}

    def to(self, device: str) -> PaperScene:
        self.net.to(device)
        self.device = device
        return self

    def features_of(self, frames: list[np.ndarray]) -> np.ndarray:
        """(n, dim) float32 for RGB uint8 frames, in batches of ``batch_size``."""
        out = np.empty((len(frames), self.shape[0]), dtype=np.float32)
        with compute(self.compute_dtype, self.device):
            for start in range(0, len(frames), self.batch_size):
                chunk = frames[start : start + self.batch_size]
                x = network_input(torch.from_numpy(self.preprocess(chunk)).to(self.device), self.compute_dtype)
                # the VGG16 network ends at pool5; the ResNet's pooled features precede its classifier
                y = self.net.features(x) if isinstance(self.net, resnet.ResNet50) else self.net(x)
                out[start : start + len(chunk)] = y.float().cpu().numpy()
        return out

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        frames, present = frames_of(samples)
        feats, _ = self.empty(len(samples))
        if frames:
            feats[present] = self.features_of(frames)
        return feats, present
