"""The model card and the confidence band in the PNG and the HTML report: the band is drawn
and explained with its share, the training data are named, and a model trained on generated
videos gets a red warning at the top of both."""

import re

import numpy as np
import pytest
from test_reports import decode_png, make_curve, make_meta

from videoaffect.models.card import GENERATED_WARNING, NOT_RECORDED
from videoaffect.reports import render_curve_png, render_html

CARD = {"dataset": "manifest films.csv", "kind": "manifest", "root_name": "films", "split": "train", "movies": 9,
        "seconds": 400, "hours": 0.111, "label_source": "per-second label files", "features": "default set",
        "label_scale": "SAM 1-7", "generated": False, "generated_by": None}
BAND_TEXT = "central 80 % interval: the mean of 3 ensemble members plus or minus 2.5 times their spread"


def _meta(generated: bool = False, band: bool = True) -> dict:
    meta = make_meta()
    meta["model"]["training_data"] = {**CARD, "generated": generated,
                                      "generated_by": "write_manifest_dataset" if generated else None}
    if band:
        meta["band"] = {t: {"level": 0.8, "columns": [f"{t}_low", f"{t}_high"], "description": BAND_TEXT}
                        for t in ("valence", "arousal")}
    return meta


def _with_band(df):
    df = df.copy()
    for task in ("valence", "arousal"):
        df[f"{task}_low"] = df[task] - 1.0
        df[f"{task}_high"] = df[task] + 1.0
    return df


def _red_pixels(image: np.ndarray, rows: slice) -> int:
    b, g, r = (image[rows, :, i].astype(int) for i in range(3))
    return int(np.sum((r > 170) & (g < 60) & (b < 60)))


def test_plot_shades_the_band():
    curve = make_curve(90)
    plain = decode_png(render_curve_png(curve, _meta(band=False))).astype(int)
    banded = decode_png(render_curve_png(_with_band(curve), _meta())).astype(int)
    # the shaded band tints many pixels of the top panel that were white
    changed = np.sum(np.abs(plain - banded).sum(axis=2) > 30)
    assert changed > 5000


def test_plot_warns_in_red_at_the_top_only_when_generated():
    curve = _with_band(make_curve(90))
    real = decode_png(render_curve_png(curve, _meta(generated=False)))
    generated = decode_png(render_curve_png(curve, _meta(generated=True)))
    top = slice(0, generated.shape[0] // 10)
    assert _red_pixels(generated, top) > 200 + _red_pixels(real, top)


def test_html_has_a_warning_banner_first_when_generated():
    curve = _with_band(make_curve(90))
    png = render_curve_png(curve, _meta(generated=True))
    page = render_html(curve, _meta(generated=True), png, {})
    body = page.split("<body>", 1)[1].lstrip()
    assert body.startswith('<div class="warning"') and GENERATED_WARNING in body[:400]
    real = render_html(curve, _meta(generated=False), png, {})
    assert 'class="warning"' not in real and GENERATED_WARNING not in real


def test_html_explains_the_band_with_its_share_and_shows_the_card():
    curve = _with_band(make_curve(90))
    page = render_html(curve, _meta(), render_curve_png(curve, _meta()), {})
    plot = re.search(r'<section class="plot">.*?</section>', page, re.S).group(0)
    assert "shaded band around the valence curve is a central 80 % interval" in plot
    assert BAND_TEXT in plot and "<script" not in page
    card = re.search(r'<section class="card-model">.*?</section>', page, re.S).group(0)
    assert "Model card: training data" in card and "manifest films.csv, split train: 9 movies" in card
    assert "<dt>label scale</dt><dd>SAM 1-7</dd>" in card
    assert "Warning:" not in plot  # a band without warnings shows none


def test_html_shows_the_bands_warnings_under_the_plot():
    curve = _with_band(make_curve(90))
    meta = _meta()
    meta["band"]["valence"]["warnings"] = ["the band was calibrated on only 2 validation movies (60 s)"]
    page = render_html(curve, meta, render_curve_png(curve, meta), {})
    plot = re.search(r'<section class="plot">.*?</section>', page, re.S).group(0)
    assert '<li class="warn-text">Warning: the band was calibrated on only 2 validation movies (60 s).</li>' in plot


@pytest.mark.parametrize("card", [None, NOT_RECORDED])
def test_an_old_model_says_its_training_data_are_not_recorded(card):
    curve = make_curve(60)
    meta = make_meta()
    meta["model"]["training_data"] = card
    page = render_html(curve, meta, render_curve_png(curve, meta), {})
    assert NOT_RECORDED in page and 'class="warning"' not in page
