import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread(request):
    """Extractor outputs are compared to references computed with one thread.  A test marked
    ``own_reference`` compares only results it computes itself under the same threads (bfloat16
    against float32 within a tolerance, a batch against single frames): it keeps torch's thread
    count (both cores in CI), for these big image networks' convolutions spread over all of them."""
    if request.node.get_closest_marker("own_reference") is not None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
