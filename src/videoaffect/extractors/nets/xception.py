"""Xception (Chollet 2017) with the paper's fully connected expression head (paper 3.1.2).

Trunk, as in Chollet's Figure 5: entry flow (3x3 conv 32 stride 2, 3x3 conv 64, then three
residual blocks of two separable convs + 3x3 max-pool stride 2, with 128, 256, 728 channels and
1x1 stride-2 shortcuts), middle flow (8 residual blocks of three ReLU-separable conv-BN with 728
channels), exit flow (separable 728 and 1024 + max-pool with a 1x1 shortcut, then separable 1536
and 2048 with ReLU) and global average pooling to 2048 values.  Every convolution is followed by
batch normalisation; a separable convolution is a depthwise 3x3 then a pointwise 1x1 with no
non-linearity between them.  The first two convolutions have no padding ("valid"), the rest keep
the size, so a 160 x 160 face gives a 5 x 5 x 2048 map before pooling.

Head (our reading of "an Xception network with fully connected layers ... a 3072-dimension
vector extracted from the last fully connected layer"):
    GAP 2048 -> dropout 0.5 -> FC 3072 -> ReLU  = the expression feature (3072)
             -> dropout 0.5 -> FC n_classes     = logits for training (softmax + cross-entropy)
The classifier is the output layer, the 3072-unit layer is the last fully connected hidden layer.

Input: RGB face crops, 160 x 160, scaled to [-1, 1] (x / 127.5 - 1, the Keras Xception convention).

Saved as safetensors: the state dict plus ``mean_feature`` (the average 3072-d training-set face
feature, used where a frame has no face) and metadata (classes, image size, format version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from videoaffect.core.files import atomic_open

FEATURE_DIM = 3072
TRUNK_DIM = 2048
FACE_SIZE = 160
FORMAT = "videoaffect.expression-xception/1"
MEAN_KEY = "mean_feature"
DEFAULT_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class SeparableConv(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.pointwise(self.depthwise(x)))


class Block(nn.Module):
    """ReLU-SepConv-BN units, an optional 3x3/2 max-pool, and a residual shortcut."""

    def __init__(self, channels: list[int], pool: bool, relu_first: bool = True) -> None:
        super().__init__()
        self.relu_first = relu_first
        self.convs = nn.ModuleList(SeparableConv(a, b) for a, b in zip(channels[:-1], channels[1:]))
        self.pool = pool
        cin, cout = channels[0], channels[-1]
        self.shortcut: nn.Module | None = None
        if pool or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=2 if pool else 1, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for i, conv in enumerate(self.convs):
            if i > 0 or self.relu_first:
                y = torch.relu(y)
            y = conv(y)
        if self.pool:
            y = nn.functional.max_pool2d(y, kernel_size=3, stride=2, padding=1)
        return y + (x if self.shortcut is None else self.shortcut(x))


class Xception(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, stride=2, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.entry = nn.Sequential(
            Block([64, 128, 128], pool=True, relu_first=False),  # follows conv2's ReLU
            Block([128, 256, 256], pool=True),
            Block([256, 728, 728], pool=True),
        )
        self.middle = nn.Sequential(*(Block([728, 728, 728, 728], pool=False) for _ in range(8)))
        self.exit = Block([728, 728, 1024], pool=True)
        self.conv3 = SeparableConv(1024, 1536)
        self.conv4 = SeparableConv(1536, TRUNK_DIM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [-1, 1] -> (B, 2048)."""
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.exit(self.middle(self.entry(x)))
        x = torch.relu(self.conv3(x))
        x = torch.relu(self.conv4(x))
        return x.mean(dim=(2, 3))


class ExpressionNet(nn.Module):
    """Xception trunk + FC 3072 feature layer + expression classifier."""

    def __init__(self, n_classes: int = len(DEFAULT_CLASSES), dropout: float = 0.5) -> None:
        super().__init__()
        self.trunk = Xception()
        self.drop1 = nn.Dropout(dropout)
        self.fc = nn.Linear(TRUNK_DIM, FEATURE_DIM)
        self.drop2 = nn.Dropout(dropout)
        self.classifier = nn.Linear(FEATURE_DIM, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, 3072), the expression feature."""
        return torch.relu(self.fc(self.drop1(self.trunk(x))))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(features (B, 3072), logits (B, n_classes))."""
        f = self.features(x)
        return f, self.classifier(self.drop2(f))


