"""``videoaffect annotations merge TRACE... --out labels.tsv``: merge raters' continuous traces
(ours or LIRIS-ACCEDE GTrace files) into one label per second, and report how well they agree
(``datasets/audience``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videoaffect.cli import common


def register(sub, parents) -> None:
    p = sub.add_parser("annotations", parents=parents, help="merge raters' traces into per-second labels, "
                       "with their agreement",
                       description="Audience labels from continuous annotation (the traces `videoaffect annotate` "
                       "pages save, or the GTrace files of LIRIS-ACCEDE continuous).")
    asub = p.add_subparsers(dest="annotations_command", metavar="ACTION", required=True)
    m = asub.add_parser(
        "merge", parents=parents, help="merge the traces of one video and task into Time/Mean/Std/Raters per second",
        description="Read the raters' traces of one video and one task, resample each to one value per second "
        "(the mean of its samples in [t, t+1)), and write per second Time, Mean, Std (over the raters, ddof 0) and "
        "Raters (how many traces cover that second) -- a label file `train --dataset list.csv` reads in a "
        "manifest's valence or arousal column. Also prints the raters' agreement (mean pairwise r, ICC(2,1) "
        "and ICC(2,k), each rater's r with the others' mean, flagging raters far from the rest) and writes it "
        "to OUT's name with .agreement.json.")
    m.add_argument("traces", nargs="+", type=Path, metavar="TRACE",
                   help="trace files, one per rater: *.trace.tsv saved by the annotate page, or LIRIS-ACCEDE "
                   "raw/idN/<Film>_<Task>_idN.txt")
    m.add_argument("--out", type=Path, required=True, help="the merged label file to write (e.g. labels.tsv)")
    m.add_argument("--json", type=Path, help="where to write the agreement (default: OUT with .agreement.json "
                   "in place of its suffix)")
    m.add_argument("--drop", action="append", default=[], metavar="RATER",
                   help="leave this rater out (repeatable), e.g. one the agreement flags")
    m.add_argument("--method", choices=("gaussian", "ewe", "mean"), default="gaussian",
                   help="gaussian (default): smooth each rater's per-second trace with a Gaussian of --sigma "
                   "seconds, then average (r 0.979-0.999 with the official LIRIS-ACCEDE continuous means on the 4 "
                   "films whose raw traces ship, docs/benchmarks/merging-raters.md); ewe: the same smoothing, then "
                   "each rater weighted by their r with the mean (evaluator weighted estimator); mean: the plain "
                   "per-second mean")
    m.add_argument("--sigma", type=float, default=6.0, metavar="SECONDS",
                   help="the Gaussian's standard deviation in seconds (default 6; gaussian and ewe)")
    m.set_defaults(func=run_merge)


def agreement_path(out: Path) -> Path:
    return out.with_name(out.stem + ".agreement.json")


def run_merge(args: argparse.Namespace) -> int:
    from videoaffect.core.errors import ConfigError
    from videoaffect.datasets.audience.agreement import agreement
    from videoaffect.datasets.audience.merge import merge_traces, write_merged
    from videoaffect.datasets.audience.traces import check_same_video_and_task, read_trace

    common.check_file_arg(args.out, "--out")
    json_path = args.json or agreement_path(args.out)
    common.check_file_arg(json_path, "--json")
    if args.sigma <= 0:
        raise ConfigError(f"--sigma {args.sigma}: give a positive number of seconds (default 6)")
    traces = [read_trace(p) for p in args.traces]
    check_same_video_and_task(traces)
    raters = [t.rater for t in traces]
    unknown = [r for r in args.drop if r not in raters]
    if unknown:
        raise ConfigError(f"--drop {unknown[0]}: no trace is by that rater; the raters are {', '.join(raters)}")
    kept = [t for t in traces if t.rater not in args.drop]
    if not kept:
        raise ConfigError("--drop leaves no trace to merge; drop fewer raters")
    merged = merge_traces(kept, method=args.method, sigma_s=args.sigma)
    report = {"format": "videoaffect-agreement/1", "video": merged.video, "task": merged.task,
              "files": [str(p) for p in merged.paths], "dropped": list(args.drop), "merged_file": str(args.out),
              "method": merged.method, "sigma_s": merged.sigma_s, "seconds": merged.seconds}
    report.update(agreement(list(merged.raters), merged.per_second))
    # `--out labels/film_Valence.tsv` makes labels/ (README's commands do); a failure removes what it made
    with common.removed_on_failure(Path(args.out).parent, Path(json_path).parent):
        for folder in {Path(args.out).parent, Path(json_path).parent}:
            folder.mkdir(parents=True, exist_ok=True)
        write_merged(merged, args.out)
        tmp = json_path.with_name(json_path.name + ".tmp")
        tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        tmp.replace(json_path)
    if getattr(args, "verbosity", 0) >= 0:
        print(summary(report))
        print(f"labels: {args.out} ({merged.seconds} s, {merged.task}); agreement: {json_path}")
    return 0


def _num(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.2f}"


def summary(report: dict) -> str:
    """The agreement in a few lines for the console."""
    icc = report["icc"]
    lines = [f"{report['video']} {report['task']}: {len(report['raters'])} raters over {report['seconds_compared']} "
             f"seconds they all rated; mean pairwise r {_num(report['mean_pairwise_r'])}; "
             f"ICC(2,1) {_num(icc['value'])} (one rater), ICC(2,k) {_num(icc['mean_of_raters_value'])} "
             "(their mean)"]
    for row in report["per_rater"]:
        flag = "  <- far from the rest; consider --drop " + row["rater"] if row["flagged"] else ""
        lines.append(f"  {row['rater']}: r with the others' mean {_num(row['r_with_rest'])}{flag}")
    lines += [f"  note: {n}" for n in report["notes"]]
    return "\n".join(lines)
