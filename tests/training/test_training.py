"""Training stages: mechanics (frozen weights, residual sums, determinism) and learning on
synthetic corpora whose answers are known."""

import numpy as np
import pytest
import torch

from helpers import clip_mean_ridge_cv, context_corpus, fast_train_config, per_second_ridge, small_model_config
from videoaffect.core.device import resolve_device
from videoaffect.core.errors import ConfigError
from videoaffect.datasets.clips import ClipTable
from videoaffect.datasets.corpus import CorpusError
from videoaffect.evaluation.evaluate import evaluate_model
from videoaffect.models.affect_model import AffectModel, clip_classes
from videoaffect.training.pipeline import Trainer, split_validation, train_model


@pytest.fixture(scope="module")
def valence_run(tiny_corpus):
    """One progressive valence run on the tiny corpus, shared by several tests."""
    cfg = small_model_config(tiny_corpus, task="valence")
    model, trainer = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config())
    report = evaluate_model(model, tiny_corpus, tiny_corpus.movies_in_split("test"))
    return model, trainer, report


def test_validation_split_is_by_movie():
    fit, val = split_validation(list(range(10)), 0.2, seed=3)
    assert len(val) == 2 and not set(fit) & set(val) and sorted(fit + val) == list(range(10))
    with pytest.raises(CorpusError, match="at least 2 movies"):
        split_validation([4], 0.2, 0)


@pytest.mark.slow  # with valence_run's training, about 13 s
def test_progressive_valence_learns_held_out_movies(valence_run, tiny_corpus):
    _, _, report = valence_run
    # The simple baselines, fitted on the 'train' movies and scored on the same 'test' seconds as
    # the model (each clip's value held over its seconds): a ridge on one second's features
    # (`per_second_ridge`), a ridge on the 10-s clip's mean features (`clip_mean_ridge_cv`, the
    # clip the network sees; alpha by leave-one-movie-out) and its best one-feature model.  A model
    # that learned nothing scores r ~ 0.  Measured in float32, this test's run with
    # fast_train_config(seed=t) on preset("tiny", seed=d), d = 0-5, t = 0-2:
    #   per-second r: progressive 0.64-0.94 (0.872 on this corpus, t = 0); clip ridge 0.77-0.89
    #   (0.861 here); per-second ridge 0.57-0.75 (0.730); one feature 0.53-0.82 (0.770)
    #   progressive - clip ridge: -0.128..+0.100 per second, -0.154..+0.104 on clip r; it is level
    #   with it or ahead (>= -0.004 per second, -0.020 on clip r) except on data seed 2, where the
    #   progressive run stalls (-0.128 / -0.154 at t = 0, -0.040 / -0.049 at t = 1); +0.011..+0.032
    #   per second on this corpus
    #   progressive - one feature: +0.075..+0.240; - per-second ridge: +0.069..+0.243
    #   intra per-second MSE / per-second ridge's 0.27-0.83; clip MSE / training mean's 0.07-0.46
    # So the bars are ones that held on every corpus and seed: ahead of the one-feature model and
    # the per-second ridge by 0.05 (the smallest leads, 0.075 and 0.069, less a margin), within
    # 0.15 (per second) and 0.18 (clip r) of the clip ridge (the largest shortfalls, 0.128 and
    # 0.154, plus 0.02); under the per-second ridge's MSE and 0.6 x the training mean's clip MSE.
    # Progressive does not beat the clip ridge on every corpus; the test does not claim it does.
    ridge_r, ridge_mse = per_second_ridge(tiny_corpus)
    clip_ridge = clip_mean_ridge_cv(tiny_corpus, "valence")
    final, clip = report["final"]["per_second"], report["final"]["clip"]
    assert final["pearson"] > max(ridge_r, clip_ridge["one_feature_pearson"]) + 0.05
    assert final["pearson"] > clip_ridge["pearson"] - 0.15
    assert clip["pearson"] > clip_ridge["clip_pearson"] - 0.18
    assert report["intra"]["per_second"]["mse"] < ridge_mse
    movies = tiny_corpus.movies_in_split
    test_y = ClipTable.build(tiny_corpus, movies("test"), 10).targets(tiny_corpus, "valence")
    train_mean = ClipTable.build(tiny_corpus, movies("train"), 10).targets(tiny_corpus, "valence").mean()
    assert clip["mse"] < 0.6 * float(np.mean((train_mean - test_y) ** 2))


