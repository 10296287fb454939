"""Cheap extractors with exactly known outputs, for testing the extraction machinery.
Importable by worker processes as ``fake_extractors:tiny_set`` (tests/ on PYTHONPATH)."""

from __future__ import annotations

import numpy as np

from videoaffect.extractors.base import Extractor, audio_of, frames_of


class MeanColour(Extractor):
    modality = "scene"
    name = "test.scene.mean-colour"
    shape = (3,)
    needs = "frame"
    batch_size = 4

    def extract(self, samples):
        frames, present = frames_of(samples)
        out = np.zeros((len(samples), 3), np.float32)
        if frames:
            out[present] = np.stack([f.reshape(-1, 3).mean(0) / 255.0 for f in frames])
        return out, present


class AudioRMS(Extractor):
    modality = "audio"
    name = "test.audio.rms"
    shape = (1,)
    needs = "audio"

    def extract(self, samples):
        clips, present = audio_of(samples)
        out = np.zeros((len(samples), 1), np.float32)
        if clips:
            out[present, 0] = [float(np.sqrt(np.mean(np.square(c)))) for c in clips]
        return out, present


def tiny_set(device: str = "cpu"):
    return [MeanColour(), AudioRMS()]


class FrameSize(Extractor):
    """(height, width) of the frame each second receives."""

    modality = "scene"
    name = "test.scene.frame-size"
    shape = (2,)
    needs = "frame"

    def extract(self, samples):
        frames, present = frames_of(samples)
        out = np.zeros((len(samples), 2), np.float32)
        if frames:
            out[present] = [f.shape[:2] for f in frames]
        return out, present


def size_set(device: str = "cpu"):
    return [FrameSize()]
