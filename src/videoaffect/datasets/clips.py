"""Cutting movies into non-overlapping clips and gathering clip batches.

The paper does not state the clip length; ``clip_seconds`` defaults to 10 (our assumption).
The last clip of a movie is usually shorter.  It is kept as a shorter clip (the LSTMs run on
its true length) rather than dropped, so every second of every movie gets a prediction.  A
movie shorter than ``clip_seconds`` is therefore one short clip.

``offset`` shifts the tiling for prediction at one-second resolution (``clip_stride``): with
offset p (0 < p < clip_seconds) the clips are [0, p), [p, p + clip_seconds), ...  Each offset is
still a non-overlapping tiling, so the inter-clip context sees clips exactly one clip length
apart, as in training; overlapping predictions are the union of several such tilings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoaffect.datasets.corpus import Corpus, CorpusError


@dataclass
class ClipTable:
    """Clips of a set of movies, in movie order and time order within a movie."""

    clip_seconds: int
    movie: np.ndarray  # (n_clips,) index into corpus.movie_ids
    start: np.ndarray  # (n_clips,) row of the clip's first second in the corpus arrays
    length: np.ndarray  # (n_clips,) seconds in the clip (== clip_seconds except a movie's last)
    position: np.ndarray  # (n_clips,) clip number within its movie

    @classmethod
    def build(cls, corpus: Corpus, movies: Sequence[int], clip_seconds: int, offset: int = 0) -> ClipTable:
        if int(clip_seconds) < 1:
            raise CorpusError(f"clip_seconds must be a positive number of seconds, got {clip_seconds}")
        clip_seconds = int(clip_seconds)
        offset = int(offset)
        if not 0 <= offset < clip_seconds:
            raise CorpusError(f"clip offset must lie in [0, {clip_seconds}), got {offset}")
        mv, st, ln, pos = [], [], [], []
        for m in movies:
            a, n = int(corpus.offsets[m]), corpus.seconds(m)
            starts = np.arange(offset, n, clip_seconds)
            if offset and n > 0:
                starts = np.concatenate([[0], starts])
            ends = np.append(starts[1:], n)
            mv.append(np.full(len(starts), m))
            st.append(a + starts)
            ln.append(ends - starts)
            pos.append(np.arange(len(starts)))
        if not mv:
            raise CorpusError("no movies selected: cannot build clips from an empty set")
        return cls(
            clip_seconds,
            np.concatenate(mv).astype(np.int64),
            np.concatenate(st).astype(np.int64),
            np.concatenate(ln).astype(np.int64),
            np.concatenate(pos).astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.start)

    def targets(self, corpus: Corpus, label: str) -> np.ndarray:
        """Clip target = mean of its per-second labels (paper eq. 1)."""
        values = corpus.labels[label]
        missing = np.isnan(values)
        cum = np.concatenate([[0.0], np.cumsum(np.where(missing, 0.0, values), dtype=np.float64)])
        cum_missing = np.concatenate([[0], np.cumsum(missing)])
        out = (cum[self.start + self.length] - cum[self.start]) / self.length
        unlabelled = cum_missing[self.start + self.length] - cum_missing[self.start] > 0
        if unlabelled.any():
            bad = int(self.movie[np.argmax(unlabelled)])
            raise CorpusError(
                f"movie {corpus.movie_ids[bad]!r} has no {label} labels; it cannot be used for "
                "training or evaluation of that task"
            )
        return out.astype(np.float32)

    def movie_slices(self) -> list[tuple[int, slice]]:
        """(movie index, slice of clips) for each movie, in order."""
        out: list[tuple[int, slice]] = []
        if len(self) == 0:
            return out
        cuts = np.flatnonzero(np.diff(self.movie)) + 1
        bounds = np.concatenate([[0], cuts, [len(self)]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            out.append((int(self.movie[a]), slice(int(a), int(b))))
        return out

    def second_rows(self, clips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row indices (n, clip_seconds) of the given clips, padded by repeating the last row, and
        a (n, clip_seconds) validity mask."""
        offs = np.arange(self.clip_seconds)
        valid = offs[None, :] < self.length[clips, None]
        rows = self.start[clips, None] + np.minimum(offs[None, :], self.length[clips, None] - 1)
        return rows, valid


def class_of(values: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Discretise values into ordered classes 0..len(thresholds) by ascending thresholds."""
    return np.searchsorted(np.asarray(thresholds, dtype=np.float64), values, side="right").astype(np.int64)