@pytest.mark.slow
def test_stage1_ranks_the_planted_strongest_modality_first(valence_run):
    model, _, _ = valence_run
    order = model.ranking["order"]
    assert order[0] == "audio"  # strength 1.0, versus 0.5, 0.25 and 0 for the others
    assert order.index("noise") > order.index("scene")
    assert model.ranking["stage2_order"] == order


@pytest.mark.slow
def test_useless_modality_contributes_little(valence_run):
    model, _, _ = valence_run
    contrib = model.ranking["contributions"]
    # The noise modality carries nothing (planted strength 0): what it moves is overfitting.
    # Over data and training seeds 0-4: noise 0.01-0.11 of the prediction's spread, audio 0.46-0.71
    # (audio / noise 5.9-57).
    assert contrib["noise"] < 0.2
    assert contrib["audio"] > 3 * contrib["noise"]


def test_residual_step_freezes_earlier_modalities_and_sees_their_sum(tiny_corpus):
    cfg = small_model_config(tiny_corpus)
    trainer = Trainer(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(max_epochs=2))
    order = ["audio", "scene", "expression", "noise"]
    model = trainer.new_intra(order)
    frozen_before = {n: {k: v.clone() for k, v in model.encoders[n].state_dict().items()} for n in order[:2]}
    trained_before = {k: v.clone() for k, v in model.encoders["expression"].state_dict().items()}

    seen = []
    original_new_head = __import__("videoaffect.training.pipeline", fromlist=["new_head"]).new_head

    def spy_head(c):
        head = original_new_head(c)
        head.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].detach().clone()))
        return head

    import videoaffect.training.pipeline as pipeline

    pipeline.new_head, restore = spy_head, pipeline.new_head
    try:
        trainer.residual_step(model, 2, order)
    finally:
        pipeline.new_head = restore

    for n in order[:2]:
        for k, v in model.encoders[n].state_dict().items():
            assert torch.equal(v, frozen_before[n][k]), f"frozen {n}.{k} changed"
    assert any(not torch.equal(v, trained_before[k]) for k, v in model.encoders["expression"].state_dict().items())
    # The last forward through the auxiliary head is the validation pass over all validation
    # clips with the best weights: its input must be frozen sum + the new modality's feature.
    val = trainer.val
    with torch.no_grad():
        batch = val.loader.batch(val.clips)
        expected = model.encode("audio", batch) + model.encode("scene", batch) + model.encode("expression", batch)
    got = torch.cat(seen[-int(np.ceil(len(val.clips) / 256)) :])
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    assert not any(p.requires_grad for p in model.parameters())


def test_same_seed_same_metrics_on_cpu(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="arousal", hidden_size=12, head_hidden=12)
    tc = fast_train_config(max_epochs=3, method="joint")
    movies = tiny_corpus.movies_in_split("train")
    test = tiny_corpus.movies_in_split("test")
    reports = [evaluate_model(train_model(tiny_corpus, movies, cfg, tc)[0], tiny_corpus, test) for _ in range(2)]
    assert reports[0]["final"]["per_second"] == reports[1]["final"]["per_second"]
    other = evaluate_model(
        train_model(tiny_corpus, movies, cfg, fast_train_config(max_epochs=3, method="joint", seed=1))[0],
        tiny_corpus,
        test,
    )
    assert other["final"]["per_second"] != reports[0]["final"]["per_second"]


