"""The fusion network of paper section 3.2, as explicit parts: encoders, fusion, heads, context.

* ``ModalityEncoder`` — intra-clip 2-layer BiLSTM of one modality (with the trainable conv head
  for feature-map modalities); the clip feature is the last layer's final hidden states of
  both directions, concatenated.
* ``IntraClipModel`` — encoders, sum fusion, two FC layers (FC1's output is the clip-level
  multimodal embedding, FC2 the prediction).
* ``InterClipLSTM`` — valence context: 2-layer BiLSTM over L consecutive clip embeddings, FC + tanh.
* ``ema`` — arousal context: exponential moving average of clip predictions (eq. 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from videoaffect.core.modality import ModalitySpec
from videoaffect.models.config import ModelConfig


@dataclass
class ClipBatch:
    """A batch of clips.  ``inputs[m]``: (B, T, *shape) normalised features, zero where absent;
    ``present[m]``: (B,) True where the modality has at least one second in the clip;
    ``lengths``: (B,) seconds per clip (LongTensor on CPU, as packing wants)."""

    inputs: dict[str, torch.Tensor]
    present: dict[str, torch.Tensor]
    lengths: torch.Tensor

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])


class FrameConvHead(nn.Module):
    """Per-frame trainable head on frozen backbone maps (paper 3.1.2, action modality)."""

    def __init__(self, shape: tuple[int, ...], channels: tuple[int, int], embedding: int) -> None:
        """``shape``: the (channels, height, width) of a map modality's per-second features."""
        super().__init__()
        c, h, w = shape
        if h < 4 or w < 4:
            raise ValueError(f"feature maps of {shape} are too small for two 2x2 max-pools (need >= 4x4)")
        self.convs = nn.Sequential(
            nn.Conv2d(c, channels[0], 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(channels[0], channels[1], 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Linear(channels[1] * (h // 4) * (w // 4), embedding)

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(self.convs(maps).flatten(1)))


class ModalityEncoder(nn.Module):
    def __init__(self, spec: ModalitySpec, cfg: ModelConfig) -> None:
        super().__init__()
        self.spec = spec
        self.frame_head = (
            FrameConvHead(spec.shape, cfg.map_channels, cfg.map_embedding) if spec.is_map else None
        )
        in_dim = cfg.map_embedding if spec.is_map else spec.shape[0]
        self.lstm = nn.LSTM(
            in_dim,
            cfg.hidden_size,
            num_layers=cfg.num_layers,
            bidirectional=True,
            batch_first=True,
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        batch, steps = x.shape[0], x.shape[1]
        if self.frame_head is not None:
            x = self.frame_head(x.reshape(batch * steps, *self.spec.shape)).reshape(batch, steps, -1)
        if bool((lengths == steps).all()):
            _, (h, _) = self.lstm(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
        # h: (layers * 2, B, H); the last layer's forward and backward final states.
        return torch.cat([h[-2], h[-1]], dim=1)


class TwoLayerHead(nn.Module):
    """FC1 + ReLU (the embedding) then FC2 (+ tanh for regression)."""

    def __init__(self, in_dim: int, hidden: int, out_dim: int, regression: bool) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.fc2 = nn.Linear(hidden, out_dim)
        self.regression = regression

    def embed(self, features: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc1(features))

    def predict(self, embedding: torch.Tensor) -> torch.Tensor:
        out = self.fc2(embedding)
        # Regression returns (B,); classification returns logits (B, K).
        return torch.tanh(out[:, 0]) if self.regression else out

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.predict(self.embed(features))


def new_head(cfg: ModelConfig) -> TwoLayerHead:
    return TwoLayerHead(cfg.clip_feature_dim, cfg.head_hidden, cfg.out_dim, cfg.output == "regression")


class IntraClipModel(nn.Module):
    """Encoders of the given modalities, summed, then two FC layers."""

    def __init__(self, cfg: ModelConfig, modalities: list[str] | None = None) -> None:
        super().__init__()
        names = modalities if modalities is not None else [m.name for m in cfg.modalities]
        self.modality_names = list(names)
        self.encoders = nn.ModuleDict({n: ModalityEncoder(cfg.spec(n), cfg) for n in names})
        self.head = new_head(cfg)

    def encode(self, name: str, batch: ClipBatch) -> torch.Tensor:
        """Clip feature of one modality, zero for clips where it is absent (it then adds nothing
        to the sum)."""
        feat = self.encoders[name](batch.inputs[name], batch.lengths)
        return feat * batch.present[name].unsqueeze(1).to(feat.dtype)

    def fuse(self, batch: ClipBatch, names: list[str] | None = None) -> torch.Tensor:
        names = self.modality_names if names is None else names
        total = None
        for n in names:
            f = self.encode(n, batch)
            total = f if total is None else total + f
        assert total is not None, "fuse needs at least one modality"
        return total

    def embed(self, batch: ClipBatch) -> torch.Tensor:
        return self.head.embed(self.fuse(batch))

    def forward(self, batch: ClipBatch) -> torch.Tensor:
        return self.head(self.fuse(batch))


class InterClipLSTM(nn.Module):
    """Valence context over L consecutive clips: 2-layer BiLSTM, then FC + tanh per clip."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            cfg.head_hidden, cfg.context_hidden, num_layers=2, bidirectional=True, batch_first=True
        )
        self.fc = nn.Linear(2 * cfg.context_hidden, 1)

    def forward(self, clips: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """clips: (B, L, E) clip embeddings; returns (B, L) predictions (padding positions are
        garbage and must be masked by the caller)."""
        steps = clips.shape[1]
        if bool((lengths == steps).all()):
            out, _ = self.lstm(clips)
        else:
            packed = pack_padded_sequence(clips, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.lstm(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=steps)
        return torch.tanh(self.fc(out)[..., 0])


def smooth(values: np.ndarray, beta: float, init: str = "first", zero_lag: bool = False) -> np.ndarray:
    """EMA of eq. 2; ``zero_lag`` runs it forward, then backward over the result (a
    forward-backward filter: no delay, and each value sees its past and its future)."""
    out = ema(values, beta, init)
    if zero_lag and len(out):
        out = ema(out[::-1], beta, "first")[::-1].copy()
    return out


def ema(predictions: np.ndarray, beta: float, init: str = "first") -> np.ndarray:
    """Paper eq. 2 over one movie's clip predictions in time order:
    ema_i = beta * ema_{i-1} + (1 - beta) * y_i.

    ``init="first"``: ema_0 = y_0 (the first clip keeps its own prediction), our default, so the
    start of a movie is not pulled towards zero.  ``init="zero"``: ema_{-1} = 0.
    """
    y = np.asarray(predictions, dtype=np.float64)
    out = np.empty_like(y)
    if y.size == 0:
        return out
    if init == "first":
        prev = y[0]
        out[0] = y[0]
        start = 1
    elif init == "zero":
        prev = 0.0
        start = 0
    else:
        raise ValueError(f"ema init must be 'first' or 'zero', got {init!r}")
    for i in range(start, len(y)):
        prev = beta * prev + (1.0 - beta) * y[i]
        out[i] = prev
    return out
