"""The pieces an experiment plan is made of: trainings, runs (one per table cell and seed) and
tables (rows of cells).  Plain data; `plan.ExperimentPlan` creates them, `tables/` lays them out."""

from __future__ import annotations

from dataclasses import dataclass, field

from videoaffect.models.config import ModelConfig, TrainConfig


@dataclass
class TrainingSpec:
    """One call of ``train_model``; several runs may share it."""

    key: str
    task: str
    paper_modalities: tuple[str, ...]
    modalities: tuple[str, ...]
    method: str
    seed: int
    model_config: ModelConfig
    train_config: TrainConfig
    save_as: list[str] = field(default_factory=list)  # directory names under out/models


@dataclass
class RunSpec:
    """One (table, task, configuration, seed): a row cell for one seed."""

    key: str
    table: str
    task: str
    row: str
    seed: int
    training: str
    # {} = the training's own model; {"ema_beta": b} = other EMA decay (post-processing only);
    # {"context_clips": L} = inter-clip BiLSTM retrained for L on the frozen intra-clip model.
    variant: dict
    metric: str  # "intra" | "final" | "accuracy"
    model_config: ModelConfig


@dataclass
class Cell:
    runs: list[str]
    paper: dict | None
    status: str  # "run" | "n/a" | "-" (not part of this row) | "paper" (published row only)
    note: str = ""


@dataclass
class Row:
    label: str
    cells: dict[str, Cell]
    modalities: dict[str, str] = field(default_factory=dict)  # task -> corpus modalities used
    param: dict[str, str] = field(default_factory=dict)  # table 3: task -> L or beta


@dataclass
class TableSpec:
    name: str
    title: str
    metrics: tuple[str, ...]
    metric_note: str
    rows: list[Row] = field(default_factory=list)
    param_names: dict[str, str] = field(default_factory=dict)
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)
