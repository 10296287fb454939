"""The LIRIS-ACCEDE benchmark's rows, their JSON file, the Markdown table and the verdicts.

A row is one task x feature source x method x seed: the set scored (``evaluated_set``, by
number: "set 2", never LIRIS-ACCEDE's own word "validation", which here means the validation
movies carved from training), MSE (1-5 scale and internal [-1, 1]), Pearson r, what was
trained (``trained``: ensemble size K, clip length, context, sizes) and the per-excerpt
predictions (``predictions``, 1-5 scale, rounded to 1e-5), which the verdicts need.
The evaluated excerpts of a task and source (``excerpts``: ids; ``films``: the film each
belongs to; ``truth``: their ratings) are one set of lists shared by its rows; the JSON file
holds them once under ``"evaluated"`` and its rows name them (``load_rows`` joins them back).

Verdicts (``evaluation/verdicts.py``, the project's one rule): ours - each other row, paired by
seed and averaged over seeds, with a 95 % interval from resampling the evaluated films; "beats"
or "loses to" only when the interval excludes 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoaffect.core.files import atomic_write_text
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.liris_accede.discrete import Protocol
from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.evaluation.verdicts import LEVEL, METRICS, RESAMPLES, RNG_SEED, Comparison, compare
from videoaffect.reproduction.liris_methods import ALL_METHODS, OURS, method_label, ours_text

FEATURE_SOURCES = ("tac2015", "videos", "both")
SHARED_KEYS = ("excerpts", "films", "truth")
# Before 0.8.0 a row named its evaluated set as ACCEDEsets.txt does ("split": "validation").
OLD_SPLIT_NAMES = {"learning": "set 1", "validation": "set 2", "test": "set 0"}
DIGITS = 5  # predictions are kept to 1e-5 on the 1-5 scale: far below any difference reported


def evaluated_set(ids, films: Sequence[str], truth) -> dict[str, list]:
    """The evaluated excerpts of one task and source, as the rows share them."""
    return {"excerpts": [int(i) for i in ids], "films": [str(f) for f in films],
            "truth": [float(v) for v in np.asarray(truth, dtype=np.float64)]}


def score_row(task: str, method: str, source: str, protocol: Protocol, seed: int, pred, truth, factor: float,
              n_train: int, n_eval: int, seconds: float, extra: dict, evaluated: dict[str, list] | None = None
              ) -> dict:
    """One benchmark row: MSE on the 1-5 scale and the internal scale, Pearson r, and context;
    with ``evaluated`` (``evaluated_set``) also the per-excerpt predictions for the verdicts."""
    err = mse(pred, truth)
    row = {
        "task": task,
        "method": method,
        "features": source,
        "evaluated_set": set_words(protocol.eval_sets),
        "seed": int(seed),
        "mse": err,
        "mse_internal": err / factor,
        # A constant prediction (the mean) has no correlation: NaN, not round-off.
        "pearson": pearson(pred, truth) if np.ptp(pred) > 0 else math.nan,
        "protocol": protocol.name,
        "n_train": int(n_train),
        "n_eval": int(n_eval),
        "seconds": round(seconds, 2),
        **extra,
    }
    if evaluated is not None:
        if len(evaluated["excerpts"]) != len(pred):
            raise AssertionError(f"{len(pred)} predictions for {len(evaluated['excerpts'])} evaluated excerpts")
        row["predictions"] = [round(float(v), DIGITS) for v in np.asarray(pred, dtype=np.float64)]
        row.update(evaluated)  # the same lists for every row of this task and source
    return row


def set_words(sets: Sequence[int]) -> str:
    """LIRIS-ACCEDE's sets by number ("set 2", "sets 1+2"): its own names for them
    ("learning", "validation", "test") would let set 2 read as our validation movies."""
    return ("set " if len(sets) == 1 else "sets ") + "+".join(str(int(s)) for s in sets)


def progress_line(row: dict) -> str:
    source = "" if source_of(row) == "tac2015" else f"{source_of(row):7s} "
    weight = f", w {row['blend_weight']:g}" if "blend_weight" in row else ""
    return (f"{row['task']:8s} {source}{row['method']:12s} seed {row['seed']}: MSE {row['mse']:.4f} (1-5 scale), "
            f"r {row['pearson']:.3f}{weight} [{row['seconds']:.1f} s]")


def source_of(row: dict) -> str:
    return row.get("features", "tac2015")  # rows written before 0.4 came from the TAC2015 files


# ---------------------------------------------------------------------- the JSON file
def write_json(path: str | Path, config: dict, rows: list[dict]) -> None:
    """The rows as strict JSON (NaN as null), one row per line, each evaluated set once."""
    evaluated: dict[str, dict] = {}
    lines = []
    for r in rows:
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()
               if k not in SHARED_KEYS}
        if "predictions" in r:
            key = f"{source_of(r)} {r['task']}"
            evaluated.setdefault(key, {k: r[k] for k in SHARED_KEYS})
            row["evaluated"] = key
        lines.append("    " + json.dumps(row, allow_nan=False))
    config_text = json.dumps(config, indent=2, allow_nan=False).replace("\n", "\n  ")
    sets = [f"    {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in evaluated.items()]
    text = ("{\n  \"benchmark\": \"liris-accede-discrete\",\n  \"config\": " + config_text + ",\n"
            "  \"evaluated\": {\n" + ",\n".join(sets) + "\n  },\n"
            "  \"rows\": [\n" + ",\n".join(lines) + "\n  ]\n}\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def load_rows(path: str | Path) -> list[dict]:
    """The rows of a JSON file written by ``write_json``, evaluated sets joined back and null
    scores read as NaN: ``format_summary(load_rows(path))`` prints the table and verdicts again."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    sets = doc.get("evaluated", {})
    rows = []
    for r in doc["rows"]:
        row = {k: (math.nan if v is None and k in ("pearson", "mse", "mse_internal") else v) for k, v in r.items()}
        key = row.pop("evaluated", None)
        if key is not None:
            row.update(sets[key])
        if "split" in row and "evaluated_set" not in row:  # files written before 0.8.0 named the set
            old = row.pop("split")
            if old not in OLD_SPLIT_NAMES:
                raise ValueError(f"{path}: a row's split {old!r} is none of {sorted(OLD_SPLIT_NAMES)}; "
                                 "write the file again with `videoaffect benchmark liris-accede-discrete`")
            row["evaluated_set"] = OLD_SPLIT_NAMES[old]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------- the table and verdicts
