"""The one interface every per-second feature extractor implements.

An extractor turns a batch of ``SecondSample`` into a (n, *shape) float32 array plus an (n,)
presence mask (False = this modality is missing for that second, e.g. no audio track, no
frame).  It is named and versioned, and its provenance (name, version, shape, parameters,
sha256 of every weight file, and what it read for the movie besides the video: ``movie_inputs``)
is stored with every feature file, so stale features are recognised and re-extracted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videoaffect.core.errors import ExtractionError
from videoaffect.decoding.samples import SecondSample


class ExtractorError(ExtractionError):
    pass


class Extractor(ABC):
    #: modality the features belong to ("audio", "scene", "expression", "action", "motion")
    modality: str = ""
    #: stable identifier, e.g. "default.scene.colour" or "paper.audio.vggish"
    name: str = ""
    #: bump when the output for the same input changes
    version: str = "1"
    #: per-second output shape: (dim,) or (channels, height, width)
    shape: tuple[int, ...] = ()
    #: which parts of a SecondSample it reads: "frame", "audio" or "motion_frames"
    needs: str = "frame"
    #: decoder motion sampling rate it needs (frames per second); 0 = none
    motion_fps: int = 0
    #: seconds per batch for batched inference
    batch_size: int = 16
    #: torch intra-op threads it wants on the CPU: None = all of the worker's share; small
    #: networks set 1 (extractors already run side by side, see features.movie.run_extractors)
    intra_op_threads: int | None = None

    def params(self) -> dict:
        """Parameters that change the output (stored in provenance)."""
        return {}

    def weights_sha256(self) -> dict[str, str]:
        """sha256 of each weight file used, by registry name."""
        return {}

    def to(self, device: str) -> Extractor:
        return self

    def start_movie(self) -> None:
        """Reset per-movie state (e.g. the previous frame for motion).

        Optional hook, called before the first second of each movie; the default does nothing
        because most extractors keep no state between seconds.
        """
        return None

    def movie_inputs(self, video_path: Path) -> dict:
        """What this movie's features depend on besides the video file and the extractor, read
        before the store is asked whether they are up to date (e.g. the text modality's subtitle
        file: its name and sha256).  Optional hook, called once per movie before ``start_movie``;
        a non-empty answer is stored as the movie's ``inputs`` in this extractor's provenance, so a
        changed input re-extracts.  The default reads nothing: most extractors see only the video."""
        return {}

    @abstractmethod
    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        """Features (n, *shape) float32 and presence (n,) bool for consecutive seconds."""

    def provenance(self) -> dict:
        return {
            "extractor": self.name,
            "version": self.version,
            "modality": self.modality,
            "shape": list(self.shape),
            "params": self.params(),
            "weights": self.weights_sha256(),
        }

    def empty(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((n, *self.shape), dtype=np.float32), np.zeros(n, dtype=bool)


def frames_of(samples: Sequence[SecondSample]) -> tuple[list[np.ndarray], np.ndarray]:
    """The frames present in a batch and the mask of which seconds have one."""
    present = np.array([s.frame is not None for s in samples], dtype=bool)
    return [s.frame for s in samples if s.frame is not None], present


def audio_of(samples: Sequence[SecondSample]) -> tuple[list[np.ndarray], np.ndarray]:
    present = np.array([s.audio is not None for s in samples], dtype=bool)
    return [s.audio for s in samples if s.audio is not None], present
