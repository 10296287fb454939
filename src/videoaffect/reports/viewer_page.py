"""The viewer page's stylesheet and script, read from the package (``reports/viewer.py`` writes
the page around them).

Both are package data in ``reports/assets/`` (``viewer.js``, ``viewer.css``) so that the script is
a real JavaScript file that ESLint checks (``scripts/lint.sh``) and the browser tests run; the page
embeds them verbatim, so the page stays one file.  The script reads the page's ``#curve-data`` JSON
(``{"view": ..., "curve": ...}``, built by ``viewer.render_viewer``) and draws it with plain DOM
and SVG, no library; ``viewer.py``'s docstring says what the page shows and which state it exposes
for tests.  ``asset_text`` is also the annotation page's reader of its own assets.
"""

from __future__ import annotations

from importlib import resources


def asset_text(name: str) -> str:
    """The text of ``reports/assets/<name>``, as shipped in the package."""
    return resources.files("videoaffect.reports").joinpath("assets", name).read_text(encoding="utf-8")


def script_text() -> str:
    """The viewer's script (``reports/assets/viewer.js``)."""
    return asset_text("viewer.js")


def css_text() -> str:
    """The viewer's stylesheet (``reports/assets/viewer.css``).  Among its rules, ``video`` is
    scaled to the page's width and 36 % of the window's height so that a small video (96x64) is
    shown at a watchable size and a large one stays inside the view."""
    return asset_text("viewer.css")
