"""The progressive + ridge blend of the LIRIS-ACCEDE benchmark (issue 18; an analysis row since
0.6.0, never ours: no `train --method` makes it): its weight is fixed or chosen on a carve of the
training excerpts, never on the evaluated set."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import videoaffect.reproduction.liris_benchmark as bench
import videoaffect.reproduction.liris_blend as lb
from liris_files import make_root
from videoaffect.datasets.clips import ClipTable
from videoaffect.datasets.liris_accede.discrete import LirisDiscrete
from videoaffect.reproduction.liris_methods import ALL_METHODS, METHODS, method_label
from videoaffect.reproduction.liris_protocols import training_carve
from videoaffect.reproduction.liris_summary import format_summary, verdict_lines

SMALL = {"recipe": "small"}  # the network these tests plant is the small recipe's (predict_neural)


def test_useless_neural_predictions_get_weight_0_and_useless_ridge_weight_1():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=400)
    good = truth + 0.1 * rng.normal(size=400)
    noise = rng.normal(size=400)
    assert lb.choose_blend_weight(noise, good, truth) == 0.0  # the blend is ridge
    assert lb.choose_blend_weight(good, noise, truth) == 1.0  # the blend is the network
    # two equally informative, independent predictions: the average is best
    other = truth + 0.1 * rng.normal(size=400)
    assert lb.choose_blend_weight(good, other, truth) == 0.5


def test_ties_go_to_ridge():
    same = np.array([1.0, 2.0, 3.0])
    assert lb.choose_blend_weight(same, same, np.array([0.0, 2.0, 4.0])) == 0.0


def test_training_carve_takes_training_excerpts_only(tmp_path):
    w = make_root(tmp_path, sets=(1,) * 100 + (2,) * 40, seed=1)
    data = LirisDiscrete.load(w["root"])
    protocol = data.protocol()
    inner = training_carve(data, protocol, seed=3)
    assert set(inner.ids) == set(data.ids[protocol.train])  # no evaluated excerpt at all
    assert inner.protocol().name == "development"
    held = inner.sets == 2
    assert 0 < held.sum() < len(inner.ids)
    assert np.all(np.diff(np.flatnonzero(held)) >= 1)


@pytest.fixture
def planted_network(monkeypatch):
    """The network, untrained, predicts pure noise (mode "noise") or the truth (mode "oracle")
    of the excerpts it is asked about: the blend's answer is then known."""
    state = {"mode": "noise"}

    def predict(corpus, train_movies, eval_movies, task, method, seed, sizes, device, overrides=None,
                sample_weights=None):
        table = ClipTable.build(corpus, list(eval_movies), 1)
        truth = corpus.labels[task][table.start]
        rng = np.random.default_rng(seed + 17)
        pred = rng.normal(0.0, 0.5, size=len(truth)) if state["mode"] == "noise" else truth
        return corpus.label_scale.from_internal(pred), corpus.label_scale.from_internal(truth)

    monkeypatch.setattr(bench, "predict_neural", predict)
    monkeypatch.setattr(lb, "predict_neural", predict)
    return state


def _rows(root: Path, monkeypatch, poison: bool = False) -> list[dict]:
    real_load = LirisDiscrete.load.__func__

    def load(cls, r, **kw):
        data = real_load(cls, r, **kw)
        if poison:  # the evaluated excerpts' ratings reversed
            evaluated = data.sets == 2
            for task in data.values:
                data.values[task][evaluated] = 6.0 - data.values[task][evaluated]
        return data

    monkeypatch.setattr(LirisDiscrete, "load", classmethod(load))
    return bench.run_liris_benchmark(root, seeds=(0, 1), methods=("progressive", "blend", "ridge"),
                                     tasks=("valence",), overrides={"blend_weight": "validation", **SMALL})


def _by(rows, method, seed):
    return next(r for r in rows if r["method"] == method and r["seed"] == seed)


