"""One movie: its video decoded second by second, every extractor of the job fed in batches, its
features written atomically into the store.

* The extractors of a job are built once per process (``built_extractors``) and reused for every
  movie it handles; ``decoder_params`` and ``job_provenance`` are what a set of extractors implies
  (the decoder's parameters, every extractor's name, version, parameters and weights hash), stored
  with each movie and recorded by a model.
* ``extract_movie`` never raises for a problem of the movie itself: it comes back as a failed
  ``MovieResult`` naming the file and the reason.  A movie whose stored file has the same
  provenance and source sha256 is skipped.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.core.vocabulary import RunStatus
from videoaffect.features.store import FeatureStore, StoreError
from videoaffect.weights.registry import sha256_of

# Frames larger than this are downscaled before any extractor sees them (``decoder_params``).
MAX_SIDE = 1280


@dataclass(frozen=True)
class VideoInput:
    path: str
    movie_id: str
    # why the file cannot be read (naming it and the fix); such an input is a failed movie of
    # the batch, never handed to an extractor
    problem: str = ""


@dataclass
class MovieResult:
    movie_id: str
    path: str
    status: RunStatus
    seconds: int = 0
    elapsed_s: float = 0.0
    reason: str = ""  # why it failed: the one word for it everywhere (predict's summary.csv and index.json)


def unreadable_result(video: VideoInput) -> MovieResult:
    """The failed result of an input that cannot be read, as extraction reports a failed movie."""
    return MovieResult(video.movie_id, video.path, "failed", reason=video.problem)


_EXTRACTOR_CACHE: dict[tuple, list] = {}


def built_extractors(feature_set: str, device: str, modalities: tuple[str, ...] | None, options: str = "{}"):
    """Extractors are built once per process and reused for every movie it handles."""
    from videoaffect.extractors.feature_sets import build_feature_set

    key = (feature_set, device, modalities, options)
    if key not in _EXTRACTOR_CACHE:
        _EXTRACTOR_CACHE[key] = build_feature_set(
            feature_set, device, list(modalities) if modalities else None, json.loads(options)
        )
    return _EXTRACTOR_CACHE[key]


def job_provenance(feature_set: str, extractors, decoder: dict) -> dict:
    return {
        "feature_set": feature_set,
        "decoder": decoder,
        "extractors": {ex.modality: ex.provenance() for ex in extractors},
    }


def with_movie_inputs(provenance: dict, extractors, video_path: Path) -> dict:
    """The job's provenance with what each extractor reads for this movie besides the video
    (``Extractor.movie_inputs``, e.g. a subtitle file's sha256) as its ``inputs``; extractors
    that read nothing else keep their provenance as it was, so stores of other jobs stay current."""
    extractors_out = dict(provenance["extractors"])
    for ex in extractors:
        inputs = ex.movie_inputs(video_path)
        if inputs:
            extractors_out[ex.modality] = {**extractors_out[ex.modality], "inputs": inputs}
    return {**provenance, "extractors": extractors_out}


def without_movie_inputs(provenance: dict) -> dict:
    """A stored provenance without its movies' ``inputs``: what the job alone implies."""
    stored = provenance.get("extractors") or {}
    extractors = {m: {k: v for k, v in p.items() if k != "inputs"} for m, p in stored.items()}
    return {**provenance, "extractors": extractors} if "extractors" in provenance else dict(provenance)


def decoder_params(extractors) -> dict:
    return {
        "frame_instant": "middle of each second (t + 0.5 s)",
        "audio_rate": 16000,
        "audio_window_ms": 960,
        "motion_fps": max([ex.motion_fps for ex in extractors] + [0]),
        # Frames larger than this are downscaled (aspect kept) before any extractor sees them,
        # so an 8K file costs what a 1280-px one does.
        "max_side": MAX_SIDE,
    }


def extract_movie(
    video: VideoInput,
    feature_set: str,
    store_root: str,
    device: str = "cpu",
    force: bool = False,
    modalities: tuple[str, ...] | None = None,
    options: str = "{}",
    on_second: Callable[[int, int], None] | None = None,
    extractors=None,
) -> MovieResult:
    """Extract one movie into the store.  Never raises for problems of the movie itself: they
    come back as a failed result naming the file and the reason."""

    from threadpoolctl import threadpool_limits

    if video.problem:  # a caller that passed an unreadable input on: its reason, not a decoder's
        return unreadable_result(video)
    # NumPy's BLAS only ever sees small products here (the log-mel filterbank); its worker
    # threads spin between them and cost more CPU than the products themselves.
    with threadpool_limits(1, user_api="blas"):
        return _extract_movie(video, feature_set, store_root, device, force, modalities, options, on_second,
                              extractors)


def _extract_movie(video, feature_set, store_root, device, force, modalities, options, on_second,
                   extractors) -> MovieResult:
    from videoaffect.decoding.media import iter_seconds, probe

    t0 = time.perf_counter()
    store = FeatureStore(store_root)
    extractors = extractors if extractors is not None else built_extractors(feature_set, device, modalities, options)
    decoder = decoder_params(extractors)
    provenance = job_provenance(feature_set, extractors, decoder)
    writer = None
    try:
        source = Path(video.path)
        digest = sha256_of(source)
        provenance = with_movie_inputs(provenance, extractors, source)
        if not force and store.is_current(feature_set, video.movie_id, provenance, digest):
            return MovieResult(video.movie_id, video.path, "skipped", elapsed_s=time.perf_counter() - t0)
        info = probe(source)
        specs = {ex.modality: tuple(ex.shape) for ex in extractors}
        writer = store.writer(
            feature_set,
            video.movie_id,
            info.seconds,
            specs,
            provenance,
            provenance["extractors"],
            {"name": source.name, "size": source.stat().st_size, "sha256": digest},
        )
        for ex in extractors:
            ex.start_movie()
        batch_size = min(ex.batch_size for ex in extractors)
        samples = iter_seconds(source, motion_fps=decoder["motion_fps"], max_side=decoder["max_side"])
        with intra_op_threads(extractors) as threads:
            # Networks using several threads each would oversubscribe the cores side by side.
            side_by_side = threads == 1
            for done in run_extractors(extractors, prefetch(samples, batch_size), batch_size, writer.append,
                                       side_by_side=side_by_side):
                if on_second is not None:
                    on_second(done, info.seconds)
        writer.commit()
        return MovieResult(video.movie_id, video.path, "done", info.seconds, time.perf_counter() - t0)
    except Exception as exc:  # one bad movie must not stop the job; it is reported, not skipped
        if writer is not None:
            writer.abort()
        message = str(exc) or exc.__class__.__name__
        if not isinstance(exc, (OSError, ValueError, RuntimeError, StoreError)):
            message += "\n" + traceback.format_exc(limit=3)
        return MovieResult(video.movie_id, video.path, "failed", elapsed_s=time.perf_counter() - t0,
                           reason=f"{exc.__class__.__name__}: {message}")


# Batches handed to the extractors and not yet written: the fast extractors run at most this
# far ahead of the slowest, which bounds the frames held in memory.
BATCHES_IN_FLIGHT = 2


def run_extractors(extractors, samples, batch_size: int, write: Callable[[str, np.ndarray, np.ndarray], None],
                   side_by_side: bool = True):
    """Feed ``samples`` in batches to every extractor and ``write`` (modality, features,
    present) in order; yields the number of seconds written so far.

    With ``side_by_side`` each extractor has its own thread: they spend their time in
    openSMILE, OpenCV, torch and FFmpeg, which release the GIL, so on a few cores they overlap
    with each other and with the decoder thread instead of taking turns.  Otherwise one thread
    runs them in turn (still beside the decoder), for networks that use every core themselves.
    Each extractor sees its batches in order (stateful ones, like motion, carry a frame from one
    batch to the next)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    if side_by_side:
        pools = [ThreadPoolExecutor(1, thread_name_prefix=f"videoaffect-{ex.modality}") for ex in extractors]
    else:
        pools = [ThreadPoolExecutor(1, thread_name_prefix="videoaffect-extractors")] * len(extractors)
    pending: deque = deque()
    done = 0

    def write_oldest() -> int:
        count, futures = pending.popleft()
        for ex, future in zip(extractors, futures):
            feats, present = future.result()
            write(ex.modality, np.asarray(feats), np.asarray(present, dtype=bool))
        return count

    try:
        batch: list = []
        for sample in samples:
            batch.append(sample)
            if len(batch) >= batch_size:
                pending.append((len(batch), [pool.submit(ex.extract, batch) for ex, pool in zip(extractors, pools)]))
                batch = []
                while len(pending) > BATCHES_IN_FLIGHT:
                    done += write_oldest()
                    yield done
        if batch:
            pending.append((len(batch), [pool.submit(ex.extract, batch) for ex, pool in zip(extractors, pools)]))
        while pending:
            done += write_oldest()
            yield done
    finally:
        for pool in set(pools):
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def intra_op_threads(extractors):
    """Torch's intra-op threads for this movie: the most any extractor asks for (``None`` = the
    worker's share), never more than the worker has.  Small networks ask for one: their
    parallelism comes from running beside the decoder and the other extractors, and idle
    OpenMP threads spinning between small operations cost more CPU than they save."""
    import torch

    wanted = [getattr(ex, "intra_op_threads", None) for ex in extractors]
    share = torch.get_num_threads()
    if any(w is None for w in wanted) or not wanted:
        yield share
        return
    threads = max(1, min(share, max(wanted)))
    torch.set_num_threads(threads)
    try:
        yield threads
    finally:
        torch.set_num_threads(share)


def prefetch(items, depth: int):
    """Run an iterator in a background thread, ``depth`` items ahead: FFmpeg decodes (without the
    GIL) while the extractors work on the previous batch.  Exceptions are re-raised in order;
    memory is bounded by ``depth``."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def run():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            q.put(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
