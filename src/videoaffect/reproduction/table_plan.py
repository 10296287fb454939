"""What a table's ``build`` asks of the experiment plan: the interface ``tables/`` is written
against.  ``plan.ExperimentPlan`` implements it; the tables import this interface rather than the
plan, because the plan imports the tables (to build them) and a table importing the plan back
would close an import circle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from videoaffect.datasets.corpus import ClassLabels
from videoaffect.models.config import ModelConfig
from videoaffect.reproduction.specs import TrainingSpec


class TablePlan(Protocol):
    """The plan's state and requests that a table module uses to lay out its cells."""

    seeds: tuple[int, ...]
    modality_map: dict[str, str | None]
    classification: dict | None
    class_labels: ClassLabels | None

    def model_config(self, task: str, modalities: Sequence[str], output: str = "regression") -> ModelConfig: ...

    def missing(self, paper_modalities: Sequence[str]) -> list[str]: ...

    def final_modalities(self, task: str) -> tuple[tuple[str, ...], list[str]]: ...

    def used_text(self, paper_modalities: Sequence[str]) -> str: ...

    def training(
        self,
        task: str,
        paper_modalities: Sequence[str],
        method: str,
        seed: int,
        output: str = "regression",
        save_as: str | None = None,
    ) -> TrainingSpec: ...

    def add_run(
        self, table: str, task: str, slug: str, row: str, seed: int, training: TrainingSpec, variant: dict, metric: str
    ) -> str: ...
