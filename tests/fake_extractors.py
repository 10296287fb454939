"""Cheap extractors with exactly known outputs, for testing the extraction machinery.
Importable by worker processes as ``fake_extractors:tiny_set`` (tests/ on PYTHONPATH)."""

from __future__ import annotations

import numpy as np

from videoaffect.extractors.base import Extractor, audio_of, frames_of


class _EachPresent(Extractor):
    """One vector per second that has its frame (or audio), zeros elsewhere."""

    def extract(self, samples):
        items, present = (frames_of if self.needs == "frame" else audio_of)(samples)
        out = np.zeros((len(samples), *self.shape), np.float32)
        if items:
            out[present] = [self.value(item) for item in items]
        return out, present

    def value(self, item) -> np.ndarray:
        raise NotImplementedError


class MeanColour(_EachPresent):
    modality = "scene"
    name = "test.scene.mean-colour"
    shape = (3,)
    needs = "frame"
    batch_size = 4

    def value(self, frame):
        return frame.reshape(-1, 3).mean(0) / 255.0


class AudioRMS(_EachPresent):
    modality = "audio"
    name = "test.audio.rms"
    shape = (1,)
    needs = "audio"

    def value(self, clip):
        return [float(np.sqrt(np.mean(np.square(clip))))]


def tiny_set(device: str = "cpu"):
    return [MeanColour(), AudioRMS()]


class FrameSize(_EachPresent):
    """(height, width) of the frame each second receives."""

    modality = "scene"
    name = "test.scene.frame-size"
    shape = (2,)
    needs = "frame"

    def value(self, frame):
        return frame.shape[:2]


def size_set(device: str = "cpu"):
    return [FrameSize()]
