"""The outputs in a media team's words (issue 24): moments titled as they are true of the film,
the axes named by the task and the scale in words, the model card naming the data set and its
folder as such, durations to the tenth of a second over the whole film, no legend entry for a line
that is not drawn, subtitles that fit the figure, the feature provenance folded behind one line.
Curves and metadata are built by hand: no model, no video."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_reports import make_curve, make_meta

from videoaffect.models.card import card_headline, card_rows, card_summary
from videoaffect.prediction.curves import SCHEMA, curve_json
from videoaffect.reports import render_html
from videoaffect.reports.facts import select_moments
from videoaffect.reports.plot import curve_figure
from videoaffect.reports.viewer import render_viewer

# the card `train --dataset data` wrote for the MediaEval 2018 layout up to 0.6
MEDIAEVAL_CARD = {
    "dataset": "MediaEval 2018 at data (default features extracted from the videos)", "kind": "mediaeval2018",
    "root_name": "data", "label_source": "per-second MEDIAEVAL18_XX_Valence-Arousal.txt annotations",
    "generated": True, "generated_by": "videoaffect.datasets.synthetic.videos.write_mediaeval_like",
    "features": "'default' feature set extracted from the videos", "split": "dev", "movies": 10, "seconds": 519,
    "hours": 0.144,
}
MEDIAEVAL_SCALE = {"low": -1.0, "high": 1.0, "name": "mediaeval2018",
                   "description": "the MediaEval 2018 / LIRIS-ACCEDE continuous scale: valence runs from -1 (most "
                   "negative, unpleasant) to 1 (most positive, pleasant), arousal from -1 (calmest) to 1 (most "
                   "excited); 0 is neutral"}


def real_like(seconds: int = 5, duration: float = 5.28, intra_equal: bool = True):
    """The demo model's prediction of the 5.3-s clip, as its numbers were (valence all below
    neutral, arousal all above), on the MediaEval scale, with a model without temporal context."""
    curve = make_curve(seconds, modalities=("audio", "expression"))
    curve["valence"] = np.linspace(-0.09, -0.27, seconds)
    curve["arousal"] = np.linspace(0.08, 0.06, seconds)
    for task in ("valence", "arousal"):
        curve[f"{task}_intra"] = curve[task] if intra_equal else curve[task] + 0.1
        curve[f"{task}_low"], curve[f"{task}_high"] = curve[task] - 0.2, curve[task] + 0.2
    meta = make_meta(seconds=seconds, duration_s=duration, name="bigbuckbunny.mp4")
    meta["label_scale"] = dict(MEDIAEVAL_SCALE)
    meta["model"]["training_data"] = dict(MEDIAEVAL_CARD)
    meta["band"] = {t: {"level": 0.8, "columns": [f"{t}_low", f"{t}_high"], "description": "central 80 % interval",
                        "validation_movies": 2, "warnings": ["the band was calibrated on only 2 validation movies"]}
                    for t in ("valence", "arousal")}
    return curve, meta


# --------------------------------------------------------------------------- moments
def test_a_film_without_a_positive_second_has_a_least_negative_moment():
    curve, meta = real_like()
    page = render_html(curve, meta, b"png", {})
    assert "Least negative moment" in page and "Most positive moment" not in page
    assert "Every second is at or below neutral (0)." in page
    assert "Most negative moment" in page and "Most intense moment" in page  # arousal is above neutral
    # the mirror images: every value above neutral, every second calm
    curve["valence"], curve["arousal"] = -curve["valence"], -curve["arousal"]
    titles = [m["title"] for m in select_moments(curve, neutral=0.0)]
    assert titles == ["Most positive moment", "Least positive moment", "Least calm moment"]


# --------------------------------------------------------------------------- the PNG
def test_the_png_names_its_axis_by_the_tasks_and_the_scale_in_words():
    curve, meta = real_like()
    fig = curve_figure(curve, meta)
    top = fig.axes[0]
    assert top.get_ylabel() == "valence / arousal\n(-1 negative / calm … 1 positive / excited)"
    title = top.get_title(loc="left")
    assert "mediaeval2018" not in title and "label scale: MediaEval 2018 / LIRIS-ACCEDE continuous scale" in title
    only_arousal = curve_figure(curve.drop(columns=[c for c in curve.columns if c.startswith("valence")]), meta)
    assert only_arousal.axes[0].get_ylabel() == "arousal\n(-1 calm … 1 excited)"


def test_the_png_spans_the_whole_film_and_draws_no_legend_entry_for_a_hidden_line():
    curve, meta = real_like(intra_equal=True)
    fig = curve_figure(curve, meta)
    top = fig.axes[0]
    assert top.get_xlim()[1] == pytest.approx(5.28)  # to the end of the video, not the last whole second
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert "valence" in labels and not any("before context" in label for label in labels)
    assert [line.get_label() for line in top.get_lines()][:2] == ["valence", "arousal"]  # then the neutral line
    assert len(top.get_lines()) == 3
    shown = curve_figure(*real_like(intra_equal=False)).axes[0]
    assert [t.get_text() for t in shown.get_legend().get_texts() if "before context" in t.get_text()] == [
        "valence (before context)", "arousal (before context)"]


@pytest.mark.parametrize("dpi", [100, 50])
def test_every_text_of_the_png_fits_in_the_figure(dpi):
    curve, meta = real_like()
    meta["video"]["name"] = "a film with a rather long file name, as people name their exports.mp4"
    fig = curve_figure(curve, meta, dpi=dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # everything drawn (titles, axis labels, tick labels, the legends beside the panels) lies inside
    drawn = fig.get_tightbbox(renderer)
    assert drawn.x0 >= 0 and drawn.y0 >= 0, drawn
    assert drawn.x1 <= fig.get_figwidth() + 0.01 and drawn.y1 <= fig.get_figheight() + 0.01, drawn
    subtitle = fig.axes[0].title if fig.axes[0].get_title() else next(
        t for t in fig.axes[0].texts + fig.axes[0].get_children() if getattr(t, "get_text", lambda: "")()
        == fig.axes[0].get_title(loc="left"))
    box = subtitle.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width, (box, fig.bbox)
    said = " ".join(subtitle.get_text().split())
    assert "[...]" not in said
    # the whole card's headline is there, and the band's calibration note, unshortened
    assert f"model trained on {card_headline(MEDIAEVAL_CARD)}" in said
    assert "band calibrated on 2 validation movies: a rough guess, see the .json's warnings" in said


# --------------------------------------------------------------------------- the card
def test_the_card_names_the_data_set_and_its_folder_as_such():
    summary = card_summary(MEDIAEVAL_CARD)
    assert summary.startswith('MediaEval 2018 (folder "data"; default features extracted from the videos), '
                              "split dev: 10 movies, 0.144 h; labels: ")
    assert " at data" not in summary and " at data" not in card_headline(MEDIAEVAL_CARD)
    assert dict(card_rows(MEDIAEVAL_CARD))["data set"] == (
        'MediaEval 2018 (folder "data"; default features extracted from the videos)')
    liris = {"dataset": "LIRIS-ACCEDE discrete at liris (TAC2015 features, official protocol)", "root_name": "liris",
             "split": "train", "movies": 3}
    assert card_summary(liris).startswith('LIRIS-ACCEDE discrete (folder "liris"; TAC2015 features, official')
    plain = {"dataset": "MediaEval 2018", "root_name": "me18", "split": "dev", "movies": 2}
    assert card_summary(plain).startswith('MediaEval 2018 (folder "me18"), split dev')
    named = {"dataset": "manifest films.csv", "root_name": "films", "split": "train", "movies": 9}
    assert card_summary(named).startswith("manifest films.csv, split train")  # already says it


# --------------------------------------------------------------------------- the HTML
def test_the_html_says_the_duration_to_the_tenth_and_folds_the_provenance():
    curve, meta = real_like()
    meta["feature_provenance"] = {"feature_set": "default", "extractors": {
        "audio": {"extractor": "default.audio.egemaps-logmel", "version": "1", "weights": {}, "params": {"x": 1}},
        "expression": {"extractor": "default.expression.fer", "version": "1",
                       "weights": {"mtcnn-pnet": "ab" * 32, "fer-mini-xception": "cd" * 32}}}}
    page = render_html(curve, meta, b"png", {})
    assert "<dt>Duration</dt><dd>5.3 s (0:05)</dd>" in page
    assert "<dt>Seconds predicted</dt><dd>5 (every whole second whose middle lies in the video)</dd>" in page
    section = re.search(r'<section class="provenance">.*?</section>', page, re.S).group(0)
    assert re.fullmatch(r'<section class="provenance"><h2>Feature provenance</h2><details><summary>(.*?)</summary>'
                        r".*<table>.*</table></details></section>", section, re.S)
    summary = re.search(r"<summary>(.*?)</summary>", section).group(1)
    assert summary == ("default feature set: 2 extractors (audio, expression), 2 weight files identified by sha256 "
                       "(details)")
    assert "<script" not in page
    # a prediction made before the duration was recorded says the whole seconds it has
    del meta["video"]["duration_s"]
    assert "<dt>Duration</dt><dd>5 s (0:05)</dd>" in render_html(curve, meta, b"png", {})


# --------------------------------------------------------------------------- the viewer
def test_the_viewer_names_the_scale_in_words_and_spans_the_film():
    curve, meta = real_like()
    meta["schema"] = SCHEMA
    page = render_viewer(curve_json(curve, meta), "clip.mp4")
    scale = re.search(r'<p id="label-scale"[^>]*>(.*?)</p>', page).group(1)
    assert scale.startswith("MediaEval 2018 / LIRIS-ACCEDE continuous scale: -1 to 1, neutral 0 (dotted line). "
                            "Valence runs from -1")
    assert "mediaeval2018" not in scale
    data = re.search(r'id="curve-data">(.*?)</script>', page, re.S).group(1)
    assert '"duration":5.28' in data and '"intra":{}' in data  # no line before context: it equals the final
    assert '"words":{"valence":["negative","positive"],"arousal":["calm","excited"]}' in data
    card = re.search(r'<p id="model-card"[^>]*>(.*?)</p>', page).group(1)
    assert "trained on MediaEval 2018 (folder &quot;data&quot;; default features" in card
