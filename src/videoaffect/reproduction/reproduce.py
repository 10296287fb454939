"""`videoaffect reproduce`: the paper's experiments (tables 1-5) on a loaded corpus, resumable.

What runs (paper section 4; metrics are per second, the MediaEval 2018 protocol):

* table 1 — each modality alone (a one-modality model through the same progressive pipeline),
  valence and arousal; intra-clip predictions, as sections 4.2.1-4.2.2 evaluate the intra-clip
  part (an arousal EMA would also have lifted table 1's PCCs far above the published ones).
* table 2 — valence audio+scene and audio+scene+expression, arousal audio+action and
  audio+action+scene, progressive; Baseline 1 (``method="joint"``) and Baseline 2
  (``method="average"``) on audio+scene+expression / audio+scene+action; intra-clip.
* table 3 — valence with L = 3..6 clips per inter-clip window on audio+scene+expression, arousal
  with beta = 0.96..0.99 on audio+scene+action; after inter-clip context.
* table 4 — the final models (L = 4, beta = 0.98); after inter-clip context; saved.
* table 5 — the classification variant (accuracy), only when a classification config is given.

Trainings are shared wherever the paper's protocol allows: the audio+scene+expression valence
model of table 2 is the L = 4 model of tables 3 and 4 (its intra-clip part does not depend on L);
for other L only the inter-clip BiLSTM is retrained on that frozen intra-clip model (each with
its own seed derived from (seed, L), so its result does not depend on which other L ran); beta
only changes post-processing, so one arousal training serves every beta, table 2 and table 4.

Each run (table, task, configuration, seed) is written to ``out/runs/<key>.json`` atomically as
soon as it finishes; a later call loads finished runs instead of redoing them and refuses run
files made with another configuration.  Paper modalities missing from the corpus make their
rows "n/a" in tables 1 and 2; the final models (tables 3-5) use the paper's modalities that the
corpus has and name the missing ones in the table.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import torch

from videoaffect.core.files import atomic_write_text
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.loading import DatasetInfo
from videoaffect.reproduction import paper_results as paper
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.affect_model import AffectModel, ClipPredictions
from videoaffect.models.config import ModelConfig, RunSettings, TrainConfig
from videoaffect.models.networks import ema
from videoaffect.training.log import TrainingLog
from videoaffect.core.device import resolve_device
from videoaffect.training.pipeline import Trainer, train_model
from videoaffect.core.errors import ConfigError

TASKS = ("valence", "arousal")
ALL_TABLES = ("1", "2", "3", "4", "5")
DEFAULT_TABLES = ("1", "2", "3", "4")
RUN_FORMAT = "videoaffect-reproduce-run/1"

# Corpus modality names tried, in order, for a paper modality the corpus lacks by name: our
# offline default feature set calls its motion/editing modality "motion".
MODALITY_ALIASES: dict[str, tuple[str, ...]] = {"action": ("motion",)}

# --fast: tiny networks and few epochs, for smoke tests of the whole command.
FAST_MODEL_OVERRIDES: dict = {
    "hidden_size": 16,
    "head_hidden": 16,
    "context_hidden": 8,
    "map_channels": (8, 8),
    "map_embedding": 16,
}
FAST_TRAIN_OVERRIDES: dict = {"max_epochs": 3, "patience": 2, "batch_size": 16}

# Set by the plan for every run; an override of them would silently change what a table means.
_PLAN_MODEL_KEYS = ("modalities", "task", "output")
_PLAN_TRAIN_KEYS = ("method", "seed")
# Training settings that do not change results (or only their speed): not part of the resume
# fingerprint, so a resumed run may use another device or thread count.
_VOLATILE_TRAIN_KEYS = ("progress", "device", "num_threads")

Progress = Callable[[str], None]


class ReproductionError(ConfigError):
    """Bad reproduction settings or out-directory contents; the message says how to fix it."""


# ====================================================================== modality map
def resolve_modality_map(
    corpus_modalities: Iterable[str], modality_map: Mapping[str, str | None] | None = None
) -> dict[str, str | None]:
    """Paper modality -> corpus modality (``None`` = absent, reported as n/a).

    An explicit entry wins (``None``, ``""`` or ``"none"`` marks a modality absent on purpose);
    otherwise the same name, then the aliases in ``MODALITY_ALIASES``."""
    available = list(corpus_modalities)
    explicit = dict(modality_map or {})
    unknown = [k for k in explicit if k not in paper.PAPER_MODALITIES]
    if unknown:
        raise ReproductionError(
            f"modality map names {unknown}, which are not paper modalities; the paper's modalities "
            f"are {list(paper.PAPER_MODALITIES)} (write e.g. action=motion)"
        )
    out: dict[str, str | None] = {}
    for name in paper.PAPER_MODALITIES:
        if name in explicit:
            target = explicit[name]
            if target in (None, "", "none"):
                out[name] = None
                continue
            if target not in available:
                raise ReproductionError(
                    f"modality map {name}={target}: the corpus has no modality {target!r}; "
                    f"it has {available}"
                )
            out[name] = target
        elif name in available:
            out[name] = name
        else:
            out[name] = next((a for a in MODALITY_ALIASES.get(name, ()) if a in available), None)
    used: dict[str, str] = {}
    for name, target in out.items():
        if target is None:
            continue
        if target in used:
            raise ReproductionError(
                f"paper modalities {used[target]!r} and {name!r} both map to corpus modality "
                f"{target!r}; map one of them elsewhere or to none"
            )
        used[target] = name
    return out


def parse_modality_map(items: Sequence[str] | None) -> dict[str, str | None]:
    """``["action=motion", "expression=none,scene=places"]`` -> mapping."""
    out: dict[str, str | None] = {}
    for item in items or ():
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise ReproductionError(
                    f"--modality-map {part!r}: write PAPER=CORPUS, e.g. action=motion (or action=none)"
                )
            key, value = (s.strip() for s in part.split("=", 1))
            out[key] = None if value.lower() in ("", "none") else value
    return out


# ====================================================================== plan
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


_TABLE_TITLES = {
    "1": "Table 1: performance of each modality-specific model",
    "2": "Table 2: modality combinations and fusion strategies (intra-clip)",
    "3": "Table 3: long temporal context (valence: clips per window L; arousal: EMA decay beta)",
    "4": "Table 4: final models compared with the state of the art",
    "5": "Table 5: classification variant compared with MediaEval 2015 works",
}


class ExperimentPlan:
    """Every training and run that the requested tables need, built from the corpus modalities."""

    def __init__(
        self,
        corpus: Corpus,
        seeds: Sequence[int],
        tables: Sequence[str],
        modality_map: dict[str, str | None],
        model_overrides: dict,
        train_overrides: dict,
        classification: dict | None,
    ) -> None:
        self.corpus = corpus
        self.seeds = tuple(int(s) for s in seeds)
        self.tables = tuple(tables)
        self.modality_map = modality_map
        self.model_overrides = dict(model_overrides)
        self.train_overrides = dict(train_overrides)
        self.classification = dict(classification) if classification is not None else None
        self.trainings: dict[str, TrainingSpec] = {}
        self.runs: dict[str, RunSpec] = {}
        self.table_specs: dict[str, TableSpec] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        corpus: Corpus,
        *,
        seeds: Sequence[int] = (0, 1, 2),
        tables: Sequence[str] | None = None,
        modality_map: Mapping[str, str | None] | None = None,
        model_overrides: Mapping | None = None,
        train_overrides: Mapping | None = None,
        classification: Mapping | None = None,
    ) -> "ExperimentPlan":
        seeds = tuple(int(s) for s in seeds)
        if not seeds or len(set(seeds)) != len(seeds):
            raise ReproductionError(f"seeds must be distinct and at least one, got {list(seeds)}")
        if tables is None:
            tables = DEFAULT_TABLES + (("5",) if classification is not None else ())
        tables = tuple(str(t).strip().removeprefix("table") for t in tables)
        bad = [t for t in tables if t not in ALL_TABLES]
        if bad:
            raise ReproductionError(f"unknown tables {bad}; choose among {list(ALL_TABLES)}")
        tables = tuple(t for t in ALL_TABLES if t in tables)
        mmap = resolve_modality_map(corpus.specs, modality_map)
        plan = cls(corpus, seeds, tables, mmap, dict(model_overrides or {}), dict(train_overrides or {}),
                   dict(classification) if classification is not None else None)
        plan._check_overrides()
        for t in tables:
            getattr(plan, f"_table{t}")()
        return plan

    def _check_overrides(self) -> None:
        bad = [k for k in _PLAN_MODEL_KEYS if k in self.model_overrides]
        if bad:
            raise ReproductionError(f"model overrides may not set {bad}: each table sets them itself")
        bad = [k for k in _PLAN_TRAIN_KEYS if k in self.train_overrides]
        if bad:
            raise ReproductionError(f"train overrides may not set {bad}: use seeds=... and the tables instead")
        if self.classification is not None:
            bad = [k for k in ("modalities", "task") if k in self.classification]
            if bad:
                raise ReproductionError(f"the classification config may not set {bad}")
        known = {f.name for f in fields(TrainConfig)}
        unknown = sorted(set(self.train_overrides) - known)
        if unknown:
            raise ReproductionError(f"unknown train options {unknown}; valid: {sorted(known)}")
        for task in TASKS:  # fail before any training on a bad model option
            self._model_config(task, ())
            if self.classification is not None:
                self._model_config(task, (), "classification")

    def _model_config(self, task: str, modalities: Sequence[str], output: str = "regression") -> ModelConfig:
        kw = dict(self.model_overrides)
        if output == "classification":
            # "by_task" holds per-task fields (class cut points differ between valence and arousal).
            cls = dict(self.classification or {})
            kw.update({k: v for k, v in cls.items() if k != "by_task"})
            kw.update((cls.get("by_task") or {}).get(task, {}))
            kw["output"] = "classification"
            # Each MediaEval 2015 excerpt is one clip: the classification variant has no context.
            if kw.get("context", "auto") in ("lstm", "ema"):
                kw["context"] = "none"
        kw["modalities"] = tuple(self.corpus.specs[n] for n in modalities)
        kw["task"] = task
        known = {f.name for f in fields(ModelConfig)}
        unknown = sorted(set(kw) - known)
        if unknown:
            raise ReproductionError(f"unknown model options {unknown}; valid: {sorted(known)}")
        return ModelConfig(**kw)

    def corpus_names(self, paper_modalities: Sequence[str]) -> tuple[str, ...] | None:
        names = [self.modality_map[m] for m in paper_modalities]
        return None if any(n is None for n in names) else tuple(names)

    def missing(self, paper_modalities: Sequence[str]) -> list[str]:
        return [m for m in paper_modalities if self.modality_map[m] is None]

    def _training(
        self,
        task: str,
        paper_modalities: Sequence[str],
        method: str,
        seed: int,
        output: str = "regression",
        save_as: str | None = None,
    ) -> TrainingSpec:
        # One canonical modality order per set, so that e.g. table 2's audio+action+scene and
        # table 3's audio+scene+action are the same training.
        pm = tuple(m for m in paper.PAPER_MODALITIES if m in paper_modalities)
        key = f"{task}-{output}-{method}-{'+'.join(pm)}-s{seed}"
        spec = self.trainings.get(key)
        if spec is None:
            names = self.corpus_names(pm)
            assert names is not None
            spec = TrainingSpec(
                key=key,
                task=task,
                paper_modalities=pm,
                modalities=names,
                method=method,
                seed=seed,
                model_config=self._model_config(task, names, output),
                train_config=TrainConfig(**{**self.train_overrides, "method": method, "seed": seed}),
            )
            self.trainings[key] = spec
        if save_as and save_as not in spec.save_as:
            spec.save_as.append(save_as)
        return spec

    def _run(
        self, table: str, task: str, slug: str, row: str, seed: int, training: TrainingSpec, variant: dict, metric: str
    ) -> str:
        key = f"t{table}-{task}-{slug}-s{seed}"
        # A variant equal to the training's own setting is the training's own model.
        variant = {k: v for k, v in variant.items() if getattr(training.model_config, k) != v}
        cfg = replace(training.model_config, **variant) if variant else training.model_config
        self.runs[key] = RunSpec(key, table, task, row, seed, training.key, variant, metric, cfg)
        return key

    def _final_modalities(self, task: str) -> tuple[tuple[str, ...], list[str]]:
        wanted = paper.FINAL_MODALITIES[task]
        return tuple(m for m in wanted if self.modality_map[m] is not None), self.missing(wanted)

    def _used_text(self, paper_modalities: Sequence[str]) -> str:
        return "+".join(str(self.modality_map[m]) for m in paper_modalities)

    # ------------------------------------------------------------------ tables
    def _table1(self) -> None:
        spec = TableSpec("1", _TABLE_TITLES["1"], ("mse", "pearson"), "intra-clip prediction, per second")
        for pm in paper.PAPER_MODALITIES:
            row = Row(pm.capitalize(), {})
            for task in TASKS:
                published = paper.TABLE1[pm][task]
                if self.modality_map[pm] is None:
                    row.cells[task] = Cell([], published, "n/a", f"no {pm} modality in the corpus")
                    continue
                keys = []
                for seed in self.seeds:
                    save = f"table1-{task}-{pm}-seed{seed}" if seed == self.seeds[0] else None
                    tr = self._training(task, (pm,), "progressive", seed, save_as=save)
                    keys.append(self._run("1", task, pm, row.label, seed, tr, {}, "intra"))
                row.cells[task] = Cell(keys, published, "run")
                row.modalities[task] = self._used_text((pm,))
            spec.rows.append(row)
        self.table_specs["1"] = spec

    def _table2(self) -> None:
        spec = TableSpec("2", _TABLE_TITLES["2"], ("mse", "pearson"), "intra-clip prediction, per second")
        ase, asa = paper.FINAL_MODALITIES["valence"], paper.FINAL_MODALITIES["arousal"]
        layout = [
            ("Audio+Scene", "audio+scene", {"valence": ("audio", "scene")}, "progressive"),
            ("Audio+Action", "audio+action", {"arousal": ("audio", "action")}, "progressive"),
            ("Audio+Scene+Expression", "audio+scene+expression", {"valence": ase}, "progressive"),
            ("Audio+Action+Scene", "audio+action+scene", {"arousal": ("audio", "action", "scene")}, "progressive"),
            ("Baseline 1", "baseline1", {"valence": ase, "arousal": asa}, "joint"),
            ("Baseline 2", "baseline2", {"valence": ase, "arousal": asa}, "average"),
        ]
        for label, slug, per_task, method in layout:
            row = Row(label, {})
            for task in TASKS:
                published = paper.TABLE2[slug][task]
                if task not in per_task:
                    row.cells[task] = Cell([], published, "-")
                    continue
                pm = per_task[task]
                missing = self.missing(pm)
                if missing:
                    row.cells[task] = Cell([], published, "n/a", f"no {', '.join(missing)} modality in the corpus")
                    continue
                keys = []
                for seed in self.seeds:
                    tr = self._training(task, pm, method, seed)
                    keys.append(self._run("2", task, slug, label, seed, tr, {}, "intra"))
                row.cells[task] = Cell(keys, published, "run")
                row.modalities[task] = self._used_text(pm)
            spec.rows.append(row)
        spec.notes.append(
            "Baseline 1 = all encoders and the head trained jointly (method joint); Baseline 2 = "
            "modality-specific models averaged (method average)."
        )
        self.table_specs["2"] = spec

    def _table3(self) -> None:
        spec = TableSpec(
            "3", _TABLE_TITLES["3"], ("mse", "pearson"), "after inter-clip context, per second",
            param_names={"valence": "L", "arousal": "β"},
        )
        sweeps = {
            "valence": ("lstm", "context_clips", list(paper.TABLE3_VALENCE_CLIPS.items()), "L"),
            "arousal": ("ema", "ema_beta", list(paper.TABLE3_AROUSAL_BETA.items()), "beta"),
        }
        for i in range(4):
            row = Row("", {})
            for task in TASKS:
                context, attr, values, slug_prefix = sweeps[task]
                value, published = values[i]
                row.param[task] = f"{value:g}"
                pm, missing = self._final_modalities(task)
                have = self._model_config(task, ()).resolved_context
                if have != context:
                    row.cells[task] = Cell([], published, "n/a", f"inter-clip context is {have!r} for this dataset")
                    continue
                if not pm:
                    row.cells[task] = Cell([], published, "n/a", "none of the paper's modalities in the corpus")
                    continue
                keys = []
                for seed in self.seeds:
                    tr = self._training(task, pm, "progressive", seed)
                    keys.append(
                        self._run("3", task, f"{slug_prefix}{value:g}", f"{slug_prefix}={value:g}", seed, tr,
                                  {attr: value}, "final")
                    )
                note = f"without {', '.join(missing)} (not in the corpus)" if missing else ""
                row.cells[task] = Cell(keys, published, "run", note)
                row.modalities[task] = self._used_text(pm)
            spec.rows.append(row)
        self.table_specs["3"] = spec

    def _final_row(self, table: str, label: str, published: dict, output: str) -> Row:
        row = Row(label, {})
        metric = "accuracy" if output == "classification" else "final"
        for task in TASKS:
            pm, missing = self._final_modalities(task)
            if not pm:
                row.cells[task] = Cell([], published[task], "n/a", "none of the paper's modalities in the corpus")
                continue
            keys = []
            for seed in self.seeds:
                tr = self._training(task, pm, "progressive", seed, output, save_as=f"table{table}-{task}-seed{seed}")
                keys.append(self._run(table, task, "final", label, seed, tr, {}, metric))
            note = f"without {', '.join(missing)} (not in the corpus)" if missing else ""
            row.cells[task] = Cell(keys, published[task], "run", note)
            row.modalities[task] = self._used_text(pm)
        return row

    def _table4(self) -> None:
        spec = TableSpec("4", _TABLE_TITLES["4"], ("mse", "pearson"), "after inter-clip context, per second")
        for label, published in paper.TABLE4.items():
            if label == "Ours":
                continue
            spec.rows.append(Row(label, {t: Cell([], published[t], "paper") for t in TASKS}))
        spec.rows.append(self._final_row("4", "Ours", paper.TABLE4["Ours"], "regression"))
        parts = []
        for task in TASKS:
            cfg = self._model_config(task, ())
            context = cfg.resolved_context
            detail = {"lstm": f" (L = {cfg.context_clips})", "ema": f" (β = {cfg.ema_beta:g})"}.get(context, "")
            parts.append(f"{task} inter-clip context {context}{detail}")
        spec.notes.append(
            f"Our final models: {', '.join(parts)}; the published rows are the paper's (MediaEval 2018 test set)."
        )
        self.table_specs["4"] = spec

    def _table5(self) -> None:
        spec = TableSpec("5", _TABLE_TITLES["5"], ("accuracy",), "clip accuracy of the classification variant")
        if self.classification is None:
            spec.skipped = (
                "not run: the classification variant needs a classification config (the dataset "
                "provides no class labels, or none was passed)"
            )
        for label, published in paper.TABLE5.items():
            if label == "Ours":
                continue
            spec.rows.append(Row(label, {t: Cell([], published[t], "paper") for t in TASKS}))
        if self.classification is None:
            spec.rows.append(Row("Ours", {t: Cell([], paper.TABLE5["Ours"][t], "n/a", "not run") for t in TASKS}))
        else:
            spec.rows.append(self._final_row("5", "Ours", paper.TABLE5["Ours"], "classification"))
        self.table_specs["5"] = spec

    # ------------------------------------------------------------------ description
    def runs_of(self, training_key: str) -> list[RunSpec]:
        return [r for r in self.runs.values() if r.training == training_key]

    def describe(self) -> dict:
        return {
            "seeds": list(self.seeds),
            "tables": list(self.tables),
            "modality_map": self.modality_map,
            "model_overrides": _jsonable(self.model_overrides),
            "train_overrides": _jsonable(self.train_overrides),
            "classification": _jsonable(self.classification),
            "base_model_config": {t: self._model_config(t, ()).to_dict() for t in TASKS},
            "trainings": {
                k: {
                    "task": s.task,
                    "paper_modalities": list(s.paper_modalities),
                    "modalities": list(s.modalities),
                    "method": s.method,
                    "seed": s.seed,
                    "model_config": s.model_config.to_dict(),
                    "train_config": s.train_config.to_dict(),
                    "saved_as": list(s.save_as),
                    "runs": [r.key for r in self.runs_of(k)],
                }
                for k, s in self.trainings.items()
            },
        }


# ====================================================================== results
@dataclass
class ReproductionResult:
    out_dir: Path
    plan: ExperimentPlan
    runs: dict[str, dict]  # run key -> run record (as in runs/<key>.json)
    tables: dict[str, dict]  # table name -> JSON content of tableN.json
    files: list[Path]  # every table, summary and config file written
    figures: list[Path]
    trained: list[str]  # training keys trained by this call
    loaded: list[str]  # run keys loaded from an earlier call


def _split_movies(corpus: Corpus, split: str | Sequence[str]) -> list[int]:
    names = [split] if isinstance(split, str) else list(split)
    return sorted({m for name in names for m in corpus.movies_in_split(name)})


def _versions() -> dict:
    from importlib import metadata

    try:
        own = metadata.version("videoaffect")
    except metadata.PackageNotFoundError:
        own = "unknown"
    return {"videoaffect": own, "torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}


def _jsonable(obj):
    """JSON-safe copy: NaN/inf become null (strict JSON has no NaN), tuples become lists."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    return str(obj)


