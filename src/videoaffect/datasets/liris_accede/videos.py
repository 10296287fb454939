"""LIRIS-ACCEDE discrete from its excerpt videos: features extracted with a feature set of ours,
excerpts put back in film order, so one model predicts any new video.

* **Which excerpts.**  Every excerpt listed in ``ACCEDEsets.txt`` needs its video
  ``ROOT/data/<name>``; missing ones are an error naming how many and the first few, unless
  the caller allows training on the rest (``train --skip-missing-excerpts``), which is logged
  and recorded in the model card.
* **Film order.**  ``ACCEDEdescription.xml`` names each excerpt's source film and first/last
  frame.  The excerpts of one film are concatenated in the order of their first frame into one
  corpus movie (the gaps between excerpts in the source film are not in the data; the clip
  tiling runs over the concatenation), so the valence inter-clip context sees neighbours from
  the same film.  Films split into several files (``The_Dabbler_2_6.mp4``: part 2 of 6) are one
  film, parts in order.  Sets split by film; should a film have excerpts in two sets, each set's
  excerpts form their own movie.
* **Films unknown.**  Excerpts the description does not name (all of them in a root without
  ``ACCEDEdescription.xml``) are grouped into blocks of about 60 consecutive ids, cut at every
  change of set (``id_blocks.py``, the film proxy of the TAC2015 benchmark), each block one corpus
  movie in id order; a warning says so.  The validation carve then holds out whole blocks, never
  part of one (each excerpt alone would put excerpts of one film on both sides: the leak the
  benchmark measured as harmful).  A block is not a film: it may join the ends of two films, and
  its excerpts are in id order, not in film order.
* **Labels.**  The official 1-5 ``valenceValue`` / ``arousalValue``, one per excerpt, constant over
  its seconds (``LabelScale.liris_discrete``).  The benchmark scores an excerpt by the mean of its
  seconds' predictions (``reproduction/liris_video_benchmark.py``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.core.labels import LabelScale
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.liris_accede.discrete import SET_NAMES, LirisDiscrete
from videoaffect.datasets.liris_accede.id_blocks import FILM_BLOCK, block_names, id_blocks
from videoaffect.datasets.liris_accede.release_files import DESCRIPTION_FILE, SETS_FILE, LirisError

log = logging.getLogger(__name__)

_PART = re.compile(r"^(?P<film>.+)_(?P<part>\d+)_(?P<parts>\d+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
SHOWN_MISSING = 5


@dataclass(frozen=True)
class FilmSequence:
    """One corpus movie: excerpt rows (of the ``LirisDiscrete``) in film order."""

    movie_id: str
    set: int
    rows: tuple[int, ...]
    film: str | None  # the source film's name; None for a block of excerpts whose film is unknown


@dataclass(frozen=True)
class ExcerptSpan:
    """Where an excerpt lies in its corpus movie: seconds [first, end)."""

    name: str
    row: int
    first: int
    end: int


def excerpts_with_videos(data: LirisDiscrete, rows: np.ndarray, allow_missing: bool) -> np.ndarray:
    """The rows whose video is in ``ROOT/data``; missing videos are an error unless ``allow_missing``."""
    missing = [data.names[i] for i in rows if data.names[i] not in data.videos]
    if missing:
        shown = ", ".join(missing[:SHOWN_MISSING]) + (", ..." if len(missing) > SHOWN_MISSING else "")
        text = (f"{data.root / 'data'} lacks {len(missing)} of the {len(rows)} excerpt videos listed in {SETS_FILE} "
                f"({shown})")
        if not allow_missing:
            raise LirisError(f"{text}; copy them from LIRIS-ACCEDE-data.zip, or pass --skip-missing-excerpts to "
                             "train on the others only")
        log.warning("%s; training on the other %d (--skip-missing-excerpts)", text, len(rows) - len(missing))
    return np.asarray([i for i in rows if data.names[i] in data.videos], dtype=np.int64)


def _film_of(movie_file: str) -> tuple[str, int]:
    stem = Path(movie_file).stem
    m = _PART.match(stem)
    return (m.group("film"), int(m.group("part"))) if m else (stem, 0)


def film_sequences(data: LirisDiscrete, rows: np.ndarray, block_size: int = FILM_BLOCK) -> list[FilmSequence]:
    """The corpus movies of ``rows``: described excerpts grouped by film (and set) in frame order,
    the others in blocks of ~``block_size`` consecutive ids (a warning says their films are
    unknown); films first (by name), then blocks (by id)."""
    films: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
    alone: list[int] = []
    for i in rows:
        place = data.description.get(data.names[i])
        if place is None:
            alone.append(int(i))
            continue
        film, part = _film_of(place.movie)
        films.setdefault((film, int(data.sets[i])), []).append((part, place.start, int(i)))
    sets_of: dict[str, set[int]] = {}
    for film, s in films:
        sets_of.setdefault(film, set()).add(s)
    out = []
    for (film, s), members in sorted(films.items()):
        members.sort()
        safe = _UNSAFE.sub("_", film)
        movie_id = safe if len(sets_of[film]) == 1 else f"{safe}-set{s}"
        out.append(FilmSequence(movie_id, s, tuple(r for _, _, r in members), film))
    if alone:
        out += _id_block_sequences(data, alone, block_size)
    return out


def _id_block_sequences(data: LirisDiscrete, alone: list[int], block_size: int) -> list[FilmSequence]:
    """Excerpts of unknown film in blocks of consecutive ids (the film proxy), with the warning."""
    rows = sorted(alone, key=lambda i: int(data.ids[i]))
    bounds = id_blocks(data.sets[rows], block_size)
    names = block_names([Path(data.names[i]).stem for i in rows], bounds)
    blocks = [FilmSequence(name, int(data.sets[rows[a]]), tuple(rows[a:b]), None)
              for name, a, b in zip(names, bounds[:-1], bounds[1:])]
    where = (f"{data.root} has no {DESCRIPTION_FILE}" if not data.description
             else f"{DESCRIPTION_FILE} names no film for {len(rows)} of the {len(data)} excerpts")
    log.warning("LIRIS-ACCEDE: %s, so the films of %d excerpts are unknown; they are grouped into %d blocks of about "
                "%d consecutive ids as film proxies (validation holds out whole blocks, but a block may join the ends "
                "of two films). Put the release's %s in the root to group excerpts by film",
                where, len(rows), len(blocks), block_size, DESCRIPTION_FILE)
    return blocks


def corpus_from_excerpts(
    data: LirisDiscrete, sequences: list[FilmSequence], store_root: Path, feature_set: str
) -> tuple[Corpus, dict[str, list[ExcerptSpan]]]:
    """The corpus of ``sequences`` from the excerpts' stored features (store id = excerpt file
    stem), labels constant over each excerpt; and each movie's excerpt spans."""
    from videoaffect.datasets.formats.annotations import SecondLabels
    from videoaffect.datasets.manifest import StoreItem, corpus_from_store_items
    from videoaffect.features.store import FeatureStore

    store = FeatureStore(store_root, create=False)
    order = [r for seq in sequences for r in seq.rows]
    seconds = {r: store.read(feature_set, Path(data.names[r]).stem, modalities=[]).seconds for r in order}

    def labels_of(row: int):
        n = seconds[row]
        return lambda: SecondLabels(np.arange(n, dtype=np.float64), np.full(n, data.values["valence"][row]),
                                    np.full(n, data.values["arousal"][row]))

    items = [StoreItem(f"{Path(data.names[r]).stem}", SET_NAMES[int(data.sets[r])], labels_of(r),
                       f"videoaffect extract {data.videos[data.names[r]]} --out {store_root}")
             for r in order]
    per_excerpt = corpus_from_store_items(items, store_root, feature_set, label_scale=LabelScale.liris_discrete(),
                                          tolerance=0)
    # Excerpts -> films: concatenate the excerpt movies of each sequence (all arrays are
    # contiguous per movie, in the order of ``items``).
    lengths = [sum(seconds[r] for r in seq.rows) for seq in sequences]
    corpus = Corpus(
        list(per_excerpt.specs.values()),
        [seq.movie_id for seq in sequences],
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        per_excerpt.features,
        per_excerpt.masks,
        per_excerpt.labels,
        [SET_NAMES[seq.set] for seq in sequences],
        per_excerpt.label_scale,
    )
    spans: dict[str, list[ExcerptSpan]] = {}
    for seq in sequences:
        t, out = 0, []
        for r in seq.rows:
            out.append(ExcerptSpan(data.names[r], r, t, t + seconds[r]))
            t += seconds[r]
        spans[seq.movie_id] = out
    return corpus, spans


__all__ = ["ExcerptSpan", "FilmSequence", "corpus_from_excerpts", "excerpts_with_videos", "film_sequences"]
