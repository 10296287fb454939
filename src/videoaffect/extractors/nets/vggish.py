"""VGGish (Hershey et al. 2017, "CNN architectures for large-scale audio classification"),
the AudioSet audio embedding network, in plain torch, plus Google's PCA + 8-bit post-processing.

Architecture (input: a (B, 1, 96, 64) log-mel patch, 96 frames of 10 ms x 64 mel bands)::

    conv64 - pool - conv128 - pool - conv256 - conv256 - pool - conv512 - conv512 - pool
    (3x3 convolutions with padding 1 and ReLU, 2x2 max-pools with stride 2)
    -> (B, 512, 6, 4) -> flatten -> FC 4096 - ReLU - FC 4096 - ReLU - FC 128

**No ReLU after the final 128-wide layer.**  Google's TF-Slim model (``vggish_slim.py``:
``fc2`` is built with ``activation_fn=None``) ends on a linear layer; the widely used PyTorch
port (torchvggish by harritaylor) appends a ReLU there, which zeroes every negative embedding
component before PCA and so changes the post-processed features.  We match Google's model.

Weight file compatibility: parameter names are those of torchvggish's
``vggish-10086976.pth`` (see ``TORCHVGGISH_KEYS``: ``features.N`` for the convolutions at the
``nn.Sequential`` indices the port uses, ``embeddings.N`` for the fully connected layers), so
that file loads directly.  The port converted Google's TF checkpoint, whose first FC layer reads
the conv output flattened in TF's NHWC order; the convolution output is therefore permuted to
(B, H, W, C) before flattening, exactly as the port does, or the released weights would give
wrong embeddings.

Post-processing (Google's ``vggish_postprocess.py``)::

    pca = (embedding - pca_means) @ pca_eigen_vectors.T
    q   = uint8((clip(pca, -2, 2) - (-2)) * (255 / (2 - (-2))))

The cast to uint8 truncates (NumPy ``astype``), so 127.5 becomes 127: torchvggish rounds
instead; we follow Google, whose quantised embeddings are the ones AudioSet released.  The PCA
parameters come from torchvggish's ``vggish_pca_params-970ea276.pth``, a dict with
``pca_eigen_vectors`` (128, 128) and ``pca_means`` (128,) (Google's ``.npz`` stores the means
flat; the port reshapes them to a column) saved as NumPy arrays, which we read with
``torch.load(weights_only=True)`` by allowlisting only NumPy's array-rebuilding functions.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from torch import nn

from videoaffect.extractors.base import ExtractorError
from videoaffect.extractors.nets.checkpoints import checked_tensor, shape_problems

EMBEDDING_SIZE = 128
PATCH_SHAPE = (96, 64)
QUANTIZE_MIN = -2.0
QUANTIZE_MAX = 2.0
PCA_EIGEN_VECTORS = "pca_eigen_vectors"
PCA_MEANS = "pca_means"

# Parameter names in torchvggish's vggish-10086976.pth: convolutions sit at these indices of
# its `features` Sequential (conv, ReLU and pool modules interleaved), FC layers at 0/2/4 of
# `embeddings`.
_CONV_INDICES = (0, 3, 6, 8, 11, 13)
_FC_INDICES = (0, 2, 4)
TORCHVGGISH_KEYS: tuple[str, ...] = tuple(
    f"{block}.{i}.{p}"
    for block, indices in (("features", _CONV_INDICES), ("embeddings", _FC_INDICES))
    for i in indices
    for p in ("weight", "bias")
)
# Some torchvggish versions save the PCA parameters inside the model (`pproc.*`); we take PCA
# from its own file and ignore these.
_IGNORED_PREFIXES = ("pproc.",)


class VGGish(nn.Module):
    """VGGish embedding network: (B, 1, 96, 64) log-mel -> (B, 128), linear last layer."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_ch = 1
        for v in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M"):
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(in_ch, int(v), kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_ch = int(v)
        self.features = nn.Sequential(*layers)
        self.embeddings = nn.Sequential(
            nn.Linear(512 * 6 * 4, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, EMBEDDING_SIZE),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, *PATCH_SHAPE):
            raise ValueError(f"VGGish needs (batch, 1, 96, 64) log-mel patches, got {tuple(x.shape)}")
        maps = self.features(x)
        # TF's NHWC flatten order, which the converted first FC layer expects.
        return self.embeddings(maps.permute(0, 2, 3, 1).flatten(1))


class Postprocessor:
    """Google's AudioSet post-processing: PCA (with whitening), clip to [-2, 2], 8-bit."""

    def __init__(self, pca_eigen_vectors: np.ndarray, pca_means: np.ndarray, source: str = "PCA parameters") -> None:
        vectors = np.asarray(pca_eigen_vectors, dtype=np.float64)
        means = np.asarray(pca_means, dtype=np.float64)
        if vectors.shape != (EMBEDDING_SIZE, EMBEDDING_SIZE):
            raise ExtractorError(
                f"{source}: {PCA_EIGEN_VECTORS} has shape {vectors.shape}, expected "
                f"({EMBEDDING_SIZE}, {EMBEDDING_SIZE}); is it torchvggish's vggish_pca_params-970ea276.pth?"
            )
        if means.size != EMBEDDING_SIZE:
            raise ExtractorError(
                f"{source}: {PCA_MEANS} has shape {means.shape}, expected ({EMBEDDING_SIZE},) or "
                f"({EMBEDDING_SIZE}, 1); is it torchvggish's vggish_pca_params-970ea276.pth?"
            )
        self.pca_eigen_vectors = vectors
        self.pca_means = means.reshape(EMBEDDING_SIZE)

    @classmethod
    def from_file(cls, path: str | Path) -> Postprocessor:
        params = _load_pca_file(Path(path))
        return cls(params[PCA_EIGEN_VECTORS], params[PCA_MEANS], source=str(path))

    def __call__(self, embeddings: np.ndarray | torch.Tensor) -> np.ndarray:
        """(n, 128) raw embeddings -> (n, 128) float32 holding the integers 0..255."""
        if isinstance(embeddings, torch.Tensor):
            embeddings = embeddings.detach().cpu().numpy()
        emb = np.asarray(embeddings, dtype=np.float64)
        if emb.ndim != 2 or emb.shape[1] != EMBEDDING_SIZE:
            raise ValueError(f"expected (n, {EMBEDDING_SIZE}) embeddings, got shape {emb.shape}")
        pca = (emb - self.pca_means) @ self.pca_eigen_vectors.T
        clipped = np.clip(pca, QUANTIZE_MIN, QUANTIZE_MAX)
        scaled = (clipped - QUANTIZE_MIN) * (255.0 / (QUANTIZE_MAX - QUANTIZE_MIN))
        # astype(uint8) truncates, as Google's code does.
        return scaled.astype(np.uint8).astype(np.float32)


def expected_shapes() -> dict[str, torch.Size]:
    """Parameter shapes of VGGish, by torchvggish key name (built on the meta device: free)."""
    with torch.device("meta"):
        net = VGGish()
    return {k: v.shape for k, v in net.state_dict().items()}


def check_state_dict(state: Mapping[str, object], source: str) -> dict[str, torch.Tensor]:
    """The VGGish tensors of ``state``, or ExtractorError listing every missing, misshaped or
    unknown key and naming ``source``."""
    expected = expected_shapes()
    problems = shape_problems(state, expected)
    unknown = [k for k in state if k not in expected and not k.startswith(_IGNORED_PREFIXES)]
    if unknown:
        problems.append(f"unexpected keys {unknown[:5]}{' ...' if len(unknown) > 5 else ''}")
    if problems:
        raise ExtractorError(
            f"{source} is not a VGGish state dict in torchvggish's layout (vggish-10086976.pth): "
            + "; ".join(problems)
            + ". Fix: download vggish-10086976.pth from the torchvggish v0.1 release and "
            "`videoaffect weights import PATH --name vggish`."
        )
    return {k: checked_tensor(state[k]).detach().to(torch.float32) for k in expected}


def load_vggish(weights_path: str | Path, pca_path: str | Path) -> tuple[VGGish, Postprocessor]:
    """VGGish in eval mode with the weights of ``weights_path``, and Google's post-processor
    with the PCA parameters of ``pca_path`` (torchvggish's release files)."""
    path = Path(weights_path)
    state = _load_state_file(path)
    tensors = check_state_dict(state, str(path))
    postprocessor = Postprocessor.from_file(pca_path)
    # Built on meta and filled by assignment: no 290 MB random init thrown away.
    with torch.device("meta"):
        net = VGGish()
    net.load_state_dict(tensors, assign=True)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval(), postprocessor


def _load_state_file(path: Path) -> Mapping[str, object]:
    if not path.is_file():
        raise ExtractorError(
            f"VGGish weights {path} do not exist; fix: `videoaffect weights import PATH --name vggish`"
        )
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise ExtractorError(f"{path} could not be read as a PyTorch state dict (weights_only): {exc}") from None
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise ExtractorError(f"{path} holds a {type(obj).__name__}, not a state dict")
    return obj


def _numpy_globals() -> list:
    """The NumPy callables needed to unpickle plain float arrays, under their NumPy 1 and 2
    module names (the port's file predates NumPy 2's ``numpy._core``)."""
    from numpy._core.multiarray import _reconstruct

    dtype_classes = [type(np.dtype(t)) for t in ("float16", "float32", "float64")]
    return [_reconstruct, (_reconstruct, "numpy.core.multiarray._reconstruct"), np.ndarray, np.dtype, *dtype_classes]


def _load_pca_file(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise ExtractorError(
            f"VGGish PCA parameters {path} do not exist; fix: `videoaffect weights import PATH --name vggish-pca`"
        )
    try:
        with torch.serialization.safe_globals(_numpy_globals()):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        raise ExtractorError(f"{path} could not be read as VGGish PCA parameters (weights_only): {exc}") from None
    if not isinstance(obj, Mapping) or PCA_EIGEN_VECTORS not in obj or PCA_MEANS not in obj:
        keys = list(obj) if isinstance(obj, Mapping) else type(obj).__name__
        raise ExtractorError(
            f"{path} should be a dict with {PCA_EIGEN_VECTORS!r} and {PCA_MEANS!r}, got {keys}; "
            "is it torchvggish's vggish_pca_params-970ea276.pth?"
        )
    return {k: _as_numpy(obj[k]) for k in (PCA_EIGEN_VECTORS, PCA_MEANS)}


def _as_numpy(value: object) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)