def _fingerprint_inputs(run: RunSpec, spec: TrainingSpec, splits: dict) -> dict:
    tc = {k: v for k, v in spec.train_config.to_dict().items() if k not in _VOLATILE_TRAIN_KEYS}
    return _jsonable(
        {
            "model_config": run.model_config.to_dict(),
            "train_config": tc,
            "variant": run.variant,
            "metric": run.metric,
            "train_movies": splits["train"],
            "test_movies": splits["test"],
        }
    )


def _fingerprint(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def _differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            text_a, text_b = (json.dumps(x)[:60] for x in (a, b))
            out.append(f"{prefix}{k}: {text_a} -> {text_b}")
    return out


def _headline(report: dict, metric: str) -> dict:
    if metric == "accuracy":
        return {"accuracy": report["accuracy"]}
    out = {
        "mse": report[metric]["per_second"]["mse"],
        "pearson": report[metric]["per_second"]["pearson"],
    }
    for which in ("intra", "final"):
        out[f"{which}_mse"] = report[which]["per_second"]["mse"]
        out[f"{which}_pearson"] = report[which]["per_second"]["pearson"]
    if "mse_original_scale" in report[metric]["per_second"]:
        out["mse_original_scale"] = report[metric]["per_second"]["mse_original_scale"]
    return out


def _with_ema(preds: ClipPredictions, beta: float, init: str) -> ClipPredictions:
    final = preds.intra.copy()
    for _, sl in preds.table.movie_slices():
        final[sl] = ema(preds.intra[sl], beta, init)
    return ClipPredictions(preds.table, preds.intra, final, preds.probabilities)


def _retrain_context(trainer: Trainer, model: AffectModel, config: ModelConfig, seed: int) -> AffectModel:
    """Inter-clip BiLSTM for another L on the frozen intra-clip model of ``model``.  Seeded from
    (seed, L) so the result does not depend on which other L values ran before."""
    own = trainer.cfg
    trainer.cfg = config
    torch.manual_seed(seed * 1009 + config.context_clips)
    trainer.rng = np.random.default_rng([seed, config.context_clips])
    try:
        context = trainer.inter_clip(model.intra)
    finally:
        trainer.cfg = own
    return AffectModel(config, model.train_config, model.normalizer, model.intra, None, context, model.ranking)


class _Runner:
    def __init__(self, plan: ExperimentPlan, out_dir: Path, train_movies: list[int], test_movies: list[int],
                 progress: Progress, run_settings: RunSettings) -> None:
        self.plan = plan
        self.run_settings = run_settings
        self.corpus = plan.corpus
        self.out = out_dir
        self.train_movies = train_movies
        self.test_movies = test_movies
        self.progress = progress
        ids = self.corpus.movie_ids
        self.splits = {"train": [ids[m] for m in train_movies], "test": [ids[m] for m in test_movies]}
        self.records: dict[str, dict] = {}
        self.trained: list[str] = []
        self.loaded: list[str] = []

    def run_path(self, key: str) -> Path:
        return self.out / "runs" / f"{key}.json"

    # ------------------------------------------------------------------ resume
    def load_finished(self) -> None:
        for key, run in self.plan.runs.items():
            path = self.run_path(key)
            if not path.is_file():
                continue
            try:
                record = json.loads(path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.progress(f"{path} is unreadable; that run will be redone")
                continue
            spec = self.plan.trainings[run.training]
            expected = _fingerprint_inputs(run, spec, self.splits)
            if record.get("format") != RUN_FORMAT or record.get("fingerprint") != _fingerprint(expected):
                diff = _differences(record.get("fingerprint_inputs", {}), expected)
                raise ReproductionError(
                    f"{path} was written with other settings ({'; '.join(diff[:5]) or 'unknown format'}); "
                    f"resuming needs the same settings: use a new output directory, or delete {path} "
                    f"(or all of {path.parent}) to recompute"
                )
            self.records[key] = record
            self.loaded.append(key)

    def pending(self) -> dict[str, list[RunSpec]]:
        out: dict[str, list[RunSpec]] = {}
        for run in self.plan.runs.values():
            if run.key not in self.records:
                out.setdefault(run.training, []).append(run)
        for key, spec in self.plan.trainings.items():
            # A model to keep that went missing (deleted by hand) is trained again too.
            if key not in out and any(not (self.out / "models" / s / "config.json").is_file() for s in spec.save_as):
                out[key] = []
        return {k: out[k] for k in self.plan.trainings if k in out}

    # ------------------------------------------------------------------ training
    def execute(self, spec: TrainingSpec, runs: list[RunSpec], index: int, total: int) -> None:
        device = str(resolve_device(self.run_settings.device))
        log_path = self.out / "logs" / f"{spec.key}.jsonl"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.unlink(missing_ok=True)  # a restarted training starts a fresh log
        self.progress(f"[{index}/{total}] training {spec.key} ({len(runs)} run(s) pending)")
        t0 = time.perf_counter()
        model, trainer = train_model(self.corpus, self.train_movies, spec.model_config, spec.train_config,
                                     TrainingLog(log_path, echo=False), self.run_settings)
        train_wall = time.perf_counter() - t0
        self.trained.append(spec.key)
        preds: ClipPredictions | None = None
        own_report: dict | None = None

        def own_predictions() -> ClipPredictions:
            nonlocal preds
            if preds is None:
                preds = model.predict_clips(self.corpus, self.test_movies, device=device)
            return preds

        def own() -> dict:
            nonlocal own_report
            if own_report is None:
                own_report = evaluate_model(model, self.corpus, self.test_movies, device, own_predictions())
            return own_report

        for name in spec.save_as:
            model.save(self.out / "models" / name, metrics={"test": _jsonable(own())})
        for run in runs:
            t1 = time.perf_counter()
            extra_train = 0.0
            if "context_clips" in run.variant:
                variant_model = _retrain_context(trainer, model, run.model_config, spec.seed)
                extra_train = time.perf_counter() - t1
                report = evaluate_model(variant_model, self.corpus, self.test_movies, device)
            elif "ema_beta" in run.variant:
                beta_preds = _with_ema(own_predictions(), run.model_config.ema_beta, run.model_config.ema_init)
                report = evaluate_model(model, self.corpus, self.test_movies, device, beta_preds)
            else:
                report = own()
            wall = time.perf_counter() - t1
            self.write_run(run, spec, model, trainer, report, train_wall, extra_train, wall)

    def write_run(self, run: RunSpec, spec: TrainingSpec, model: AffectModel, trainer: Trainer, report: dict,
                  train_wall: float, extra_train: float, wall: float) -> None:
        inputs = _fingerprint_inputs(run, spec, self.splits)
        ids = self.corpus.movie_ids
        record = _jsonable(
            {
                "format": RUN_FORMAT,
                "key": run.key,
                "table": run.table,
                "task": run.task,
                "row": run.row,
                "seed": run.seed,
                "method": spec.method,
                "metric": run.metric,
                "variant": run.variant,
                "paper_modalities": list(spec.paper_modalities),
                "modalities": list(spec.modalities),
                "model_config": run.model_config.to_dict(),
                "train_config": spec.train_config.to_dict(),
                "metrics": _headline(report, run.metric),
                "report": report,
                "ranking": model.ranking,
                "training": spec.key,
                "shared_training_with": [r.key for r in self.plan.runs_of(spec.key) if r.key != run.key],
                # The training's wall time is shared by every run of the same training.
                "train_wall_s": round(train_wall + extra_train, 3),
                "eval_wall_s": round(wall - extra_train, 3),
                "splits": {**self.splits, "validation": [ids[m] for m in trainer.val_movies]},
                "fingerprint": _fingerprint(inputs),
                "fingerprint_inputs": inputs,
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "versions": _versions(),
            }
        )
        atomic_write_text(self.run_path(run.key), json.dumps(record, indent=2))
        self.records[run.key] = record
        m = record["metrics"]
        text = ", ".join(f"{k}={v:.4f}" for k, v in m.items() if k in ("mse", "pearson", "accuracy") and v is not None)
        self.progress(f"    run {run.key}: {text}")


# ====================================================================== tables
def _aggregate(values: list[float | None]) -> dict:
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(finite)
    return {
        "mean": float(np.mean(finite)) if n else None,
        # Sample standard deviation over seeds (ddof = 1); 0 with a single seed.
        "std": float(np.std(finite, ddof=1)) if n > 1 else (0.0 if n else None),
        "n": n,
        "runs": len(values),
        "values": [None if v is None or not math.isfinite(v) else float(v) for v in values],
    }


def _fmt_ours(agg: dict | None) -> str:
    if agg is None or agg["mean"] is None:
        return "nan" if agg else "–"
    text = f"{agg['mean']:.3f}"
    if agg["runs"] > 1:
        text += f" ± {agg['std']:.3f}"
    if agg["n"] < agg["runs"]:
        text += f" ({agg['n']}/{agg['runs']} finite)"
    return text


def _fmt_paper(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


_METRIC_NAMES = {"mse": "MSE", "pearson": "PCC", "accuracy": "acc"}


def _table_json(spec: TableSpec, records: dict[str, dict], plan: ExperimentPlan) -> dict:
    rows = []
    for row in spec.rows:
        cells = {}
        for task, cell in row.cells.items():
            entry = {"status": cell.status, "paper": cell.paper, "note": cell.note, "runs": cell.runs}
            if cell.status == "run":
                entry["ours"] = {
                    m: _aggregate([records[k]["metrics"].get(m) for k in cell.runs]) for m in spec.metrics
                }
                entry["modalities"] = row.modalities.get(task)
                first = records[cell.runs[0]]
                entry["model_config"] = first["model_config"]
                entry["train_config"] = {k: v for k, v in first["train_config"].items() if k != "seed"}
            cells[task] = entry
        rows.append({"row": row.label, "param": row.param, **cells})
    return {
        "table": spec.name,
        "title": spec.title,
        "metric": spec.metric_note,
        "metrics": list(spec.metrics),
        "seeds": list(plan.seeds),
        "skipped": spec.skipped,
        "notes": spec.notes,
        "paper": paper.PAPER_TITLE,
        "rows": rows,
    }


def _table_markdown(spec: TableSpec, table: dict, plan: ExperimentPlan) -> str:
    n = len(plan.seeds)
    lines = [f"## {spec.title}", ""]
    if spec.skipped:
        lines += [f"*{spec.skipped}*", ""]
    seeds = ", ".join(map(str, plan.seeds))
    ours = f"mean ± std over {n} seeds ({seeds})" if n > 1 else f"seed {seeds}"
    lines += [f"Ours: {ours}; {spec.metric_note}. Paper: published numbers.", ""]
    header = [] if spec.param_names else ["Row"]
    for task in TASKS:
        if spec.param_names:
            header.append(spec.param_names[task])
        for m in spec.metrics:
            name = f"{task.capitalize()} {_METRIC_NAMES[m]}"
            header += [f"{name} (ours)", f"{name} (paper)"]
    header.append("Modalities used")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    notes: list[str] = []
    for row in table["rows"]:
        cells = [] if spec.param_names else [row["row"]]
        used = []
        for task in TASKS:
            cell = row[task]
            if spec.param_names:
                cells.append(row["param"].get(task, ""))
            for m in spec.metrics:
                published = cell["paper"].get(m) if cell["paper"] else None
                if cell["status"] == "run":
                    ours = _fmt_ours(cell["ours"][m])
                elif cell["status"] == "n/a":
                    ours = "n/a"
                else:
                    ours = "–"
                cells += [ours, _fmt_paper(published)]
            if cell["status"] == "run":
                used.append((task, cell["modalities"]))
            if cell["note"] and cell["status"] in ("n/a", "run"):
                label = row["row"] or f"{spec.param_names.get(task, '')}={row['param'].get(task, '')}"
                notes.append(f"{label} ({task}): {cell['note']}")
        if len({m for _, m in used}) == 1:
            cells.append(used[0][1])
        else:
            cells.append("; ".join(f"{task}: {m}" for task, m in used))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for note in notes + list(spec.notes):
        lines.append(f"- {note}")
    if notes or spec.notes:
        lines.append("")
    return "\n".join(lines)


def _summary_markdown(plan: ExperimentPlan, tables: dict[str, dict], markdown: dict[str, str], info: dict,
                      splits: dict, figures: list[Path], out: Path) -> str:
    corpus = plan.corpus
    name = info.get("name", "unnamed corpus")
    lines = [
        f"# Reproduction of “{paper.PAPER_TITLE}”",
        "",
        f"Dataset: **{name}** — {corpus.n_movies} movies, {corpus.total_seconds} s; "
        f"{len(splits['train'])} training movies, {len(splits['test'])} test movies; labels on "
        f"the {corpus.label_scale.name} scale [{corpus.label_scale.low:g}, {corpus.label_scale.high:g}] "
        "(MSE is reported on the internal [-1, 1] scale; run files also hold it on the original scale).",
        "",
        "The paper's numbers are its MediaEval 2018 results (tables 1–4) and MediaEval 2015 results "
        "(table 5); on other data they are a reference, not a target.",
        "",
        "## Modalities",
        "",
        "| Paper modality | Corpus modality | Extractor | Shape |",
        "|---|---|---|---|",
    ]
    for pm, target in plan.modality_map.items():
        if target is None:
            lines.append(f"| {pm} | n/a (not in the corpus) | | |")
        else:
            s = corpus.specs[target]
            lines.append(f"| {pm} | {target} | {s.extractor} | {tuple(s.shape)} |")
    unused = [n for n in corpus.specs if n not in plan.modality_map.values()]
    if unused:
        lines += ["", f"Corpus modalities not used by any table: {', '.join(unused)}."]
    lines += [
        "",
        "## Protocol",
        "",
        "- Metrics are per second (each clip's prediction repeated over its seconds, all test seconds "
        "pooled), as in MediaEval 2018. Tables 1 and 2 score the intra-clip prediction, tables 3 and 4 "
        "the prediction after inter-clip context (valence BiLSTM over L clips, arousal EMA).",
        "- ± is the sample standard deviation over seeds; each seed changes the validation movies "
        "carved from the training movies and the network initialisation.",
        "- Shared trainings: one audio+scene+expression valence training per seed serves table 2, "
        "table 3 (the inter-clip BiLSTM is retrained for each L) and table 4; one arousal training "
        "per seed serves table 2, every β of table 3 (β is post-processing) and table 4.",
        "- Exact configuration: `config.json`; every run: `runs/<key>.json` (metrics, model and "
        "training configuration, seed, wall time); training logs: `logs/`; saved models: `models/`.",
        "",
    ]
    for t in plan.tables:
        lines += [markdown[t], f"(Markdown: `table{t}.md`, JSON: `table{t}.json`)", ""]
    if figures:
        lines += ["## Figures", ""]
        for f in figures:
            rel = f.relative_to(out)
            lines.append(f"- [{rel}]({rel})")
        lines.append("")
    return "\n".join(lines)


# ====================================================================== entry point
def run_reproduction(
    corpus: Corpus,
    out_dir: str | Path,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    model_overrides: Mapping | None = None,
    train_overrides: Mapping | None = None,
    tables: Sequence[str] | None = None,
    modality_map: Mapping[str, str | None] | None = None,
    train_split: str | Sequence[str] = "train",
    test_split: str | Sequence[str] = "test",
    classification: Mapping | None = None,
    progress: Progress | None = None,
    figures: bool = True,
    embedding: str = "auto",
    dataset_info: DatasetInfo | Mapping | None = None,
    run: RunSettings | None = None,
) -> ReproductionResult:
    """Run (or resume) the paper's experiments on ``corpus`` and write tables, runs and figures
    to ``out_dir``.

    ``model_overrides``: ModelConfig fields for every model (sizes, ``clip_seconds``, ``context``,
    ``context_clips`` / ``ema_beta`` of the final models...).  ``train_overrides``: TrainConfig
    fields (epochs, device...).  ``tables``: default 1-4, plus 5 when ``classification`` (ModelConfig
    fields of the classification variant, e.g. ``{"num_classes": 3, "class_thresholds": [...]}``)
    is given.  ``modality_map``: paper modality -> corpus modality (see ``resolve_modality_map``).
    """
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    train_overrides = dict(train_overrides or {})
    run = run or RunSettings()
    plan = ExperimentPlan.build(
        corpus,
        seeds=seeds,
        tables=tables,
        modality_map=modality_map,
        model_overrides=model_overrides,
        train_overrides=train_overrides,
        classification=classification,
    )
    train_movies, test_movies = _split_movies(corpus, train_split), _split_movies(corpus, test_split)
    overlap = sorted(set(train_movies) & set(test_movies))
    if overlap:
        raise ReproductionError(
            f"movies {[corpus.movie_ids[m] for m in overlap][:5]} are in both the training split "
            f"{train_split!r} and the test split {test_split!r}; pass disjoint splits"
        )
    for task in sorted({r.task for r in plan.runs.values()}):
        for what, movies in (("training", train_movies), ("test", test_movies)):
            unlabelled = [corpus.movie_ids[m] for m in movies if not corpus.has_labels(task, [m])]
            if unlabelled:
                raise ReproductionError(
                    f"{what} movies {unlabelled[:5]} have no {task} labels; every table needs labelled "
                    "training and test movies (choose other splits with train_split/test_split)"
                )
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runner = _Runner(plan, out, train_movies, test_movies, say, run)
    if isinstance(dataset_info, DatasetInfo):
        dataset_info = dataset_info.to_dict()
    info = _jsonable(dict(dataset_info or {}))
    config = {
        "paper": paper.PAPER_TITLE,
        "dataset": info,
        "corpus": {
            "movies": corpus.n_movies,
            "seconds": corpus.total_seconds,
            "label_scale": corpus.label_scale.name,
            "modalities": [s.to_dict() for s in corpus.specs.values()],
        },
        "splits": {"train_split": train_split, "test_split": test_split, **runner.splits},
        "plan": plan.describe(),
        "versions": _versions(),
    }
    # Refuse mismatched run files before config.json is replaced by the new settings.
    runner.load_finished()
    files = [out / "config.json"]
    atomic_write_text(files[0], json.dumps(_jsonable(config), indent=2))
    if runner.loaded:
        say(f"resuming: {len(runner.loaded)} of {len(plan.runs)} runs already finished in {out / 'runs'}")
    pending = runner.pending()
    for i, (key, runs) in enumerate(pending.items(), 1):
        runner.execute(plan.trainings[key], runs, i, len(pending))

    table_json, table_md = {}, {}
    for name, spec in plan.table_specs.items():
        table_json[name] = _table_json(spec, runner.records, plan)
        table_md[name] = _table_markdown(spec, table_json[name], plan)
        atomic_write_text(out / f"table{name}.json", json.dumps(_jsonable(table_json[name]), indent=2))
        atomic_write_text(out / f"table{name}.md", table_md[name])
        files += [out / f"table{name}.md", out / f"table{name}.json"]

    figure_paths: list[Path] = []
    if figures:
        figure_paths = _figures(plan, out, test_movies, embedding, say)
    atomic_write_text(
        out / "summary.md", _summary_markdown(plan, table_json, table_md, info, runner.splits, figure_paths, out)
    )
    files.append(out / "summary.md")
    say(f"tables and summary written to {out}")
    return ReproductionResult(out, plan, runner.records, table_json, files, figure_paths, runner.trained, runner.loaded)


def _figures(plan: ExperimentPlan, out: Path, test_movies: list[int], embedding: str, say: Progress) -> list[Path]:
    """Figures of the first seed's models: fig. 3 from the table-1 (modality-specific) models, or
    from the final models' encoders when table 1 was not run; figs. 4-6 from the final models."""
    from videoaffect.reproduction import figures as fig

    seed = plan.seeds[0]
    fig_dir = out / "figures"
    written: list[Path] = []
    models_dir = out / "models"
    for task in TASKS:
        # Only models of tables in this plan: others in the directory may be from other settings.
        final_dir = models_dir / f"table4-{task}-seed{seed}"
        final = None
        if "4" in plan.tables and (final_dir / "config.json").is_file():
            final = AffectModel.load(final_dir)
        sources: dict[str, tuple[AffectModel, str]] = {}
        for pm in paper.PAPER_MODALITIES:
            target = plan.modality_map[pm]
            if target is None:
                continue
            d = models_dir / f"table1-{task}-{pm}-seed{seed}"
            if "1" in plan.tables and (d / "config.json").is_file():
                sources[pm] = (AffectModel.load(d), target)
            elif final is not None and target in final.modality_names:
                sources[pm] = (final, target)
        if sources:
            origin = "modality-specific models (table 1)" if "1" in plan.tables else "final model encoders"
            path = fig_dir / f"fig3_embedding_{task}.png"
            fig.embedding_figure(sources, plan.corpus, test_movies, path, task=task, method=embedding,
                                 seed=seed, subtitle=origin)
            written.append(path)
        if final is not None and final.config.output == "regression":
            wanted = [m for m in paper.FIGURE_MOVIES[task] if m in {plan.corpus.movie_ids[i] for i in test_movies}]
            written += fig.prediction_figures(final, plan.corpus, test_movies, fig_dir, movie_ids=wanted or None)
    if written:
        say(f"{len(written)} figures written to {fig_dir}")
    return written
