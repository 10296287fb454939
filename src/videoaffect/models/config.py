"""Typed model configuration, round-tripped through JSON in every model directory."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, cast, get_args

from videoaffect.core.device import DEVICE_HELP, check_device_name
from videoaffect.core.errors import ConfigError
from videoaffect.core.modality import ModalitySpec
from videoaffect.core.vocabulary import Method, Output, Task
from videoaffect.datasets.clips import ClipSampler

ContextChoice = Literal["auto", "lstm", "ema", "none"]
EmaInit = Literal["first", "zero"]
RankMetric = Literal["pearson", "mse"]
Stage2Init = Literal["stage1", "fresh"]
ComputeDtype = Literal["auto", "bfloat16", "float32"]
TASKS: tuple[str, ...] = get_args(Task)
OUTPUTS: tuple[str, ...] = get_args(Output)
CONTEXTS: tuple[str, ...] = get_args(ContextChoice)
EMA_INITS: tuple[str, ...] = get_args(EmaInit)


def _field(default: Any, help: str, *, cli: bool = True, flag: str | None = None) -> Any:
    """A config field with its help text, declared once for the code and the command line
    (``cli=False``: not an option of its own; ``flag``: option name other than the field's)."""
    meta = {"help": help, "cli": cli, "flag": flag}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class ModelConfig:
    """Architecture of the fusion network (paper section 3.2).

    Sizes the paper does not give are ours: LSTM hidden size 128 per direction (clip feature
    256 = forward and backward final states), FC width 128, inter-clip LSTM hidden size 64.
    Each field's help text is also its command-line help (``cli/options.py`` generates the
    options from these fields).
    """

    modalities: tuple[ModalitySpec, ...] = _field((), "", cli=False)
    task: Task = _field("valence", "", cli=False)
    output: Output = _field("regression", "regression (FC + tanh) or the classification variant (softmax over "
                            "--num-classes)")
    num_classes: int = _field(3, "classes of the classification variant")
    # Classes for the classification variant come from the clip target on the internal
    # [-1, 1] scale cut at these thresholds (class 0 below the first).
    class_thresholds: tuple[float, ...] = _field((-1.0 / 3.0, 1.0 / 3.0), "ascending cut points on the [-1, 1] "
                                                 "scale that turn clip targets into classes (comma-separated; "
                                                 "with a leading minus write --class-thresholds=-0.3,0.3)")
    clip_seconds: int = _field(10, "clip length in seconds (the paper does not state it; 10 is our assumption); "
                               "a movie's last, shorter clip is kept at its true length")
    hidden_size: int = _field(128, "intra-clip LSTM size per direction")
    num_layers: int = _field(2, "intra-clip LSTM layers (the paper's 2)")
    head_hidden: int = _field(128, "width of FC1 (the clip embedding)")
    dropout: float = _field(0.0, "dropout between LSTM layers")
    # Trainable per-frame head for feature-map modalities (action, paper 3.1.2): two
    # conv3x3 + ReLU + maxpool2 groups, then a 128-wide FC.
    map_channels: tuple[int, int] = _field((64, 64), "channels of the two conv layers of the action head "
                                           "(comma-separated)")
    map_embedding: int = _field(128, "width of the action head's FC layer")
    # Inter-clip context: "auto" = BiLSTM over clips for valence, EMA for arousal (paper 3.2.2),
    # none for classification (each MediaEval 2015 excerpt is a single clip).
    context: ContextChoice = _field("auto", "inter-clip context: auto = BiLSTM over clips for valence, EMA for "
                                    "arousal (paper 3.2.2), none for classification")
    context_clips: int = _field(4, "L, clips per inter-clip window (paper's best 4)")
    context_hidden: int = _field(64, "inter-clip LSTM size per direction")
    # Arousal smoothing (eq. 2) with decay ``ema_beta`` per clip step.  Its time constant in
    # seconds, tau = -clip_seconds / ln(beta), is what stays the same across clip lengths and
    # strides: at one-second resolution the curve is smoothed with beta ** (1 / clip_seconds)
    # per second.  beta = 0 means no smoothing.  ``ema_zero_lag`` runs the EMA forward and then
    # backward (no delay; beyond the paper).
    ema_beta: float = _field(0.98, "", cli=False)  # `train --ema-beta` also takes auto and none
    ema_init: EmaInit = _field("first", "EMA start: 'first' = the first clip's own prediction, 'zero' = 0")
    ema_zero_lag: bool = _field(False, "run the EMA forward then backward (no delay); --ema-beta auto decides "
                                "this itself")
    # How overlapping clips (clip stride below the clip length) make a per-second curve: 0 = each
    # second is the mean of the clips covering it; lambda > 0 = the curve whose clip means best
    # match the clip predictions, penalising second-to-second changes by lambda (see
    # ``combine_clips``).  Beyond the paper; `train` chooses it on validation movies.
    deconvolution: float = _field(0.0, "", cli=False)

    def __post_init__(self) -> None:
        self.modalities = tuple(
            m if isinstance(m, ModalitySpec) else ModalitySpec.from_dict(m) for m in self.modalities
        )
        self.class_thresholds = tuple(float(t) for t in self.class_thresholds)
        # any length here (e.g. from the command line); validate() insists on two
        self.map_channels = cast("tuple[int, int]", tuple(int(c) for c in self.map_channels))
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
        small = [n for n in ("hidden_size", "num_layers", "head_hidden", "map_embedding", "context_hidden")
                 if getattr(self, n) < 1]
        if small or any(c < 1 for c in self.map_channels) or len(self.map_channels) != 2:
            raise ConfigError(f"{', '.join(small) or 'map_channels'} must be at least 1 (map_channels: two values)")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.num_classes < 2:
            raise ConfigError(f"num_classes must be at least 2, got {self.num_classes}")
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
        return ClipSampler.non_overlapping(self.clip_seconds).time_constant(self.ema_beta)

    def smoothing_text(self) -> str:
        ctx = self.resolved_context
        if ctx == "lstm":
            return f"inter-clip BiLSTM over {self.context_clips} clips of {self.clip_seconds} s"
        if ctx == "none" or self.ema_beta <= 0.0:
            return "none (the intra-clip prediction as it is)"
        kind = "zero-lag (forward-backward) EMA" if self.ema_zero_lag else "EMA (eq. 2)"
        return (f"{kind}, time constant {self.ema_tau_seconds:.1f} s "
                f"(beta {self.ema_beta:.4g} per {self.clip_seconds}-s clip)")

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
    def from_dict(cls, d: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown model config keys {sorted(unknown)}")
        return cls(**d)


@dataclass
class TrainConfig:
    """How to train (paper section 3.3): everything that changes the result.  Optimiser settings
    are ours: the paper gives none.  Where and how visibly it runs is `RunSettings`."""

    method: Method = _field("progressive", "progressive = residual progressive training (paper); joint = "
                            "Baseline 1; average = Baseline 2 (modality-specific models averaged)")
    seed: int = _field(0, "random seed (same seed, same CPU run, same metrics)")
    batch_size: int = _field(64, "clips per batch")
    lr: float = _field(1e-3, "Adam learning rate")
    weight_decay: float = _field(0.0, "Adam weight decay")
    max_epochs: int = _field(30, "epoch limit per stage")
    # Patience 2 halves the epochs on the MediaEval-sized benchmark (every stage-1 model is best
    # after its first epoch there) for the same test-film r, but on small corpora a model can sit
    # on a plateau for two epochs before it starts learning: the demo's joint arousal model then
    # stopped untrained (per-second r 0.11 instead of 0.95).  So 4 stays the default.
    patience: int = _field(4, "early stopping: epochs without improvement")
    # Without a minimum improvement, residual steps crawl on for many epochs of negligible gains.
    min_delta: float = _field(1e-4, "smallest validation-loss drop that counts as an improvement")
    finetune_lr_scale: float = _field(0.3, "learning-rate factor of the final whole-model fine-tune")
    # New in 0.3.1: an epoch of the fine-tune costs as much as one of every modality-specific
    # model together, and on the MediaEval-sized benchmark it was best after 3 (patience 2) to 5
    # (patience 4) epochs for a validation MSE within a few percent of the third's.
    finetune_max_epochs: int = _field(3, "epoch limit of the final whole-model fine-tune (at most max_epochs)")
    # New in 0.3.2.  The training forward and backward passes run under bfloat16 autocast
    # (float32 weights, optimiser and losses; matrix products in bfloat16 accumulating in
    # float32): on the MediaEval-sized benchmark 1.4x faster for the same test-film r (the
    # 3072-d expression LSTM is bound by its input products).  "auto" uses it where the device
    # computes bfloat16 natively (x86 with AVX512-BF16 or AMX, CUDA with bfloat16 support) and
    # float32 elsewhere, where emulated bfloat16 would be slower.  Validation, evaluation and
    # prediction always run in float32.
    compute_dtype: ComputeDtype = _field("auto", "training arithmetic: auto = bfloat16 autocast where the device "
                                         "has native bfloat16, else float32; bfloat16; float32 (as before 0.3.2)")
    # New in 0.3.2, off by default (the paper's loss is eq. 1 alone).  Ratings such as
    # LIRIS-ACCEDE's come from pairwise comparisons, so getting the order of two clips right may
    # matter more than their distance: a RankNet term (logistic loss on the predicted difference
    # of every pair of training clips in a batch whose targets differ, temperature 0.1 on the
    # [-1, 1] scale) is added to the batch MSE of the intra-clip stages.  Validation and early
    # stopping stay on the MSE; the inter-clip stage and classification are unaffected; sample
    # weights (train_model's sample_weights) weigh the MSE, not this term.
    pairwise_rank_weight: float = _field(0.0, "weight of a pairwise ranking term added to the training MSE "
                                         "(0 = the paper's loss)")
    val_fraction: float = _field(0.2, "fraction of the training movies held out for validation")
    # Classification always ranks by accuracy.
    rank_metric: RankMetric = _field("pearson", "stage-1 ranking metric on the validation movies (pearson: "
                                     "scale-free, ties broken by MSE)")
    # The paper calls stage 1 pre-training, hence stage-1 weights by default.
    stage2_init: Stage2Init = _field("stage1", "initialise stage-2 LSTMs from their stage-1 weights or from scratch")
    modality_order: tuple[str, ...] = _field((), "comma-separated fixed stage-2 order instead of the stage-1 "
                                             "ranking (stage 1 still runs and is logged)")

    def __post_init__(self) -> None:
        self.modality_order = tuple(self.modality_order)
        if self.method not in get_args(Method):
            raise ConfigError(f"method must be progressive, joint or average, got {self.method!r}")
        if self.rank_metric not in ("pearson", "mse"):
            raise ConfigError(f"rank_metric must be pearson or mse, got {self.rank_metric!r}")
        if self.compute_dtype not in get_args(ComputeDtype):
            raise ConfigError(f"compute_dtype must be auto, bfloat16 or float32, got {self.compute_dtype!r}")
        if self.stage2_init not in ("stage1", "fresh"):
            raise ConfigError(f"stage2_init must be stage1 or fresh, got {self.stage2_init!r}")
        if not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be in (0, 1), got {self.val_fraction}")
        small = [n for n in ("batch_size", "max_epochs", "patience", "finetune_max_epochs") if getattr(self, n) < 1]
        if small:
            raise ConfigError(f"{', '.join(small)} must be at least 1")
        if not self.lr > 0 or not self.finetune_lr_scale > 0:
            raise ConfigError(f"lr and finetune_lr_scale must be > 0, got {self.lr} and {self.finetune_lr_scale}")
        if not (self.pairwise_rank_weight >= 0 and math.isfinite(self.pairwise_rank_weight)):
            raise ConfigError(f"pairwise_rank_weight must be a finite number >= 0, got {self.pairwise_rank_weight}")
        if self.weight_decay < 0 or self.min_delta < 0:
            raise ConfigError(f"weight_decay and min_delta must be >= 0, got {self.weight_decay} and {self.min_delta}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
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

    device: str = _field("cpu", DEVICE_HELP)
    num_threads: int = _field(0, "torch CPU threads (0 = torch's default)", flag="threads")
    progress: bool = _field(False, "", cli=False)  # the command line's --progress / --no-progress

    def __post_init__(self) -> None:
        self.device = check_device_name(self.device)
        if int(self.num_threads) < 0:
            raise ConfigError(f"num_threads must be >= 0 (0 = torch's default), got {self.num_threads}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RunSettings:
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown run settings {sorted(unknown)}")
        return cls(**d)
