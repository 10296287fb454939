"""The progressive + ridge blend of the LIRIS-ACCEDE benchmark (issue 18): its weight is chosen on
a carve of the training excerpts, never on the evaluated set."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "datasets"))
from test_liris import make_root  # noqa: E402

import videoaffect.reproduction.liris_benchmark as lb  # noqa: E402
from videoaffect.datasets.clips import ClipTable  # noqa: E402
from videoaffect.datasets.liris_accede.discrete import LirisDiscrete  # noqa: E402


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


def test_training_carve_holds_out_training_excerpts_only(tmp_path):
    w = make_root(tmp_path, sets=(1,) * 100 + (2,) * 40, seed=1)
    data = LirisDiscrete.load(w["root"])
    protocol = data.protocol()
    inner = lb.training_carve(data, protocol, seed=3)
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

    monkeypatch.setattr(lb, "_predict_neural", predict)
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
    return lb.run_liris_benchmark(root, seeds=(0, 1), methods=("progressive", "blend", "ridge"), tasks=("valence",),
                                  overrides={"blend_weight": "validation"})


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
    assert lb.ours_method(rows) == "blend"
    assert "Does ours (blend) beat each reference?" in lb.format_summary(rows)
    assert any("vs progressive (paper)" in v for v in lb.verdicts(rows))


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
    rows = lb.run_liris_benchmark(w["root"], seeds=(0,), methods=("blend", "mean"), tasks=("valence",), fast=True,
                                  overrides={"blend_weight": "validation"})
    blend = _by(rows, "blend", 0)
    assert blend["blend_weight"] in lb.BLEND_GRID
    assert blend["mse"] < _by(rows, "mean", 0)["mse"]  # valence is linear in a feature here


def test_the_blend_is_ours_and_runs_by_default_from_the_api_and_the_command_line():
    from videoaffect.cli.benchmark import BENCHMARK_METHODS

    assert lb.METHODS == lb.ALL_METHODS and lb.METHODS[0] == lb.BLEND
    assert BENCHMARK_METHODS == lb.METHODS  # the command line's list is written out, not imported


def test_blend_is_the_weighted_average():
    neural, ridge = np.array([1.0, 3.0, 5.0]), np.array([3.0, 3.0, 1.0])
    assert lb.blend(neural, ridge, 0.5).tolist() == [2.0, 3.0, 3.0]
    assert lb.blend(neural, ridge, 0.25).tolist() == [2.5, 3.0, 2.0]
    assert lb.blend(neural, ridge, 1.0).tolist() == neural.tolist()


def test_the_default_blend_is_the_plain_average_without_a_carve(tmp_path, planted_network, monkeypatch):
    w = make_root(tmp_path, sets=(1,) * 150 + (2,) * 60, seed=2)
    monkeypatch.setattr(lb, "blend_validation", lambda *a, **k: pytest.fail("the default blend trains nothing extra"))
    rows = lb.run_liris_benchmark(w["root"], seeds=(0,), methods=("progressive", "blend", "ridge"),
                                  tasks=("valence",))
    blend = _by(rows, "blend", 0)
    assert blend["blend_weight"] == lb.BLEND_WEIGHT == 0.5 and "blend_validation_mse" not in blend
    with pytest.raises(ValueError, match="blend_weight"):
        lb.run_liris_benchmark(w["root"], seeds=(0,), methods=("blend",), overrides={"blend_weight": 2.0})