def test_inter_clip_context_helps_valence_when_planted():
    corpus = context_corpus()
    cfg = small_model_config(corpus, task="valence", context_clips=5)
    model, _ = train_model(corpus, corpus.movies_in_split("train"), cfg, fast_train_config(method="joint"))
    report = evaluate_model(model, corpus, corpus.movies_in_split("test"))
    intra, final = report["intra"]["clip"]["pearson"], report["final"]["clip"]["pearson"]
    # One clip carries 1/5 of its label's variance (r ~ 1/sqrt(5) = 0.45 at best, +- ~0.08 on the
    # ~125 test clips); neighbours carry the rest.  Over data and training seeds 0-4: intra
    # 0.34-0.42, final 0.62-0.91, final - intra 0.24-0.53.
    assert intra < 0.6
    assert final > intra + 0.15


@pytest.mark.slow  # about 11 s
def test_baselines_run_through_the_same_code_paths(tiny_corpus):
    movies, test = tiny_corpus.movies_in_split("train"), tiny_corpus.movies_in_split("test")
    cfg = small_model_config(tiny_corpus, task="valence")
    joint, _ = train_model(tiny_corpus, movies, cfg, fast_train_config(method="joint"))
    average, _ = train_model(tiny_corpus, movies, cfg, fast_train_config(method="average"))
    assert joint.intra is not None and joint.context is not None and "order" not in joint.ranking
    assert set(average.members) == set(tiny_corpus.specs) and average.context is None
    # Against the simple baselines of `test_progressive_valence_learns_held_out_movies` (per-second
    # r on this corpus: clip ridge 0.861, per-second ridge 0.730 with MSE 0.148, one feature 0.770),
    # measured in float32 with fast_train_config(seed=t) on preset("tiny", seed=d), d = 0-5, t = 0-2:
    #   joint r 0.78-0.93 (0.899 here at t = 0); minus the clip ridge +0.014..+0.090; MSE 0.34-0.64
    #   x the per-second ridge's
    #   average (Baseline 2) r 0.60-0.91 (0.874 here); minus the clip ridge -0.172..+0.040 (below it
    #   by 0.14-0.17 on data seed 2, by up to 0.05 on data seed 4), minus the one-feature model
    #   +0.030..+0.215, minus the per-second ridge +0.025..+0.235
    # So joint must beat the clip ridge (smallest lead 0.014) at under 0.75 x the per-second
    # ridge's MSE; Baseline 2 must beat the per-second ridge and the one-feature model (smallest
    # leads 0.025 and 0.030) and come within 0.2 of the clip ridge (largest shortfall 0.172).
    ridge_r, ridge_mse = per_second_ridge(tiny_corpus)
    clip_ridge = clip_mean_ridge_cv(tiny_corpus, "valence")
    scores = {name: evaluate_model(model, tiny_corpus, test)["final"]["per_second"]
              for name, model in (("joint", joint), ("average", average))}
    assert scores["joint"]["pearson"] > clip_ridge["pearson"]
    assert scores["joint"]["mse"] < 0.75 * ridge_mse
    assert scores["average"]["pearson"] > max(ridge_r, clip_ridge["one_feature_pearson"])
    assert scores["average"]["pearson"] > clip_ridge["pearson"] - 0.2


def test_arousal_uses_ema_of_clip_predictions(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="arousal", ema_beta=0.5)
    model, _ = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(method="joint", max_epochs=5))
    preds = model.predict_clips(tiny_corpus, tiny_corpus.movies_in_split("test"))
    movie, sl = preds.table.movie_slices()[0]
    y = preds.intra[sl]
    expected = [y[0]]
    for v in y[1:]:
        expected.append(0.5 * expected[-1] + 0.5 * v)
    np.testing.assert_allclose(preds.final[sl], expected)
    assert model.context is None


