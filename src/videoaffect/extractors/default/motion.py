"""Offline default motion descriptors: dense optical-flow statistics and shot cuts per second.

The decoder hands ``motion_fps`` = 6 small grayscale frames per second (width 160), sampled
evenly.  Consecutive frames form pairs; the first pair of a second joins the last frame of the
previous second to the first of this one, so the extractor keeps that frame between calls
(``start_movie()`` forgets it, and so does a second without motion frames, so no pair ever spans
a gap).  A second whose frames differ in size from the kept frame starts without it.

Flow.  For a pair (a, b), ``cv2.DISOpticalFlow`` with the ULTRAFAST preset from a to b, started
from zero.  Its coarse-to-fine pyramid loses camera pans beyond about 10-15 px per pair at 160 px
width, so the global translation of the pair is also estimated by phase correlation
(``cv2.phaseCorrelate`` with a Hanning window; trusted when its peak response is at least
``PAN_RESPONSE`` = 0.2, unrelated frames giving < 0.1); when that shift exceeds ``PAN_INIT_PX``
= 4 px, DIS is run a second time started from the shift, and of the two flows the one that
explains b from a better (higher ``ncc`` below) is kept.

Shot cuts.  For the pair:

* ``mad`` = mean |a - b| / 255;
* ``chi2`` = 1/2 sum_k (p_k - q_k)^2 / (p_k + q_k) over the 32-bin grey histograms p, q of a and
  b normalised to sum 1 (0 = same tones, 1 = disjoint);
* ``ncc`` = the larger of two normalised cross-correlations between a and b moved back onto a:
  once with the flow (local motion), once with the phase-correlation translation (pans).  A
  frame without texture (std below 1 grey level) counts as ncc = 1: its correlation says nothing.

A pair is a cut when ``mad > MAD_MIN`` (0.03: something changed at all) and either
``chi2 > CHI2_CUT`` (0.5: the tones changed wholesale, which catches cuts to or from a flat dark
or bright frame) or ``ncc < NCC_CUT`` (0.5: no motion explains b from a).  On real footage
(the Big Buck Bunny excerpt at 6 fps) within-shot pairs give ncc > 0.92 and chi2 < 0.005;
frames of unrelated content give ncc near 0.  So motion, however fast, is not a cut, but a camera
flash may be, and gradual transitions (dissolves, fades) are not detected.

Flow values are in pixels per motion-frame interval (1 / motion_fps s) scaled to a 160 px wide
frame.  Pairs that are cuts are left out of the flow statistics (their "flow" is meaningless).
The 20 output values per second:

0-4   ``flow_mean``, ``flow_std``, ``flow_p10``, ``flow_p50``, ``flow_p90``: statistics of the
      flow magnitude over all pixels of all kept pairs;
5-6   ``pan_x``, ``pan_y``: the mean flow vector (camera pan / tilt) in image coordinates:
      +x = content moves right, +y = content moves down;
7     ``moving_fraction``: fraction of pixels with magnitude > ``MOVING_PX`` (0.5 px);
8-15  ``dir_0`` .. ``dir_7``: the directions of moving pixels, 8 bins of 45 degrees centred on
      atan2(dy, dx) = 0, 45, ..., 315 degrees in image coordinates (0 = right, 90 = down,
      180 = left, 270 = up), as fractions of the moving pixels (all 0 when nothing moves);
16    ``cut_count``: cuts among this second's pairs;
17    ``cut_rate``: cuts per second of time covered by the pairs (cut_count * motion_fps / pairs);
18    ``pairs_used``: fraction of this second's pairs that entered the flow statistics;
19    ``frame_diff``: mean ``mad`` of the kept pairs (motion energy without flow).

A second with motion frames but no pair (the first second of a movie holding one frame) gives
zeros with present True; a second with no motion frames is missing (present False).

Speed (one thread, CPU time): about 6 ms per second of video at 6 frames of 160x90 per second.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError

MOTION_FPS = 6
REF_WIDTH = 160
MOVING_PX = 0.5
HIST_BINS = 32
MAD_MIN = 0.03
CHI2_CUT = 0.5
NCC_CUT = 0.5
# a phase-correlation peak at least this strong is a global shift (unrelated frames give < 0.1)
PAN_RESPONSE = 0.2
# beyond this global shift (px at the frame's own size) DIS is also started from the shift
PAN_INIT_PX = 4.0
FLAT_STD = 1.0
DIR_BINS = 8
# DIS refuses smaller images
MIN_SIDE = 12

FEATURE_NAMES: tuple[str, ...] = (
    "flow_mean", "flow_std", "flow_p10", "flow_p50", "flow_p90", "pan_x", "pan_y",
    "moving_fraction", *(f"dir_{k}" for k in range(DIR_BINS)),
    "cut_count", "cut_rate", "pairs_used", "frame_diff",
)


def _grey_hist(frame: np.ndarray) -> np.ndarray:
    counts = np.bincount((frame >> 3).ravel(), minlength=HIST_BINS).astype(np.float64)
    return counts / frame.size


def hist_chi2(a: np.ndarray, b: np.ndarray) -> float:
    p, q = _grey_hist(a), _grey_hist(b)
    s = p + q
    nz = s > 0
    return float(0.5 * np.sum((p[nz] - q[nz]) ** 2 / s[nz]))


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64) - a.mean()
    b = b.astype(np.float64) - b.mean()
    na, nb = np.sqrt((a * a).mean()), np.sqrt((b * b).mean())
    if na < FLAT_STD or nb < FLAT_STD:
        return 1.0
    return float((a * b).mean() / (na * nb))


class _PairGeometry:
    """Pixel grid and phase-correlation window for one frame size, built once per size."""

    def __init__(self, h: int, w: int) -> None:
        self.gx, self.gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self.window = cv2.createHanningWindow((w, h), cv2.CV_32F)


def global_shift(a: np.ndarray, b: np.ndarray, geo: _PairGeometry) -> tuple[float, float] | None:
    """Phase-correlation translation from a to b, or None when no single shift explains b."""
    (sx, sy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), geo.window)
    if not (np.isfinite(sx) and np.isfinite(sy)) or response < PAN_RESPONSE:
        return None
    return float(sx), float(sy)


def _flow_ncc(a: np.ndarray, b: np.ndarray, flow: np.ndarray, geo: _PairGeometry) -> float:
    mx, my = geo.gx + flow[..., 0], geo.gy + flow[..., 1]
    h, w = a.shape
    inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    if inside.mean() < 0.1:
        return -1.0
    back = cv2.remap(b, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return _ncc(a[inside], back[inside])


def _shift_ncc(a: np.ndarray, b: np.ndarray, shift: tuple[float, float] | None) -> float:
    if shift is None:
        return -1.0
    sx, sy = shift
    h, w = a.shape
    x0, y0 = int(np.ceil(abs(sx))), int(np.ceil(abs(sy)))
    if 2 * x0 >= w - 1 or 2 * y0 >= h - 1:
        return -1.0
    shift_back = np.array([[1, 0, -sx], [0, 1, -sy]], dtype=np.float32)
    back = cv2.warpAffine(b, shift_back, (w, h), flags=cv2.INTER_LINEAR)
    return _ncc(a[y0 : h - y0, x0 : w - x0], back[y0 : h - y0, x0 : w - x0])


def _flow_stats(flows: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(8 + DIR_BINS, dtype=np.float64)
    if not flows:
        return out
    dx = np.concatenate([f[..., 0].ravel() for f in flows]).astype(np.float64)
    dy = np.concatenate([f[..., 1].ravel() for f in flows]).astype(np.float64)
    mag = np.hypot(dx, dy)
    out[0], out[1] = mag.mean(), mag.std()
    out[2:5] = np.percentile(mag, [10, 50, 90])
    out[5], out[6] = dx.mean(), dy.mean()
    moving = mag > MOVING_PX
    out[7] = moving.mean()
    if moving.any():
        angle = np.arctan2(dy[moving], dx[moving])
        width = 2 * np.pi / DIR_BINS
        bins = np.floor((angle + width / 2) / width).astype(np.int64) % DIR_BINS
        out[8:] = np.bincount(bins, minlength=DIR_BINS) / moving.sum()
    return out


class DefaultMotion(Extractor):
    """DIS optical-flow statistics and shot-cut counts per second (see the module docstring)."""

    modality = "motion"
    name = "default.motion.dis-cuts"
    version = "1"
    shape = (len(FEATURE_NAMES),)
    needs = "motion_frames"
    motion_fps = MOTION_FPS
    batch_size = 32
    intra_op_threads = 1

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._dis: cv2.DISOpticalFlow | None = None
        self._geometry: dict[tuple[int, int], _PairGeometry] = {}

    def __getstate__(self) -> dict:
        # the DIS object is a native handle that cannot be pickled: rebuilt in the worker
        state = self.__dict__.copy()
        state["_dis"] = None
        state["_geometry"] = {}
        return state

    def params(self) -> dict:
        return {
            "motion_fps": self.motion_fps,
            "flow": "cv2.DISOpticalFlow ULTRAFAST",
            "pan": {"response": PAN_RESPONSE, "init_px": PAN_INIT_PX},
            "ref_width": REF_WIDTH,
            "moving_px": MOVING_PX,
            "direction_bins": DIR_BINS,
            "cut": {"mad_min": MAD_MIN, "chi2": CHI2_CUT, "ncc": NCC_CUT, "hist_bins": HIST_BINS, "flat_std": FLAT_STD},
            "features": list(FEATURE_NAMES),
        }

    def start_movie(self) -> None:
        self._prev = None

    def _dis_flow(self, a: np.ndarray, b: np.ndarray, init: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        if self._dis is None:
            self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        # always hand DIS an explicit initial flow: given None, it may reuse the buffer of an
        # earlier call that had an initialisation, which would make results depend on history
        flow = np.empty((*a.shape, 2), dtype=np.float32)
        flow[..., 0], flow[..., 1] = init
        return self._dis.calc(a, b, flow)

    def _geo(self, shape: tuple[int, int]) -> _PairGeometry:
        if shape not in self._geometry:
            self._geometry[shape] = _PairGeometry(*shape)
        return self._geometry[shape]

    def _pair(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float, bool]:
        """Flow (pixels of this frame size), mad and the cut decision of one frame pair."""
        geo = self._geo(a.shape)
        mad = float(np.abs(a.astype(np.int16) - b).mean()) / 255.0
        flow = self._dis_flow(a, b)
        shift = global_shift(a, b, geo)
        flow_ncc = None
        if shift is not None and np.hypot(*shift) > PAN_INIT_PX:
            panned = self._dis_flow(a, b, shift)
            flow_ncc, panned_ncc = _flow_ncc(a, b, flow, geo), _flow_ncc(a, b, panned, geo)
            if panned_ncc > flow_ncc:
                flow, flow_ncc = panned, panned_ncc
        if mad <= MAD_MIN:
            return flow, mad, False
        if hist_chi2(a, b) > CHI2_CUT:
            return flow, mad, True
        if flow_ncc is None:
            flow_ncc = _flow_ncc(a, b, flow, geo)
        cut = flow_ncc < NCC_CUT and _shift_ncc(a, b, shift) < NCC_CUT
        return flow, mad, cut

    def _second(self, frames: list[np.ndarray]) -> np.ndarray:
        seq = [_check_motion_frame(f) for f in frames]
        if self._prev is not None and self._prev.shape == seq[0].shape:
            seq.insert(0, self._prev)
        self._prev = seq[-1]
        flows, diffs, cuts, pairs = [], [], 0, 0
        for a, b in zip(seq[:-1], seq[1:]):
            if a.shape != b.shape:
                continue
            pairs += 1
            flow, mad, cut = self._pair(a, b)
            if cut:
                cuts += 1
                continue
            flows.append(flow * np.float32(REF_WIDTH / a.shape[1]))
            diffs.append(mad)
        stats = _flow_stats(flows)
        rate = cuts * self.motion_fps / pairs if pairs else 0.0
        used = len(flows) / pairs if pairs else 0.0
        diff = float(np.mean(diffs)) if diffs else 0.0
        return np.concatenate([stats, [cuts, rate, used, diff]]).astype(np.float32)

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        out, present = self.empty(len(samples))
        for i, sample in enumerate(samples):
            if not sample.motion_frames:
                # a gap: the next pair must not join frames on both sides of it
                self._prev = None
                continue
            out[i] = self._second(sample.motion_frames)
            present[i] = True
        return out, present


def _check_motion_frame(frame: np.ndarray) -> np.ndarray:
    if frame.ndim != 2 or frame.dtype != np.uint8 or min(frame.shape) < MIN_SIDE:
        raise ExtractorError(
            "default.motion.dis-cuts needs grayscale uint8 motion frames (H, W) of at least "
            f"{MIN_SIDE}x{MIN_SIDE}, got "
            f"{frame.dtype} {frame.shape}; decode with motion_fps={MOTION_FPS} so the decoder delivers them"
        )
    return np.ascontiguousarray(frame)
