"""A LIRIS-ACCEDE root from excerpt videos without ``ACCEDEdescription.xml``: the films are
unknown, so `train --dataset ROOT` warns and groups the excerpts into blocks of about 60
consecutive ids (the TAC2015 benchmark's film proxy) and its validation carve holds out whole
blocks.  Before 0.6 every excerpt was its own movie and validation took single excerpts from
among their film's neighbours.  Real generated videos, cheap extractors, a tiny model."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pytest

from videoaffect.cli.main import main
from videoaffect.datasets.liris_accede.discrete import LirisDiscrete
from videoaffect.datasets.liris_accede.videos import film_sequences
from videoaffect.datasets.synthetic.liris import write_liris_like

FAKE = "fake_extractors:tiny_set"  # tests/fake_extractors.py: mean colour and loudness
# 16 films of 6 excerpts in set 1 (96 excerpts: two blocks of 48), 2 in set 2 (one block of 12),
# 1 in set 0 (the test set); 1-s excerpts keep the videos cheap
FILMS = {1: 16, 2: 2, 0: 1}
SMALL = ["--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "2",
         "--batch-size", "8", "--clip-seconds", "3"]


def _excerpt_ids(movie_id: str) -> range:
    """The excerpt ids of a block movie, from its name ACCEDEfffff-ACCEDElllll (or one excerpt)."""
    ids = [int(n) for n in re.findall(r"ACCEDE(\d{5})", movie_id)]
    assert 1 <= len(ids) <= 2, movie_id
    return range(ids[0], ids[-1] + 1)


@pytest.mark.slow  # about 15 s: 114 excerpt videos written, extracted and trained on
def test_root_without_description_warns_and_carves_validation_by_id_blocks(tmp_path, caplog):
    root = write_liris_like(tmp_path / "LIRIS", FILMS, excerpts_per_film=(6, 6), seconds=(1, 1), size=(32, 24),
                            fps=2, seed=1)
    (root / "ACCEDEdescription.xml").unlink()
    data = LirisDiscrete.load(root, require_features=False)
    sets = {int(i): int(s) for i, s in zip(data.ids, data.sets)}
    model = tmp_path / "model"
    with caplog.at_level(logging.WARNING):
        assert main(["-q", "train", "--dataset", str(root), "--store", str(tmp_path / "store"), "--feature-set", FAKE,
                     "--out", str(model), *SMALL]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "LIRIS" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert f"{root} has no ACCEDEdescription.xml, so the films of {len(data)} excerpts are unknown" in warnings[0]
    assert "grouped into 4 blocks of about 60 consecutive ids as film proxies" in warnings[0]

    meta = json.loads((model / "model.json").read_text())
    card = meta["info"]["training_data"]
    assert card["film_order"] == ("none (no ACCEDEdescription.xml): films unknown for 114 excerpts, grouped into 4 "
                                  "blocks of about 60 consecutive ids as film proxies")
    # ids are numbered film by film: set 1 is 0-95 (two blocks of 48), set 2 96-107, set 0 108-113
    assert sorted(i for i, s in sets.items() if s == 1) == list(range(96))
    blocks = [range(0, 48), range(48, 96), range(96, 108)]  # the training sets' blocks
    for task in ("valence", "arousal"):
        metrics = json.loads((model / task / "metrics.json").read_text())
        held_out = {i for m in metrics["validation_movies"] for i in _excerpt_ids(m)}
        # validation holds whole blocks: none has excerpts on both sides (each excerpt alone, as
        # before 0.6, put about a fifth of the excerpts, single ones, into validation)
        assert held_out, metrics["validation_movies"]
        for block in blocks:
            assert set(block) <= held_out or not set(block) & held_out, (task, block, sorted(held_out))
        assert held_out <= {i for block in blocks for i in block}  # never the test set


def test_excerpts_the_description_leaves_out_are_blocked_not_alone(tmp_path, caplog):
    root = write_liris_like(tmp_path / "LIRIS", {1: 2, 2: 1}, excerpts_per_film=(5, 5), seconds=(1, 1),
                            size=(32, 24), fps=2, seed=4)
    xml = root / "ACCEDEdescription.xml"
    media = xml.read_text().split("<media>")
    xml.write_text("<media>".join(media[:6]) + "</ACCEDEdescription>\n")  # the first 5 excerpts only
    data = LirisDiscrete.load(root, require_features=False)
    with caplog.at_level(logging.WARNING):
        sequences = film_sequences(data, np.arange(len(data)))
    assert [s.film for s in sequences] == ["Generated_Film_000", None, None]
    assert [len(s.rows) for s in sequences] == [5, 5, 5]  # set 1's other film, set 2's film: one block each
    assert sequences[1].movie_id == "ACCEDE00005-ACCEDE00009" and sequences[2].movie_id == "ACCEDE00010-ACCEDE00014"
    (message,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "ACCEDEdescription.xml names no film for 10 of the 15 excerpts" in message
