"""Run files: one JSON per finished (table, task, configuration, seed) under ``out/runs/``.

A run file is written atomically as soon as its run finishes, so a killed reproduction loses at
most the runs of the training in progress.  Its fingerprint hashes everything that decides its
numbers (model and training configs, variant, metric, train/test movies); a later call loads the
run when the fingerprint matches and refuses the directory when it does not.  Changing what
``fingerprint_inputs`` returns makes every existing output directory unresumable."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from videoaffect.core.files import atomic_write_text
from videoaffect.reproduction.common import Progress, ReproductionError, jsonable, versions
from videoaffect.reproduction.plan import ExperimentPlan
from videoaffect.reproduction.specs import RunSpec, TrainingSpec

RUN_FORMAT = "videoaffect-reproduce-run/1"

# Training settings that do not change results (or only their speed): not part of the resume
# fingerprint, so a resumed run may use another device or thread count.
VOLATILE_TRAIN_KEYS = ("progress", "device", "num_threads")


def fingerprint_inputs(run: RunSpec, spec: TrainingSpec, splits: dict, class_labels: str | None = None) -> dict:
    """What decides a run's numbers.  ``class_labels``: the digest of the official class labels a
    classification run trains on (``ExperimentPlan.class_labels_digest``); absent from the
    inputs otherwise, so the runs of earlier versions stay resumable."""
    tc = {k: v for k, v in spec.train_config.to_dict().items() if k not in VOLATILE_TRAIN_KEYS}
    # finetune_max_epochs (0.3.1) at or above max_epochs changes nothing: leaving it out keeps
    # the runs of 0.3.0 (which had no such cap) resumable with the settings they were made with.
    if tc.get("finetune_max_epochs", 0) >= tc["max_epochs"]:
        tc.pop("finetune_max_epochs", None)
    # Likewise compute_dtype (0.3.2) "float32" is how every earlier run trained.
    if tc.get("compute_dtype") == "float32":
        tc.pop("compute_dtype")
    # And pairwise_rank_weight (0.3.2) 0 is how every earlier run trained.
    if tc.get("pairwise_rank_weight") == 0.0:
        tc.pop("pairwise_rank_weight")
    inputs = {
        "model_config": run.model_config.to_dict(),
        "train_config": tc,
        "variant": run.variant,
        "metric": run.metric,
        "train_movies": splits["train"],
        "test_movies": splits["test"],
    }
    if class_labels is not None and run.model_config.output == "classification":
        inputs["class_labels"] = class_labels
    return jsonable(inputs)


def fingerprint(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """``key: old -> new`` for every leaf that differs, for the refusal message."""
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += differences(a, b, f"{prefix}{k}.")
        elif a != b:
            text_a, text_b = (json.dumps(x)[:60] for x in (a, b))
            out.append(f"{prefix}{k}: {text_a} -> {text_b}")
    return out


def headline(report: dict, metric: str) -> dict:
    """The run file's ``metrics``: the numbers its table cell aggregates, plus both stages."""
    if metric == "accuracy":
        return {"accuracy": report["accuracy"]}
    out = {
        "mse": report[metric]["per_second"]["mse"],
        "pearson": report[metric]["per_second"]["pearson"],
    }
    for which in ("intra", "final"):
        out[f"{which}_mse"] = report[which]["per_second"]["mse"]
        out[f"{which}_pearson"] = report[which]["per_second"]["pearson"]
    if "mse_original_scale" in report[metric]["per_second"]:
        out["mse_original_scale"] = report[metric]["per_second"]["mse_original_scale"]
    return out


