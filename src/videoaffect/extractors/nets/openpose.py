"""The OpenPose body backbone (Cao et al. 2018, "OpenPose: realtime multi-person 2D pose
estimation using Part Affinity Fields") in plain torch: the feature extractor in front of the
PAF / heat-map stages, which the paper freezes and puts its trainable conv head on (3.1.2).

Layers (3x3 convolutions, padding 1, each followed by ReLU; 2x2 max-pools, stride 2)::

    conv1_1 (3->64)    conv1_2 (64->64)    pool
    conv2_1 (64->128)  conv2_2 (128->128)  pool
    conv3_1 (128->256) conv3_2 conv3_3 conv3_4 (256->256)  pool
    conv4_1 (256->512) conv4_2 (512->512)          -- the first 10 conv layers of VGG19
    conv4_3_CPM (512->256) conv4_4_CPM (256->128)  -- OpenPose's CPM layers, also ReLU

Output: (B, 128, H/8, W/8).  Parameter names are those of pytorch-openpose's
``body_pose_model.pth`` (``conv1_1.weight`` ... ``conv4_4_CPM.bias``); that file also holds the
stage heads (``conv5_*_CPM_L*``, ``Mconv*_stage*``), which are ignored.

Input normalisation, as in OpenPose and pytorch-openpose (``src/body.py`` feeds ``cv2.imread``
images, i.e. BGR, as ``img / 256 - 0.5``): **BGR** channel order, ``x / 256 - 0.5`` on 0..255
values, so the network sees roughly [-0.5, 0.5).  ``preprocess`` does this from our RGB frames.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from videoaffect.extractors.base import ExtractorError
from videoaffect.extractors.nets.checkpoints import checked_tensor, shape_problems

STRIDE = 8
OUT_CHANNELS = 128

# (name, in, out, max-pool after it)
_LAYERS: tuple[tuple[str, int, int, bool], ...] = (
    ("conv1_1", 3, 64, False),
    ("conv1_2", 64, 64, True),
    ("conv2_1", 64, 128, False),
    ("conv2_2", 128, 128, True),
    ("conv3_1", 128, 256, False),
    ("conv3_2", 256, 256, False),
    ("conv3_3", 256, 256, False),
    ("conv3_4", 256, 256, True),
    ("conv4_1", 256, 512, False),
    ("conv4_2", 512, 512, False),
    ("conv4_3_CPM", 512, 256, False),
    ("conv4_4_CPM", 256, OUT_CHANNELS, False),
)
BACKBONE_KEYS: tuple[str, ...] = tuple(f"{name}.{p}" for name, *_ in _LAYERS for p in ("weight", "bias"))
# pytorch-openpose's model object nests the backbone as `model0`; a state dict saved from the
# model itself (rather than the released file) carries that prefix.
_MODEL_PREFIX = "model0."


class OpenPoseBackbone(nn.Module):
    """(B, 3, H, W) normalised BGR -> (B, 128, H/8, W/8) ReLU feature maps."""

    def __init__(self) -> None:
        super().__init__()
        for name, cin, cout, _ in _LAYERS:
            self.add_module(name, nn.Conv2d(cin, cout, kernel_size=3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"OpenPose backbone needs (batch, 3, H, W) images, got {tuple(x.shape)}")
        for name, _, _, pool in _LAYERS:
            # in place: the convolution's fresh output is not needed again (saves an allocation
            # and a pass over maps of up to 64 x 368 x 656 values per frame)
            x = F.relu(getattr(self, name)(x), inplace=True)
            if pool:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
        return x


def preprocess(frame_rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, H, W): BGR order, x / 256 - 0.5 (OpenPose's input)."""
    bgr = frame_rgb[..., ::-1].astype(np.float32)
    return np.ascontiguousarray((bgr / 256.0 - 0.5).transpose(2, 0, 1))


def expected_shapes() -> dict[str, torch.Size]:
    with torch.device("meta"):
        net = OpenPoseBackbone()
    return {k: v.shape for k, v in net.state_dict().items()}


def check_state_dict(state: Mapping[str, object], source: str) -> dict[str, torch.Tensor]:
    """The backbone tensors of a body-model state dict (stage heads ignored), or ExtractorError
    naming ``source`` and every missing or misshaped backbone key."""
    state = {k[len(_MODEL_PREFIX) :] if k.startswith(_MODEL_PREFIX) else k: v for k, v in state.items()}
    expected = expected_shapes()
    problems = shape_problems(state, expected)
    if problems:
        raise ExtractorError(
            f"{source} does not hold the OpenPose body backbone in pytorch-openpose's layout "
            "(body_pose_model.pth; the hand model lacks the conv4_*_CPM layers): "
            + "; ".join(problems)
            + ". Fix: download body_pose_model.pth (linked from the pytorch-openpose README) and "
            "`videoaffect weights import PATH --name openpose-body`."
        )
    return {k: checked_tensor(state[k]).detach().to(torch.float32) for k in BACKBONE_KEYS}


def load_openpose_backbone(weights_path: str | Path) -> OpenPoseBackbone:
    """The frozen backbone in eval mode, from pytorch-openpose's body_pose_model.pth."""
    path = Path(weights_path)
    if not path.is_file():
        raise ExtractorError(
            f"OpenPose weights {path} do not exist; fix: `videoaffect weights import PATH --name openpose-body`"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise ExtractorError(f"{path} could not be read as a PyTorch state dict (weights_only): {exc}") from None
    if not isinstance(state, Mapping):
        raise ExtractorError(f"{path} holds a {type(state).__name__}, not a state dict")
    tensors = check_state_dict(state, str(path))
    with torch.device("meta"):
        net = OpenPoseBackbone()
    # strict=True on the backbone subset: the stage heads were dropped by check_state_dict.
    net.load_state_dict(tensors, strict=True, assign=True)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()
