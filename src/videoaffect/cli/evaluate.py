"""``videoaffect evaluate``: per-second MSE and Pearson r of a trained model on a split.

It prints the table and writes only where ``--json`` and ``--out`` say: never into the model
directory (a model is what `train` wrote; `predict`'s outputs fingerprint it)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videoaffect.cli import common
from videoaffect.core.errors import ConfigError

SPLIT_HELP = ("default: the dataset's own test split — MediaEval 2018 test (54-65); a manifest's 'test' rows; "
              "LIRIS-ACCEDE discrete's protocol sets; LIRIS-ACCEDE continuous's 'test' films (docs/datasets.md); "
              "a corpus's 'test'")


def register(sub, parents) -> None:
    p = sub.add_parser("evaluate", parents=parents,
                       help="score a trained model on a split (MSE, Pearson), every task it has")
    p.add_argument("model", type=Path, help="model directory written by `train`")
    common.add_data_options(p, split_help=SPLIT_HELP)
    p.add_argument("--clip-stride", type=common.positive_int,
                   help="score per-second curves of clips every N seconds (default: the stride the model was "
                   "trained for, 1 unless `train --clip-stride` said otherwise; the paper's non-overlapping clips "
                   "for models of videoaffect 0.1.x)")
    common.add_device(p)
    common.add_progress(p)
    p.add_argument("--json", type=Path, help="also write the full report to this JSON file")
    p.add_argument("--out", type=Path,
                   help="also record the report in DIR/metrics.json, keyed by split and stride (evaluation:SPLIT"
                   "[:strideN] -> task -> report); evaluations of other splits or strides recorded there are kept "
                   "(nothing is written into the model directory)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from videoaffect.cli.tables import metrics_table
    from videoaffect.core.files import atomic_write_text
    from videoaffect.datasets.clips import ClipSampler
    from videoaffect.evaluation.evaluate import evaluate_model
    from videoaffect.models.model_directory import ModelBundle

    common.check_one_source(args)
    common.check_scheduler(args)
    common.check_file_arg(args.json, "--json")
    if args.out is not None:
        common.check_out_dir(args.out)
    for flag, path in (("--json", args.json), ("--out", args.out)):
        _refuse_inside_model(flag, path, args.model)
    # read before the (long) evaluation, so an unreadable record fails before any work
    record = _read_record(args.out / "metrics.json") if args.out is not None else None
    bundle = ModelBundle.load(args.model)
    model_set = bundle.features.feature_set
    dataset = getattr(args, "dataset", None)
    if dataset and model_set and args.feature_set not in ("default", model_set):
        raise ConfigError(
            f"--feature-set {args.feature_set}: the model {args.model} was trained on {model_set!r} features, "
            "which `evaluate` extracts itself; leave --feature-set out"
        )
    store = (args.store or common.default_store()) if dataset is not None else None
    with common.removed_on_failure(store):
        loaded = common.load_data(args, feature_set=model_set if dataset else None)
    corpus, info = loaded.corpus, loaded.info
    split = args.split or info.test_split
    movies = common.split_movies(corpus, split)
    reports, rows = {}, []
    device = common.resolved_device(args)
    wanted_stride = args.clip_stride if args.clip_stride is not None else bundle.info.get("clip_stride")
    for task, model in bundle.tasks.items():
        stride = (None if wanted_stride is None
                  else ClipSampler.for_stride(model.config.clip_seconds, wanted_stride).stride)
        # an ensemble is scored as `predict` uses it: the members' mean
        report = evaluate_model(bundle.task(task), corpus, movies, device=device, clip_stride=stride)
        report["ensemble_members"] = bundle.ensemble_size(task)
        reports[task] = report
        rows.append((f"{task} {common.split_text(split)}" + (f", stride {stride}" if stride else ""), report))
    key = f"evaluation:{common.split_text(split)}" + (f":stride{wanted_stride}" if wanted_stride else "")
    if args.json:
        atomic_write_text(args.json, json.dumps(reports if len(reports) > 1 else next(iter(reports.values())),
                                                indent=2))
    if args.out is not None and record is not None:
        record[key] = reports
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.out / "metrics.json", json.dumps(record, indent=2))
    print(metrics_table(rows))
    return 0


def _refuse_inside_model(flag: str, path: Path | None, model: Path) -> None:
    if path is None:
        return
    target, root = Path(path).resolve(), Path(model).resolve()
    if target == root or root in target.parents:
        raise ConfigError(f"{flag} {path} is inside the model directory {model}; evaluate writes nothing there "
                          "(give a file or folder outside it)")


def _read_record(path: Path) -> dict:
    """The evaluations already recorded in ``path`` (``--out``), kept beside this one."""
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--out: {path} is not a readable JSON evaluation record ({exc}); give another folder or "
                          "delete that file") from None
    if not isinstance(record, dict):
        raise ConfigError(f"--out: {path} is not a JSON evaluation record (an object); give another folder or "
                          "delete that file")
    return record
