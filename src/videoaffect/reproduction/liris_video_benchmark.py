"""The LIRIS-ACCEDE benchmark's rows for features extracted from the excerpt videos ("videos")
and for those together with the TAC2015 files ("both"), beside the TAC2015 rows, with the same
protocol, seeds and references.

* Data: the excerpts with their videos, in film order from ``ACCEDEdescription.xml``
  (:mod:`videoaffect.datasets.liris_accede.videos`), one corpus movie per film; the feature set
  is extracted into a resumable store.  "both" adds the TAC2015 modalities (signed log, clipped
  to the training sets' range) as per-second modalities, constant over each excerpt.
* Ours (and Baselines 1, 2): what ``videoaffect train --method M`` makes on this root
  (``liris_neural``'s "train" recipe: one model per task, ``train``'s defaults, then the
  context / smoothing / clip-combination choices on validation films carved from the training
  films; ``fast``: tiny sizes, 3 epochs).  An excerpt's prediction is the mean of its seconds'
  per-second predictions (clip stride 1), read inside its film.
* References: SVR, ridge and the training mean on one vector per excerpt, the mean of its
  seconds' features (each modality over its present seconds), tuned on id blocks of the
  training excerpts (``references.tuning_split``), as the TAC2015 rows are.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np

from videoaffect.core.modality import ModalitySpec
from videoaffect.core.vocabulary import Method, Task
from videoaffect.datasets.corpus import Corpus
from videoaffect.datasets.liris_accede.discrete import EXTRACTOR, SET_NAMES, LirisDiscrete, Protocol
from videoaffect.datasets.liris_accede.videos import (
    ExcerptSpan,
    corpus_from_excerpts,
    excerpts_with_videos,
    film_sequences,
)
from videoaffect.datasets.loading import extract_into_store
from videoaffect.features.job import ExtractionJob
from videoaffect.reproduction.liris_methods import NEURAL_METHODS, method_results, reference_text
from videoaffect.reproduction.liris_neural import TRAIN_ENSEMBLE, train_configs, train_like_train, trained_text
from videoaffect.reproduction.liris_protocols import excerpt_films, fit_excerpt_reference
from videoaffect.reproduction.liris_summary import evaluated_set, score_row

VIDEO_SOURCES = ("videos", "both")


def video_corpus(data: LirisDiscrete, source: str, store: Path, feature_set: str, workers: int = 1,
                 device: str = "cpu") -> tuple[Corpus, dict[str, list[ExcerptSpan]]]:
    """The film corpus of ``data``'s excerpt videos (every listed excerpt needs its video), with
    the TAC2015 modalities added when ``source == "both"``."""
    rows = excerpts_with_videos(data, np.arange(len(data)), allow_missing=False)
    sequences = film_sequences(data, rows)
    job = ExtractionJob(store=Path(store), feature_set=feature_set, workers=workers, device=device)
    extract_into_store([(Path(data.names[r]).stem, data.videos[data.names[r]]) for r in rows], job)
    corpus, spans = corpus_from_excerpts(data, sequences, Path(store), feature_set)
    if source == "both":
        corpus = _with_tac2015(corpus, spans, data)
    return corpus, spans


def _with_tac2015(corpus: Corpus, spans: dict[str, list[ExcerptSpan]], data: LirisDiscrete) -> Corpus:
    specs = list(corpus.specs.values())
    features, masks = dict(corpus.features), dict(corpus.masks)
    for m in data.modalities:
        name = f"tac2015_{m}"
        values = np.zeros((corpus.total_seconds, data.features[m].shape[1]), dtype=np.float32)
        for k, movie in enumerate(corpus.movie_ids):
            a = int(corpus.offsets[k])
            for span in spans[movie]:
                values[a + span.first : a + span.end] = data.features[m][span.row]
        specs.append(ModalitySpec(name, (values.shape[1],), EXTRACTOR))
        features[name] = values
        masks[name] = np.ones(corpus.total_seconds, dtype=bool)
    return Corpus(specs, corpus.movie_ids, corpus.offsets, features, masks, corpus.labels, corpus.splits,
                  corpus.label_scale)


def excerpt_matrix(corpus: Corpus, spans: dict[str, list[ExcerptSpan]], n_rows: int) -> np.ndarray:
    """One row per excerpt (indexed by its ``LirisDiscrete`` row): each modality's mean over the
    excerpt's present seconds (0 where it has none), modalities concatenated."""
    width = sum(int(np.prod(s.shape)) for s in corpus.specs.values())
    X = np.zeros((n_rows, width), dtype=np.float64)
    for k, movie in enumerate(corpus.movie_ids):
        a = int(corpus.offsets[k])
        for span in spans[movie]:
            parts = []
            for name, spec in corpus.specs.items():
                block = corpus.features[name][a + span.first : a + span.end].reshape(span.end - span.first, -1)
                present = corpus.masks[name][a + span.first : a + span.end]
                parts.append(block[present].mean(0) if present.any() else np.zeros(int(np.prod(spec.shape))))
            X[span.row] = np.concatenate(parts)
    return X


