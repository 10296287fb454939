"""videoaffect: per-second valence and arousal of videos.

    import videoaffect
    model = videoaffect.load_model("models/my-model")
    curve = videoaffect.predict("film.mp4", model)   # pandas DataFrame indexed by time_s

Heavy modules (torch, PyAV, the extractors) are imported on first use, not on import.

A model trained on generated data (the demo's, the synthetic corpora's) is announced with a
``GeneratedDataWarning`` (a ``UserWarning``) by both functions: its curves show the software
working, not how people feel.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

# models/card.py imports nothing heavy: the warning's class is importable from here at once
from videoaffect.models.card import GENERATED_WARNING, GeneratedDataWarning

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from videoaffect.models.model_directory import ModelBundle


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("videoaffect")
    except Exception:  # pragma: no cover - source tree that is not installed
        return "unknown"


__version__ = _version()


def load_model(directory) -> ModelBundle:
    """A model directory written by ``videoaffect train`` (valence and/or arousal); warns
    (``GeneratedDataWarning``) when the model was trained on generated data."""
    from videoaffect.models.model_directory import ModelBundle

    bundle = ModelBundle.load(directory)
    if bundle.generated:
        warnings.warn(f"the model {directory} was {GENERATED_WARNING}", GeneratedDataWarning, stacklevel=2)
    return bundle


def predict(video, model, *, clip_stride: int = 1, task: str | None = None, store=None,
            device: str = "cpu") -> pd.DataFrame:
    """Per-second predictions of one video file as a DataFrame indexed by ``time_s`` with the
    columns of ``videoaffect predict``'s CSV; ``model`` is a loaded model or its directory;
    ``task`` None predicts every task the model has ("both", "valence", "arousal" insist).
    ``store`` keeps the extracted features for reuse; the metadata of the JSON output is in
    ``frame.attrs["videoaffect"]`` (its ``"warning"`` is the generated-data warning, also given as a
    ``GeneratedDataWarning`` when the model was trained on generated data)."""
    from videoaffect.models.model_directory import ModelBundle
    from videoaffect.prediction.video import predict as predict_video

    bundle = model if isinstance(model, ModelBundle) else ModelBundle.load(model)
    frame = predict_video(video, bundle, clip_stride=clip_stride, task=task, store=store, device=device)
    if bundle.generated:
        warnings.warn(f"the curve of {video} comes from a model {GENERATED_WARNING} (its "
                      'frame.attrs["videoaffect"]["warning"] says so too)', GeneratedDataWarning, stacklevel=2)
    return frame


__all__ = ["__version__", "GeneratedDataWarning", "load_model", "predict"]
