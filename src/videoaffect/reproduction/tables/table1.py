"""Table 1: each modality alone (a one-modality model through the same progressive pipeline),
valence and arousal, scored on the intra-clip prediction as sections 4.2.1-4.2.2 do (an arousal
EMA would also have lifted the PCCs far above the published ones)."""

from __future__ import annotations

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.specs import Cell, Row, TableSpec
from videoaffect.reproduction.table_plan import TablePlan

NAME = "1"
TITLE = "Table 1: performance of each modality-specific model"


def saved_model(task: str, paper_modality: str, seed: int) -> str:
    """Directory under out/models of the first seed's model (figure 3 embeds its features)."""
    return f"table1-{task}-{paper_modality}-seed{seed}"


def build(plan: TablePlan) -> TableSpec:
    spec = TableSpec(NAME, TITLE, ("mse", "pearson"), "intra-clip prediction, per second")
    spec.notes.append(
        "Each row is a one-modality model trained through the whole pipeline (stage 1, the fresh FC "
        "head and the fine-tune), not the stage-1 model that ranks the modalities."
    )
    for pm in paper.PAPER_MODALITIES:
        row = Row(pm.capitalize(), {})
        for task in TASKS:
            published = paper.TABLE1[pm][task]
            if plan.modality_map[pm] is None:
                row.cells[task] = Cell([], published, "n/a", f"no {pm} modality in the corpus")
                continue
            keys = []
            for seed in plan.seeds:
                save = saved_model(task, pm, seed) if seed == plan.seeds[0] else None
                tr = plan.training(task, (pm,), "progressive", seed, save_as=save)
                keys.append(plan.add_run(NAME, task, pm, row.label, seed, tr, {}, "intra"))
            row.cells[task] = Cell(keys, published, "run")
            row.modalities[task] = plan.used_text((pm,))
        spec.rows.append(row)
    return spec