def face_input(faces: list[np.ndarray] | np.ndarray) -> torch.Tensor:
    """RGB uint8 crops (n, H, W, 3) -> (n, 3, H, W) float32 in [-1, 1]."""
    arr = np.asarray(faces)
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"expected RGB face crops (n, H, W, 3), got shape {arr.shape}")
    x = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


@dataclass
class ExpressionModel:
    net: ExpressionNet
    classes: list[str]
    mean_feature: np.ndarray  # (3072,) float32
    image_size: int = FACE_SIZE
    meta: dict = field(default_factory=dict)


def save_expression_model(
    net: ExpressionNet,
    path: str | Path,
    classes: list[str] | tuple[str, ...],
    mean_feature: np.ndarray | None = None,
    image_size: int = FACE_SIZE,
    extra: dict | None = None,
) -> Path:
    """Write net, mean feature and metadata to one safetensors file, atomically."""
    from safetensors.torch import save

    if net.classifier.out_features != len(classes):
        raise ValueError(
            f"the classifier has {net.classifier.out_features} outputs but {len(classes)} classes were given"
        )
    mean = np.zeros(FEATURE_DIM, np.float32) if mean_feature is None else np.asarray(mean_feature, np.float32)
    if mean.shape != (FEATURE_DIM,):
        raise ValueError(f"mean_feature must have shape ({FEATURE_DIM},), got {mean.shape}")
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in net.state_dict().items()}
    tensors[MEAN_KEY] = torch.from_numpy(mean.copy())
    meta = {
        "format": FORMAT,
        "classes": json.dumps(list(classes)),
        "image_size": str(int(image_size)),
        "extra": json.dumps(extra or {}),
    }
    data = save(tensors, metadata=meta)
    path = Path(path)
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return path


def load_expression_model(path: str | Path) -> ExpressionModel:
    """Read a file written by ``save_expression_model``; errors name the file and what is wrong."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no expression model; train one with `videoaffect train-expression` "
            "and import it with `videoaffect weights import PATH --name expression-xception`"
        )
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable safetensors file ({exc})") from None
    if meta.get("format") != FORMAT:
        raise ValueError(
            f"{path} is not a videoaffect expression model (format {meta.get('format')!r}, expected {FORMAT!r})"
        )
    try:
        classes = json.loads(meta["classes"])
        image_size = int(meta.get("image_size", FACE_SIZE))
        extra = json.loads(meta.get("extra", "{}"))
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: damaged metadata ({exc}); retrain it with `videoaffect train-expression`") from None
    if not isinstance(classes, list) or not classes:
        raise ValueError(f"{path}: metadata 'classes' must be a non-empty list")
    mean = tensors.pop(MEAN_KEY, None)
    if mean is None or tuple(mean.shape) != (FEATURE_DIM,):
        raise ValueError(f"{path}: {MEAN_KEY} is missing or not ({FEATURE_DIM},)")
    net = ExpressionNet(n_classes=len(classes))
    own = net.state_dict()
    missing = [k for k in own if k not in tensors]
    unexpected = [k for k in tensors if k not in own]
    wrong = [
        f"{k} {tuple(tensors[k].shape)} (needs {tuple(v.shape)})"
        for k, v in own.items()
        if k in tensors and tensors[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        raise ValueError(
            f"{path} does not fit the Xception expression network: missing {missing[:3]}, "
            f"unexpected {unexpected[:3]}, wrong shapes {wrong[:3]}; retrain it with `videoaffect train-expression`"
        )
    net.load_state_dict(tensors)
    return ExpressionModel(
        net=net.eval(),
        classes=classes,
        mean_feature=mean.numpy().astype(np.float32),
        image_size=image_size,
        meta=extra,
    )
