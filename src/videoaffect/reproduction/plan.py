"""Every training and run that the requested tables need, built from the corpus modalities.

Trainings are shared wherever the paper's protocol allows: ``training`` keys a training by
(task, output, method, modality set, seed), so e.g. table 2's audio+scene+expression valence
model is also the L = 4 model of tables 3 and 4, and one arousal training serves every beta of
table 3, table 2 and table 4.  What each table asks for lives in ``tables/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace

from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.corpus import ClassLabels, Corpus
from videoaffect.models.config import ModelConfig, TrainConfig
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.common import ReproductionError, jsonable
from videoaffect.reproduction.mapping import resolve_modality_map
from videoaffect.reproduction.specs import RunSpec, TableSpec, TrainingSpec
from videoaffect.reproduction.tables import ALL_TABLES, DEFAULT_TABLES, TABLES

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
PLAN_MODEL_KEYS = ("modalities", "task", "output")
PLAN_TRAIN_KEYS = ("method", "seed")


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
        class_labels: ClassLabels | None = None,
    ) -> None:
        self.corpus = corpus
        # A data set's official classes: the classification variant trains and is evaluated on
        # ``class_corpus``, the corpus (same arrays) relabelled with them, cut by their own
        # thresholds (None: classes are cut from ``corpus``'s labels).
        self.class_labels = class_labels
        self.class_corpus = corpus.relabelled(class_labels.labels) if class_labels is not None else None
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
        class_labels: ClassLabels | None = None,
    ) -> ExperimentPlan:
        """``classification``: ModelConfig fields of the classification variant, cutting the
        corpus's labels; ``class_labels``: a data set's own classes with their cut points
        instead (give at most one of the two)."""
        if classification is not None and class_labels is not None:
            raise ReproductionError("give either classification cut points for the labels or the data set's "
                                    "class labels, not both")
        if class_labels is not None:
            classification = class_labels.classification
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
                   dict(classification) if classification is not None else None, class_labels)
        plan._check_overrides()
        for t in tables:
            plan.table_specs[t] = TABLES[t].build(plan)
        return plan

    def _check_overrides(self) -> None:
        bad = [k for k in PLAN_MODEL_KEYS if k in self.model_overrides]
        if bad:
            raise ReproductionError(f"model overrides may not set {bad}: each table sets them itself")
        bad = [k for k in PLAN_TRAIN_KEYS if k in self.train_overrides]
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
            self.model_config(task, ())
            if self.classification is not None:
                self.model_config(task, (), "classification")

    # ------------------------------------------------------------------ for the table modules
    def corpus_for(self, output: str) -> Corpus:
        """The corpus a model of ``output`` trains and is evaluated on."""
        if output == "classification" and self.class_corpus is not None:
            return self.class_corpus
        return self.corpus

    def class_labels_digest(self) -> str | None:
        """Digest of the data set's class labels, None when classes are cut from the labels."""
        return self.class_labels.digest() if self.class_labels is not None else None

    def model_config(self, task: str, modalities: Sequence[str], output: str = "regression") -> ModelConfig:
        """The model config of ``task`` on corpus ``modalities``, with the user's overrides."""
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
        present = [n for n in names if n is not None]
        return tuple(present) if len(present) == len(names) else None

    def missing(self, paper_modalities: Sequence[str]) -> list[str]:
        return [m for m in paper_modalities if self.modality_map[m] is None]

    def final_modalities(self, task: str) -> tuple[tuple[str, ...], list[str]]:
        """The final model's paper modalities that the corpus has, and those it lacks."""
        wanted = paper.FINAL_MODALITIES[task]
        return tuple(m for m in wanted if self.modality_map[m] is not None), self.missing(wanted)

    def used_text(self, paper_modalities: Sequence[str]) -> str:
        return "+".join(str(self.modality_map[m]) for m in paper_modalities)

    def training(
        self,
        task: str,
        paper_modalities: Sequence[str],
        method: str,
        seed: int,
        output: str = "regression",
        save_as: str | None = None,
    ) -> TrainingSpec:
        """The training of these settings, created on first request and shared afterwards."""
        # One canonical modality order per set, so that e.g. table 2's audio+action+scene and
        # table 3's audio+scene+action are the same training.
        pm = tuple(m for m in paper.PAPER_MODALITIES if m in paper_modalities)
        key = f"{task}-{output}-{method}-{'+'.join(pm)}-s{seed}"
        spec = self.trainings.get(key)
        if spec is None:
            names = self.corpus_names(pm)
            assert names is not None, f"a table asked for a training on missing modalities {pm}"
            spec = TrainingSpec(
                key=key,
                task=task,
                paper_modalities=pm,
                modalities=names,
                method=method,
                seed=seed,
                model_config=self.model_config(task, names, output),
                train_config=TrainConfig(**{**self.train_overrides, "method": method, "seed": seed}),
            )
            self.trainings[key] = spec
        if save_as and save_as not in spec.save_as:
            spec.save_as.append(save_as)
        return spec

    def add_run(
        self, table: str, task: str, slug: str, row: str, seed: int, training: TrainingSpec, variant: dict, metric: str
    ) -> str:
        """Register the run of one cell and seed; returns its key (its run file's name)."""
        key = f"t{table}-{task}-{slug}-s{seed}"
        # A variant equal to the training's own setting is the training's own model.
        variant = {k: v for k, v in variant.items() if getattr(training.model_config, k) != v}
        cfg = replace(training.model_config, **variant) if variant else training.model_config
        self.runs[key] = RunSpec(key, table, task, row, seed, training.key, variant, metric, cfg)
        return key

    # ------------------------------------------------------------------ description
    def runs_of(self, training_key: str) -> list[RunSpec]:
        return [r for r in self.runs.values() if r.training == training_key]

    def describe(self) -> dict:
        return {
            "seeds": list(self.seeds),
            "tables": list(self.tables),
            "modality_map": self.modality_map,
            "model_overrides": jsonable(self.model_overrides),
            "train_overrides": jsonable(self.train_overrides),
            "classification": jsonable(self.classification),
            "class_labels": None if self.class_labels is None else {
                "source": self.class_labels.source, "sha256_16": self.class_labels.digest()},
            "base_model_config": {t: self.model_config(t, ()).to_dict() for t in TASKS},
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