def _mean_std(values: list[float]) -> str:
    v = np.asarray([x for x in values if x is not None and not math.isnan(x)], dtype=np.float64)
    if v.size == 0:
        return "n/a"
    return f"{v.mean():.3f} ± {v.std():.3f}" if v.size > 1 else f"{v.mean():.3f}"


def _label(rows: list[dict]) -> str:
    first = rows[0]
    return method_label(first["method"], first.get("recipe"), first.get("blend_weight"))


def _trained(rows: list[dict]) -> str:
    texts = list(dict.fromkeys(str(r["trained"]) for r in rows if r.get("trained")))
    return " / ".join(texts).replace("|", "/") or "not recorded"


def format_summary(rows: Sequence[dict]) -> str:
    """Markdown table: one line per task x source x method, mean ± std (population std) over
    seeds, with what was trained; then the verdicts (``verdict_lines``)."""
    if not rows:
        return "_no results_"
    groups = _groups(rows)
    first = rows[0]
    lines = [
        f"LIRIS-ACCEDE discrete, {first['protocol']} protocol: train on {first['n_train']} excerpts, "
        f"evaluate on {first['evaluated_set']} ({first['n_eval']} excerpts). MSE on the 1-5 rating scale "
        "(internal [-1, 1] scale in its own column); mean ± std over seeds. Features: tac2015 = the files "
        "distributed with the data set; videos = a feature set extracted from the excerpt videos; both = the two "
        "together. 'trained': what each row trained (K = models per task).",
        "",
        "| task | features | method | trained | MSE (1-5) | MSE ([-1, 1]) | Pearson r | seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (task, source, _method), rs in groups.items():
        lines.append(
            f"| {task} | {source} | {_label(rs)} | {_trained(rs)} | {_mean_std([r['mse'] for r in rs])} | "
            f"{_mean_std([r['mse_internal'] for r in rs])} | {_mean_std([r['pearson'] for r in rs])} | {len(rs)} |"
        )
    verdict = verdict_lines(rows)
    if verdict:
        recipe = next((r.get("recipe") for r in rows if r["method"] == OURS), None)
        lines += ["", f"Does {ours_text(recipe)} beat each other row?  Difference = ours - other, paired by "
                  f"training seed and averaged over seeds, on the evaluated set; its {round(100 * LEVEL)} % interval: "
                  f"percentiles over {RESAMPLES} bootstrap resamples of the evaluated films (all of a film's excerpts "
                  f"together; RNG seed {RNG_SEED}).  'beats' / 'loses to' only when the interval excludes 0, "
                  "else 'level with'.", ""]
        lines += [f"- {v}" for v in verdict]
    return "\n".join(lines)


def _groups(rows: Sequence[dict]) -> dict[tuple[str, str, str], list[dict]]:
    order = {m: i for i, m in enumerate(ALL_METHODS)}
    source_order = {s: i for i, s in enumerate(FEATURE_SOURCES)}
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["task"], source_of(r), r["method"]), []).append(r)
    return dict(sorted(groups.items(), key=lambda kv: (
        TASKS.index(kv[0][0]), source_order.get(kv[0][1], 99), order.get(kv[0][2], 99))))


