"""A trained model as users see it: valence and arousal models in ONE directory, with the
feature set they were trained on, the label scale and the choices made during training.

Layout::

    MODEL/model.json          format, tasks, feature set (every extractor id / version / weight
                              hash), label scale (in words too), chosen hyper-parameters
                              (smoothing), dataset and split, validation metrics; written last,
                              so a directory without it is an interrupted save
    MODEL/valence/            one task model (config.json, weights.safetensors, ranking.json,
    MODEL/arousal/            train_log.jsonl, metrics.json), see ``AffectModel``
    MODEL/valence/members/1/  ensemble members 1..K-1 (``train --ensemble K``), each a complete
    MODEL/valence/members/2/  task model directory; member 0 is the task folder itself, so a
                              directory without members (K = 1, or written before ensembles)
                              reads as before.  model.json ``ensemble`` says how many members
                              each task has and ``band`` how its confidence band is computed
                              (``videoaffect.models.ensemble``).

model.json ``info.training_data`` is the training-data card (data set, kind, label source,
split, size, whether the videos were generated); older models say "not recorded".

A directory written by videoaffect 0.1 (one task model at the top, ``config.json`` with format
``videoaffect-model/1``) still loads, as a bundle with that one task; it records no feature
set, so it predicts stored features or corpora but not new videos (the error says how to
retrain).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from videoaffect.core.files import atomic_write_text
from videoaffect.core.labels import LabelScale
from videoaffect.core.vocabulary import TASKS
from videoaffect.models.affect_model import MODEL_FORMAT, AffectModel, ModelLoadError
from videoaffect.models.band import BandCalibration
from videoaffect.models.card import GENERATED_WARNING, NOT_RECORDED, dataset_name
from videoaffect.models.ensemble import TaskEnsemble

BUNDLE_FORMAT = "videoaffect-bundle/1"
# metrics.json "scored" since 0.6.0: the validation scores are the ensemble's (its members' mean)
ENSEMBLE_SCORED = "ensemble"
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
    out = {
        "movies": report.get("movies"),
        "clip_stride": report.get("clip_stride", "clip length"),
        "per_second_pearson": final.get("per_second", {}).get("pearson"),
        "per_second_mse": final.get("per_second", {}).get("mse"),
        "per_movie_mean_pearson": final.get("per_movie_mean", {}).get("pearson"),
    }
    members = int(metrics.get("members") or 1)
    out["scored"] = "the model as it predicts" if members == 1 else f"the mean of its {members} members, as it predicts"
    band = metrics.get("band_calibration") or {}
    if metrics.get("scored") != ENSEMBLE_SCORED and int(band.get("members") or 1) > 1:
        # written by 0.4-0.5: the scores above are member 0's; the curve a user gets is the members' mean
        mean = band.get("validation_mean") or {}
        out.update(scored="member 0 of the ensemble (model written before 0.6.0)",
                   ensemble_mean_per_second_pearson=mean.get("pearson"),
                   ensemble_mean_per_second_mse=mean.get("mse"))
    return out


def _one_or_each(values: dict):
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else values


class ModelBundle:
    def __init__(
        self,
        tasks: Mapping[str, AffectModel | TaskEnsemble],
        label_scale: LabelScale,
        features: FeatureRecord,
        info: dict | None = None,
        path: Path | None = None,
        legacy: bool = False,
    ) -> None:
        """``tasks[task]``: the task's model, a ``TaskEnsemble`` (members, settings, band) or one
        ``AffectModel`` (an ensemble of one, no band)."""
        if not tasks:
            raise ModelLoadError("a model needs at least one task (valence or arousal)")
        self.tasks: dict[str, TaskEnsemble] = {
            t: m if isinstance(m, TaskEnsemble) else TaskEnsemble([m]) for t in TASK_ORDER if (m := tasks.get(t))
        }
        self.label_scale = label_scale
        self.features = features
        self.info = info or {}
        self.path = path
        self.legacy = legacy
        self.validation: dict[str, dict] = {}  # per task: headline validation scores (set by load)

    @property
    def bands(self) -> dict[str, BandCalibration]:
        return {t: m.band for t, m in self.tasks.items() if m.band is not None}

    @property
    def modality_names(self) -> list[str]:
        names: list[str] = []
        for model in self.tasks.values():
            names += [n for n in model.modality_names if n not in names]
        return names

    @property
    def clip_seconds(self) -> int:
        return min(m.config.clip_seconds for m in self.tasks.values())

    @property
    def training_data(self) -> dict | None:
        """The training-data card (``videoaffect.datasets.loading.training_data_card``), or None
        for a model trained before it was recorded."""
        card = self.info.get("training_data")
        return dict(card) if isinstance(card, dict) else None

    @property
    def generated(self) -> bool:
        """True when the model was trained on videos (or features) videoaffect generated."""
        card = self.training_data
        return bool(card and card.get("generated"))

    def ensemble_size(self, task: str) -> int:
        return self.task(task).size

    def task(self, name: str) -> TaskEnsemble:
        if name not in self.tasks:
            where = self.path or "this model"
            raise ModelLoadError(
                f"{where} has no {name} model (it has {', '.join(self.tasks)}); predict only "
                f"--task {'/'.join(self.tasks)} or retrain with `videoaffect train ... --task both`"
            )
        return self.tasks[name]

    def describe(self, clip_stride: int | None = None) -> dict:
        """The model's identity for prediction outputs (``clip_stride``: the stride a curve used,
        for the band's warnings)."""
        first = next(iter(self.tasks.values()))
        return {
            "path": str(self.path) if self.path else None,
            "format": MODEL_FORMAT if self.legacy else BUNDLE_FORMAT,
            "tasks": list(self.tasks),
            "method": first.train_config.method,
            "modalities": self.modality_names,
            "feature_set": self.features.feature_set,
            "clip_seconds": _one_or_each({t: m.config.clip_seconds for t, m in self.tasks.items()}),
            "smoothing": {t: m.smoothing_text() for t, m in self.tasks.items()},
            "combination": {t: m.combination_text() for t, m in self.tasks.items()},
            # the card's wording (a folder named as a folder), also for models written by 0.6
            "trained_on": dataset_name(self.training_data) if self.training_data else self.info.get("dataset"),
            "training_data": self.training_data or NOT_RECORDED,
            "generated": self.generated,
            "warning": GENERATED_WARNING if self.generated else None,
            "validation": self.validation,
            "ensemble": {t: m.size for t, m in self.tasks.items()},
            "settings_chosen": {t: ("once for the model on the validation movies" if m.uniform else
                                    "by each ensemble member on its own (model written before 0.6.0); the curve is "
                                    "the members' mean") for t, m in self.tasks.items()},
            "band": {t: {**b.to_dict(), "description": b.describe(self.half_range()),
                         "warnings": b.warnings(clip_stride)} for t, b in self.bands.items()},
            "videoaffect_version": self.info.get("videoaffect_version"),
        }

    def half_range(self) -> float:
        return (self.label_scale.high - self.label_scale.low) / 2.0

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path, metrics: dict[str, dict] | None = None,
             member_metrics: dict[str, dict[int, dict]] | None = None) -> Path:
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        for name, model in self.tasks.items():
            model.save(root / name, (metrics or {}).get(name), (member_metrics or {}).get(name))
        meta = {
            "format": BUNDLE_FORMAT,
            "videoaffect_version": package_version(),
            "tasks": list(self.tasks),
            "label_scale": {**asdict(self.label_scale), "description": self.label_scale.describe()},
            "features": asdict(self.features),
            "info": self.info,
            "ensemble": {
                "members": {t: m.size for t, m in self.tasks.items()},
                "layout": "member 0 in <task>/, member k >= 1 in <task>/members/<k>/",
            },
            "band": {t: b.to_dict() for t, b in self.bands.items()},
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
            if not root.exists():
                raise ModelLoadError(f"{root} does not exist; give a model directory written by `videoaffect train` "
                                     "(or by `videoaffect demo`: runs/demo/models/progressive)")
            inside = sorted(p for p in root.iterdir() if (p / "model.json").is_file()) if root.is_dir() else []
            if inside:
                names = ", ".join(p.name for p in inside)
                # the paper's method first: the demo's folder holds it beside its two baselines
                example = next((p for p in inside if p.name == "progressive"), inside[0])
                raise ModelLoadError(f"{root} is a folder of {len(inside)} model directories ({names}), not a model; "
                                     f"pass one of them, e.g. {example}")
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
        counts = (meta.get("ensemble") or {}).get("members") or {}
        bands = {t: BandCalibration.from_dict(b) for t, b in (meta.get("band") or {}).items()}
        tasks = {name: TaskEnsemble.load(root / name, int(counts.get(name, 1)), bands.get(name))
                 for name in meta["tasks"]}
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
