import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Extractor outputs are compared to references computed with one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
