"""videoaffect: per-second valence and arousal of videos.

    import videoaffect
    model = videoaffect.load_model("models/my-model")
    curve = videoaffect.predict("film.mp4", model)   # pandas DataFrame indexed by time_s

Heavy modules (torch, PyAV, the extractors) are imported on first use, not on import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from videoaffect.models.bundle import ModelBundle


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("videoaffect")
    except Exception:  # pragma: no cover - source tree that is not installed
        return "unknown"


__version__ = _version()


def load_model(directory) -> ModelBundle:
    """A model directory written by ``videoaffect train`` (valence and/or arousal)."""
    from videoaffect.models.bundle import ModelBundle

    return ModelBundle.load(directory)


def predict(video, model, *, clip_stride: int = 1, task: str | None = None, store=None,
            device: str = "cpu") -> pd.DataFrame:
    """Per-second predictions of one video file as a DataFrame indexed by ``time_s`` with the
    columns of ``videoaffect predict``'s CSV; ``model`` is a loaded model or its directory;
    ``task`` None predicts every task the model has ("both", "valence", "arousal" insist).
    ``store`` keeps the extracted features for reuse; the metadata of the JSON output is in
    ``frame.attrs["videoaffect"]``."""
    from videoaffect.prediction.video import predict as _predict

    return _predict(video, model, clip_stride=clip_stride, task=task, store=store, device=device)


__all__ = ["__version__", "load_model", "predict"]
