"""`videoaffect reproduce`'s public names, for ``videoaffect.cli.reproduce`` and older imports.

The implementation is split by job across this package (see its ``__init__``): ``orchestrator``
(``run_reproduction``), ``plan`` and ``tables/`` (what runs), ``run_files`` (run files, resume),
``trainings`` (executing trainings), ``report`` (tables, summary), ``figures``, ``mapping``
(modalities).
"""

from __future__ import annotations

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction.common import Progress, ReproductionError
from videoaffect.reproduction.mapping import MODALITY_ALIASES, parse_modality_map, resolve_modality_map
from videoaffect.reproduction.orchestrator import ReproductionResult, run_reproduction
from videoaffect.reproduction.plan import FAST_MODEL_OVERRIDES, FAST_TRAIN_OVERRIDES, ExperimentPlan
from videoaffect.reproduction.run_files import RUN_FORMAT
from videoaffect.reproduction.specs import Cell, Row, RunSpec, TableSpec, TrainingSpec
from videoaffect.reproduction.tables import ALL_TABLES, DEFAULT_TABLES

__all__ = [
    "ALL_TABLES",
    "DEFAULT_TABLES",
    "FAST_MODEL_OVERRIDES",
    "FAST_TRAIN_OVERRIDES",
    "MODALITY_ALIASES",
    "RUN_FORMAT",
    "TASKS",
    "Cell",
    "ExperimentPlan",
    "Progress",
    "ReproductionError",
    "ReproductionResult",
    "Row",
    "RunSpec",
    "TableSpec",
    "TrainingSpec",
    "parse_modality_map",
    "resolve_modality_map",
    "run_reproduction",
]
