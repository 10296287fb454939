"""Offline linguistic features (the ``text`` modality of the ``default-deep`` set): VADER sentiment
of what is said, from the video's subtitles or, with ``speech_to_text``, its sound track.

Per second ``t`` (covering [t, t + 1)), ``shape = (10,)`` float32, in this order:

0-3   VADER compound, positive, negative, neutral of the text on screen during the second: every
      cue shown for some part of [t, t + 1), joined with spaces in time order;
4-7   the same four scores of the text of the 5-second window centred on the second,
      [t - 2, t + 3): a line's tone carries to the seconds around it, short lines ("No!") are
      scored with their neighbours, and a film's dialogue is rarely silent longer than that;
8     ``words_per_second``: each cue's words spread evenly over its duration, the share falling
      in [t, t + 1) (speaking rate; 0 when nothing is said);
9     ``has_text``: 1 when a cue is on screen during the second, else 0.

Where the text comes from (``decoding/subtitles.py``): ``subtitles`` (a file), a sidecar file, a
text stream inside the video; else, with ``speech_to_text``, pocketsphinx's words
(``extractors/text/speech.py``; off by default: slow, a high word error rate on film sound).

English only: VADER's lexicon is English, so a subtitle source in another language is refused,
naming it (``extractors/text/sentiment.py``: the heuristic and its measured figures).

A second without words is an observation, not a missing value (as a second without a face is for
the expression modality): it is marked present, with zeros (VADER's scores of no text) and
``has_text`` 0.  Every second of a video with no text source at all (no subtitles, and no
speech-to-text asked for) is marked missing: nothing says what is said there.

Each movie's stored provenance names the source (``movie_inputs``): the file's name and sha256,
the embedded stream, the speech recogniser, or 'none', so changed subtitles are extracted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoaffect.decoding.samples import SecondSample
from videoaffect.decoding.subtitles import Cue, SubtitleError, Subtitles, find_subtitles
from videoaffect.extractors.base import Extractor
from videoaffect.extractors.text.sentiment import MIN_ENGLISH_SHARE, MIN_WORDS, SCORE_NAMES, Vader, words

FEATURE_NAMES: tuple[str, ...] = (
    *(f"screen_{n}" for n in SCORE_NAMES), *(f"window_{n}" for n in SCORE_NAMES), "words_per_second", "has_text",
)
WORDS_INDEX = 8
HAS_TEXT_INDEX = 9


class DefaultText(Extractor):
    modality = "text"
    name = "default.text.vader"
    version = "1"
    shape = (len(FEATURE_NAMES),)
    needs = "subtitles"
    batch_size = 16
    # no torch network: it runs beside the other extractors, never alone with every thread
    intra_op_threads = 1

    def __init__(self, subtitles: str | None = None, speech_to_text: bool = False, window: int = 2) -> None:
        if window < 0:
            raise ValueError(f"the text window is the seconds on each side of a second: 0 or more, got {window}")
        self.subtitles = subtitles
        self.speech_to_text = bool(speech_to_text)
        self.window = int(window)
        self.vader = Vader()
        self._source = Subtitles("none")
        self._video: Path | None = None
        self._cues: list[Cue] | None = []

    def params(self) -> dict:
        from importlib.metadata import version

        return {
            "scores": f"vaderSentiment {version('vaderSentiment')} polarity_scores",
            "window_s": [-self.window, self.window + 1],
            "english_check": {"min_share": MIN_ENGLISH_SHARE, "min_words": MIN_WORDS},
            "features": list(FEATURE_NAMES),
        }

    def movie_inputs(self, video_path: Path) -> dict:
        """Find the movie's text source (its cues are read now; speech is transcribed when the
        first second is asked for) and return what the features depend on."""
        self._video = Path(video_path)
        source = find_subtitles(video_path, self.subtitles)
        if source.source != "none":
            reason = self.vader.not_english(c.text for c in source.cues)
            if reason:
                what = "the subtitle stream" if source.source == "embedded stream" else "the subtitle file"
                raise SubtitleError(
                    f"{what} {source.origin} of {video_path}: {reason}; give English subtitles with --subtitles "
                    "FILE (or move that file away, or leave the text modality out with --modalities)")
            self._cues = list(source.cues)
        elif self.speech_to_text:
            from videoaffect.extractors.text.speech import engine

            source = Subtitles("speech-to-text", details=engine())
            self._cues = None  # transcribed on first use: a movie found up to date is never transcribed
        else:
            self._cues = []
        self._source = source
        return source.provenance()

    def cues(self) -> list[Cue]:
        """The current movie's cues (transcribing its speech the first time, when that is the source)."""
        if self._cues is None:
            from videoaffect.extractors.text.speech import transcribe

            assert self._video is not None
            self._cues = transcribe(self._video)
        return self._cues

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros((len(samples), *self.shape), dtype=np.float32)
        if self._source.source == "none":
            return out, np.zeros(len(samples), dtype=bool)
        cues = self.cues()
        starts = np.array([c.start for c in cues], dtype=np.float64)
        ends = np.array([c.end for c in cues], dtype=np.float64)
        counts = np.array([len(words(c.text)) for c in cues], dtype=np.float64)
        for row, sample in enumerate(samples):
            t = sample.index
            shown = np.flatnonzero((starts < t + 1) & (ends > t))
            around = np.flatnonzero((starts < t + 1 + self.window) & (ends > t - self.window))
            out[row, 0:4] = self.vader.scores(" ".join(cues[i].text for i in shown))
            out[row, 4:8] = self.vader.scores(" ".join(cues[i].text for i in around))
            if len(shown):
                overlap = np.minimum(ends[shown], t + 1) - np.maximum(starts[shown], t)
                duration = np.maximum(ends[shown] - starts[shown], 1e-6)
                out[row, WORDS_INDEX] = float(np.sum(counts[shown] * np.clip(overlap / duration, 0.0, 1.0)))
                out[row, HAS_TEXT_INDEX] = 1.0
        return out, np.ones(len(samples), dtype=bool)
