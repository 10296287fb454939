"""The clip sampler: where the clips of a movie begin and end, for training, evaluation and prediction.

The paper divides each movie into non-overlapping clips of one length (section 3) and does not
state that length; ``clip_seconds`` defaults to 10 (our assumption).  The last clip of a movie is
usually shorter.  It is kept as a shorter clip (the LSTMs run on its true length) rather than
dropped, so every second of every movie gets a prediction.  A movie shorter than
``clip_seconds`` is therefore one short clip.

``ClipSampler`` holds the clip length and the stride and is the one place that computes clip
boundaries: the tilings a stride needs, each clip's first and last second, the decay of the
arousal EMA per clip and per second.  ``ClipTable`` holds the clips it cuts from a set of corpus
movies and answers per-clip questions (their rows, targets, inter-clip windows, the seconds
they cover).

A stride below the clip length predicts at finer resolution: with offset p (0 < p <
clip_seconds) a tiling's clips are [0, p), [p, p + clip_seconds), ...  Each offset is still a
non-overlapping tiling, so the inter-clip context sees clips exactly one clip length apart, as
in training; overlapping predictions are the union of the tilings at offsets 0, stride,
2 * stride, ... < clip_seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoaffect.core.errors import ConfigError
from videoaffect.datasets.corpus import Corpus, CorpusError


@dataclass(frozen=True)
class ClipSampler:
    """Clip length and stride, and every boundary they imply (see the module docstring).

    ``stride`` = ``clip_seconds`` is the paper's single non-overlapping tiling."""

    clip_seconds: int
    stride: int

    def __post_init__(self) -> None:
        if int(self.clip_seconds) < 1:
            raise CorpusError(f"clip_seconds must be a positive number of seconds, got {self.clip_seconds}")
        if not 1 <= int(self.stride) <= int(self.clip_seconds):
            raise ConfigError(f"clip stride must be between 1 and the clip length ({self.clip_seconds} s), "
                              f"got {self.stride}")
        # frozen: normalise numbers that came as NumPy integers or bools to int
        object.__setattr__(self, "clip_seconds", int(self.clip_seconds))
        object.__setattr__(self, "stride", int(self.stride))

    @classmethod
    def non_overlapping(cls, clip_seconds: int) -> ClipSampler:
        """The paper's tiling: clips of ``clip_seconds``, one after the other (training's)."""
        return cls(clip_seconds, clip_seconds)

    @classmethod
    def for_stride(cls, clip_seconds: int, clip_stride: int | None, clamp: bool = True) -> ClipSampler:
        """The sampler of a curve at ``clip_stride`` (None: the clip length).  ``clamp``: a stride
        above the clip length means the clip length (what `train`, `evaluate` and `predict` do
        with a model's clips); otherwise it is an error."""
        stride = int(clip_seconds) if clip_stride is None else int(clip_stride)
        return cls(clip_seconds, min(stride, int(clip_seconds)) if clamp else stride)

    @property
    def overlapping(self) -> bool:
        """Whether a curve needs more than one tiling (the stride is below the clip length)."""
        return self.stride < self.clip_seconds

    @property
    def offsets(self) -> tuple[int, ...]:
        """The offsets of the tilings a curve at this stride is the union of."""
        return tuple(range(0, self.clip_seconds, self.stride))

    def starts(self, seconds: int, offset: int = 0) -> np.ndarray:
        """First second of each clip of a movie of ``seconds`` in the tiling at ``offset``."""
        offset = self._checked(offset)
        starts = np.arange(offset, seconds, self.clip_seconds)
        if offset and seconds > 0:
            starts = np.concatenate([[0], starts])
        return starts

    def _checked(self, offset: int) -> int:
        if not 0 <= int(offset) < self.clip_seconds:
            raise CorpusError(f"clip offset must lie in [0, {self.clip_seconds}), got {int(offset)}")
        return int(offset)

    def spans(self, seconds: int, offset: int = 0) -> np.ndarray:
        """(clips, 2): each clip's [first second, end second) in a movie of ``seconds``."""
        starts = self.starts(seconds, offset)
        return np.stack([starts, np.append(starts[1:], seconds)], axis=1).astype(np.int64)

    def table(self, corpus: Corpus, movies: Sequence[int], offset: int = 0) -> ClipTable:
        """The clips of ``movies`` (in that order) in the tiling at ``offset``."""
        offset = self._checked(offset)
        mv, st, ln, pos = [], [], [], []
        for m in movies:
            spans = self.spans(corpus.seconds(m), offset)
            mv.append(np.full(len(spans), m))
            st.append(int(corpus.offsets[m]) + spans[:, 0])
            ln.append(spans[:, 1] - spans[:, 0])
            pos.append(np.arange(len(spans)))
        if not mv:
            raise CorpusError("no movies selected: cannot build clips from an empty set")
        return ClipTable(
            self.clip_seconds,
            np.concatenate(mv).astype(np.int64),
            np.concatenate(st).astype(np.int64),
            np.concatenate(ln).astype(np.int64),
            np.concatenate(pos).astype(np.int64),
        )

    # The arousal EMA (paper eq. 2) steps once per clip; a curve of overlapping clips is smoothed
    # once per second with the same time constant.
    def decay_per_clip(self, tau_seconds: float) -> float:
        """EMA decay per clip for a time constant of ``tau_seconds`` (0: no smoothing)."""
        return 0.0 if tau_seconds <= 0 else math.exp(-self.clip_seconds / tau_seconds)

    def decay_per_second(self, beta_per_clip: float) -> float:
        """The per-second EMA decay with the time constant of ``beta_per_clip``."""
        return beta_per_clip ** (1.0 / self.clip_seconds) if beta_per_clip > 0 else 0.0

    def time_constant(self, beta_per_clip: float) -> float:
        """Time constant in seconds of an EMA decaying by ``beta_per_clip`` per clip (0: none)."""
        return 0.0 if beta_per_clip <= 0.0 else -self.clip_seconds / math.log(beta_per_clip)


