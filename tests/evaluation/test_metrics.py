import math

import numpy as np

from videoaffect.evaluation.metrics import accuracy, mse, pearson, regression_report


def test_pearson_and_mse_match_numpy():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(200), rng.standard_normal(200)
    b = a + 0.5 * b
    assert math.isclose(pearson(a, b), np.corrcoef(a, b)[0, 1], rel_tol=1e-12)
    assert math.isclose(mse(a, b), float(np.mean((a - b) ** 2)), rel_tol=1e-12)


def test_pearson_undefined_for_constant_prediction():
    assert math.isnan(pearson(np.ones(5), np.arange(5.0)))


def test_accuracy():
    assert accuracy([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75


def test_report_concatenates_seconds_and_averages_movies():
    pred = {"a": np.array([0.0, 1.0, 2.0]), "b": np.array([1.0, 0.0])}
    truth = {"a": np.array([0.0, 1.0, 1.0]), "b": np.array([0.0, 1.0])}
    rep = regression_report(["a", "b"], pred, truth, np.array([1.0, 0.5]), np.array([2 / 3, 0.5]))
    assert math.isclose(rep["per_second"]["mse"], (0 + 0 + 1 + 1 + 1) / 5)
    assert rep["per_second"]["n"] == 5
    assert math.isclose(rep["per_movie_mean"]["mse"], (1 / 3 + 1) / 2)
    assert math.isclose(rep["per_movie"]["b"]["pearson"], -1.0)
