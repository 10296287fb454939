"""Table 5: the classification variant of the final models (clip accuracy) beside the MediaEval
2015 works; run only when a classification config is given, otherwise reported as not run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.specs import Cell, Row, TableSpec
from videoaffect.reproduction.tables.table4 import final_row, published_rows

if TYPE_CHECKING:
    from videoaffect.reproduction.plan import ExperimentPlan

NAME = "5"
TITLE = "Table 5: classification variant compared with MediaEval 2015 works"


def build(plan: ExperimentPlan) -> TableSpec:
    spec = TableSpec(NAME, TITLE, ("accuracy",), "clip accuracy of the classification variant")
    spec.rows.extend(published_rows(paper.TABLE5))
    if plan.classification is None:
        spec.skipped = (
            "not run: the classification variant needs a classification config (the dataset "
            "provides no class labels, or none was passed)"
        )
        spec.rows.append(Row("Ours", {t: Cell([], paper.TABLE5["Ours"][t], "n/a", "not run") for t in TASKS}))
    else:
        spec.rows.append(final_row(plan, NAME, "Ours", paper.TABLE5["Ours"], "classification"))
    return spec
