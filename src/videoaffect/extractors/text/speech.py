"""What is said in a video's sound track, as one timed cue per word: pocketsphinx's offline English
speech recogniser (``--speech-to-text``).

How: the audio track is decoded to 16 kHz mono 16-bit (PyAV), on the decoder's clock (second 0 =
the video stream's first frame); pocketsphinx's voice-activity ``Segmenter`` cuts it into stretches
of speech, and each stretch is decoded as one utterance with the acoustic model, language model and
dictionary that ship in the ``pocketsphinx`` wheel (US English).  Every recognised word becomes a
cue from its first to its last frame (fillers, silences and noise tokens are dropped; alternative
pronunciations "word(2)" become "word").

Before recognition a deterministic dither (Gaussian, standard deviation ``DITHER`` of 32768, seeded)
is added: stretches of exact digital zeros (generated or gated sound) break the recogniser's
energy normalisation.  Measured on 8 espeak-ng sentences (2026-12-07, benchmarks/bench_text.py):
word error rate 0.66 without it, 0.37 with it (docs/benchmarks/text.md).

Off by default: it is slow (179 ms of CPU per second of sound on 2 cores: 21 minutes for a 2-hour
film), many words are wrong even on clean synthetic speech and more on film sound (music, effects,
overlapping voices), and its model is a further dependency.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from videoaffect.decoding.subtitles import Cue

RATE = 16000
DITHER = 30.0
_ALTERNATIVE = re.compile(r"\(\d+\)$")
# Tokens that are not words: sentence marks, silence, fillers and noises.
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[noise]", "[speech]", "[laughter]", "[um]", "[uh]", "<unk>"}


def engine() -> dict:
    """What the transcript depends on (stored with each movie's features)."""
    from importlib.metadata import version

    return {"engine": f"pocketsphinx {version('pocketsphinx')}", "model": "en-us (in the wheel)",
            "dither": DITHER, "rate": RATE}


def decode_audio(video: str | Path) -> tuple[np.ndarray, float]:
    """The audio track as 16 kHz mono int16 and the time (s, decoder clock) of its first sample;
    an empty array when the video has no audio track."""
    import av

    from videoaffect.decoding.probe import audio_stream, discard_others, main_video_stream, open_container, start_time

    with open_container(Path(video)) as container:
        stream = audio_stream(container)
        if stream is None:
            return np.zeros(0, np.int16), 0.0
        video_stream = main_video_stream(container)
        origin = float(start_time(video_stream)) if video_stream is not None else 0.0
        discard_others(container, stream)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        chunks, first = [], None
        for frame in container.decode(stream):
            if first is None and frame.pts is not None:
                first = float(frame.pts * frame.time_base) - origin
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    audio = np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, np.int16)
    return audio, first or 0.0


def dithered(audio: np.ndarray) -> np.ndarray:
    noise = np.random.default_rng(0).normal(0.0, DITHER, len(audio))
    return np.clip(audio.astype(np.float64) + noise, -32768, 32767).astype(np.int16)


def transcribe_audio(audio: np.ndarray, offset: float = 0.0) -> list[Cue]:
    """One cue per recognised word of 16 kHz mono int16 ``audio`` whose first sample is at
    ``offset`` seconds."""
    import io

    from pocketsphinx import Decoder, Segmenter

    if len(audio) == 0:
        return []
    decoder = Decoder(samprate=RATE, loglevel="FATAL")
    frame_rate = decoder.config["frate"]
    cues = []
    for speech in Segmenter(sample_rate=RATE).segment(io.BytesIO(dithered(audio).tobytes())):
        decoder.start_utt()
        decoder.process_raw(speech.pcm, full_utt=True)
        decoder.end_utt()
        for seg in decoder.seg():
            word = _ALTERNATIVE.sub("", seg.word.lower())
            if word in _NOT_WORDS or word.startswith("++"):
                continue
            start = offset + speech.start_time + seg.start_frame / frame_rate
            end = offset + speech.start_time + (seg.end_frame + 1) / frame_rate
            cues.append(Cue(start, end, word))
    return cues


def transcribe(video: str | Path) -> list[Cue]:
    """One cue per word recognised in ``video``'s sound track (none without one)."""
    audio, offset = decode_audio(video)
    return transcribe_audio(audio, offset)
