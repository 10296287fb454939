"""The pages' scripts and stylesheets are package data (``reports/assets/``): the file ESLint lints
(``scripts/lint.sh``) is the one the package ships, and each page embeds its files verbatim as its
one ``<script>`` and ``<style>``, so what is linted and tested in the browser is what users get."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from videoaffect.reports import annotate_page, viewer_page
from videoaffect.reports.annotate_page import page_config, render_annotate_page
from videoaffect.reports.viewer import render_viewer

ASSETS = Path(__file__).resolve().parents[2] / "src" / "videoaffect" / "reports" / "assets"


def viewer_html() -> str:
    return render_viewer({"schema": "videoaffect-prediction/1",
                          "curve": {"time_s": [0, 1], "valence": [0.1, 0.2]}}, None)


def annotate_html(tmp_path: Path) -> str:
    # a sha256 given: the page is built without reading the (absent) video
    return render_annotate_page(page_config(tmp_path / "clip.mp4", tmp_path / "clip.valence.annotate.html",
                                            "valence", sha256="0" * 64))


# the page's inline script (not the JSON data block) and its stylesheet, as the browser gets them
def inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)


@pytest.mark.parametrize("name", ["viewer", "annotate"])
def test_each_page_embeds_the_linted_files_verbatim(name, tmp_path):
    module = viewer_page if name == "viewer" else annotate_page
    page = viewer_html() if name == "viewer" else annotate_html(tmp_path)
    script, css = (ASSETS / f"{name}.js").read_text(encoding="utf-8"), (ASSETS / f"{name}.css").read_text(encoding="utf-8")
    assert module.script_text() == script and module.css_text() == css  # the package's files are the repo's
    # the viewer's script has always begun on the line after <script>
    assert inline(page, "script") == [("\n" if name == "viewer" else "") + script]
    assert inline(page, "style") == [css]


def test_every_asset_is_embedded_by_a_page():
    # a new file here must be embedded (and tested above), else it is linted or shipped for nothing
    assert sorted(p.name for p in ASSETS.iterdir()) == ["annotate.css", "annotate.js", "viewer.css", "viewer.js"]
