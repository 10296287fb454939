"""MTCNN face detector (Zhang et al., 2016, "Joint face detection and alignment using multi-task
cascaded convolutional networks") in plain torch.

The three networks take the state dicts that ship in the facenet-pytorch wheel (registry names
``mtcnn-pnet``, ``mtcnn-rnet``, ``mtcnn-onet``), so their module names match those files.  Input
conventions of those weights: RGB images as (B, 3, H, W), normalised as (x - 127.5) / 128; the
weights were converted from a Caffe/TensorFlow model whose dense layers flatten features in
(width, height, channel) order, hence the ``permute(0, 3, 2, 1)`` before each flatten.

The cascade (image pyramid -> PNet proposals -> RNet -> ONet, with NMS and box regression after
each stage) is written here in numpy + OpenCV.  Box convention: continuous pixel coordinates,
``x1, y1`` inclusive and ``x2, y2`` exclusive, 0-based; detections are clipped to the image and
returned largest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from videoaffect.weights.registry import WeightsError, weight_path

# PNet is a fully convolutional 12x12 detector with an effective stride of 2 (one 2x2 pool).
_CELL = 12
_STRIDE = 2


def _max_pool(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """Ceil-mode max pooling, on CPU through a channels-last copy of ``x``; the result has
    ``x``'s memory format.

    Torch's CPU kernel for NCHW pooling is 3-4x slower than its channels-last one on these maps
    (R-Net's and O-Net's pooling, whose padded batches are NCHW, was a quarter of the default
    expression extractor's time); the copies there and back cost less than the difference.  A
    maximum does not round, and the layout the next convolution sees is the one it saw before
    (the convolution's rounding depends on it), so the detections are bit-identical
    (``test_channels_last_pooling_is_exact``)."""
    if x.device.type != "cpu" or x.is_contiguous(memory_format=torch.channels_last):
        return F.max_pool2d(x, kernel, stride, ceil_mode=True)
    pooled = F.max_pool2d(x.contiguous(memory_format=torch.channels_last), kernel, stride, ceil_mode=True)
    return pooled.contiguous()


def _dense_input(x: torch.Tensor) -> torch.Tensor:
    # The converted weights expect features flattened in (W, H, C) order.
    return x.permute(0, 3, 2, 1).reshape(x.shape[0], -1)


class _Stack(nn.Module):
    """Convolutions then dense layers, each followed by a PReLU, numbered from 1 as in the weight
    files (``conv1``/``prelu1`` ... ``dense{n}``/``prelu{n}``): the three networks differ only in
    their sizes, their pooling and their heads."""

    def __init__(self, convs: Sequence[tuple[int, int, int]], pools: Sequence[tuple[int, int] | None],
                 dense: Sequence[tuple[int, int]] = ()) -> None:
        super().__init__()
        self.pools = tuple(pools)  # (kernel, stride) of the max pooling after each convolution, or None
        for i, (c_in, c_out, kernel) in enumerate(convs, 1):
            self.add_module(f"conv{i}", nn.Conv2d(c_in, c_out, kernel))
            self.add_module(f"prelu{i}", nn.PReLU(c_out))
        for i, (n_in, n_out) in enumerate(dense, len(convs) + 1):
            self.add_module(f"dense{i}", nn.Linear(n_in, n_out))
            self.add_module(f"prelu{i}", nn.PReLU(n_out))
        self.n_convs, self.n_dense = len(convs), len(dense)

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """The layers before the heads."""
        for i, pool in enumerate(self.pools, 1):
            x = self.get_submodule(f"prelu{i}")(self.get_submodule(f"conv{i}")(x))
            if pool is not None:
                x = _max_pool(x, *pool)
        if self.n_dense:
            x = _dense_input(x)
        for i in range(self.n_convs + 1, self.n_convs + self.n_dense + 1):
            x = self.get_submodule(f"prelu{i}")(self.get_submodule(f"dense{i}")(x))
        return x


class PNet(_Stack):
    """Proposal network: (B, 3, H, W) -> box regression (B, 4, h, w), face probability (B, h, w)."""

    def __init__(self) -> None:
        super().__init__([(3, 10, 3), (10, 16, 3), (16, 32, 3)], [(2, 2), None, None])
        self.conv4_1 = nn.Conv2d(32, 2, 1)
        self.conv4_2 = nn.Conv2d(32, 4, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.trunk(x)
        prob = torch.softmax(self.conv4_1(x), dim=1)[:, 1]
        return self.conv4_2(x), prob


class RNet(_Stack):
    """Refinement network: (B, 3, 24, 24) -> box regression (B, 4), face probability (B,)."""

    def __init__(self) -> None:
        super().__init__([(3, 28, 3), (28, 48, 3), (48, 64, 2)], [(3, 2), (3, 2), None], [(576, 128)])
        self.dense5_1 = nn.Linear(128, 2)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.trunk(x)
        prob = torch.softmax(self.dense5_1(x), dim=1)[:, 1]
        return self.dense5_2(x), prob


class ONet(_Stack):
    """Output network: (B, 3, 48, 48) -> box regression (B, 4), landmarks (B, 10), probability (B,)."""

    def __init__(self) -> None:
        super().__init__([(3, 32, 3), (32, 64, 3), (64, 64, 3), (64, 128, 2)], [(3, 2), (3, 2), (2, 2), None],
                         [(1152, 256)])
        self.dense6_1 = nn.Linear(256, 2)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.trunk(x)
        prob = torch.softmax(self.dense6_1(x), dim=1)[:, 1]
        return self.dense6_2(x), self.dense6_3(x), prob


_Net = TypeVar("_Net", bound=nn.Module)


def load_net(net: _Net, name: str) -> _Net:
    """Load registry weights ``name`` into ``net`` (eval mode); a wrong file raises WeightsError."""
    path = weight_path(name)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    except Exception as exc:  # a corrupt pickle or mismatched keys/shapes
        raise WeightsError(
            f"{path} is not a valid {name} state dict ({exc}); fix: videoaffect weights pull {name}"
        ) from exc
    return net.eval()


# --- box utilities (numpy, (n, 4) x1 y1 x2 y2) ------------------------------------------------


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, mode: str = "union") -> np.ndarray:
    """Greedy non-maximum suppression; indices kept, best score first.

    ``mode="min"`` divides the intersection by the smaller box, which suppresses a small box
    nested inside a larger one (used after the last stage, as in the MTCNN reference).
    """
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = (boxes[:, i].astype(np.float64) for i in range(4))
    areas = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        iw = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
        ih = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
        inter = iw * ih
        denom = np.minimum(areas[i], areas[rest]) if mode == "min" else areas[i] + areas[rest] - inter
        overlap = inter / np.maximum(denom, 1e-12)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.int64)


def regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Apply the nets' box regression: offsets are fractions of the box width/height."""
    w = (boxes[:, 2] - boxes[:, 0])[:, None]
    h = (boxes[:, 3] - boxes[:, 1])[:, None]
    return boxes + reg * np.concatenate([w, h, w, h], axis=1)


def square(boxes: np.ndarray) -> np.ndarray:
    """Grow each box to a square of its longer side about the same centre."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx = boxes[:, 0] + w / 2
    cy = boxes[:, 1] + h / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)


def crop_resized(rgb: np.ndarray, box: Sequence[float], size: int) -> np.ndarray:
    """``box`` cut out of ``rgb`` (rounded to whole pixels), zero outside the image, resized to
    ``size`` x ``size``."""
    h, w = rgb.shape[:2]
    x1, y1, x2, y2 = (int(np.floor(v)) for v in box)
    x2, y2 = max(x2, x1 + 1), max(y2, y1 + 1)
    patch = np.zeros((y2 - y1, x2 - x1, 3), dtype=rgb.dtype)
    sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
    if sx2 > sx1 and sy2 > sy1:
        patch[sy1 - y1 : sy2 - y1, sx1 - x1 : sx2 - x1] = rgb[sy1:sy2, sx1:sx2]
    interp = cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interp)


def crop_face(rgb: np.ndarray, box: Sequence[float], size: int, margin: float = 0) -> np.ndarray:
    """A square face crop of ``size`` pixels around ``box``.

    ``margin`` is in output pixels (facenet-pytorch's convention: ``margin`` of the ``size``
    pixels are context around the box).  Unlike facenet-pytorch, which stretches the box to a
    square, the box is grown to a square about its centre so faces keep their aspect ratio;
    image borders are replicated where the square leaves the frame.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1, 1.0)
    if margin:
        side = side * size / max(size - margin, 1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    h, w = rgb.shape[:2]
    ix1, iy1 = int(round(cx - side / 2)), int(round(cy - side / 2))
    iside = max(int(round(side)), 1)
    ix2, iy2 = ix1 + iside, iy1 + iside
    pad = max(0, -ix1, -iy1, ix2 - w, iy2 - h)
    src = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else rgb
    patch = src[iy1 + pad : iy2 + pad, ix1 + pad : ix2 + pad]
    interp = cv2.INTER_AREA if iside > size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interp)


def _check_image(rgb: np.ndarray) -> None:
    if not (isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3):
        got = f"{type(rgb).__name__} {getattr(rgb, 'dtype', '')} {getattr(rgb, 'shape', '')}"
        raise ValueError(f"MTCNN expects an RGB uint8 image of shape (H, W, 3), got {got}")


def bucket_size(n: int, smallest: int = 16, fine: bool = True) -> int:
    """The batch size ``n`` is padded to: ``smallest`` or more, with its three leading bits
    kept and the rest rounded up (8 sizes per octave, at most 1/8 more rows); with
    ``fine=False``, the next power of two.

    Coarse buckets are for CUDA, where every new input shape costs a cuDNN execution plan
    (about 0.1 s, pytorch/pytorch#191617; see ``PaperExpression.fixed_batch_shape``) and extra
    rows are nearly free."""
    if n <= smallest:
        return smallest
    if not fine:
        return 1 << (n - 1).bit_length()
    step = 1 << max(0, n.bit_length() - 4)
    return -(-n // step) * step


def _bucketed(net: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``net(x)`` with the batch zero-padded to :func:`bucket_size` rows, padding dropped.

    The number of candidate boxes changes with every batch of frames, and the CPU backend
    keeps buffers and kernels per input shape: over a two-hour film hundreds of distinct
    batch sizes made resident memory creep up by ~100 MB.  Fifty-odd sizes (up to 2048 rows)
    keep it bounded for at most 1/8 more rows (powers of two, at most twice the rows, cost a
    quarter of the expression extractor's time).  Rows are computed independently, so the real
    rows' outputs do not depend on the padding beyond float rounding."""
    n = x.shape[0]
    size = bucket_size(n, fine=x.device.type == "cpu")
    if size != n:
        x = torch.cat([x, x.new_zeros((size - n, *x.shape[1:]))])
    return tuple(t[:n] for t in net(x))


class MTCNN:
    """The three-stage cascade with the facenet-pytorch weights (or ``nets`` given explicitly,
    e.g. random-weight nets in tests).  Missing weight files raise the registry's WeightsError."""

    def __init__(
        self,
        device: str = "cpu",
        min_face_size: int = 20,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
        factor: float = 0.709,
        nets: tuple[PNet, RNet, ONet] | None = None,
    ) -> None:
        if min_face_size < _CELL:
            raise ValueError(f"min_face_size must be at least {_CELL} pixels, got {min_face_size}")
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self.min_face_size = int(min_face_size)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.factor = float(factor)
        if nets is None:
            nets = (load_net(PNet(), "mtcnn-pnet"), load_net(RNet(), "mtcnn-rnet"), load_net(ONet(), "mtcnn-onet"))
        self.pnet, self.rnet, self.onet = (n.eval() for n in nets)
        self.device = torch.device("cpu")
        self.to(device)

    def to(self, device: str | torch.device) -> MTCNN:
        self.device = torch.device(device)
        for net in (self.pnet, self.rnet, self.onet):
            net.to(self.device)
        return self

    # --- public API ---------------------------------------------------------------------------

    def detect(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (n, 4) float32 x1 y1 x2 y2 (largest first, clipped to the image) and face
        probabilities (n,) float32; empty arrays when there is no face."""
        return self.detect_batch([rgb])[0]

    def detect_batch(self, images: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``detect`` for several images; each stage runs once over the crops of all images."""
        for img in images:
            _check_image(img)
        if not images:
            return []
        with torch.inference_mode():
            cands = self._stage1(images)
            cands = self._refine(images, cands, self.rnet, 24, self.thresholds[1])
            cands = self._refine(images, cands, self.onet, 48, self.thresholds[2])
        return [self._finish(img, c) for img, c in zip(images, cands)]

    def crop_largest(self, rgb: np.ndarray, size: int = 160, margin: int = 0) -> np.ndarray | None:
        """The largest detected face as a (size, size, 3) uint8 square crop, or None."""
        boxes, _ = self.detect(rgb)
        if len(boxes) == 0:
            return None
        return crop_face(rgb, boxes[0], size, margin)

    # --- cascade ------------------------------------------------------------------------------

    def _scales(self, h: int, w: int) -> list[float]:
        scale = _CELL / self.min_face_size
        side = min(h, w) * scale
        scales = []
        while side >= _CELL:
            scales.append(scale)
            scale *= self.factor
            side *= self.factor
        return scales

    def _tensor(self, batch: np.ndarray) -> torch.Tensor:
        """(B, H, W, 3) uint8 -> normalised (B, 3, H, W) float on the device."""
        x = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device)
        return (x.permute(0, 3, 1, 2).float() - 127.5) * 0.0078125

    def _stage1(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """PNet proposals per image: (n, 5) x1 y1 x2 y2 score, already regressed and squared."""
        found: list[list[np.ndarray]] = [[] for _ in images]
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, img in enumerate(images):
            groups.setdefault(img.shape, []).append(i)
        for shape, idx in groups.items():
            h, w = shape[:2]
            for scale in self._scales(h, w):
                hs, ws = int(h * scale + 1), int(w * scale + 1)
                batch = np.stack([cv2.resize(images[i], (ws, hs), interpolation=cv2.INTER_AREA) for i in idx])
                reg, prob = self.pnet(self._tensor(batch))
                reg, prob = reg.cpu().numpy(), prob.cpu().numpy()
                for j, i in enumerate(idx):
                    boxes = self._proposals(reg[j], prob[j], scale)
                    found[i].append(boxes[nms(boxes[:, :4], boxes[:, 4], 0.5)])
        out = []
        for per_scale in found:
            boxes = np.concatenate(per_scale) if per_scale else np.zeros((0, 9), np.float32)
            boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
            regressed = square(regress(boxes[:, :4], boxes[:, 5:9]))
            out.append(np.concatenate([regressed, boxes[:, 4:5]], axis=1))
        return out

    def _proposals(self, reg: np.ndarray, prob: np.ndarray, scale: float) -> np.ndarray:
        """(n, 9): box in image pixels, score, regression, for every cell above threshold."""
        rows, cols = np.nonzero(prob >= self.thresholds[0])
        x1 = _STRIDE * cols / scale
        y1 = _STRIDE * rows / scale
        x2 = (_STRIDE * cols + _CELL) / scale
        y2 = (_STRIDE * rows + _CELL) / scale
        score = prob[rows, cols]
        return np.stack([x1, y1, x2, y2, score, *reg[:, rows, cols]], axis=1).astype(np.float32)

    def _refine(self, images: Sequence[np.ndarray], cands: list[np.ndarray], net: nn.Module, size: int,
                threshold: float) -> list[np.ndarray]:
        """Run RNet or ONet on all candidates of all images at once; keep, regress, suppress."""
        if sum(len(c) for c in cands) == 0:
            return cands
        crops = np.stack([crop_resized(images[i], box[:4], size) for i, c in enumerate(cands) for box in c])
        out = _bucketed(net, self._tensor(crops))
        reg, prob = out[0].cpu().numpy(), out[-1].cpu().numpy()
        last = net is self.onet
        refined = []
        offset = 0
        for c in cands:
            n = len(c)
            r, p = reg[offset : offset + n], prob[offset : offset + n]
            offset += n
            keep = p > threshold
            boxes, r, p = c[keep, :4], r[keep], p[keep]
            if last:
                # Regress first, then drop boxes nested in a better one ("min" overlap).
                boxes = regress(boxes, r)
                pick = nms(boxes, p, 0.7, mode="min")
                boxes, p = boxes[pick], p[pick]
            else:
                pick = nms(boxes, p, 0.7)
                boxes, p = square(regress(boxes[pick], r[pick])), p[pick]
            refined.append(np.concatenate([boxes, p[:, None]], axis=1).astype(np.float32))
        return refined

    def _finish(self, img: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = img.shape[:2]
        if len(cand) == 0:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        boxes = cand[:, :4].copy()
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        valid = area > 0
        boxes, probs, area = boxes[valid], cand[valid, 4], area[valid]
        order = np.argsort(-area, kind="stable")
        return boxes[order].astype(np.float32), probs[order].astype(np.float32)