def _excerpt_predictions(model, corpus: Corpus, spans, movies: list[int], device: str) -> dict[int, float]:
    curves = model.predict_seconds(corpus, movies, 1, device)
    scale = corpus.label_scale
    out = {}
    for m in movies:
        final = scale.from_internal(curves[m].final)
        for span in spans[corpus.movie_ids[m]]:
            out[span.row] = float(final[span.first : span.end].mean())
    return out


def video_rows(data: LirisDiscrete, protocol: Protocol, source: str, corpus: Corpus, spans, *, tasks, seeds,
               methods, blend_weight: float = 0.5, fast: bool = False, device: str = "cpu",
               on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Rows (as the TAC2015 rows, ``features`` = ``source``) of every task x seed x method.  The
    networks are what ``train --method M`` makes on this corpus (``liris_neural``'s "train"
    recipe; ``fast``: tiny sizes, 3 epochs).  ``"blend"`` (analysis) is ``blend_weight`` x
    progressive + (1 - ``blend_weight``) x ridge, the same two models as their own rows."""
    train_names = {SET_NAMES[s] for s in protocol.train_sets}
    eval_names = {SET_NAMES[s] for s in protocol.eval_sets}
    train_movies = [m for m, s in enumerate(corpus.splits) if s in train_names]
    eval_movies = [m for m, s in enumerate(corpus.splits) if s in eval_names]
    train_rows = np.asarray(sorted(sp.row for m in train_movies for sp in spans[corpus.movie_ids[m]]))
    eval_rows = np.asarray(sorted(sp.row for m in eval_movies for sp in spans[corpus.movie_ids[m]]))
    X = excerpt_matrix(corpus, spans, len(data))
    factor = corpus.label_scale.mse_factor()
    # The verdicts' films: the film corpus's movies (films, or id blocks where films are unknown).
    proxy = {sp.row: movie for movie in corpus.movie_ids for sp in spans[movie]}
    films = excerpt_films(data, eval_rows, proxy)
    rows: list[dict] = []

    def predict(method: str, task: Task, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
        truth = data.values[task][eval_rows]
        if method in NEURAL_METHODS:
            # A LIRIS-ACCEDE root from videos brings no dataset settings: train's defaults as they are.
            mc, tc = train_configs(corpus, task, cast(Method, method), seed, {}, fast)
            model = train_like_train(corpus, train_movies, mc, tc, device, ensemble=TRAIN_ENSEMBLE)
            by_row = _excerpt_predictions(model, corpus, spans, eval_movies, device)
            pred = np.asarray([by_row[r] for r in eval_rows])
            return pred, truth, {
                "recipe": "train", "ensemble": TRAIN_ENSEMBLE, "clip_seconds": mc.clip_seconds,
                "context": mc.resolved_context, "temporal": model.config.smoothing_text(),
                "trained": trained_text(mc, tc, TRAIN_ENSEMBLE, "train", one_clip_per_excerpt=False, fast=fast)}
        ref = fit_excerpt_reference(data, X, train_rows, task, method, seed)
        return ref.predict(X[eval_rows]), truth, {
            "hyperparameters": ref.params,
            "trained": reference_text(method, X.shape[1], "one vector per excerpt, the mean of its seconds' features")}

    for task in tasks:
        evaluated = evaluated_set(data.ids[eval_rows], films, data.values[task][eval_rows])
        for seed in seeds:
            results = method_results(methods, partial(predict, task=task, seed=seed), lambda: (blend_weight, {}))
            for method, pred, truth, extra, seconds in results:
                row = score_row(task, method, source, protocol, seed, pred, truth, factor, len(train_rows),
                                len(eval_rows), seconds, extra, evaluated)
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return rows


__all__ = ["VIDEO_SOURCES", "excerpt_matrix", "video_corpus", "video_rows"]
