"""Which settings help the progressive method on LIRIS-ACCEDE's real labels (issue 8), decided
inside set 1 only: a fifth of set 1's id blocks is held out (``within_set1``), the real set 2 is
not touched.  Each variant changes one thing; ridge (tuned on its own carve of the training
part) is the reference to match.  First round: variants of the 0.3.1 neural settings (``BASE``);
second round ("adopted + ..."): variants of the settings 0.3.2 adopted from the first.

    python benchmarks/bench_liris_ablation.py ../shared/data/liris-accede-discrete [--json out.json]

``--variants`` picks some by name.  Prints, per variant and task, the progressive method's
Pearson r and MSE (1-5 scale), mean ± std over seeds 0, 1, 2, and the difference to ridge paired by seed.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from videoaffect.core.vocabulary import TASKS
from videoaffect.reproduction.liris_benchmark import paired_differences, run_liris_benchmark

# Every variant starts from the 0.3.1 neural settings (hidden 32, no weight decay), the ones the
# ablation was run from; "hidden 64 + weight decay 1e-3" is what 0.3.2 adopted as the default.
BASE = {"model": {"hidden_size": 32, "head_hidden": 32}, "train": {"weight_decay": 0.0, "pairwise_rank_weight": 0.0}}
ADOPTED = {"model": {"hidden_size": 64, "head_hidden": 64}, "train": {"weight_decay": 1e-3}}


def on_adopted(model: dict | None = None, train: dict | None = None, **rest) -> dict:
    """A variant of the adopted 0.3.2 settings (the second round of the ablation)."""
    return {"model": {**ADOPTED["model"], **(model or {})}, "train": {**ADOPTED["train"], **(train or {})}, **rest}


# The benchmark's current neural settings (NeuralSizes), nothing overridden: hidden 64, weight
# decay 1e-3, no ranking term.
CURRENT = "current defaults"
VARIANTS: dict[str, dict] = {
    CURRENT: {},
    "defaults": {},
    "weight decay 1e-3": {"train": {"weight_decay": 1e-3}},
    "weight decay 1e-2": {"train": {"weight_decay": 1e-2}},
    "hidden 16": {"model": {"hidden_size": 16, "head_hidden": 16}},
    "hidden 64": {"model": {"hidden_size": 64, "head_hidden": 64}},
    "lr 3e-4": {"train": {"lr": 3e-4}},
    "patience 12": {"train": {"patience": 12}},
    "batch 256": {"train": {"batch_size": 256}},
    "rank by mse": {"train": {"rank_metric": "mse"}},
    # the two that helped alone, together (adopted in 0.3.2)
    "hidden 64 + weight decay 1e-3": ADOPTED,
    # second round, each one change from the adopted settings
    "adopted + 2 LSTM layers": on_adopted(model={"num_layers": 2}),
    "adopted + 2 LSTM layers, dropout 0.3": on_adopted(model={"num_layers": 2, "dropout": 0.3}),
    "adopted + rank-Gauss features": on_adopted(feature_transform="rank-gauss"),
    "adopted + ensemble of 3 seeds": on_adopted(ensemble=3),
    "adopted + inverse-variance sample weights": on_adopted(sample_weights="inverse-variance"),
    "adopted + pairwise ranking term 0.05": on_adopted(train={"pairwise_rank_weight": 0.05}),
    "adopted + pairwise ranking term 0.2": on_adopted(train={"pairwise_rank_weight": 0.2}),
    "adopted + pairwise ranking term 1": on_adopted(train={"pairwise_rank_weight": 1.0}),
    "adopted + pairwise ranking term 3": on_adopted(train={"pairwise_rank_weight": 3.0}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--variants", nargs="+", default=[v for v in VARIANTS if v != CURRENT], choices=list(VARIANTS))
    ap.add_argument("--json", help="write every row here")
    args = ap.parse_args()
    results = {}
    ridge = run_liris_benchmark(args.root, seeds=args.seeds, methods=("ridge",), within_set1=True)
    print("variant | task | progressive r | progressive MSE | r - ridge (paired) | MSE - ridge (paired) | s")
    for name in args.variants:
        t = time.perf_counter()
        variant = None if name == CURRENT else {
            **VARIANTS[name], **{part: {**BASE[part], **VARIANTS[name].get(part, {})} for part in BASE}}
        rows = run_liris_benchmark(args.root, seeds=args.seeds, methods=("progressive",), within_set1=True,
                                   overrides=variant)
        seconds = time.perf_counter() - t
        results[name] = rows
        for task in TASKS:
            ours = [r for r in rows if r["task"] == task]
            ref = [r for r in ridge if r["task"] == task]
            r = np.array([x["pearson"] for x in ours])
            m = np.array([x["mse"] for x in ours])
            dr, dm = paired_differences(ours, ref, "pearson"), paired_differences(ours, ref, "mse")
            print(f"{name} | {task} | {r.mean():.3f} ± {r.std():.3f} | {m.mean():.3f} ± {m.std():.3f} | "
                  f"{dr.mean():+.3f} ± {dr.std():.3f} | {dm.mean():+.3f} ± {dm.std():.3f} | {seconds:.0f}", flush=True)
    for task in TASKS:
        rr = np.array([r["pearson"] for r in ridge if r["task"] == task])
        mm = np.array([r["mse"] for r in ridge if r["task"] == task])
        print(f"ridge | {task} | {rr.mean():.3f} ± {rr.std():.3f} | {mm.mean():.3f} ± {mm.std():.3f} | | |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"protocol": "within set 1 (a fifth of its id blocks held out)", "variants": VARIANTS,
                       "ridge": ridge, "rows": results, "date": time.strftime("%Y-%m-%d")}, fh, indent=2, default=str)


if __name__ == "__main__":
    main()
