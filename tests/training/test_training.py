"""Training stages: mechanics (frozen weights, residual sums, determinism) and learning on
synthetic corpora whose answers are known."""

import numpy as np
import pytest
import torch

from helpers import clip_mean_ridge, context_corpus, fast_train_config, per_second_ridge, small_model_config
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


def test_progressive_valence_learns_held_out_movies(valence_run, tiny_corpus):
    _, _, report = valence_run
    # The bar is the simpler baseline, a ridge regression on one second's features: the labels
    # move on a 30-s time scale, so a model that reads 10-s clips must beat it (a model that
    # learned nothing scores r ~ 0 and the label variance as MSE, 0.47 here).  Over data and
    # training seeds 0-4: r 0.77-0.93 against the ridge's 0.57-0.73 (0.86 / 0.73 at seed 0);
    # intra-clip MSE 0.066-0.099 against 0.14-0.21 (ratio 0.37-0.64).
    ridge_r, ridge_mse = per_second_ridge(tiny_corpus)
    assert report["final"]["per_second"]["pearson"] > ridge_r
    assert report["intra"]["per_second"]["mse"] < ridge_mse
    # Clip scores against the simpler clip-level baseline, a ridge on the clip's mean features
    # (0.857 / MSE 0.086 here; the training mean's clip MSE is 0.439), both measured in float32
    # (this test's run with fast_train_config(seed=t) on preset("tiny", seed=d)):
    #   this corpus, training seeds 0-3: clip r 0.894-0.935 (ridge + 0.037..+0.078), MSE 0.035-0.057
    #   data seeds 0-3, training seed 0: clip r 0.72-0.95 against the ridge's 0.83-0.89 (-0.11 on
    #   data seed 2, where the progressive run stalls, +0.06..+0.08 on the others), MSE 0.040-0.080.
    # So the model must at least match the ridge on this corpus (the smallest lead seen, 0.037, is
    # about the whole spread over training seeds) and stay well under the training mean's MSE
    # (at most 0.080 / 0.439 = 0.18 of it on any corpus tried).
    ridge_clip_r, _ = clip_mean_ridge(tiny_corpus)
    movies = tiny_corpus.movies_in_split
    test_y = ClipTable.build(tiny_corpus, movies("test"), 10).targets(tiny_corpus, "valence")
    train_mean = ClipTable.build(tiny_corpus, movies("train"), 10).targets(tiny_corpus, "valence").mean()
    assert report["final"]["clip"]["pearson"] > ridge_clip_r
    assert report["final"]["clip"]["mse"] < 0.25 * float(np.mean((train_mean - test_y) ** 2))


def test_stage1_ranks_the_planted_strongest_modality_first(valence_run):
    model, _, _ = valence_run
    order = model.ranking["order"]
    assert order[0] == "audio"  # strength 1.0, versus 0.5, 0.25 and 0 for the others
    assert order.index("noise") > order.index("scene")
    assert model.ranking["stage2_order"] == order


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


def test_baselines_run_through_the_same_code_paths(tiny_corpus):
    movies, test = tiny_corpus.movies_in_split("train"), tiny_corpus.movies_in_split("test")
    cfg = small_model_config(tiny_corpus, task="valence")
    joint, _ = train_model(tiny_corpus, movies, cfg, fast_train_config(method="joint"))
    average, _ = train_model(tiny_corpus, movies, cfg, fast_train_config(method="average"))
    assert joint.intra is not None and joint.context is not None and "order" not in joint.ranking
    assert set(average.members) == set(tiny_corpus.specs) and average.context is None
    # Against the per-second ridge (r 0.730, MSE 0.148 on this corpus), measured in float32
    # (each with fast_train_config(seed=t) on preset("tiny", seed=d)):
    #   this corpus, training seeds 0-3: joint r 0.877-0.899 (ridge + 0.15..+0.17), MSE 0.062-0.073;
    #   average r 0.874-0.893 (+0.14..+0.16), MSE 0.185-0.267 (averaging shrinks the predictions)
    #   data seeds 0-3, training seed 0: joint r - ridge r +0.17..+0.24, MSE 0.39-0.59 x the ridge's;
    #   average +0.03..+0.22 (+0.03 on data seed 2)
    # Joint must beat the ridge by 0.1 (smallest lead seen 0.15) and at 0.75 x its MSE; Baseline 2
    # must beat it (smallest lead seen 0.03, over all seeds).
    ridge_r, ridge_mse = per_second_ridge(tiny_corpus)
    scores = {name: evaluate_model(model, tiny_corpus, test)["final"]["per_second"]
              for name, model in (("joint", joint), ("average", average))}
    assert scores["joint"]["pearson"] > ridge_r + 0.1
    assert scores["joint"]["mse"] < 0.75 * ridge_mse
    assert scores["average"]["pearson"] > ridge_r


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