@pytest.mark.slow  # about 11 s
def test_classification_variant_learns(tiny_corpus):
    cfg = small_model_config(tiny_corpus, task="valence", output="classification", num_classes=3)
    model, _ = train_model(tiny_corpus, tiny_corpus.movies_in_split("train"), cfg, fast_train_config(method="progressive"))
    test = tiny_corpus.movies_in_split("test")
    report = evaluate_model(model, tiny_corpus, test)
    # A model that learned nothing predicts one class and scores at most the share of the test
    # clips' commonest class (0.58 here, not 1/3: the classes are unbalanced).  Observed 0.68-0.81
    # over training seeds 0-3 on this corpus, 0.79-0.83 on data seeds 1, 3, 4 (shares 0.41-0.58).
    truth = clip_classes(model.predict_clips(tiny_corpus, test).table.targets(tiny_corpus, "valence"), cfg)
    assert report["accuracy"] > np.bincount(truth).max() / len(truth) + 0.05
    # ranked by validation accuracy, a coarse score on a few movies: the planted strongest
    # modality (audio, strength 1 against scene's 0.5) was first on this corpus for every training
    # seed tried, but second behind scene on data seed 3; it must at least be in the first two
    order = model.ranking["order"]
    assert model.ranking["metric"] == "accuracy" and order.index("audio") <= 1 and order.index("noise") >= 1


@pytest.mark.slow
def test_model_directory_round_trip_and_mismatch_errors(valence_run, tiny_corpus, tmp_path):
    model, _, report = valence_run
    model.save(tmp_path / "m", {"test": report})
    for f in ("config.json", "weights.safetensors", "ranking.json", "metrics.json"):
        assert (tmp_path / "m" / f).is_file()
    loaded = AffectModel.load(tmp_path / "m")
    test = tiny_corpus.movies_in_split("test")
    a, b = model.predict_clips(tiny_corpus, test), loaded.predict_clips(tiny_corpus, test)
    np.testing.assert_allclose(a.final, b.final, rtol=1e-6)
    assert loaded.ranking == model.ranking

    from videoaffect.datasets.synthetic.features import SyntheticConfig, SyntheticModality, generate

    other = generate(
        SyntheticConfig(
            modalities=(
                SyntheticModality("audio", (20,)),
                SyntheticModality("scene", (24,)),
                SyntheticModality("expression", (32,)),
                SyntheticModality("noise", (8,)),
            ),
            n_movies=2,
            test_movies=1,
        )
    )
    with pytest.raises(CorpusError, match=r"'audio'.*shape \(16,\).*shape \(20,\).*re-extract"):
        loaded.predict_clips(other, [0])
    other.specs["audio"] = type(other.specs["audio"])("audio", (16,), "paper.vggish/1")
    with pytest.raises(CorpusError, match="synthetic/1 features.*paper.vggish/1"):
        loaded.predict_clips(other, [0])


def test_incomplete_model_directory_is_reported(tmp_path):
    from videoaffect.models.affect_model import ModelLoadError

    with pytest.raises(ModelLoadError, match="config.json is missing"):
        AffectModel.load(tmp_path)


def test_modality_missing_in_a_movie_still_trains_and_predicts(tiny_corpus):
    corpus = __import__("copy").deepcopy(tiny_corpus)
    a, b = corpus.offsets[0], corpus.offsets[1]
    corpus.masks["scene"][a:b] = False  # scene absent for the whole first movie
    corpus.masks["audio"][corpus.offsets[8] : corpus.offsets[8] + 30] = False  # and some seconds of a test movie
    cfg = small_model_config(corpus)
    model, _ = train_model(corpus, corpus.movies_in_split("train"), cfg, fast_train_config(method="joint", max_epochs=3))
    preds = model.predict_clips(corpus, corpus.movies_in_split("test"))
    assert np.isfinite(preds.final).all()


def test_cuda_request_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ConfigError, match="no CUDA device"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"