@dataclass
class ClipTable:
    """Clips of a set of movies, in movie order and time order within a movie (``ClipSampler.table``)."""

    clip_seconds: int
    movie: np.ndarray  # (n_clips,) index into corpus.movie_ids
    start: np.ndarray  # (n_clips,) row of the clip's first second in the corpus arrays
    length: np.ndarray  # (n_clips,) seconds in the clip (== clip_seconds except a movie's last)
    position: np.ndarray  # (n_clips,) clip number within its movie

    @classmethod
    def build(cls, corpus: Corpus, movies: Sequence[int], clip_seconds: int, offset: int = 0) -> ClipTable:
        """``ClipSampler.non_overlapping(clip_seconds).table(corpus, movies, offset)``."""
        return ClipSampler.non_overlapping(clip_seconds).table(corpus, movies, offset)

    def __len__(self) -> int:
        return len(self.start)

    def means(self, values: np.ndarray) -> np.ndarray:
        """Each clip's mean of the per-second ``values`` (corpus rows), in float64."""
        cum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
        return (cum[self.start + self.length] - cum[self.start]) / self.length

    def targets(self, corpus: Corpus, label: str) -> np.ndarray:
        """Clip target = mean of its per-second labels (paper eq. 1)."""
        values = corpus.labels[label]
        missing = np.isnan(values)
        out = self.means(np.where(missing, 0.0, values))
        cum_missing = np.concatenate([[0], np.cumsum(missing)])
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

    def movie_spans(self, corpus: Corpus) -> dict[int, np.ndarray]:
        """Per movie index, (clips, 2): each clip's [first second, end second) within its movie."""
        out = {}
        for movie, sl in self.movie_slices():
            starts = self.start[sl] - int(corpus.offsets[movie])
            out[movie] = np.stack([starts, starts + self.length[sl]], axis=1)
        return out

    def held(self, values: np.ndarray) -> dict[int, np.ndarray]:
        """Per movie index, each clip's value held over its seconds (one non-overlapping tiling)."""
        return {movie: np.repeat(values[sl], self.length[sl]) for movie, sl in self.movie_slices()}

    def second_rows(self, clips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row indices (n, clip_seconds) of the given clips, padded by repeating the last row, and
        a (n, clip_seconds) validity mask."""
        return padded_rows(self.start[clips], self.length[clips], self.clip_seconds)

    def context_windows(self, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Windows of ``length`` consecutive clips within each movie, stride 1 (the inter-clip
        context's examples, paper eq. 3): clip indices (windows, length) padded by repeating the
        last clip, the validity mask, and each window's size.  A movie with fewer clips than
        ``length`` gives one window of all its clips."""
        firsts, sizes = [], []
        for _, sl in self.movie_slices():
            size = min(length, sl.stop - sl.start)
            starts = np.arange(sl.start, sl.stop - size + 1)
            firsts.append(starts)
            sizes.append(np.full(len(starts), size))
        first, size_of = np.concatenate(firsts).astype(np.int64), np.concatenate(sizes).astype(np.int64)
        rows, valid = padded_rows(first, size_of, length)
        return rows, valid, size_of


def padded_rows(firsts: np.ndarray, sizes: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows firsts[i], firsts[i] + 1, ... of ``sizes[i]`` items each, as (n, width) padded by
    repeating the last row, and the (n, width) mask of the real ones."""
    offs = np.arange(width)
    valid = offs[None, :] < sizes[:, None]
    rows = firsts[:, None] + np.minimum(offs[None, :], sizes[:, None] - 1)
    return rows, valid


def class_of(values: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Discretise values into ordered classes 0..len(thresholds) by ascending thresholds."""
    return np.searchsorted(np.asarray(thresholds, dtype=np.float64), values, side="right").astype(np.int64)