def test_noise_network_gives_ridge_and_oracle_network_gives_itself(tmp_path, planted_network, monkeypatch):
    w = make_root(tmp_path, sets=(1,) * 150 + (2,) * 60, seed=2)  # valence linear in one feature
    rows = _rows(w["root"], monkeypatch)
    for seed in (0, 1):
        blend, ridge = _by(rows, "blend", seed), _by(rows, "ridge", seed)
        assert blend["blend_weight"] == 0.0
        # equal up to the float32 round trip of the corpus's labels
        assert math.isclose(blend["mse"], ridge["mse"], rel_tol=1e-6)
        assert math.isclose(blend["pearson"], ridge["pearson"], rel_tol=1e-6)
        assert set(blend["blend_validation_mse"]) == {"0", "0.25", "0.5", "0.75", "1"}
    planted_network["mode"] = "oracle"
    rows = _rows(w["root"], monkeypatch)
    for seed in (0, 1):
        blend, ours = _by(rows, "blend", seed), _by(rows, "progressive", seed)
        assert blend["blend_weight"] == 1.0
        assert math.isclose(blend["mse"], ours["mse"], abs_tol=1e-12) and blend["mse"] < 1e-12
    # never ours: the verdicts compare the progressive row with it, and its label says what it is
    table = format_summary(rows)
    assert "Does the progressive row (small network: not what `train` makes, so not ours) beat" in table
    assert "| valence | tac2015 | analysis: 1 x progressive + 0 x ridge (no `train --method` makes it) |" in table
    assert any(v.startswith("valence, vs analysis: 1 x progressive") for v in verdict_lines(rows))


def test_the_weight_never_looks_at_the_evaluated_labels(tmp_path, planted_network, monkeypatch):
    w = make_root(tmp_path, sets=(1,) * 150 + (2,) * 60, seed=5)
    planted_network["mode"] = "noise"
    clean, poisoned = _rows(w["root"], monkeypatch), _rows(w["root"], monkeypatch, poison=True)
    for seed in (0, 1):
        a, b = _by(clean, "blend", seed), _by(poisoned, "blend", seed)
        assert a["blend_weight"] == b["blend_weight"]
        assert a["blend_validation_mse"] == b["blend_validation_mse"]
        assert a["mse"] != b["mse"]  # the evaluated labels did change


def test_blend_weight_with_a_real_small_network_is_a_grid_value(tmp_path):
    w = make_root(tmp_path, sets=(1,) * 150 + (2,) * 60, seed=3)
    rows = bench.run_liris_benchmark(w["root"], seeds=(0,), methods=("blend", "mean"), tasks=("valence",), fast=True,
                                     overrides={"blend_weight": "validation", **SMALL})
    blend = _by(rows, "blend", 0)
    assert blend["blend_weight"] in lb.BLEND_GRID
    assert blend["mse"] < _by(rows, "mean", 0)["mse"]  # valence is linear in a feature here


def test_the_blend_is_never_ours_and_runs_only_when_asked_for():
    from videoaffect.cli.benchmark import ANALYSIS_METHODS, BENCHMARK_METHODS

    assert lb.BLEND not in METHODS and lb.BLEND in ALL_METHODS and METHODS[0] == "progressive"
    # the command line's lists are written out (no torch import for --help), the same as the API's
    assert BENCHMARK_METHODS == METHODS and (*BENCHMARK_METHODS, *ANALYSIS_METHODS) == ALL_METHODS
    assert method_label("blend", "train", 0.5) == ("analysis: 0.5 x progressive + 0.5 x ridge (no `train --method` "
                                                   "makes it)")
    # the blend's w is chosen on validation only with the small network: `train` has no such step
    with pytest.raises(ValueError, match="need recipe 'small'"):
        bench.run_liris_benchmark("unused", methods=("blend",), overrides={"blend_weight": "validation"})


def test_blend_is_the_weighted_average():
    neural, ridge = np.array([1.0, 3.0, 5.0]), np.array([3.0, 3.0, 1.0])
    assert lb.blend(neural, ridge, 0.5).tolist() == [2.0, 3.0, 3.0]
    assert lb.blend(neural, ridge, 0.25).tolist() == [2.5, 3.0, 2.0]
    assert lb.blend(neural, ridge, 1.0).tolist() == neural.tolist()


def test_the_default_blend_is_the_plain_average_without_a_carve(tmp_path, planted_network, monkeypatch):
    w = make_root(tmp_path, sets=(1,) * 150 + (2,) * 60, seed=2)
    monkeypatch.setattr(lb, "blend_validation", lambda *a, **k: pytest.fail("the default blend trains nothing extra"))
    rows = bench.run_liris_benchmark(w["root"], seeds=(0,), methods=("progressive", "blend", "ridge"),
                                     tasks=("valence",), overrides=SMALL)
    blend = _by(rows, "blend", 0)
    assert blend["blend_weight"] == lb.BLEND_WEIGHT == 0.5 and "blend_validation_mse" not in blend
    assert blend["trained"].startswith("0.5 x the progressive row's prediction + 0.5 x the ridge row's")
    with pytest.raises(ValueError, match="blend_weight"):
        bench.run_liris_benchmark(w["root"], seeds=(0,), methods=("blend",), overrides={"blend_weight": 2.0})
