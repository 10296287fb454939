"""MediaEval 2018 movies with features of our own (``videoaffect extract``) read from a feature store."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from videoaffect.core.labels import LabelScale
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.formats.annotations import DEFAULT_TOLERANCE_S, AnnotationError, DatasetError
from videoaffect.datasets.manifest import StoreItem, corpus_from_store_items
from videoaffect.datasets.mediaeval2018.layout import MOVIE_PATTERN, MediaEval2018, canonical_id, official_split

log = logging.getLogger(__name__)


def mediaeval2018_corpus_from_store(
    root: str | os.PathLike | MediaEval2018,
    store_root: str | os.PathLike,
    feature_set: str,
    movies: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    modalities: Sequence[str] | None = None,
    tolerance: int = DEFAULT_TOLERANCE_S,
) -> Corpus:
    """Features extracted by ``videoaffect extract`` (one store file per movie) with the annotations.

    By default every movie with a video below ``root`` is used (each must be in the store), plus
    annotated movies without a video that the store nevertheless holds.  Labels are aligned to
    each movie's stored length with :func:`~videoaffect.datasets.formats.annotations.align_labels`.
    """
    ds = root if isinstance(root, MediaEval2018) else MediaEval2018(root, require_annotations=False)
    store_dir = Path(store_root)
    excluded = set(exclude)
    # Store files are named after the video's stem, whose case may differ from the canonical id.
    held = {
        canonical_id(p.stem): p.stem
        for p in (store_dir / feature_set).glob("*.h5")
        if re.fullmatch(MOVIE_PATTERN, p.stem, re.IGNORECASE)
    }
    if movies is None:
        chosen = [m for m in ds.movie_ids if m not in excluded and (ds.video(m) is not None or m in held)]
        left = [m for m in ds.movie_ids if m not in excluded and m not in chosen]
        if left:
            log.warning(
                "%s: %d movies have neither a video nor %r features in %s and are left out: %s",
                ds.root, len(left), feature_set, store_dir, ", ".join(left),
            )
        if not chosen:
            raise DatasetError(
                f"{ds.root}: no video and no movie of feature set {feature_set!r} in {store_dir}; run "
                f"`videoaffect extract <folder of MEDIAEVAL18_XX.mp4> --set {feature_set} --out {store_dir}`"
            )
    else:
        for m in movies:
            official_split(m)
        chosen = [m for m in movies if m not in excluded]
    items = []
    for m in chosen:
        if ds.annotation_path(m) is None:
            raise AnnotationError(
                f"{ds.root}: no annotation for {m}; put {m}_Valence-Arousal.txt below the root or leave the "
                f"movie out (exclude=['{m}'])"
            )
        video = ds.video(m)
        source = str(video) if video is not None else f"<{m}.mp4>"
        hint = f"videoaffect extract {source} --set {feature_set} --out {store_dir}"
        store_id = held.get(m) or (video.stem if video is not None else m)
        items.append(StoreItem(m, ds.split(m), partial(ds.annotation, m), hint, store_id=store_id))
    return corpus_from_store_items(items, store_dir, feature_set, LabelScale.mediaeval(), modalities, tolerance)


__all__ = ["mediaeval2018_corpus_from_store"]
