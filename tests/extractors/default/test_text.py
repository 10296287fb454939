"""The text modality (extractors/default/text.py) on generated films: VADER's own scores of the
sentences at the seconds they are on screen, from a sidecar file and from a subtitle stream alike;
words per second; no words = present zeros, no source = missing; the source's sha256 in the stored
provenance (a changed sidecar re-extracts); a file in another language refused naming it; the
--subtitles / --speech-to-text options."""

from __future__ import annotations

import numpy as np
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from text_films import write_film
from videoaffect.core.errors import ConfigError
from videoaffect.extractors.default.text import FEATURE_NAMES, DefaultText
from videoaffect.features.job import ExtractionJob
from videoaffect.features.movie import VideoInput, extract_movie
from videoaffect.features.store import FeatureStore

POSITIVE = "I love this wonderful, beautiful day!"
NEGATIVE = "This is a terrible, horrible disaster."
# the positive line on screen 1.0-2.5 s (seconds 1 and 2), the negative one 6.0-7.0 s (second 6)
SRT = f"1\n00:00:01,000 --> 00:00:02,500\n{POSITIVE}\n\n2\n00:00:06,000 --> 00:00:07,000\n{NEGATIVE}\n"
FRENCH = ("1\n00:00:01,000 --> 00:00:03,000\nJe ne sais pas ce que tu veux de moi. Nous devons partir maintenant.\n\n"
          "2\n00:00:04,000 --> 00:00:06,000\nLa maison est en feu. Merci beaucoup d'être venu. Où vas-tu?\n")


def vader(text: str) -> list[float]:
    s = SentimentIntensityAnalyzer().polarity_scores(text)
    return [s["compound"], s["pos"], s["neg"], s["neu"]]


def extracted(film, store, extractor=None, force=False):
    extractor = extractor or DefaultText()
    result = extract_movie(VideoInput(str(film), film.stem), "default-deep", str(store), force=force,
                           extractors=[extractor])
    return result, (FeatureStore(store).read("default-deep", film.stem) if result.status != "failed" else None)


@pytest.mark.parametrize("where", ["sidecar", "stream"])
def test_vader_scores_at_the_seconds_the_lines_are_on_screen(tmp_path, where):
    if where == "sidecar":
        film = write_film(tmp_path / "film.mp4", 9)
        (tmp_path / "film.srt").write_text(SRT, encoding="utf-8")
    else:
        film = write_film(tmp_path / "film.mkv", 9, srt=SRT)
    result, stored = extracted(film, tmp_path / "store")
    assert result.status == "done", result.reason
    feats, present = stored.features["text"], stored.present["text"]
    assert feats.shape == (9, len(FEATURE_NAMES)) and present.all()  # no words is an observation
    pos, neg = vader(POSITIVE), vader(NEGATIVE)
    assert pos[0] > 0.8 and neg[0] < -0.8  # VADER's own verdicts on the two lines
    for second in (1, 2):
        np.testing.assert_allclose(feats[second, 0:4], pos, atol=1e-6)
    np.testing.assert_allclose(feats[6, 0:4], neg, atol=1e-6)
    for second in (0, 3, 4, 5, 7, 8):  # nothing on screen: VADER's zeros, has_text 0
        assert not feats[second, [0, 1, 2, 3, 8, 9]].any()
    assert feats[[1, 2, 6], 9].tolist() == [1, 1, 1]
    # words per second: 6 words over 1.5 s -> 4 in second 1, 2 in second 2; 6 words in second 6
    np.testing.assert_allclose(feats[[1, 2, 6], 8], [4, 2, 6], atol=1e-5)
    # the 5-second window [t-2, t+3): second 4 sees both lines, second 0 the positive one, 8 the negative
    np.testing.assert_allclose(feats[4, 4:8], vader(f"{POSITIVE} {NEGATIVE}"), atol=1e-6)
    np.testing.assert_allclose(feats[0, 4:8], pos, atol=1e-6)
    np.testing.assert_allclose(feats[8, 4:8], neg, atol=1e-6)
    inputs = stored.modality_provenance["text"]["inputs"]
    assert inputs["source"] == ("sidecar" if where == "sidecar" else "embedded stream")


