"""Per-video report of a predicted emotion curve: a PNG plot, frame thumbnails of the key
moments and one self-contained HTML page.

Imports are lazy so ``import videoaffect.reports`` is cheap and never imports torch;
matplotlib is loaded on the first :func:`render_curve_png`, PyAV/OpenCV on :func:`grab_frames`.
"""

from __future__ import annotations

__all__ = ["render_curve_png", "render_html", "select_moments", "grab_frames"]

_WHERE = {
    "render_curve_png": "videoaffect.reports.plot",
    "render_html": "videoaffect.reports.html",
    "select_moments": "videoaffect.reports.facts",
    "grab_frames": "videoaffect.reports.thumbnails",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
