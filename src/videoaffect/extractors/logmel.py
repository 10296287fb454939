"""Log-mel spectrogram with VGGish's parameters (Hershey et al. 2017; AudioSet VGGish input):
16 kHz mono, 25 ms periodic-Hann window, 10 ms hop, 512-point FFT magnitude, 64 HTK-mel bands
from 125 to 7500 Hz, log(mel + 0.01)."""

from __future__ import annotations

import numpy as np

from videoaffect.decoding.samples import AUDIO_RATE

WINDOW = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
N_FFT = 512
N_MELS = 64
FMIN, FMAX = 125.0, 7500.0
LOG_OFFSET = 0.01
PATCH_FRAMES = 96


def hz_to_mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_filterbank(sr: int = AUDIO_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS, fmin=FMIN, fmax=FMAX) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels) triangular weights on the HTK mel scale; the DC bin gets none."""
    bins = n_fft // 2 + 1
    bin_mel = hz_to_mel(np.linspace(0.0, sr / 2.0, bins))
    edges = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    weights = np.empty((bins, n_mels))
    for i in range(n_mels):
        lo, centre, hi = edges[i : i + 3]
        rising = (bin_mel - lo) / (centre - lo)
        falling = (hi - bin_mel) / (hi - centre)
        weights[:, i] = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


_FILTERBANK = mel_filterbank()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW))  # periodic Hann


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(frames, 64) log-mel of a 16 kHz mono signal; frames = 1 + (n - 400) // 160."""
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"log_mel needs mono audio (1-D), got shape {x.shape}")
    if len(x) < WINDOW:
        x = np.pad(x, (0, WINDOW - len(x)))
    n_frames = 1 + (len(x) - WINDOW) // HOP
    idx = np.arange(WINDOW)[None, :] + HOP * np.arange(n_frames)[:, None]
    spectrum = np.abs(np.fft.rfft(x[idx] * _WINDOW, n=N_FFT))
    return np.log(spectrum @ _FILTERBANK + LOG_OFFSET).astype(np.float32)


def vggish_patch(audio: np.ndarray, tail: np.ndarray | None = None) -> np.ndarray:
    """The 96 x 64 VGGish input for one second: ``audio``, its first 960 ms (15360 samples),
    followed by ``tail``, the 15 ms after it.

    96 frames of 25 ms at a 10 ms hop span 975 ms.  Google's pipeline run on the audio of
    [t, t + 1) frames its one example from [t, t + 0.975), so the decoder hands over the 240
    samples after the 960-ms window (``SecondSample.audio_tail``) and the patch takes them: equal
    to Google's example to about 1e-6 (``test_vggish_patch_matches_googles_pipeline``).  Without
    ``tail`` (or where the file ends) the patch is zero-padded, which changes its last two frames.
    """
    need = WINDOW + HOP * (PATCH_FRAMES - 1)
    x = np.asarray(audio, dtype=np.float64)
    if tail is not None:
        x = np.concatenate([x, np.asarray(tail, dtype=np.float64)])
    if len(x) < need:
        x = np.pad(x, (0, need - len(x)))
    return log_mel(x[:need])
