"""Tables and summary from the run records: mean ± std over seeds beside the paper's numbers,
as ``tableN.json`` (every value) and ``tableN.md`` / ``summary.md`` (for reading)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.plan import ExperimentPlan
from videoaffect.reproduction.specs import TableSpec

METRIC_NAMES = {"mse": "MSE", "pearson": "PCC", "accuracy": "acc"}


def aggregate(values: list[float | None]) -> dict:
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(finite)
    return {
        "mean": float(np.mean(finite)) if n else None,
        # Sample standard deviation over seeds (ddof = 1); 0 with a single seed.
        "std": float(np.std(finite, ddof=1)) if n > 1 else (0.0 if n else None),
        "n": n,
        "runs": len(values),
        "values": [None if v is None or not math.isfinite(v) else float(v) for v in values],
    }


def _fmt_ours(agg: dict | None) -> str:
    if agg is None or agg["mean"] is None:
        return "nan" if agg else "–"
    text = f"{agg['mean']:.3f}"
    if agg["runs"] > 1:
        text += f" ± {agg['std']:.3f}"
    if agg["n"] < agg["runs"]:
        text += f" ({agg['n']}/{agg['runs']} finite)"
    return text


def _fmt_paper(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def table_json(spec: TableSpec, records: dict[str, dict], plan: ExperimentPlan) -> dict:
    rows = []
    for row in spec.rows:
        cells = {}
        for task, cell in row.cells.items():
            entry = {"status": cell.status, "paper": cell.paper, "note": cell.note, "runs": cell.runs}
            if cell.status == "run":
                entry["ours"] = {
                    m: aggregate([records[k]["metrics"].get(m) for k in cell.runs]) for m in spec.metrics
                }
                entry["modalities"] = row.modalities.get(task)
                first = records[cell.runs[0]]
                entry["model_config"] = first["model_config"]
                entry["train_config"] = {k: v for k, v in first["train_config"].items() if k != "seed"}
            cells[task] = entry
        rows.append({"row": row.label, "param": row.param, **cells})
    return {
        "table": spec.name,
        "title": spec.title,
        "metric": spec.metric_note,
        "metrics": list(spec.metrics),
        "seeds": list(plan.seeds),
        "skipped": spec.skipped,
        "notes": spec.notes,
        "paper": paper.PAPER_TITLE,
        "rows": rows,
    }


def table_markdown(spec: TableSpec, table: dict, plan: ExperimentPlan) -> str:
    n = len(plan.seeds)
    lines = [f"## {spec.title}", ""]
    if spec.skipped:
        lines += [f"*{spec.skipped}*", ""]
    seeds = ", ".join(map(str, plan.seeds))
    ours = f"mean ± std over {n} seeds ({seeds})" if n > 1 else f"seed {seeds}"
    # A table whose numbers are not comparable with the paper's (table 5) has no paper column.
    with_paper = any(row[task]["paper"] for row in table["rows"] for task in TASKS)
    paper_note = " Paper: published numbers." if with_paper else " No published numbers: see the notes below."
    lines += [f"Ours: {ours}; {spec.metric_note}.{paper_note}", ""]
    header = [] if spec.param_names else ["Row"]
    for task in TASKS:
        if spec.param_names:
            header.append(spec.param_names[task])
        for m in spec.metrics:
            name = f"{task.capitalize()} {METRIC_NAMES[m]}"
            header += [f"{name} (ours)", f"{name} (paper)"] if with_paper else [f"{name} (ours)"]
    header.append("Modalities used")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    notes: list[str] = []
    for row in table["rows"]:
        cells = [] if spec.param_names else [row["row"]]
        used = []
        for task in TASKS:
            cell = row[task]
            if spec.param_names:
                cells.append(row["param"].get(task, ""))
            for m in spec.metrics:
                published = cell["paper"].get(m) if cell["paper"] else None
                if cell["status"] == "run":
                    ours = _fmt_ours(cell["ours"][m])
                elif cell["status"] == "n/a":
                    ours = "n/a"
                else:
                    ours = "–"
                cells += [ours, _fmt_paper(published)] if with_paper else [ours]
            if cell["status"] == "run":
                used.append((task, cell["modalities"]))
            if cell["note"] and cell["status"] in ("n/a", "run"):
                label = row["row"] or f"{spec.param_names.get(task, '')}={row['param'].get(task, '')}"
                notes.append(f"{label} ({task}): {cell['note']}")
        if len({m for _, m in used}) == 1:
            cells.append(used[0][1])
        else:
            cells.append("; ".join(f"{task}: {m}" for task, m in used))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for note in notes + list(spec.notes):
        lines.append(f"- {note}")
    if notes or spec.notes:
        lines.append("")
    return "\n".join(lines)


def summary_markdown(plan: ExperimentPlan, markdown: dict[str, str], info: dict, splits: dict,
                     figures: list[Path], out: Path) -> str:
    corpus = plan.corpus
    name = info.get("name", "unnamed corpus")
    lines = [
        f"# Reproduction of “{paper.PAPER_TITLE}”",
        "",
        f"Dataset: **{name}** — {corpus.n_movies} movies, {corpus.total_seconds} s; "
        f"{len(splits['train'])} training movies, {len(splits['test'])} test movies; labels on "
        f"the {corpus.label_scale.name} scale [{corpus.label_scale.low:g}, {corpus.label_scale.high:g}] "
        "(MSE is reported on the internal [-1, 1] scale; run files also hold it on the original scale).",
        "",
        "The paper's numbers are its MediaEval 2018 results (tables 1–4); on other data they are a "
        "reference, not a target.  Table 5 is our own classification protocol and prints no published "
        "numbers (MediaEval 2015's are not comparable; see its notes).",
        "",
        "## Modalities",
        "",
        "| Paper modality | Corpus modality | Extractor | Shape |",
        "|---|---|---|---|",
    ]
    for pm, target in plan.modality_map.items():
        if target is None:
            lines.append(f"| {pm} | n/a (not in the corpus) | | |")
        else:
            s = corpus.specs[target]
            lines.append(f"| {pm} | {target} | {s.extractor} | {tuple(s.shape)} |")
    unused = [n for n in corpus.specs if n not in plan.modality_map.values()]
    if unused:
        lines += ["", f"Corpus modalities not used by any table: {', '.join(unused)}."]
    lines += [
        "",
        "## Protocol",
        "",
        "- Metrics are per second (each clip's prediction repeated over its seconds, all test seconds "
        "pooled), as in MediaEval 2018. Tables 1 and 2 score the intra-clip prediction, tables 3 and 4 "
        "the prediction after inter-clip context (valence BiLSTM over L clips, arousal EMA).",
        "- ± is the sample standard deviation over seeds; each seed changes the validation movies "
        "carved from the training movies and the network initialisation.",
        "- Shared trainings: one audio+scene+expression valence training per seed serves table 2, "
        "table 3 (the inter-clip BiLSTM is retrained for each L) and table 4; one arousal training "
        "per seed serves table 2, every β of table 3 (β is post-processing) and table 4.",
        "- Exact configuration: `config.json`; every run: `runs/<key>.json` (metrics, model and "
        "training configuration, seed, wall time); training logs: `logs/`; saved models: `models/`.",
        "",
    ]
    for t in plan.tables:
        lines += [markdown[t], f"(Markdown: `table{t}.md`, JSON: `table{t}.json`)", ""]
    if figures:
        lines += ["## Figures", ""]
        for f in figures:
            rel = f.relative_to(out)
            lines.append(f"- [{rel}]({rel})")
        lines.append("")
    return "\n".join(lines)
