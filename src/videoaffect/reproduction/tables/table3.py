"""Table 3: long temporal context after the inter-clip stage: valence with L = 3..6 clips per
BiLSTM window on audio+scene+expression, arousal with EMA decay beta = 0.96..0.99 on
audio+scene+action.

Both sweeps reuse the final models' trainings: for another L only the inter-clip BiLSTM is
retrained on the frozen intra-clip model; beta only changes post-processing."""

from __future__ import annotations

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.specs import Cell, Row, TableSpec
from videoaffect.reproduction.table_plan import TablePlan

NAME = "3"
TITLE = "Table 3: long temporal context (valence: clips per window L; arousal: EMA decay beta)"

# task -> (inter-clip context the sweep needs, ModelConfig field swept, (value, published) pairs,
# run-key prefix); row i of the table holds the i-th value of each task.
SWEEPS: dict[str, tuple[str, str, list[tuple[float, dict[str, float]]], str]] = {
    "valence": ("lstm", "context_clips", list(paper.TABLE3_VALENCE_CLIPS.items()), "L"),
    "arousal": ("ema", "ema_beta", list(paper.TABLE3_AROUSAL_BETA.items()), "beta"),
}
PARAM_NAMES = {"valence": "L", "arousal": "β"}


def build(plan: TablePlan) -> TableSpec:
    spec = TableSpec(NAME, TITLE, ("mse", "pearson"), "after inter-clip context, per second",
                     param_names=dict(PARAM_NAMES))
    for i in range(max(len(s[2]) for s in SWEEPS.values())):
        row = Row("", {})
        for task in TASKS:
            context, attr, values, slug_prefix = SWEEPS[task]
            value, published = values[i]
            row.param[task] = f"{value:g}"
            pm, missing = plan.final_modalities(task)
            have = plan.model_config(task, ()).resolved_context
            if have != context:
                row.cells[task] = Cell([], published, "n/a", f"inter-clip context is {have!r} for this dataset")
                continue
            if not pm:
                row.cells[task] = Cell([], published, "n/a", "none of the paper's modalities in the corpus")
                continue
            keys = []
            for seed in plan.seeds:
                tr = plan.training(task, pm, "progressive", seed)
                keys.append(
                    plan.add_run(NAME, task, f"{slug_prefix}{value:g}", f"{slug_prefix}={value:g}", seed, tr,
                                 {attr: value}, "final")
                )
            note = f"without {', '.join(missing)} (not in the corpus)" if missing else ""
            row.cells[task] = Cell(keys, published, "run", note)
            row.modalities[task] = plan.used_text(pm)
        spec.rows.append(row)
    return spec