def test_no_source_is_missing_and_a_changed_sidecar_is_extracted_again(tmp_path):
    film = write_film(tmp_path / "film.mp4", 8)
    store = tmp_path / "store"
    result, stored = extracted(film, store)
    assert result.status == "done" and not stored.present["text"].any()
    assert stored.modality_provenance["text"]["inputs"] == {"source": "none"}
    sidecar = tmp_path / "film.srt"
    sidecar.write_text(SRT, encoding="utf-8")
    result, stored = extracted(film, store)
    assert result.status == "done" and stored.present["text"].all()
    first = stored.modality_provenance["text"]["inputs"]
    assert first["origin"] == "film.srt" and len(first["sha256"]) == 64
    assert extracted(film, store)[0].status == "skipped"  # same file: up to date
    sidecar.write_text(SRT.replace(NEGATIVE, POSITIVE), encoding="utf-8")
    result, stored = extracted(film, store)
    assert result.status == "done" and stored.modality_provenance["text"]["inputs"]["sha256"] != first["sha256"]
    np.testing.assert_allclose(stored.features["text"][6, 0:4], vader(POSITIVE), atol=1e-6)  # the new line


def test_subtitles_in_another_language_fail_the_movie_naming_the_file(tmp_path):
    film = write_film(tmp_path / "film.mp4", 7)
    (tmp_path / "film.srt").write_text(FRENCH, encoding="utf-8")
    result, _ = extracted(film, tmp_path / "store")
    assert result.status == "failed"
    assert "the subtitle file film.srt of" in result.reason and "only 0% of its 26 words are English words" in result.reason
    assert "give English subtitles with --subtitles FILE" in result.reason


def test_named_file_and_speech_to_text_options(tmp_path):
    film = write_film(tmp_path / "film.mp4", 3)  # no sound track: speech-to-text finds no words
    subs = tmp_path / "other.srt"
    subs.write_text(SRT, encoding="utf-8")
    _, stored = extracted(film, tmp_path / "a", DefaultText(subtitles=str(subs)))
    assert stored.modality_provenance["text"]["inputs"]["source"] == "file"
    np.testing.assert_allclose(stored.features["text"][1, 0:4], vader(POSITIVE), atol=1e-6)
    _, stored = extracted(film, tmp_path / "b", DefaultText(speech_to_text=True))
    inputs = stored.modality_provenance["text"]["inputs"]
    assert inputs["source"] == "speech-to-text" and inputs["engine"].startswith("pocketsphinx ")
    assert stored.present["text"].all() and not stored.features["text"].any()


def test_job_options_and_their_errors(tmp_path):
    subs = tmp_path / "film.srt"
    subs.write_text(SRT, encoding="utf-8")
    job = ExtractionJob.from_options(tmp_path / "s", "default-deep", subtitles=subs, speech_to_text=True)
    assert job.options == {"text": {"subtitles": str(subs.resolve()), "speech_to_text": True}}
    with pytest.raises(ConfigError, match="the 'default' feature set does not have; add --feature-set default-deep"):
        ExtractionJob.from_options(tmp_path / "s", "default", subtitles=subs)
    with pytest.raises(ConfigError, match="no such file"):
        ExtractionJob.from_options(tmp_path / "s", "default-deep", subtitles=tmp_path / "none.srt")


def test_cli_refuses_subtitles_for_several_videos(tmp_path, capsys):
    from videoaffect.cli.main import main

    subs = tmp_path / "film.srt"
    subs.write_text(SRT, encoding="utf-8")
    a, b = write_film(tmp_path / "a.mp4", 2), write_film(tmp_path / "b.mp4", 2)
    code = main(["extract", str(a), str(b), "--feature-set", "default-deep", "--modalities", "text",
                 "--subtitles", str(subs), "--out", str(tmp_path / "store")])
    assert code != 0
    assert "names the subtitles of one video; give one video file" in capsys.readouterr().err
    assert not (tmp_path / "store").exists()


def test_predict_job_keeps_speech_to_text_drops_the_training_subtitles_and_takes_its_own():
    from types import SimpleNamespace

    from videoaffect.prediction.video import PredictionError, model_job

    def bundle(modalities, options):
        prov = ExtractionJob(feature_set="default-deep", modalities=modalities).provenance()
        return SimpleNamespace(require_video_features=lambda: "default-deep", path="model", modality_names=modalities,
                               features=SimpleNamespace(provenance=prov, options=options))

    trained = bundle(("text",), {"text": {"subtitles": "/train/film.srt", "speech_to_text": True}})
    assert model_job(trained).options == {"text": {"speech_to_text": True}}
    assert model_job(trained, text={"subtitles": "/new/film.srt"}).options == {
        "text": {"speech_to_text": True, "subtitles": "/new/film.srt"}}
    with pytest.raises(PredictionError, match="which the model model does not use; leave them out"):
        model_job(bundle(("scene",), {}), text={"speech_to_text": True})
