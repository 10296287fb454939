"""From a model and one movie's features to its per-second table and the metadata that explains it.

The table (a pandas DataFrame indexed by ``time_s``, the start of each second) has, per task
the model has (valence, arousal):

* ``<task>``: the final prediction (after inter-clip context / smoothing) on the model's label
  scale; for an ensemble (``train --ensemble K``) the members' per-second mean, as are the
  ``_intra`` and contribution columns;
* ``<task>_low``, ``<task>_high``: the model's confidence band, a central interval calibrated on
  the validation movies (``models/ensemble.py``; absent for models trained before bands);
* ``<task>_intra``: the intra-clip prediction, before temporal context;
* ``<task>_contrib_<modality>``: the modality's contribution (label-scale units; see
  ``AffectModel.contributions_doc``);

and per modality the model uses, ``<modality>_present`` (False where the modality had no data,
e.g. no audio track; for the default set's expression modality, no face found); ``shot_cut`` (True where a shot cut
happens within the second) when the features include the default motion descriptor.  Values are rounded to 6 decimals,
so the CSV and the JSON hold the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.clips import ClipSampler
from videoaffect.datasets.corpus import Corpus
from videoaffect.models.affect_model import AffectModel
from videoaffect.models.model_directory import ModelBundle, package_version

SCHEMA = "videoaffect-prediction/1"
DECIMALS = 6
# column of ``cut_count`` in the default motion descriptor (extractors/default_motion.py)
_CUT_COLUMN = {"default.motion.dis-cuts": 16}

COMBINATION_DOC = (
    "with clip stride s below the clip length c, the tilings of clips shifted by 0, s, 2s, ... < c "
    "seconds are predicted (valence's inter-clip BiLSTM runs on each tiling); the clips covering a "
    "second are combined as the model says (model.combination): their mean, or a deconvolution "
    "(the per-second curve whose clip means best match the clip predictions, with a smoothness "
    "penalty chosen on validation movies); arousal is then smoothed per second with the model's "
    "EMA time constant. With s = c every second takes its clip's value (the paper's protocol)"
)


ENSEMBLE_DOC = (
    "a model trained with --ensemble K holds K members per task that differ only in the seed of initialisation "
    "and shuffling (all fitted on the same movies and validated on the same validation movies, the settings chosen "
    "once on their mean there); <task>, <task>_intra and the contributions are the members' per-second mean "
    "(K = 1, the default: the one model)"
)
BAND_DOC = (
    "<task>_low / <task>_high: a central interval (its share, e.g. 80 %, in band.<task>.level) meant to hold "
    "that share of the true per-second labels, calibrated at training time on the validation movies "
    "(band.<task>.validation_movies, .validation_seconds) by band.<task>.rule: residual-quantile = the prediction "
    "plus or minus the stated quantile of |validation residual|; conformal-by-movie = the same with every "
    "validation movie weighing the same and the split-conformal correction for their number; member-spread "
    "(K > 1) = the mean plus or minus c times the members' standard deviation that second. Both ends are clipped "
    "to the label scale. The validation movies also chose the model's settings, so on new videos it may cover "
    "less; band.<task>.warnings says when it was calibrated on few movies or at another clip stride than this "
    "curve's (docs/benchmarks/band.md measures its coverage on test films)"
)


def tasks_to_predict(bundle: ModelBundle, task: str | None = None) -> list[str]:
    """The tasks to predict: ``None`` = every task the model has; "both" or one task name =
    exactly those (an error naming the fix when the model lacks one)."""
    if task is None:
        return list(bundle.tasks)
    if task == "both":
        missing = [t for t in TASKS if t not in bundle.tasks]
        if missing:
            bundle.task(missing[0])  # raises the explanatory error
        return ["valence", "arousal"]
    bundle.task(task)
    return [task]


def movie_curve(
    bundle: ModelBundle,
    corpus: Corpus,
    movie: int,
    tasks: list[str],
    clip_stride: int,
    device: str = "cpu",
    shot_cuts: np.ndarray | None = None,
) -> pd.DataFrame:
    scale = bundle.label_scale
    half_range = (scale.high - scale.low) / 2.0
    n = corpus.seconds(movie)
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for task in tasks:
        model = bundle.task(task)
        stride = ClipSampler.for_stride(model.config.clip_seconds, clip_stride).stride
        curve = model.predict_seconds(corpus, [movie], stride, device)[movie]
        columns[task] = scale.from_internal(curve.final)
        interval = model.interval(curve)
        if interval is not None:
            columns[f"{task}_low"] = scale.from_internal(interval[0])
            columns[f"{task}_high"] = scale.from_internal(interval[1])
        columns[f"{task}_intra"] = scale.from_internal(curve.intra)
        for name, values in curve.contributions.items():
            columns[f"{task}_contrib_{name}"] = values * half_range
        present.update(curve.present)
    frame = pd.DataFrame({k: np.round(v.astype(np.float64), DECIMALS) for k, v in columns.items()},
                         index=pd.RangeIndex(n, name="time_s"))
    for name, mask in present.items():
        frame[f"{name}_present"] = mask.astype(bool)
    if shot_cuts is not None:
        frame["shot_cut"] = shot_cuts.astype(bool)
    return frame


def shot_cuts_from(features: dict[str, np.ndarray], provenance: dict[str, dict]) -> np.ndarray | None:
    """Seconds holding a shot cut, from the default motion descriptor when it was extracted."""
    for name, prov in provenance.items():
        column = _CUT_COLUMN.get(prov.get("extractor", ""))
        if column is not None and name in features:
            return np.asarray(features[name])[:, column] > 0
    return None


def faces_found(features: dict[str, np.ndarray], provenance: dict[str, dict]) -> dict[str, np.ndarray]:
    """Per expression modality of the default set, the seconds where a face was found.  The
    extractor marks a faceless second present (its no-face vector is information the model
    uses), but for the user's ``expression_present`` column and the report a second without a
    face is one without facial-expression data."""
    from videoaffect.extractors.default.expression import COUNT_INDEX

    out = {}
    for name, prov in provenance.items():
        if prov.get("extractor") == "default.expression.fer" and name in features:
            out[name] = np.asarray(features[name])[:, COUNT_INDEX] > 0
    return out


def missing_ranges(mask: np.ndarray) -> list[list[int]]:
    """[[first, last], ...] of the seconds where ``mask`` is False."""
    out, start = [], None
    for t, ok in enumerate(np.asarray(mask, dtype=bool)):
        if not ok and start is None:
            start = t
        if ok and start is not None:
            out.append([start, t - 1])
            start = None
    if start is not None:
        out.append([start, len(mask) - 1])
    return out


def curve_metadata(bundle: ModelBundle, frame: pd.DataFrame, tasks: list[str], clip_stride: int,
                   video: dict, feature_provenance: dict) -> dict:
    scale = bundle.label_scale
    mid = (scale.low + scale.high) / 2.0
    summary = {}
    for task in tasks:
        v = frame[task].to_numpy()
        band_width = {}
        if f"{task}_low" in frame.columns:
            width = frame[f"{task}_high"].to_numpy() - frame[f"{task}_low"].to_numpy()
            band_width = {"band_mean_width": round(float(width.mean()), DECIMALS)}
        summary[task] = {**band_width,
            "mean": round(float(v.mean()), DECIMALS),
            "std": round(float(v.std()), DECIMALS),
            "min": round(float(v.min()), DECIMALS),
            "min_at_s": int(v.argmin()),
            "max": round(float(v.max()), DECIMALS),
            "max_at_s": int(v.argmax()),
            "share_above_neutral": round(float((v > mid).mean()), DECIMALS),
        }
    missing = {}
    for col in frame.columns:
        if col.endswith("_present"):
            ranges = missing_ranges(frame[col].to_numpy())
            missing[col.removesuffix("_present")] = {
                "seconds_missing": int((~frame[col].to_numpy()).sum()),
                "ranges": ranges,
            }
    model = _model_description(bundle, tasks, clip_stride)
    band = {t: {"level": b["level"], "rule": b["rule"], "columns": [f"{t}_low", f"{t}_high"],
                "description": b["description"], "validation_movies": b["validation_movies"],
                "validation_seconds": b["validation_seconds"], "calibrated_at_clip_stride": b["clip_stride"],
                "warnings": b["warnings"]}
            for t, b in (model.get("band") or {}).items() if f"{t}_low" in frame.columns}
    return {
        "schema": SCHEMA,
        "videoaffect_version": package_version(),
        "video": video,
        "model": model,
        "warning": model.get("warning"),
        "band": band,
        "tasks": tasks,
        "label_scale": {
            "low": scale.low,
            "high": scale.high,
            "name": scale.name,
            "description": scale.describe(),
        },
        "method_notes": {
            "per_second_combination": COMBINATION_DOC,
            "contributions": AffectModel.contributions_doc,
            "missing": "a missing modality (no audio track, no frame) adds nothing to the fused clip feature "
            "for the seconds concerned, and its contribution there is 0; see the <modality>_present columns. "
            "Expression without a face (default set): expression_present is 0, but the model still gets the "
            "extractor's no-face vector (no face is information), so the expression contribution there is "
            "the effect of 'no face'",
            "ensemble": ENSEMBLE_DOC,
            "band": BAND_DOC if band else "no band: the model was trained before videoaffect calibrated confidence "
            "bands (retrain it to get <task>_low / <task>_high)",
        },
        "missing": missing,
        "summary": summary,
        "feature_provenance": feature_provenance,
        "columns": ["time_s", *frame.columns],
    }


def _model_description(bundle: ModelBundle, tasks: list[str], clip_stride: int) -> dict:
    """The model as it ran: the stride each task actually used (never above its clip length)
    and no combination step where the clips did not overlap."""
    samplers = {t: ClipSampler.for_stride(bundle.task(t).config.clip_seconds, clip_stride) for t in tasks}
    strides = {t: s.stride for t, s in samplers.items()}
    described = bundle.describe()
    combination = dict(described.get("combination") or {})
    for task in tasks:
        if not samplers[task].overlapping:
            combination[task] = "none: non-overlapping clips, each second takes its clip's value (the paper's protocol)"
    distinct = set(strides.values())
    described["clip_stride"] = distinct.pop() if len(distinct) == 1 else strides
    described["combination"] = {t: combination[t] for t in tasks if t in combination}
    described["smoothing"] = {t: v for t, v in (described.get("smoothing") or {}).items() if t in tasks}
    described["ensemble"] = {t: v for t, v in (described.get("ensemble") or {}).items() if t in tasks}
    described["band"] = {t: {**v, "warnings": bundle.bands[t].warnings(strides[t])}
                         for t, v in (described.get("band") or {}).items() if t in tasks}
    return described


def curve_json(frame: pd.DataFrame, meta: dict) -> dict:
    """The metadata plus the same numbers as the CSV, column by column."""
    data: dict[str, list[int] | list[bool] | list[float]] = {"time_s": [int(t) for t in frame.index]}
    for col in frame.columns:
        values = frame[col].to_numpy()
        data[col] = [bool(x) for x in values] if values.dtype == bool else [float(x) for x in values]
    return {**meta, "curve": data}


def curve_csv(frame: pd.DataFrame) -> str:
    """The table as plain CSV: the first line is the header (``time_s`` and the columns), so
    the csv module, ``pandas.read_csv(path)`` and spreadsheets read it as it is.  What the
    numbers mean (the model card, the band, the warnings) is in the .json file beside it."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].astype(int)
    return out.to_csv(float_format=f"%.{DECIMALS}f", lineterminator="\n")
