"""Table 2: modality combinations (progressive) and the two fusion baselines, intra-clip."""

from __future__ import annotations

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.specs import Cell, Row, TableSpec
from videoaffect.reproduction.table_plan import TablePlan

NAME = "2"
TITLE = "Table 2: modality combinations and fusion strategies (intra-clip)"

_ASE, _ASA = paper.FINAL_MODALITIES["valence"], paper.FINAL_MODALITIES["arousal"]

# (row label, run-key slug = key of paper.TABLE2, task -> paper modalities, training method).
# A task missing from a row was not run in the paper either; its cells show "–".
ROWS: list[tuple[str, str, dict[str, tuple[str, ...]], str]] = [
    ("Audio+Scene", "audio+scene", {"valence": ("audio", "scene")}, "progressive"),
    ("Audio+Action", "audio+action", {"arousal": ("audio", "action")}, "progressive"),
    ("Audio+Scene+Expression", "audio+scene+expression", {"valence": _ASE}, "progressive"),
    ("Audio+Action+Scene", "audio+action+scene", {"arousal": ("audio", "action", "scene")}, "progressive"),
    ("Baseline 1", "baseline1", {"valence": _ASE, "arousal": _ASA}, "joint"),
    ("Baseline 2", "baseline2", {"valence": _ASE, "arousal": _ASA}, "average"),
]

NOTES = [
    "Baseline 1 = all encoders and the head trained jointly (method joint); Baseline 2 = "
    "modality-specific models averaged (method average)."
]


def build(plan: TablePlan) -> TableSpec:
    spec = TableSpec(NAME, TITLE, ("mse", "pearson"), "intra-clip prediction, per second")
    for label, slug, per_task, method in ROWS:
        row = Row(label, {})
        for task in TASKS:
            published = paper.TABLE2[slug][task]
            if task not in per_task:
                row.cells[task] = Cell([], published, "-")
                continue
            pm = per_task[task]
            missing = plan.missing(pm)
            if missing:
                row.cells[task] = Cell([], published, "n/a", f"no {', '.join(missing)} modality in the corpus")
                continue
            keys = []
            for seed in plan.seeds:
                tr = plan.training(task, pm, method, seed)
                keys.append(plan.add_run(NAME, task, slug, label, seed, tr, {}, "intra"))
            row.cells[task] = Cell(keys, published, "run")
            row.modalities[task] = plan.used_text(pm)
        spec.rows.append(row)
    spec.notes.extend(NOTES)
    return spec
