"""What the decoder hands to extractors: one record per second of the movie."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AUDIO_RATE = 16000
# Paper 3.1.1: the first 960 ms of every second feed the audio extractors (VGGish's 0.96 s patch).
AUDIO_WINDOW_SAMPLES = 15360
# VGGish frames its log-mel patch from 96 frames of 25 ms at a 10 ms hop: 975 ms of audio.  Google's
# pipeline run on the audio of [t, t + 1) takes its one example from [t, t + 0.975), so the paper
# set's audio extractor also needs the 15 ms that follow the 960-ms window.
VGGISH_WINDOW_SAMPLES = 15600


@dataclass
class SecondSample:
    """Second ``index`` of a movie covers [index, index + 1) seconds of presentation time.

    ``frame``: RGB uint8 (H, W, 3), the frame on screen at index + 0.5 s (the middle of the
    second), or None where the video has no frame for that second.
    ``audio``: float32 mono at 16 kHz, the first 960 ms of the second (15360 samples), or None
    where the movie has no audio track or the audio has ended.
    ``motion_frames``: small grayscale uint8 frames (H', W') sampled evenly within the second at
    the decoder's ``motion_fps``, for motion and shot-cut descriptors; empty unless asked for.
    ``audio_tail``: the 240 samples (15 ms) that follow ``audio``, zero where the file has no
    audio there, so that ``audio`` + ``audio_tail`` is [index, index + 0.975 s), VGGish's patch;
    None with ``audio``, and where a sample was made without it (then extractors zero-pad).
    """

    index: int
    frame: np.ndarray | None
    audio: np.ndarray | None
    motion_frames: list[np.ndarray] = field(default_factory=list)
    audio_tail: np.ndarray | None = None
