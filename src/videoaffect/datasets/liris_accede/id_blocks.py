"""The film proxy of LIRIS-ACCEDE where the films are unknown: blocks of about ``FILM_BLOCK``
consecutive excerpt ids, never crossing a change of set.

The official readme numbers the excerpts film by film, and the sets (which split by film) change
in id runs, so a block of consecutive ids holds excerpts of one film or of a few neighbouring
ones.  Anything that carves validation "by movie" from blocks then keeps the excerpts of a film
together (except where a block boundary falls inside a film), as the evaluated set does.  The
TAC2015 corpus (``LirisDiscrete.to_corpus(group="id-blocks")``, the benchmark and ``reproduce``)
and the corpus from excerpt videos without ``ACCEDEdescription.xml`` (``videos.film_sequences``)
use these same blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videoaffect.datasets.corpus import CorpusError

# Excerpts per film on average (9800 excerpts of 160 films): the size of an id-block "film".
FILM_BLOCK = 60


def id_blocks(sets: np.ndarray, block_size: int = FILM_BLOCK) -> np.ndarray:
    """Row boundaries of blocks of ~block_size consecutive rows (rows in id order), cut at every
    change of set: block k is rows ``[bounds[k], bounds[k + 1])``."""
    if block_size < 1:
        raise CorpusError(f"block_size must be at least 1, got {block_size}")
    sets = np.asarray(sets)
    changes = np.flatnonzero(np.diff(sets) != 0) + 1
    starts = np.concatenate([[0], changes])
    ends = np.concatenate([changes, [len(sets)]])
    bounds = [0]
    for a, b in zip(starts, ends):
        k = max(1, int(round((b - a) / block_size)))
        bounds.extend(np.linspace(a, b, k + 1).round().astype(np.int64)[1:].tolist())
    return np.asarray(bounds, dtype=np.int64)


def block_names(stems: Sequence[str], bounds: np.ndarray) -> list[str]:
    """A block's movie id: its one excerpt's stem, or ``FIRST-LAST`` (the stems of its ends)."""
    return [stems[a] if b - a == 1 else f"{stems[a]}-{stems[b - 1]}" for a, b in zip(bounds[:-1], bounds[1:])]


__all__ = ["FILM_BLOCK", "block_names", "id_blocks"]
