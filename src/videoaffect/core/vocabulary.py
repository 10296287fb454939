"""Names shared by every layer: tasks, methods, context stages, outputs and run states."""

from __future__ import annotations

from typing import Literal, get_args

Task = Literal["valence", "arousal"]
TASKS: tuple[Task, ...] = get_args(Task)

# What a model predicts: a regression value or one of three classes (LIRIS-ACCEDE discrete).
Output = Literal["regression", "classification"]
OUTPUTS: tuple[Output, ...] = get_args(Output)

# How the intra-clip encoders are trained (paper section 3.4 and the two baselines of section 4).
Method = Literal["progressive", "joint", "average"]
METHODS: tuple[Method, ...] = get_args(Method)

# Inter-clip temporal context (paper section 3.3): a BiLSTM over L clips (valence) or an
# exponential moving average (arousal); "none" keeps the intra-clip prediction.
Context = Literal["lstm", "ema", "none"]
CONTEXTS: tuple[Context, ...] = get_args(Context)

# Outcome of one unit of resumable work (a movie in `extract`, a video in `predict`): done now,
# skipped because an identical result is already stored, or failed with a reason.
RunStatus = Literal["done", "skipped", "failed"]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)

# How a task's confidence band is computed (``videoaffect.models.band``).
BandRule = Literal["residual-quantile", "conformal-by-movie", "member-spread"]
BAND_RULES: tuple[BandRule, ...] = get_args(BandRule)
# What `train` makes unless told otherwise: one model per task and its band's rule, chosen by
# measurement (docs/benchmarks/band.md, "The confidence band by measurement"; docs/usage.md "The confidence band").
DEFAULT_ENSEMBLE = 1
DEFAULT_BAND_RULE: BandRule = "residual-quantile"