def compare_rows(ours: list[dict], other: list[dict], metric: str) -> Comparison | None:
    """``evaluation.verdicts.compare`` on two methods' rows: seeds paired (a method with one row
    is paired with every seed of the other), on the excerpts and films the rows share.  None
    when a side lacks per-excerpt predictions (rows written before 0.6.0) or the metric is
    undefined for it (Pearson r of the training mean)."""
    ours = [r for r in ours if "predictions" in r]
    other = [r for r in other if "predictions" in r]
    if not ours or not other:
        return None
    by_seed = {r["seed"]: r for r in other}
    if len(other) == 1:
        pairs = [(r, other[0]) for r in ours]
    else:
        pairs = [(r, by_seed[r["seed"]]) for r in ours if r["seed"] in by_seed]
    if not pairs:
        return None
    for a, b in pairs:
        if a["excerpts"] != b["excerpts"]:
            raise ValueError(f"{a['method']} and {b['method']} rows ({a['task']}, seed {a['seed']}) were evaluated "
                             "on different excerpts")
    first = pairs[0][0]
    return compare([a["predictions"] for a, _ in pairs], [b["predictions"] for _, b in pairs], first["truth"],
                   first["films"], metric)


def verdict_lines(rows: Sequence[dict]) -> list[str]:
    """One plain sentence per task, feature source and other method: does ours beat it on MSE
    and on Pearson r (``evaluation/verdicts.py``), by how much, with the interval."""
    groups = _groups(rows)
    sources = list(dict.fromkeys(source for _, source, _ in groups))
    out = []
    for (task, source, method), others in groups.items():
        ours = groups.get((task, source, OURS))
        if method == OURS or not ours:
            continue
        parts, counts = [], None
        for metric in METRICS:
            result = compare_rows(ours, others, metric)
            if result is not None:
                parts.append(result.text())
                counts = (result.seeds, result.groups)
        if parts and counts:
            where = "" if sources == ["tac2015"] else f" ({source} features)"
            seeds, films = counts
            out.append(f"{task}{where}, vs {_label(others)}: " + "; ".join(parts)
                       + f" ({seeds} seed{'s' if seeds != 1 else ''}, {films} films)")
    return out


__all__ = ["FEATURE_SOURCES", "OLD_SPLIT_NAMES", "compare_rows", "evaluated_set", "format_summary", "load_rows",
           "progress_line", "score_row", "set_words", "source_of", "verdict_lines", "write_json"]
