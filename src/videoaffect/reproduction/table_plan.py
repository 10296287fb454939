"""What a table's ``build`` asks of the experiment plan: the plan's state (corpus, seeds, modality
map, overrides) and the trainings and runs a table registers.  ``plan.ExperimentPlan`` builds on
it; the tables import this module rather than the plan, because the plan imports the tables (to
build them) and a table importing the plan back would close an import circle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace

from videoaffect.datasets.corpus import ClassLabels, Corpus
from videoaffect.models.config import ModelConfig, TrainConfig
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.common import ReproductionError
from videoaffect.reproduction.specs import RunSpec, TableSpec, TrainingSpec


class TablePlan:
    """The plan's state and the requests a table module makes to lay out its cells."""

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
