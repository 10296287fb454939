"""A trained model as users see it: valence and arousal models in ONE directory, with the
feature set they were trained on, the label scale and the choices made during training.

Layout::

    MODEL/model.json          format, tasks, feature set (every extractor id / version / weight
                              hash), label scale (in words too), chosen hyper-parameters
                              (smoothing), dataset and split, validation metrics; written last,
                              so a directory without it is an interrupted save
    MODEL/valence/            one task model (config.json, weights.safetensors, ranking.json,
    MODEL/arousal/            train_log.jsonl, metrics.json), see ``AffectModel``

A directory written by videoaffect 0.1 (one task model at the top, ``config.json`` with format
``videoaffect-model/1``) still loads, as a bundle with that one task; it records no feature
set, so it predicts stored features or corpora but not new videos (the error says how to
retrain).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from videoaffect.core.files import atomic_write_text
from videoaffect.core.labels import LabelScale
from videoaffect.core.vocabulary import TASKS
from videoaffect.models.affect_model import MODEL_FORMAT, AffectModel, ModelLoadError

BUNDLE_FORMAT = "videoaffect-bundle/1"
TASK_ORDER = TASKS


def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("videoaffect")
    except Exception:  # pragma: no cover - running from a source tree that is not installed
        return "unknown"


@dataclass
class FeatureRecord:
    """Where a model's features come from.

    ``feature_set``: the name ``build_feature_set`` takes ("default", "paper",
    "package.module:function"), or None when the features came with a dataset (they cannot be
    computed for a new video).  ``provenance``: the extraction job's provenance as stored in the
    feature store (decoder parameters and, per modality, extractor name, version, shape,
    parameters and weight sha256)."""

    feature_set: str | None
    options: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    description: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> FeatureRecord:
        return cls(d.get("feature_set"), dict(d.get("options") or {}), dict(d.get("provenance") or {}),
                   d.get("description", ""))


def _validation_summary(path: Path) -> dict:
    """Headline validation scores of one task (how good a curve is to expect), or {}."""
    try:
        metrics = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    key = next((k for k in metrics if k.startswith("validation_stride")), "validation")
    report = metrics.get(key) or {}
    final = report.get("final") or {}
    if not final:
        return {}
    return {
        "movies": report.get("movies"),
        "clip_stride": report.get("clip_stride", "clip length"),
        "per_second_pearson": final.get("per_second", {}).get("pearson"),
        "per_second_mse": final.get("per_second", {}).get("mse"),
        "per_movie_mean_pearson": final.get("per_movie_mean", {}).get("pearson"),
    }


def _one_or_each(values: dict):
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else values


class ModelBundle:
    def __init__(
        self,
        tasks: dict[str, AffectModel],
        label_scale: LabelScale,
        features: FeatureRecord,
        info: dict | None = None,
        path: Path | None = None,
        legacy: bool = False,
    ) -> None:
        if not tasks:
            raise ModelLoadError("a model needs at least one task (valence or arousal)")
        self.tasks = {t: tasks[t] for t in TASK_ORDER if t in tasks}
        self.label_scale = label_scale
        self.features = features
        self.info = info or {}
        self.path = path
        self.legacy = legacy
        self.validation: dict[str, dict] = {}  # per task: headline validation scores (set by load)

    @property
    def modality_names(self) -> list[str]:
        names: list[str] = []
        for model in self.tasks.values():
            names += [n for n in model.modality_names if n not in names]
        return names

    @property
    def clip_seconds(self) -> int:
        return min(m.config.clip_seconds for m in self.tasks.values())

    def task(self, name: str) -> AffectModel:
        if name not in self.tasks:
            where = self.path or "this model"
            raise ModelLoadError(
                f"{where} has no {name} model (it has {', '.join(self.tasks)}); predict only "
                f"--task {'/'.join(self.tasks)} or retrain with `videoaffect train ... --task both`"
            )
        return self.tasks[name]

    def describe(self) -> dict:
        """The model's identity for prediction outputs."""
        first = next(iter(self.tasks.values()))
        return {
            "path": str(self.path) if self.path else None,
            "format": MODEL_FORMAT if self.legacy else BUNDLE_FORMAT,
            "tasks": list(self.tasks),
            "method": first.train_config.method,
            "modalities": self.modality_names,
            "feature_set": self.features.feature_set,
            "clip_seconds": _one_or_each({t: m.config.clip_seconds for t, m in self.tasks.items()}),
            "smoothing": {t: m.config.smoothing_text() for t, m in self.tasks.items()},
            "combination": {t: m.config.combination_text() for t, m in self.tasks.items()},
            "trained_on": self.info.get("dataset"),
            "validation": self.validation,
            "videoaffect_version": self.info.get("videoaffect_version"),
        }

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path, metrics: dict[str, dict] | None = None) -> Path:
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        for name, model in self.tasks.items():
            model.save(root / name, (metrics or {}).get(name))
        meta = {
            "format": BUNDLE_FORMAT,
            "videoaffect_version": package_version(),
            "tasks": list(self.tasks),
            "label_scale": {**asdict(self.label_scale), "description": self.label_scale.describe()},
            "features": asdict(self.features),
            "info": self.info,
        }
        atomic_write_text(root / "model.json", json.dumps(meta, indent=2))
        self.path = root
        return root

    @classmethod
    def load(cls, directory: str | Path) -> ModelBundle:
        root = Path(directory)
        if root.is_file():
            raise ModelLoadError(f"{root} is a file; --model takes a model directory written by `videoaffect train`")
        meta_path = root / "model.json"
        if not meta_path.is_file():
            legacy_cfg = root / "config.json"
            if legacy_cfg.is_file() and (root.parent / "model.json").is_file():
                raise ModelLoadError(
                    f"{root} is the {root.name} part of the model {root.parent}; pass --model {root.parent} "
                    f"(and --task {root.name} for this task alone)"
                )
            if legacy_cfg.is_file():
                return cls._load_legacy(root)
            raise ModelLoadError(
                f"{meta_path} is missing: {root} is not a complete model directory (train one with "
                "`videoaffect train --dataset ROOT --out DIR`)"
            )
        try:
            meta = json.loads(meta_path.read_text())
        except json.JSONDecodeError as exc:
            raise ModelLoadError(f"{meta_path} is not valid JSON ({exc}); the directory is damaged, retrain") from None
        if meta.get("format") != BUNDLE_FORMAT:
            raise ModelLoadError(
                f"{meta_path}: format {meta.get('format')!r} written by videoaffect "
                f"{meta.get('videoaffect_version', 'unknown')}; this is videoaffect {package_version()}, "
                f"which reads {BUNDLE_FORMAT!r}: install that version or retrain with this one"
            )
        tasks = {}
        for name in meta["tasks"]:
            tasks[name] = AffectModel.load(root / name)
        scale_d = {k: v for k, v in meta["label_scale"].items() if k in ("low", "high", "name")}
        bundle = cls(tasks, LabelScale(**scale_d), FeatureRecord.from_dict(meta["features"]), meta.get("info") or {},
                     root)
        for name in tasks:
            bundle.validation[name] = _validation_summary(root / name / "metrics.json")
        return bundle

    @classmethod
    def _load_legacy(cls, root: Path) -> ModelBundle:
        model = AffectModel.load(root)
        features = FeatureRecord(
            None,
            description="not recorded (single-task model directory of videoaffect 0.1.x); modalities "
            + ", ".join(f"{s.name} ({s.extractor})" for s in model.config.modalities),
        )
        info = {"legacy": "single-task model directory of videoaffect 0.1.x; label scale not recorded"}
        return cls({model.config.task: model}, LabelScale.mediaeval(), features, info, root, legacy=True)

    def require_video_features(self) -> str:
        """The feature-set name to extract for a new video, or a clear error."""
        if self.features.feature_set is None:
            if self.legacy:
                raise ModelLoadError(
                    f"{self.path} is a single-task model directory of videoaffect 0.1.x, which does not record "
                    "its feature set, so it cannot predict videos; retrain it with `videoaffect train --dataset "
                    "ROOT --out NEW_DIR` (or keep predicting feature corpora with --corpus)"
                )
            raise ModelLoadError(
                f"{self.path} was trained on features that came with a dataset ({self.features.description}); "
                "they cannot be computed for a new video. Train on videos (`videoaffect train --dataset ROOT` "
                "with a MediaEval 2018 video folder or a manifest of videos) to predict videos"
            )
        return self.features.feature_set
