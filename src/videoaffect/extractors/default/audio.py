"""Offline default audio descriptors: openSMILE functionals plus log-mel statistics per second.

For every second, the 960 ms window of ``SecondSample.audio`` (16 kHz mono float32, values in
[-1, 1]) gives, in this order:

* the 88 eGeMAPSv02 functionals of openSMILE (Eyben et al. 2016), computed by openSMILE on the
  window alone (one ``Smile`` call per second: the functionals of a window are not an aggregate
  of per-frame values we could compute ourselves, so no cross-second batching);
* the mean over frames of each of the 64 log-mel bands of
  :func:`videoaffect.extractors.logmel.log_mel` (VGGish's 25 ms / 10 ms / 125-7500 Hz bands),
* the standard deviation over frames of each of those 64 bands;
* with ``compare=True`` only: the 6373 ComParE_2016 functionals, appended at the end so that the
  first 216 values mean the same with and without it.

openSMILE returns NaN or +-inf for some functionals of degenerate input (a window shorter than its
analysis frames, e.g. where the audio ends mid-second, comes back all NaN, which ``Smile`` would
announce with a "Segment too short" warning); those values are replaced by 0 so the stored
features are always finite.  Digital silence (all zeros) gives finite eGeMAPS values already (mostly 0,
the loudness-in-dB style functionals at openSMILE's floor, e.g. -201).  A zero-length window is
treated like a missing one (present False).

openSMILE's processing graph is built once per feature set and reset between windows
(:class:`SmileRunner`) instead of being rebuilt for every second, as ``Smile.__call__`` does:
the same configuration, options and 16-bit input, so the values are bit-identical (tested on the
shared clip, on silence, noise and short windows), about 3 ms less per second.  Windows are not
concatenated into one openSMILE run: its smoothing and delta filters would then reach across
windows, so the functionals of a second would depend on its neighbours.

Speed (one thread, 2-vCPU development machine, 2026-11-27): about 12 ms per second of audio for
eGeMAPS, openSMILE's own DSP; under 1 ms for the log-mel statistics; ComParE adds about 30 ms.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from videoaffect.decoding.samples import AUDIO_RATE, SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, audio_of
from videoaffect.extractors.logmel import N_MELS, log_mel

EGEMAPS_DIM = 88
COMPARE_DIM = 6373
LOGMEL_DIM = 2 * N_MELS


def _smile(feature_set_name: str):
    try:
        import opensmile
    except ImportError as exc:  # pragma: no cover - opensmile is a dependency of the default set
        raise ExtractorError(
            "default.audio.egemaps-logmel needs the 'opensmile' package: pip install opensmile"
        ) from exc
    return opensmile.Smile(
        feature_set=getattr(opensmile.FeatureSet, feature_set_name),
        feature_level=opensmile.FeatureLevel.Functionals,
    )


class SmileRunner:
    """Functionals of one window at a time from one openSMILE instance, reset between windows.

    ``Smile.__call__`` builds openSMILE's component graph from the configuration, runs it on the
    window and frees it, every call.  This runs the same graph (the ``Smile``'s configuration
    file and options, the same external-audio source and sink components, the same float ->
    16-bit conversion) and calls openSMILE's ``reset`` after each run, which its API documents as
    the way to run again without initialising.  The wrapper keeps a reference to every callback
    registered, so the instance is rebuilt every ``REBUILD_EVERY`` windows to keep that bounded.
    Uses opensmile-python's lower-level ``OpenSMILE`` class and its config constants; the test
    ``test_smile_runner_matches_opensmile_call`` holds it bit-identical to ``Smile.__call__``."""

    REBUILD_EVERY = 512

    def __init__(self, smile) -> None:
        self.smile = smile
        self._instance: Any = None  # opensmile.core.lib.OpenSMILE, imported when first needed
        self._runs = 0

    def _build(self):
        from opensmile.core.config import config
        from opensmile.core.lib import OpenSMILE

        options = self.smile._options()
        options["source"] = os.path.join(self.smile.default_config_root, config.EXTERNAL_INPUT_CONFIG)
        options["sampleRate"] = AUDIO_RATE
        options["nBits"] = 16
        instance = OpenSMILE()
        instance.initialize(config_file=self.smile.config_path, options=options, loglevel=self.smile.loglevel,
                            log_file=self.smile.logfile, debug=self.smile.verbose)
        return instance

    def close(self) -> None:
        if self._instance is not None:
            self._instance.free()
            self._instance = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown may have torn down ctypes already
            pass

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        """(n_features,) float32 for a 1-D float32 window at 16 kHz; all NaN when openSMILE
        returns no frame (a window shorter than its analysis frames), as ``Smile`` does."""
        from opensmile.core.config import config

        if self._instance is None or self._runs >= self.REBUILD_EVERY:
            self.close()
            self._instance, self._runs = self._build(), 0
        rows: list[np.ndarray] = []
        instance = self._instance
        try:
            instance.external_sink_set_callback_ex(config.EXTERNAL_OUTPUT_COMPONENT,
                                                   lambda data, _meta: rows.append(data.copy()))
            pcm = (audio * np.float32(32768)).astype(np.int16)  # Smile._extract's conversion
            if not instance.external_audio_source_write_data(config.EXTERNAL_SOURCE_COMPONENT, pcm.tobytes()):
                raise ExtractorError(f"openSMILE refused a window of {len(audio)} samples (its input buffer is full)")
            instance.external_audio_source_set_eoi(config.EXTERNAL_SOURCE_COMPONENT)
            instance.run()
            instance.reset()
            self._runs += 1
        except BaseException:
            self.close()  # never reuse an instance left mid-run
            raise
        if not rows:
            return np.full(self.smile.num_features, np.nan, dtype=np.float32)
        return np.asarray(rows[0], dtype=np.float32).reshape(-1)


def logmel_stats(audio: np.ndarray) -> np.ndarray:
    """Mean and std over frames of each of the 64 log-mel bands: (128,) float32."""
    mel = log_mel(audio).astype(np.float64)
    return np.concatenate([mel.mean(axis=0), mel.std(axis=0)]).astype(np.float32)


def _functionals(runner: SmileRunner, audio: np.ndarray, dim: int) -> np.ndarray:
    values = runner(audio)
    if values.shape != (dim,):
        raise ExtractorError(f"openSMILE returned {values.shape[0]} values where {dim} were expected")
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _check_audio(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio)
    if x.ndim != 1:
        raise ExtractorError(
            f"default.audio.egemaps-logmel needs mono audio (1-D, 16 kHz), got shape {x.shape}; "
            "mix the channels down (audio.mean(axis=0)) before extracting"
        )
    return np.ascontiguousarray(x, dtype=np.float32)


class DefaultAudio(Extractor):
    """eGeMAPS functionals (+ optional ComParE) and log-mel statistics of each second's window."""

    modality = "audio"
    name = "default.audio.egemaps-logmel"
    version = "1"
    needs = "audio"
    shape = (EGEMAPS_DIM + LOGMEL_DIM,)
    batch_size = 32
    intra_op_threads = 1

    def __init__(self, compare: bool = False) -> None:
        self.compare = bool(compare)
        self.shape = (EGEMAPS_DIM + LOGMEL_DIM + (COMPARE_DIM if self.compare else 0),)
        self._egemaps: SmileRunner | None = None
        self._compare: SmileRunner | None = None

    def __getstate__(self) -> dict:
        # openSMILE objects wrap a native library handle: rebuild them in the worker process
        state = self.__dict__.copy()
        state["_egemaps"] = None
        state["_compare"] = None
        return state

    def params(self) -> dict:
        return {
            "sample_rate": AUDIO_RATE,
            "egemaps": "eGeMAPSv02 functionals",
            "compare": "ComParE_2016 functionals" if self.compare else None,
            "logmel": "mean and std over frames of 64 log-mel bands (videoaffect.extractors.logmel)",
            "nonfinite": "replaced by 0",
        }

    def _one(self, audio: np.ndarray) -> np.ndarray:
        x = _check_audio(audio)
        if self._egemaps is None:
            self._egemaps = SmileRunner(_smile("eGeMAPSv02"))
        parts = [_functionals(self._egemaps, x, EGEMAPS_DIM), logmel_stats(x)]
        if self.compare:
            if self._compare is None:
                self._compare = SmileRunner(_smile("ComParE_2016"))
            parts.append(_functionals(self._compare, x, COMPARE_DIM))
        return np.concatenate(parts)

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        windows, present = audio_of(samples)
        # a zero-length window carries no audio: missing, like None
        lengths = np.array([len(w) for w in windows], dtype=int)
        present[np.flatnonzero(present)[lengths == 0]] = False
        out, _ = self.empty(len(samples))
        rows = [self._one(w) for w in windows if len(w) > 0]
        if rows:
            out[present] = np.stack(rows)
        return out, present
