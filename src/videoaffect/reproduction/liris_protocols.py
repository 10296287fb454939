"""Which excerpts each part of the LIRIS-ACCEDE benchmark uses: the references fitted on the
protocol's training excerpts, carves taken inside the training sets (never from the evaluated
set), and the films the verdicts resample.  LIRIS-ACCEDE's sets are named by number here (set 1,
set 2, set 0): ``ACCEDEsets.txt`` calls set 2 "validation", a word this toolkit keeps for the
validation movies carved from the training data.

Films.  ``ACCEDEdescription.xml`` names each excerpt's source film; where it is absent (the
copy in ``../shared``, sets 1 and 2 only, has none) or does not name an excerpt, runs of about 60
consecutive ids stand in for films (the excerpts of a film have consecutive ids): the corpus's
id blocks for the TAC2015 rows, the film corpus's own movies for rows from excerpt videos.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from videoaffect.datasets.liris_accede.discrete import LirisDiscrete, Protocol
from videoaffect.datasets.liris_accede.videos import film_sequences
from videoaffect.reproduction.references import fit_reference, tuning_split


def fit_excerpt_reference(data: LirisDiscrete, X: np.ndarray, train_rows, task: str, method: str, seed: int):
    """A reference fitted on the training excerpts ``train_rows`` (rows of ``X``, one per
    excerpt, indexed as ``data``), tuned on the id-block carve of ``seed`` (``tuning_split``)."""
    train = np.asarray(train_rows)
    fit_pos, tune_pos = tuning_split(data.ids[train], seed=seed)
    y = data.values[task]
    return fit_reference(
        method, X[train[fit_pos]], y[train[fit_pos]], X[train[tune_pos]], y[train[tune_pos]], seed=seed
    )


def predict_reference(data: LirisDiscrete, protocol: Protocol, task: str, method: str, seed: int):
    """(prediction, truth, hyper-parameters) of a reference on the evaluated excerpts (id
    order): fitted on the training excerpts' TAC2015 features, tuned on the id-block carve of
    ``seed``."""
    X = data.matrix()
    model = fit_excerpt_reference(data, X, protocol.train, task, method, seed)
    return model.predict(X[protocol.evaluate]), data.values[task][protocol.evaluate], model.params


def training_carve(data: LirisDiscrete, protocol: Protocol, seed: int) -> LirisDiscrete:
    """The training excerpts alone, the references' tuning carve (``tuning_split`` with this
    seed) relabelled set 2 and the rest set 1: a development protocol whose evaluated part is
    taken from the training sets, never from the evaluated set."""
    return blocks_as_set2(data, np.asarray(protocol.train), seed)


def blocks_as_set2(data: LirisDiscrete, rows: np.ndarray, seed: int) -> LirisDiscrete:
    """``rows`` alone, the references' tuning carve of them (``tuning_split``) relabelled set 2
    and the rest set 1."""
    _, held = tuning_split(data.ids[rows], seed=seed)
    sets = np.ones(len(rows), dtype=np.int64)
    sets[held] = 2
    return replace(data.subset(rows), sets=sets)


def within_set1_data(data: LirisDiscrete, seed: int = 0) -> LirisDiscrete:
    """Set 1 alone, a fifth of its contiguous id blocks (a stand-in for films, as for the
    references' tuning) relabelled set 2: the development protocol inside set 1, for choosing
    settings without the real evaluation set."""
    return blocks_as_set2(data, data.indices((1,)), seed)


def excerpt_films(data: LirisDiscrete, rows, proxy: dict[int, str]) -> list[str]:
    """The film of each excerpt row: its film in ``ACCEDEdescription.xml`` ("film:NAME", parts of
    one film joined), else ``proxy[row]`` ("block:ID", e.g. the corpus's id block holding it)."""
    rows = [int(r) for r in rows]
    described = np.asarray([r for r in rows if data.names[r] in data.description], dtype=np.int64)
    films: dict[int, str] = {}
    if described.size:
        for seq in film_sequences(data, described):
            if seq.film is not None:
                films.update({int(r): f"film:{seq.film}" for r in seq.rows})
    missing = [r for r in rows if r not in films and r not in proxy]
    if missing:
        raise ValueError(f"no film and no film proxy for excerpt rows {missing[:5]}")
    return [films.get(r) or f"block:{proxy[r]}" for r in rows]


__all__ = ["excerpt_films", "blocks_as_set2", "fit_excerpt_reference", "predict_reference", "training_carve",
           "within_set1_data"]
