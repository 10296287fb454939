"""``videoaffect models show MODEL``: a model's card — what it predicts, how it was trained, on
what data (and whether the videos were generated), how well it did on validation movies, its
ensemble and confidence band."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub, parents) -> None:
    p = sub.add_parser("models", parents=parents, help="inspect trained model directories",
                       description="Inspect model directories written by `videoaffect train`.")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    s = msub.add_parser("show", parents=parents,
                        help="print a model's card: tasks, method, features, training data, validation scores, "
                        "ensemble and confidence band")
    s.add_argument("model", type=Path, help="model directory written by `videoaffect train`")
    s.set_defaults(func=run_show)


def _score(value, fmt: str) -> str:
    return format(value, fmt) if isinstance(value, (int, float)) and value == value else "n/a"


def card_lines(bundle) -> list[str]:
    """The card of a loaded ``ModelBundle`` as lines of text."""
    from videoaffect.models.card import GENERATED_WARNING, NOT_RECORDED, card_rows

    d = bundle.describe()
    lines = []
    if bundle.generated:
        lines += [f"WARNING: {GENERATED_WARNING}", ""]
    lines += [
        f"model: {bundle.path} ({d['format']}, written by videoaffect {d.get('videoaffect_version') or 'unknown'})",
        f"tasks: {', '.join(d['tasks'])}",
        f"method: {d['method']}",
        f"feature set: {d['feature_set'] or bundle.features.description or 'none recorded'} "
        f"(modalities {', '.join(d['modalities'])})",
        f"label scale: {bundle.label_scale.describe()}",
        "training data:",
    ]
    rows = card_rows(bundle.training_data)
    lines += [f"  {k}: {v}" for k, v in rows] if rows else [f"  {NOT_RECORDED}"]
    lines.append("validation scores (per second, movies carved from the training data and held out of fitting):")
    for task in d["tasks"]:
        v = d["validation"].get(task) or {}
        if not v:
            lines.append(f"  {task}: not recorded")
            continue
        text = (f"  {task}: r {_score(v.get('per_second_pearson'), '.3f')}, "
                f"MSE {_score(v.get('per_second_mse'), '.4f')} on {v.get('movies')} movie(s) ({v.get('scored')})")
        if v.get("ensemble_mean_per_second_pearson") is not None:
            text += ("; the members' mean, which predicts: r "
                     f"{_score(v.get('ensemble_mean_per_second_pearson'), '.3f')}, "
                     f"MSE {_score(v.get('ensemble_mean_per_second_mse'), '.4f')}")
        lines.append(text)
    for task in d["tasks"]:
        lines.append(f"{task}: temporal context: {d['smoothing'].get(task)}; overlapping clips: "
                     f"{d['combination'].get(task)}; settings chosen {d['settings_chosen'].get(task)}")
    seeds = (bundle.info.get("ensemble") or {}).get("member_seeds")
    lines.append("ensemble: " + ", ".join(f"{t} {k} member(s)" for t, k in d["ensemble"].items())
                 + (f" (seeds {', '.join(map(str, seeds))}; one shared validation carve; the curve is their mean)"
                    if seeds and len(seeds) > 1 else ""))
    lines.append("confidence band:")
    for task in d["tasks"]:
        band = d["band"].get(task)
        lines.append(f"  {task}: {band['description'] if band else 'none (model trained before bands; retrain)'}")
        for warning in (band or {}).get("warnings") or []:
            lines.append(f"  warning: {warning}")
    return lines


def run_show(args: argparse.Namespace) -> int:
    from videoaffect.models.model_directory import ModelBundle

    bundle = ModelBundle.load(args.model)
    print("\n".join(card_lines(bundle)))
    return 0
