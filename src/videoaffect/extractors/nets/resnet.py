"""ResNet50 (He et al. 2016, bottleneck blocks [3, 4, 6, 3]) whose parameter names follow
torchvision's, so the official Places365 checkpoint ``resnet50_places365.pth.tar`` (CSAILVision,
trained with torchvision's ``resnet50``) loads into it.  The stride of a downsampling bottleneck
sits on its 3 x 3 convolution, as in torchvision.

The checkpoint is ``{'epoch', 'arch', 'state_dict', 'best_prec1'}``, saved from a
``DataParallel`` model, so every key starts with ``module.``; the prefix is stripped here.
Alternative scene feature: the 2048-d global average pool before ``fc``, from RGB input scaled to
0-1 and normalised with the ImageNet mean and std (the Places365 PyTorch demo's preprocessing).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INPUT_SIZE = 224
LAYERS = (3, 4, 6, 3)
PLACES365_CLASSES = 365


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        shortcut = x if self.downsample is None else self.downsample(x)
        return torch.relu(y + shortcut)


class ResNet50(nn.Module):
    # registered with add_module in __init__; declared for the type checker
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self, num_classes: int = PLACES365_CLASSES) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        inplanes = 64
        for i, (blocks, planes) in enumerate(zip(LAYERS, (64, 128, 256, 512)), start=1):
            stride = 1 if i == 1 else 2
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(inplanes, planes, stride if b == 0 else 1))
                inplanes = planes * Bottleneck.expansion
            self.add_module(f"layer{i}", nn.Sequential(*layer))
        self.fc = nn.Linear(inplanes, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) normalised RGB -> (B, 2048) global average pool."""
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.max_pool2d(x, kernel_size=3, stride=2, padding=1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def imagenet_rgb_input(frames: list[np.ndarray], size: int = INPUT_SIZE) -> np.ndarray:
    """RGB uint8 frames -> (n, 3, size, size) float32: whole frame resized, /255, ImageNet-normalised."""
    mean = np.asarray(IMAGENET_MEAN, dtype=np.float32)
    std = np.asarray(IMAGENET_STD, dtype=np.float32)
    out = np.empty((len(frames), 3, size, size), dtype=np.float32)
    for i, frame in enumerate(frames):
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an RGB frame (H, W, 3), got shape {frame.shape}")
        resized = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
        out[i] = ((resized.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)
    return out


def _conversion_hint(path: Path) -> str:
    return (
        "if you trust the file, convert it once to plain tensors with: python -c \"import torch; "
        f"c = torch.load('{path}', map_location='cpu', weights_only=False); "
        "torch.save({'state_dict': c['state_dict']}, 'resnet50_places365_tensors.pth.tar')\" "
        "and import the result with `videoaffect weights import resnet50_places365_tensors.pth.tar "
        "--name resnet50-places365`"
    )


def read_checkpoint_state(path: str | Path) -> dict[str, torch.Tensor]:
    """The state dict of a checkpoint file, ``module.`` prefixes stripped, loaded weights-only."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # weights_only refuses pickled objects other than tensors and plain containers
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = next((line for line in lines if "Unsupported global" in line),
                      lines[0] if lines else "unpickling failed")
        raise ValueError(
            f"{path} holds objects that a weights-only load refuses ({reason}); {_conversion_hint(path)}"
        ) from None
    except (RuntimeError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable PyTorch checkpoint ({exc}); download it again") from None
    state = obj.get("state_dict", obj) if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} has no state dict of tensors (a dict, or a dict with 'state_dict')")
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_state_checked(net: nn.Module, state: dict[str, torch.Tensor], path: str | Path, what: str) -> None:
    """load_state_dict with errors that name the file and list what is wrong.

    BatchNorm ``num_batches_tracked`` counters may be absent: checkpoints from before torch 0.4.1
    (such as the Places365 ones) do not have them and they do not change the output.
    """
    own = net.state_dict()
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    wrong = [
        f"{k} {tuple(state[k].shape)} (needs {tuple(own[k].shape)})"
        for k in own
        if k in state and state[k].shape != own[k].shape
    ]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} keys, e.g. {', '.join(missing[:3])}")
    if unexpected:
        problems.append(f"unexpected {len(unexpected)} keys, e.g. {', '.join(unexpected[:3])}")
    if wrong:
        problems.append(f"wrong shapes: {'; '.join(wrong[:3])}")
    if problems:
        raise ValueError(f"{path} does not fit {what}: {'; '.join(problems)}")
    net.load_state_dict({k: v for k, v in state.items()}, strict=False)


def load_resnet50_places365(path: str | Path) -> ResNet50:
    state = read_checkpoint_state(path)
    fc = state.get("fc.weight")
    net = ResNet50(num_classes=fc.shape[0] if fc is not None and fc.ndim == 2 else PLACES365_CLASSES)
    load_state_checked(net, state, path, "ResNet50 (torchvision layout)")
    return net.eval()
