"""Typed model configuration, round-tripped through JSON in every model directory."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from videoaffect.core.device import check_device_name
from videoaffect.core.errors import ConfigError
from videoaffect.core.modality import ModalitySpec

TASKS = ("valence", "arousal")
OUTPUTS = ("regression", "classification")
CONTEXTS = ("auto", "lstm", "ema", "none")
EMA_INITS = ("first", "zero")


@dataclass
class ModelConfig:
    """Architecture of the fusion network (paper section 3.2).

    Sizes the paper does not give are ours: LSTM hidden size 128 per direction (clip feature
    256 = forward and backward final states), FC width 128, inter-clip LSTM hidden size 64.
    """

    modalities: tuple[ModalitySpec, ...] = ()
    task: str = "valence"
    output: str = "regression"
    num_classes: int = 3
    # Classes for the classification variant come from the clip target on the internal
    # [-1, 1] scale cut at these thresholds (class 0 below the first).
    class_thresholds: tuple[float, ...] = (-1.0 / 3.0, 1.0 / 3.0)
    clip_seconds: int = 10
    hidden_size: int = 128
    num_layers: int = 2
    head_hidden: int = 128
    dropout: float = 0.0
    # Trainable per-frame head for feature-map modalities (action, paper 3.1.2): two
    # conv3x3 + ReLU + maxpool2 groups, then a 128-wide FC.
    map_channels: tuple[int, int] = (64, 64)
    map_embedding: int = 128
    # Inter-clip context: "auto" = BiLSTM over clips for valence, EMA for arousal (paper 3.2.2),
    # none for classification (each MediaEval 2015 excerpt is a single clip).
    context: str = "auto"
    context_clips: int = 4
    context_hidden: int = 64
    # Arousal smoothing (eq. 2) with decay ``ema_beta`` per clip step.  Its time constant in
    # seconds, tau = -clip_seconds / ln(beta), is what stays the same across clip lengths and
    # strides: at one-second resolution the curve is smoothed with beta ** (1 / clip_seconds)
    # per second.  beta = 0 means no smoothing.  ``ema_zero_lag`` runs the EMA forward and then
    # backward (no delay; beyond the paper).
    ema_beta: float = 0.98
    ema_init: str = "first"
    ema_zero_lag: bool = False
    # How overlapping clips (clip stride below the clip length) make a per-second curve: 0 = each
    # second is the mean of the clips covering it; lambda > 0 = the curve whose clip means best
    # match the clip predictions, penalising second-to-second changes by lambda (see
    # ``combine_clips``).  Beyond the paper; `train` chooses it on validation movies.
    deconvolution: float = 0.0

    def __post_init__(self) -> None:
        self.modalities = tuple(
            m if isinstance(m, ModalitySpec) else ModalitySpec.from_dict(m) for m in self.modalities
        )
        self.class_thresholds = tuple(float(t) for t in self.class_thresholds)
        self.map_channels = tuple(int(c) for c in self.map_channels)
        self.validate()

    def validate(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.output not in OUTPUTS:
            raise ConfigError(f"output must be one of {OUTPUTS}, got {self.output!r}")
        if self.context not in CONTEXTS:
            raise ConfigError(f"context must be one of {CONTEXTS}, got {self.context!r}")
        if self.ema_init not in EMA_INITS:
            raise ConfigError(f"ema_init must be one of {EMA_INITS}, got {self.ema_init!r}")
        if not 0.0 <= self.ema_beta < 1.0:
            raise ConfigError(f"ema_beta must be in [0, 1), got {self.ema_beta}")
        if self.deconvolution < 0:
            raise ConfigError(f"deconvolution must be >= 0, got {self.deconvolution}")
        if self.clip_seconds < 1 or self.context_clips < 1:
            raise ConfigError("clip_seconds and context_clips must be at least 1")
        if self.output == "classification":
            if len(self.class_thresholds) != self.num_classes - 1:
                raise ConfigError(
                    f"{self.num_classes} classes need {self.num_classes - 1} class_thresholds, "
                    f"got {len(self.class_thresholds)}"
                )
            if self.context in ("lstm", "ema"):
                raise ConfigError("the classification variant has no inter-clip context; use context='none'")
        names = [m.name for m in self.modalities]
        if len(set(names)) != len(names):
            raise ConfigError(f"modality names repeat: {names}")

    @property
    def resolved_context(self) -> str:
        if self.context != "auto":
            return self.context
        if self.output == "classification":
            return "none"
        return "lstm" if self.task == "valence" else "ema"

    @property
    def ema_tau_seconds(self) -> float:
        """Time constant of the arousal EMA in seconds (0 = no smoothing)."""
        if self.ema_beta <= 0.0:
            return 0.0
        return -self.clip_seconds / math.log(self.ema_beta)

    def smoothing_text(self) -> str:
        ctx = self.resolved_context
        if ctx == "lstm":
            return f"inter-clip BiLSTM over {self.context_clips} clips of {self.clip_seconds} s"
        if ctx == "none" or self.ema_beta <= 0.0:
            return "none (the intra-clip prediction as it is)"
        kind = "zero-lag (forward-backward) EMA" if self.ema_zero_lag else "EMA (eq. 2)"
        return f"{kind}, time constant {self.ema_tau_seconds:.1f} s (beta {self.ema_beta:.4g} per {self.clip_seconds}-s clip)"

    def combination_text(self) -> str:
        if self.deconvolution <= 0:
            return "mean of the clips covering each second"
        return f"deconvolution of the overlapping clips, smoothness {self.deconvolution:g}"

    @property
    def out_dim(self) -> int:
        return self.num_classes if self.output == "classification" else 1

    @property
    def clip_feature_dim(self) -> int:
        return 2 * self.hidden_size

    def spec(self, name: str) -> ModalitySpec:
        for m in self.modalities:
            if m.name == name:
                return m
        raise ConfigError(f"modality {name!r} is not part of this model ({[m.name for m in self.modalities]})")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["modalities"] = [m.to_dict() for m in self.modalities]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown model config keys {sorted(unknown)}")
        return cls(**d)


@dataclass
class TrainConfig:
    """How to train (paper section 3.3).  Optimiser settings are ours: the paper gives none."""

    method: str = "progressive"  # progressive | joint (Baseline 1) | average (Baseline 2)
    seed: int = 0
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    max_epochs: int = 30
    patience: int = 4
    # An epoch counts as an improvement only if the validation loss drops by more than this;
    # without it, residual steps crawl on for many epochs of negligible gains.
    min_delta: float = 1e-4
    finetune_lr_scale: float = 0.3
    val_fraction: float = 0.2
    # Stage-1 ranking metric on the validation movies: "pearson" (scale-free; ties broken by
    # MSE) or "mse".  Classification always ranks by accuracy.
    rank_metric: str = "pearson"
    # Stage 2 initialises each modality's LSTMs from its stage-1 weights ("stage1"), as the
    # paper calls stage 1 pre-training, or from scratch ("fresh").
    stage2_init: str = "stage1"
    # Fixed order for stage 2 instead of the stage-1 ranking (stage 1 still runs and is logged).
    modality_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.modality_order = tuple(self.modality_order)
        if self.method not in ("progressive", "joint", "average"):
            raise ConfigError(f"method must be progressive, joint or average, got {self.method!r}")
        if self.rank_metric not in ("pearson", "mse"):
            raise ConfigError(f"rank_metric must be pearson or mse, got {self.rank_metric!r}")
        if self.stage2_init not in ("stage1", "fresh"):
            raise ConfigError(f"stage2_init must be stage1 or fresh, got {self.stage2_init!r}")
        if not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        if self.batch_size < 1 or self.max_epochs < 1 or self.patience < 1:
            raise ConfigError("batch_size, max_epochs and patience must be at least 1")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        # Model directories of videoaffect <= 0.2.0 saved the run-time settings here too; they
        # never changed results, so they are dropped.  Any other unknown key is an error.
        d = {k: v for k, v in d.items() if k not in LEGACY_RUN_KEYS}
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown training config keys {sorted(unknown)}")
        return cls(**d)


LEGACY_RUN_KEYS = ("device", "num_threads", "progress")


@dataclass
class RunSettings:
    """Where and how visibly a job runs.  Nothing here changes a result, so none of it is
    saved with a model or counted in a reproduction fingerprint (unlike `TrainConfig`)."""

    device: str = "cpu"
    num_threads: int = 0  # 0 = leave torch's default
    progress: bool = False

    def __post_init__(self) -> None:
        self.device = check_device_name(self.device)
        if int(self.num_threads) < 0:
            raise ConfigError(f"num_threads must be >= 0 (0 = torch's default), got {self.num_threads}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "RunSettings":
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown run settings {sorted(unknown)}")
        return cls(**d)
