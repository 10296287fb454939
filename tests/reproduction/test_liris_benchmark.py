"""The LIRIS-ACCEDE benchmark command (`videoaffect benchmark liris-accede-discrete`): rows, JSON,
table and verdicts; the evaluated set kept out of everything fitted; the ablation options."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helpers import SHARED
from liris_files import make_root
from videoaffect.cli.benchmark import register
from videoaffect.datasets.liris_accede.discrete import LirisDiscrete
from videoaffect.reproduction.liris_benchmark import run_liris_benchmark
from videoaffect.reproduction.liris_neural import FAST_SIZES, predict_neural, rank_gauss
from videoaffect.reproduction.liris_summary import format_summary, load_rows

LIRIS = SHARED / "data" / "liris-accede-discrete"

needs_liris = pytest.mark.skipif(
    not (LIRIS / "ACCEDEsets.txt").is_file(), reason="../shared/data/liris-accede-discrete not present"
)

ROW_FIELDS = {"task", "method", "evaluated_set", "seed", "mse", "mse_internal", "pearson", "protocol", "n_train", "n_eval",
              "trained", "predictions", "excerpts", "films", "truth"}


@needs_liris
def test_fast_benchmark_on_real_data(tmp_path):
    """The whole command on the real files, shrunk (150 excerpts per set, one seed, 3-epoch tiny
    networks): every row, the JSON file, the table and the verdicts.  No learning bar for the
    networks here: measured over training seeds 0-3, their MSE ranged 0.93-1.26 x the training
    mean's (r -0.12..0.29), so a bar a network always passes would also pass a constant.  Learning
    is tested against ridge on planted data (tests/reproduction/test_liris_ours.py)."""
    out = tmp_path / "bench.json"
    rows = run_liris_benchmark(LIRIS, seeds=(0, 1), json_out=out, fast=True)
    assert len(rows) == 2 * 6  # tasks x methods (the blend only runs when asked), first seed only
    for r in rows:
        assert ROW_FIELDS <= set(r)
        assert (r["protocol"], r["evaluated_set"], r["seed"], r["n_train"], r["n_eval"]) == ("development", "set 2", 0, 150, 150)
        assert math.isclose(r["mse_internal"], r["mse"] / 4.0)
        assert len(r["predictions"]) == len(r["excerpts"]) == len(r["films"]) == len(r["truth"]) == 150
        assert r["mse"] == pytest.approx(np.mean((np.array(r["predictions"]) - r["truth"]) ** 2), abs=1e-4)
    for r in rows:
        if r["method"] in ("progressive", "joint", "average"):
            assert r["recipe"] == "train" and r["ensemble"] == 1 and r["trained"].startswith("K = 1; one 1-s clip")
            assert "no inter-clip context" in r["trained"] and r["trained"].endswith("(`train` defaults, shrunk by --fast)")
    # Bars relative to the benchmark's own training-mean row.  The fast subsample is fixed (150
    # excerpts per set, subsample seed 0), so what varies between runs is the tuning carve.
    # Measured over seeds 0-3: ridge MSE 0.956-0.995 x the mean row's, r 0.17-0.20 (valence),
    # 0.20-0.21 (arousal).
    mean_mse = {r["task"]: r["mse"] for r in rows if r["method"] == "mean"}
    ridge = {r["task"]: r for r in rows if r["method"] == "ridge"}
    for task, mse in mean_mse.items():
        assert ridge[task]["mse"] < mse, (task, ridge[task]["mse"], mse)
        # sampling error of r on 150 excerpts is +-0.08; 0.05 leaves more than that below 0.17
        assert ridge[task]["pearson"] > 0.05, (task, ridge[task]["pearson"])
    assert all(math.isnan(r["pearson"]) for r in rows if r["method"] == "mean")  # constant prediction
    # the evaluated set's films: no ACCEDEdescription.xml here, so the corpus's id blocks (of the
    # subsample, cut at every change of set: 17 blocks), enough to resample
    films = set(rows[0]["films"])
    assert all(f.startswith("block:") for f in films) and len(films) == 17
    doc = json.loads(out.read_text())  # strict JSON: NaN written as null
    assert doc["config"]["protocol"] == "development" and len(doc["rows"]) == len(rows)
    assert doc["config"]["recipe"] == "train" and "K = 1" in doc["config"]["ours"]
    assert set(doc["evaluated"]) == {"tac2015 valence", "tac2015 arousal"}  # each evaluated set once
    for written, row in zip(doc["rows"], rows):
        assert written["pearson"] is None if math.isnan(row["pearson"]) else written["pearson"] == row["pearson"]
        assert (written["task"], written["method"], written["mse"]) == (row["task"], row["method"], row["mse"])
    table = format_summary(rows)
    assert format_summary(load_rows(out)) == table  # the verdicts are recomputable from the file
    assert "| valence | tac2015 | SVR (RBF) |" in table
    assert "| arousal | tac2015 | progressive = ours (`train --method progressive`) | K = 1; one 1-s clip" in table
    assert "| arousal | tac2015 | Baseline 1 (`train --method joint`) |" in table
    assert "Does ours (progressive, as `videoaffect train` makes it) beat each other row?" in table
    assert "valence, vs ridge: MSE " in table and "95 % interval" in table


def test_benchmark_cli_on_written_root(tmp_path, capsys):
    import argparse

    from videoaffect.reproduction.liris_methods import ALL_METHODS, METHODS

    w = make_root(tmp_path, sets=(1,) * 120 + (2,) * 60, seed=2)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    js, md = tmp_path / "out" / "rows.json", tmp_path / "out" / "table.md"
    args = parser.parse_args(["benchmark", "liris-accede-discrete", str(w["root"]), "--json", str(js),
                              "--markdown", str(md), "--seeds", "3", "4", "--tasks", "valence"])
    args.quiet = True
    # the command line's lists are written out (no torch import for --help): the same as the API's
    assert tuple(args.methods) == METHODS == ("progressive", "joint", "average", "svr", "ridge", "mean")
    chooser = next(a for a in parser._subparsers._group_actions[0].choices["benchmark"]._subparsers._group_actions[0]
                   .choices["liris-accede-discrete"]._actions if a.dest == "methods")
    assert tuple(chooser.choices) == ALL_METHODS and args.recipe == "train"
    args.methods = ["ridge", "mean"]
    assert args.func(args) == 0
    rows = json.loads(js.read_text())["rows"]
    assert [(r["method"], r["seed"]) for r in rows] == [(m, s) for s in (3, 4) for m in ("ridge", "mean")]
    ridge = [r for r in rows if r["method"] == "ridge"]
    assert all(r["pearson"] > 0.9 for r in ridge)  # valence is linear in colorfulness here
    mean = [r for r in rows if r["method"] == "mean"]
    assert ridge[0]["mse"] < 0.2 * mean[0]["mse"]
    assert md.read_text().startswith("LIRIS-ACCEDE discrete, development protocol")
    assert "| valence | tac2015 | ridge | one vector per excerpt (35 values); alpha tuned on id blocks" in (
        capsys.readouterr().out)
    for action in parser._subparsers._group_actions[0].choices["benchmark"]._subparsers._group_actions[0].choices[
        "liris-accede-discrete"
    ]._actions:
        if action.option_strings and action.dest != "help":
            assert action.help


def _row(method, seed, predictions, truth, films, recipe="train"):
    p, t = np.asarray(predictions, dtype=float), np.asarray(truth, dtype=float)
    mse = float(np.mean((p - t) ** 2))
    return {"task": "valence", "method": method, "seed": seed, "mse": mse, "mse_internal": mse / 4,
            "pearson": float(np.corrcoef(p, t)[0, 1]) if np.ptp(p) > 0 else float("nan"), "protocol": "development",
            "evaluated_set": "set 2", "n_train": 9, "n_eval": len(t), "recipe": recipe, "trained": f"{method} as written",
            "predictions": p.tolist(), "excerpts": list(range(len(t))), "films": films, "truth": t.tolist()}


def test_benchmark_summary_says_plainly_whether_ours_beats_each_reference():
    from videoaffect.reproduction.liris_summary import verdict_lines

    rng = np.random.default_rng(0)
    truth = rng.normal(3.0, 0.6, size=120)
    films = [f"block:{i // 20}" for i in range(120)]  # 6 films of 20 excerpts
    ours = [_row("progressive", s, truth + rng.normal(0, 0.3, size=120), truth, films) for s in (0, 1, 2)]
    # ridge: far worse on every excerpt
    ridge = [_row("ridge", s, truth + rng.normal(0, 1.0, size=120), truth, films) for s in (0, 1, 2)]
    joint = [_row("joint", s, truth + np.roll(np.asarray(r["predictions"]) - truth, 60), truth, films)
             for s, r in enumerate(ours)]  # ours' errors, moved to other films: the same MSE overall
    mean = [_row("mean", 0, np.full(120, 3.0), truth, films)]
    lines = verdict_lines(ours + ridge + joint + mean)
    assert [line.split(":")[0] for line in lines] == [
        "valence, vs Baseline 1 (`train --method joint`)", "valence, vs ridge", "valence, vs training mean"]
    assert "MSE level with it" in lines[0] and "Pearson r level with it" in lines[0]
    assert "MSE beats it" in lines[1] and "Pearson r beats it" in lines[1] and "(3 seeds, 6 films)" in lines[1]
    assert "MSE beats it" in lines[2] and "Pearson r" not in lines[2]  # the mean's r is undefined
    table = format_summary(ours + ridge + joint + mean)
    assert "Does ours (progressive, as `videoaffect train` makes it) beat each other row?" in table
    assert "| valence | tac2015 | progressive = ours (`train --method progressive`) | progressive as written |" in table
    # the small network is never called ours
    small = [dict(r, recipe="small") for r in ours]
    assert "the progressive row (small network: not what `train` makes, so not ours)" in format_summary(small + ridge)
    # rows written before 0.6.0 carry no per-excerpt predictions: no verdict rather than a guess
    old = [{k: v for k, v in r.items() if k != "predictions"} for r in ours + ridge]
    assert verdict_lines(old) == []


def test_files_written_before_0_8_name_set_2_by_number_when_read(tmp_path):
    """Before 0.8.0 a row said ``"split": "validation"`` (ACCEDEsets.txt's word for set 2, which
    here means the validation movies): read back as ``"evaluated_set": "set 2"``; an unknown
    split is refused naming the file."""
    from videoaffect.reproduction.liris_summary import write_json

    truth = [3.0, 2.5, 3.5]
    row = _row("ridge", 0, [3.1, 2.4, 3.3], truth, ["a", "a", "b"])
    old = {k: v for k, v in row.items() if k != "evaluated_set"}
    for name, split in (("old.json", "validation"), ("bad.json", "dev")):
        write_json(tmp_path / name, {}, [dict(old, split=split)])
    rows = load_rows(tmp_path / "old.json")
    assert rows[0]["evaluated_set"] == "set 2" and "split" not in rows[0]
    assert "evaluate on set 2 (3 excerpts)" in format_summary(rows)
    with pytest.raises(ValueError, match=r"bad\.json: a row's split 'dev' is none of"):
        load_rows(tmp_path / "bad.json")


@pytest.mark.parametrize("recipe", ["train", "small"])
def test_the_evaluated_set_never_reaches_fitting_stopping_normalisation_clipping_or_tuning(tmp_path, monkeypatch,
                                                                                         recipe):
    """Poison the evaluated excerpts (set 2): ratings reversed, features scaled and shifted far
    outside the training range.  If any of their labels or features reached training, early
    stopping (validation carved from the training excerpts), the normaliser, the clipping
    bounds, the settings `train` chooses or the references' hyper-parameter choice, the fitted
    models would change.  They must not: every model's predictions on its own training inputs
    stay identical.  Both recipes: ours as `train` makes it, and the small network."""
    import videoaffect.reproduction.liris_neural as neural
    import videoaffect.reproduction.liris_protocols as protocols

    w = make_root(tmp_path, sets=(1,) * 120 + (2,) * 60, seed=4)
    real_load, real_matrix = LirisDiscrete.load.__func__, LirisDiscrete.matrix
    real_bundle, real_train, real_fit_reference = neural.train_bundle, neural.train_model, protocols.fit_reference
    matrices = []

    def run(poison: bool):
        fitted = []

        def load(cls, root, **kw):
            data = real_load(cls, root, **kw)
            if poison:
                evaluated = data.sets == 2
                for task in data.values:
                    data.values[task][evaluated] = 6.0 - data.values[task][evaluated]
                for m in data.features:
                    data.features[m][evaluated] = 50.0 * data.features[m][evaluated] + 7.0
            return data

        def train_bundle(corpus, movies, *args, **kw):
            bundle, metrics = real_bundle(corpus, movies, *args, **kw)
            for model in bundle.tasks.values():
                curves = model.predict_seconds(corpus, movies, 1)
                fitted.append(np.concatenate([curves[m].final for m in movies]))
            return bundle, metrics

        def train_model(corpus, movies, *args, **kw):
            model, trainer = real_train(corpus, movies, *args, **kw)
            fitted.append(model.predict_clips(corpus, movies).final.copy())
            return model, trainer

        def fit_reference(kind, X, y, *args, **kw):
            model = real_fit_reference(kind, X, y, *args, **kw)
            fitted.append(np.asarray(model.predict(X), dtype=np.float64))
            return model

        def matrix(self, *args, **kw):
            x = real_matrix(self, *args, **kw)
            matrices.append((self.sets.copy(), x))
            return x

        with monkeypatch.context() as patch:
            patch.setattr(LirisDiscrete, "load", classmethod(load))
            patch.setattr(LirisDiscrete, "matrix", matrix)
            patch.setattr(neural, "train_bundle", train_bundle)
            patch.setattr(neural, "train_model", train_model)
            patch.setattr(protocols, "fit_reference", fit_reference)
            rows = run_liris_benchmark(w["root"], seeds=(0,), tasks=("valence",), fast=True, methods=methods,
                                       overrides={"recipe": recipe})
        return fitted, rows

    # the references do not depend on the recipe: with the small network, its own path alone
    methods = ("progressive", "joint", "average", "svr", "ridge", "mean") if recipe == "train" else ("progressive",)
    clean, clean_rows = run(poison=False)
    poisoned, poisoned_rows = run(poison=True)
    assert len(clean) == len(poisoned) == len(methods)
    for a, b in zip(clean, poisoned):
        np.testing.assert_array_equal(a, b)
    # the clipping bounds come from the training set alone: the poisoned evaluated features the
    # models are given lie inside the training range (a widened range would not change training)
    full = [(sets, x) for sets, x in matrices if len(x) == len(sets)]
    assert full or recipe == "small"
    for sets, x in full:
        train, evaluated = x[sets == 1], x[sets == 2]
        assert (evaluated <= train.max(0)).all() and (evaluated >= train.min(0)).all()
    # the poison did reach the evaluation: the scores on the evaluated set changed
    assert all(c["mse"] != p["mse"] for c, p in zip(clean_rows, poisoned_rows))


def test_within_set1_evaluates_a_fifth_of_set1_and_overrides_reach_the_configs(tmp_path):
    from videoaffect.reproduction.liris_neural import FULL_SIZES, neural_configs
    from videoaffect.reproduction.liris_protocols import within_set1_data

    w = make_root(tmp_path, sets=(1,) * 100 + (2,) * 40, seed=5)
    data = LirisDiscrete.load(w["root"])
    inner = within_set1_data(data)
    set1 = data.indices((1,))
    assert np.array_equal(inner.ids, data.ids[set1])  # the real set 2 is not there at all
    assert (inner.sets == 2).sum() == 20 and set(inner.sets.tolist()) == {1, 2}
    held = inner.ids[inner.sets == 2]
    assert np.count_nonzero(np.diff(held) > 3) <= 1  # two contiguous blocks of ids (ids step by 3)
    protocol = inner.protocol()
    assert protocol.name == "development" and len(protocol.evaluate) == 20
    corpus = inner.to_corpus()
    model_cfg, train_cfg = neural_configs(corpus, "valence", "progressive", 0, FULL_SIZES,
                                          model_overrides={"hidden_size": 8}, train_overrides={"weight_decay": 0.01})
    assert model_cfg.hidden_size == 8 and train_cfg.weight_decay == 0.01


# ---------------------------------------------------------------------- ablation options of the benchmark
def test_rank_gauss_maps_by_the_training_cdf_only(tmp_path):
    w = make_root(tmp_path, sets=(1,) * 4 + (2,) * 3)
    d = LirisDiscrete.load(w["root"])
    col = d.features["motion"][:, 0].copy()
    col[:4] = [1.0, 2.0, 3.0, 4.0]  # the training excerpts
    col[4:] = [2.5, 100.0, -100.0]  # evaluated excerpts: between, above and below the training range
    d.features["motion"][:, 0] = col
    z = rank_gauss(d, (1,)).features["motion"][:, 0]
    # mid-rank CDF on 4 training values: 1 -> 0.5/4 = 0.125, 2.5 -> 2/4, beyond the range -> clipped
    q = 1.1503493803760079  # the 0.875 quantile of the standard normal
    np.testing.assert_allclose(z, [-q, -0.31863936396437515, 0.31863936396437515, q, 0.0, q, -q], atol=1e-12)
    # the evaluated excerpts play no part in the mapping
    d.features["motion"][4:, 0] = [7.0, 8.0, 9.0]
    np.testing.assert_allclose(rank_gauss(d, (1,)).features["motion"][:4, 0], z[:4])


def test_ensemble_prediction_is_the_mean_of_its_members(tmp_path):
    w = make_root(tmp_path, sets=(1,) * 40 + (2,) * 20, seed=1)
    d = LirisDiscrete.load(w["root"])
    corpus = d.to_corpus(group="id-blocks", block_size=10)
    train, test = d.protocol().movies(corpus)
    one, truth = predict_neural(corpus, train, test, "valence", "joint", 3, FAST_SIZES, "cpu")
    other, _ = predict_neural(corpus, train, test, "valence", "joint", 1003, FAST_SIZES, "cpu")
    both, truth2 = predict_neural(corpus, train, test, "valence", "joint", 3, FAST_SIZES, "cpu", {"ensemble": 2})
    assert not np.allclose(one, other)  # the members differ
    np.testing.assert_allclose(both, (one + other) / 2, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(truth, truth2)


def test_unknown_benchmark_overrides_are_refused(tmp_path):
    w = make_root(tmp_path)
    with pytest.raises(ValueError, match="unknown overrides"):
        run_liris_benchmark(w["root"], seeds=(0,), methods=("mean",), overrides={"modle": {}})
    with pytest.raises(ValueError, match="feature_transform"):
        run_liris_benchmark(w["root"], seeds=(0,), methods=("mean",), overrides={"feature_transform": "log"})
    with pytest.raises(ValueError, match="recipe must be one of"):
        run_liris_benchmark(w["root"], seeds=(0,), methods=("mean",), overrides={"recipe": "paper"})
    # `train` has no sample weights and no blend weight: asking for them with ours is refused
    with pytest.raises(ValueError, match="need recipe 'small'"):
        run_liris_benchmark(w["root"], seeds=(0,), methods=("mean",), overrides={"sample_weights": "inverse-variance"})


def test_inverse_variance_weights_reach_the_training(tmp_path, monkeypatch):
    import videoaffect.reproduction.liris_neural as bench

    w = make_root(tmp_path, sets=(1,) * 130 + (2,) * 10, seed=6)  # two id-block "films" to train on
    variances = np.linspace(0.05, 0.5, 140)
    lines = (w["root"] / "ACCEDEranking.txt").read_text().splitlines()
    header = lines[0].split("\t")
    k, i_id = header.index("valenceVariance"), header.index("id")
    by_id = dict(zip(w["ids"].tolist(), variances))
    rows = [ln.split("\t") for ln in lines[1:]]
    for r in rows:
        r[k] = repr(float(by_id[int(r[i_id])]))
    (w["root"] / "ACCEDEranking.txt").write_text("\n".join(["\t".join(header)] + ["\t".join(r) for r in rows]) + "\n")
    seen = []
    real = bench.train_model

    def spy(*args, **kw):
        seen.append(args[6] if len(args) > 6 else kw.get("sample_weights"))
        return real(*args, **kw)

    monkeypatch.setattr(bench, "train_model", spy)
    run_liris_benchmark(w["root"], seeds=(0,), methods=("joint",), tasks=("valence",), fast=True,
                        overrides={"sample_weights": "inverse-variance", "recipe": "small"})
    # one weight per excerpt (the corpus's seconds, in id order): 1 / its valence variance
    np.testing.assert_allclose(seen[0], 1.0 / variances)
