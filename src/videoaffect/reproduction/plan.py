"""Every training and run that the requested tables need, built from the corpus modalities.

Trainings are shared wherever the paper's protocol allows: ``training`` keys a training by
(task, output, method, modality set, seed), so e.g. table 2's audio+scene+expression valence
model is also the L = 4 model of tables 3 and 4, and one arousal training serves every beta of
table 3, table 2 and table 4.  What each table asks for lives in ``tables/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields

from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.corpus import ClassLabels, Corpus
from videoaffect.models.config import TrainConfig
from videoaffect.reproduction.common import ReproductionError, jsonable
from videoaffect.reproduction.mapping import resolve_modality_map
from videoaffect.reproduction.specs import RunSpec
from videoaffect.reproduction.table_plan import TablePlan
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


class ExperimentPlan(TablePlan):
    """Every training and run that the requested tables need, built from the corpus modalities
    (``TablePlan`` holds them and answers the tables' requests; this class builds and checks
    the plan and describes it)."""

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