def remove_temporary(out: Path) -> list[Path]:
    """Delete the temporary files that killed writers left (``.NAME.*.tmp`` of atomic writes,
    ``.NAME.tmp.png`` of older figure writes) where a reproduction writes.  Only for the holder
    of the directory's lock: a live writer's file would go too."""
    folders = [out, out / "runs", out / "figures"]
    if (out / "models").is_dir():
        folders += [d for d in (out / "models").iterdir() if d.is_dir()]
    stale = [
        p
        for d in folders
        if d.is_dir()
        for p in d.iterdir()
        if p.is_file() and p.name.startswith(".") and p.name.endswith((".tmp", ".tmp.png"))
    ]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


class RunStore:
    """The run files of one plan in ``out/runs``: which are finished, which are pending."""

    def __init__(self, plan: ExperimentPlan, out_dir: Path, splits: dict, progress: Progress) -> None:
        self.plan = plan
        self.out = out_dir
        self.splits = splits  # {"train": [movie ids], "test": [movie ids]}
        self.progress = progress
        self.records: dict[str, dict] = {}
        self.loaded: list[str] = []

    def path(self, key: str) -> Path:
        return self.out / "runs" / f"{key}.json"

    def load_finished(self) -> None:
        """Load every finished run of the plan; refuse run files made with other settings."""
        for key, run in self.plan.runs.items():
            path = self.path(key)
            if not path.is_file():
                continue
            try:
                record = json.loads(path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.progress(f"{path} is unreadable; that run will be redone")
                continue
            spec = self.plan.trainings[run.training]
            expected = fingerprint_inputs(run, spec, self.splits, self.plan.class_labels_digest())
            if record.get("format") != RUN_FORMAT or record.get("fingerprint") != fingerprint(expected):
                diff = differences(record.get("fingerprint_inputs", {}), expected)
                raise ReproductionError(
                    f"{path} was written with other settings ({'; '.join(diff[:5]) or 'unknown format'}); "
                    f"resuming needs the same settings: use a new output directory, or delete {path} "
                    f"(or all of {path.parent}) to recompute"
                )
            self.records[key] = record
            self.loaded.append(key)

    def pending(self) -> dict[str, list[RunSpec]]:
        """Training key -> its unfinished runs, in plan order."""
        out: dict[str, list[RunSpec]] = {}
        for run in self.plan.runs.values():
            if run.key not in self.records:
                out.setdefault(run.training, []).append(run)
        for key, spec in self.plan.trainings.items():
            # A model to keep that went missing (deleted by hand) is trained again too.
            if key not in out and any(not (self.out / "models" / s / "config.json").is_file() for s in spec.save_as):
                out[key] = []
        return {k: out[k] for k in self.plan.trainings if k in out}

    def write(self, run: RunSpec, spec: TrainingSpec, *, report: dict, ranking: dict, validation: list[str],
              train_wall: float, eval_wall: float) -> dict:
        """Write the finished run's file (atomically) and return its record."""
        inputs = fingerprint_inputs(run, spec, self.splits, self.plan.class_labels_digest())
        record = jsonable(
            {
                "format": RUN_FORMAT,
                "key": run.key,
                "table": run.table,
                "task": run.task,
                "row": run.row,
                "seed": run.seed,
                "method": spec.method,
                "metric": run.metric,
                "variant": run.variant,
                "paper_modalities": list(spec.paper_modalities),
                "modalities": list(spec.modalities),
                "model_config": run.model_config.to_dict(),
                "train_config": spec.train_config.to_dict(),
                "metrics": headline(report, run.metric),
                "report": report,
                "ranking": ranking,
                "training": spec.key,
                "shared_training_with": [r.key for r in self.plan.runs_of(spec.key) if r.key != run.key],
                # The training's wall time is shared by every run of the same training.
                "train_wall_s": round(train_wall, 3),
                "eval_wall_s": round(eval_wall, 3),
                "splits": {**self.splits, "validation": validation},
                "fingerprint": fingerprint(inputs),
                "fingerprint_inputs": inputs,
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": versions(),
            }
        )
        atomic_write_text(self.path(run.key), json.dumps(record, indent=2))
        self.records[run.key] = record
        return record
