"""Compute precision of the paper set's two big image networks: the OpenPose backbone (action)
and the scene network (VGG16 or ResNet50).

``"bfloat16"`` (the default, on every device): the network runs under
``torch.autocast(device.type, dtype=torch.bfloat16)``, so convolutions and matrix products take
bfloat16 inputs and weights and accumulate in float32 (oneDNN on x86 CPUs, using AVX512-BF16 or
AMX where the CPU has them; tensor cores on CUDA), with the input in channels-last memory
format (oneDNN's and cuDNN's fast layout).  The features come back as float32.
``"float32"``: the plain float32 path, exactly the features of the extractors' version 1.

Why bfloat16 is the default: both networks are compute-bound (OpenPose ~145 GFLOP per
368 x 656 frame, VGG16 ~15.5 GFLOP per 224 x 224 frame), and on a CPU with AVX512-BF16
bfloat16 runs them about 2.7-2.8x faster than float32 (docs/benchmarks/extraction.md,
``benchmarks/bench_paper_nets.py``), which takes the paper set on 2 CPU cores from below real
time to above 1.5x real time.  The default is the same on every device so that features
extracted on a GPU and on a CPU share their provenance (a model trained on one can predict on
the other).  On a CPU without native bfloat16 (no AVX512-BF16 / AMX) or a GPU older than Ampere
bfloat16 still works (emulated where torch can) but may be no faster than float32; pass
``compute_dtype="float32"`` there (feature-set options, e.g.
``{"action": {"compute_dtype": "float32"}}``).  A device torch refuses bfloat16 autocast on is an
``ExtractorError`` naming that fix.  The audio (VGGish)
and expression (Xception) networks stay float32: they are a few percent of the set's time
(bfloat16 does not speed VGGish up, and its uint8 output would change).

Tolerance (bfloat16 vs float32, same weights and frames): the relative L2 error per second,
``||f_bf16 - f_fp32|| / ||f_fp32||``, measured on every second of the shared Big Buck Bunny clip
(``/work/shared/media/bigbuckbunny.mp4`` decoded with ``videoaffect.decoding.media.iter_seconds``,
frames at 640 x 360), torch 2.13 on an AVX512-BF16 CPU, with random-weight networks: at most
0.0021 (action), 0.0025 (VGG16 scene) and 0.0033 (ResNet50 scene) with PyTorch's default
initialisation, and 0.0042
(action), 0.0035 (VGG16) and 0.0047 (ResNet50) with :func:`variance_preserving_init` (He-normal
weights, zero biases, so that, as in trained networks, the features depend on the picture rather
than on the biases).  The documented bound, which the tests check, is
:data:`RELATIVE_L2_TOLERANCE` = 0.01 (tests/extractors/paper/test_paper_*.py).  The extractors record
the compute dtype in ``params()`` (``compute_dtype``), so features of the two never mix in a
store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from videoaffect.extractors.base import ExtractorError

COMPUTE_DTYPES = ("float32", "bfloat16")
DEFAULT_COMPUTE_DTYPE = "bfloat16"
#: bound on the per-second relative L2 error of bfloat16 features vs float32 (see above)
RELATIVE_L2_TOLERANCE = 0.01


def checked_compute_dtype(compute_dtype: str) -> str:
    if compute_dtype not in COMPUTE_DTYPES:
        raise ExtractorError(f"compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}, got {compute_dtype!r}")
    return compute_dtype


@contextlib.contextmanager
def compute(compute_dtype: str, device: torch.device | str) -> Iterator[None]:
    """Inference mode, under bfloat16 autocast for ``device``'s type when ``compute_dtype`` says so."""
    with torch.inference_mode():
        if compute_dtype == "bfloat16":
            try:
                autocast = torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)
            except RuntimeError as exc:  # e.g. a CUDA device without bfloat16, even emulated
                raise ExtractorError(
                    f"{device} cannot compute in bfloat16 ({exc}); fix: use the extractor option "
                    "compute_dtype='float32'"
                ) from exc
            with autocast:
                yield
        else:
            yield


def network_input(x: torch.Tensor, compute_dtype: str) -> torch.Tensor:
    """A (B, C, H, W) input in the memory format the compute dtype runs fastest in."""
    if compute_dtype == "bfloat16":
        return x.contiguous(memory_format=torch.channels_last)
    return x


def relative_l2_error(got: np.ndarray, want: np.ndarray) -> float:
    """Largest per-row ``||got - want|| / ||want||`` over the first axis (rows of zeros in
    ``want`` compare absolutely)."""
    got = np.asarray(got, dtype=np.float64).reshape(len(got), -1)
    want = np.asarray(want, dtype=np.float64).reshape(len(want), -1)
    err = np.linalg.norm(got - want, axis=1)
    ref = np.linalg.norm(want, axis=1)
    return float(np.max(err / np.where(ref > 0, ref, 1.0))) if len(want) else 0.0


def variance_preserving_init(net: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Re-initialise ``net``'s convolutions and linear layers He-normal (ReLU gain) with zero
    biases, in place: random weights whose activations keep their scale through the depth, the
    stand-in for trained weights when measuring the bfloat16 error (PyTorch's default
    initialisation shrinks the activations layer by layer until the biases dominate)."""
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d | torch.nn.Linear):
                torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    torch.nn.init.zeros_(m.bias)
    return net
