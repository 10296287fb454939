"""--speech-to-text: English speech made with Debian's espeak-ng from known sentences, in a generated
film's sound track, is transcribed by pocketsphinx with its words recovered at the seconds they are
spoken, and the text modality scores them.  Skipped (with the reason) where espeak-ng is absent:
`apt-get install espeak-ng`.

Measured (2026-12-07, 2 cores): both sentences below are recovered word for word (word error rate
0); over 8 short espeak-ng sentences the word error rate is 0.37 (docs/benchmarks/text.md)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from scipy.io import wavfile
from scipy.signal import resample_poly
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from text_films import RATE, write_film
from videoaffect.extractors.default.text import DefaultText
from videoaffect.features.movie import VideoInput, extract_movie
from videoaffect.features.store import FeatureStore

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (apt-get install espeak-ng)")
# (sentence, second it starts)
SPOKEN = (("i love you", 2), ("the house is on fire", 5))


def speech(text: str, tmp_path) -> np.ndarray:
    """espeak-ng's US English voice saying ``text``, as 16 kHz mono int16."""
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-p", "40", "-w", str(wav), text], check=True)
    rate, samples = wavfile.read(wav)
    assert rate == 22050
    return np.clip(resample_poly(samples.astype(np.float64), 160, 221), -32768, 32767).astype(np.int16)


def test_espeak_sentences_are_transcribed_at_their_seconds_and_scored(tmp_path):
    audio = np.zeros(9 * RATE, np.int16)
    for text, start in SPOKEN:
        said = speech(text, tmp_path)
        assert len(said) < 2 * RATE
        audio[start * RATE:start * RATE + len(said)] = said
    film = write_film(tmp_path / "film.mp4", 9, audio=audio)
    extractor = DefaultText(speech_to_text=True)
    result = extract_movie(VideoInput(str(film), "film"), "default-deep", str(tmp_path / "store"),
                           extractors=[extractor])
    assert result.status == "done", result.reason
    words = [(c.text, c.start) for c in extractor.cues()]
    for text, start in SPOKEN:  # every word, in order, within the two seconds after the sentence starts
        heard = [w for w, t in words if start - 0.2 <= t < start + 2]
        assert heard == text.split(), words
    stored = FeatureStore(tmp_path / "store").read("default-deep", "film")
    feats = stored.features["text"]
    assert stored.modality_provenance["text"]["inputs"]["source"] == "speech-to-text"
    assert feats[0, 9] == 0 and feats[2, 9] == 1 and feats[5, 9] == 1
    love = SentimentIntensityAnalyzer().polarity_scores("i love you")["compound"]
    assert love > 0.5 and feats[2, 0] == pytest.approx(love, abs=1e-6)  # the spoken words, scored
