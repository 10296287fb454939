"""Table 4: the final models (L = 4, beta = 0.98, the paper's modalities that the corpus has)
after inter-clip context, below the published state-of-the-art rows; the models are saved."""

from __future__ import annotations

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.specs import Cell, Row, TableSpec
from videoaffect.reproduction.table_plan import TablePlan

NAME = "4"
TITLE = "Table 4: final models compared with the state of the art"


def saved_model(table: str, task: str, seed: int) -> str:
    """Directory under out/models of a final model (figures 3-6 draw from table 4's)."""
    return f"table{table}-{task}-seed{seed}"


def final_row(plan: TablePlan, table: str, label: str, published: dict, output: str) -> Row:
    """Our row of the final models (table 4 regression, table 5 classification)."""
    row = Row(label, {})
    metric = "accuracy" if output == "classification" else "final"
    for task in TASKS:
        pm, missing = plan.final_modalities(task)
        if not pm:
            row.cells[task] = Cell([], published[task], "n/a", "none of the paper's modalities in the corpus")
            continue
        keys = []
        for seed in plan.seeds:
            tr = plan.training(task, pm, "progressive", seed, output, save_as=saved_model(table, task, seed))
            keys.append(plan.add_run(table, task, "final", label, seed, tr, {}, metric))
        note = f"without {', '.join(missing)} (not in the corpus)" if missing else ""
        row.cells[task] = Cell(keys, published[task], "run", note)
        row.modalities[task] = plan.used_text(pm)
    return row


def published_rows(table: dict[str, dict]) -> list[Row]:
    """The other works' rows of a paper table (every row but "Ours")."""
    return [Row(label, {t: Cell([], published[t], "paper") for t in TASKS})
            for label, published in table.items() if label != "Ours"]


def build(plan: TablePlan) -> TableSpec:
    spec = TableSpec(NAME, TITLE, ("mse", "pearson"), "after inter-clip context, per second")
    spec.rows.extend(published_rows(paper.TABLE4))
    spec.rows.append(final_row(plan, NAME, "Ours", paper.TABLE4["Ours"], "regression"))
    parts = []
    for task in TASKS:
        cfg = plan.model_config(task, ())
        context = cfg.resolved_context
        detail = {"lstm": f" (L = {cfg.context_clips})", "ema": f" (β = {cfg.ema_beta:g})"}.get(context, "")
        parts.append(f"{task} inter-clip context {context}{detail}")
    spec.notes.append(
        f"Our final models: {', '.join(parts)}; the published rows are the paper's (MediaEval 2018 test set)."
    )
    return spec
