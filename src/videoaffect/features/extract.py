"""Extraction jobs: video files in, one feature file per movie out.

* Inputs: video files, folders of videos (non-recursive) and CSV manifests (column ``path``,
  relative to the manifest, optional ``movie_id``).  The movie id is the file stem unless the
  manifest gives one; two inputs with the same id are an error before any work starts.
  ``collect_batch`` (``extract``, ``predict``): a video argument or manifest row naming a missing
  or unreadable file is one failed movie with its reason, the others are done; an empty folder,
  a manifest that is not there or cannot be read is an error before any work (its videos are
  unknown).  ``collect_inputs`` (the Python API) refuses any of them.
* A movie whose stored file has the same provenance (decoder parameters, every extractor's
  name/version/parameters/weights hash) and the same source sha256 is skipped; a stale one is
  redone.  Each movie is written atomically, so an interrupted job resumes at the first
  unfinished movie.
* A failing movie does not stop the others; failures are reported per movie at the end and
  make the command exit non-zero.  Missing weights fail the whole job up front.
* Backends: ``local`` (this process, or ``--workers N`` processes) and ``dask`` (a
  ``dask.distributed`` cluster: a scheduler address, or a local cluster started for the job).
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from videoaffect.core.errors import DataError
from videoaffect.core.locks import OutputLock
from videoaffect.core.vocabulary import RunStatus
from videoaffect.features.store import FeatureStore, StoreError
from videoaffect.weights.registry import sha256_of

VIDEO_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts", ".mts"}


MAX_SIDE = 1280

log = logging.getLogger(__name__)


class InputError(DataError):
    pass


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


def collect_batch(inputs: Sequence[str | Path]) -> list[VideoInput]:
    """Every input video in order, those that cannot be read included with their ``problem``."""
    from videoaffect.core.manifest import video_problem

    found: list[VideoInput] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            videos = sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES)
            if not videos:
                raise InputError(f"{p} is a folder with no video files ({', '.join(sorted(VIDEO_SUFFIXES))})")
            found += [VideoInput(str(v), v.stem) for v in videos]
        elif p.suffix.lower() == ".csv":
            found += _read_manifest(p)
        else:
            problem = video_problem(p)
            reason = f"{p} {problem}; correct the path or leave it out of the command" if problem else ""
            found.append(VideoInput(str(p), p.stem, reason))
    if not found:
        raise InputError("no input videos given")
    seen: dict[str, str] = {}
    for v in found:
        if v.movie_id in seen:
            raise InputError(
                f"movie id {v.movie_id!r} is used by both {seen[v.movie_id]} and {v.path}; rename one or give "
                "ids in a manifest (columns path, movie_id)"
            )
        seen[v.movie_id] = v.path
    return found


def collect_inputs(inputs: Sequence[str | Path]) -> list[VideoInput]:
    """Every input video; any that cannot be read is an error (``collect_batch`` lists it instead)."""
    videos = collect_batch(inputs)
    unreadable = [v for v in videos if v.problem]
    if unreadable:
        raise InputError(unreadable[0].problem)
    return videos


def unreadable_result(video: VideoInput) -> MovieResult:
    """The failed result of an input that cannot be read, as extraction reports a failed movie."""
    return MovieResult(video.movie_id, video.path, "failed", reason=video.problem)


def _read_manifest(path: Path) -> list[VideoInput]:
    """Videos of a manifest (columns video or path, optional movie_id), read by the reader every
    command shares (``core/manifest.py``): a file that trains also predicts and extracts.  A row
    whose video cannot be read comes back with its problem (one failed movie, not a failed batch)."""
    from videoaffect.core.manifest import ManifestError, movie_id_of, read_manifest, row_video_problem

    try:
        return [VideoInput(str(row.video), movie_id_of(row, path), row_video_problem(path, row) or "")
                for row in read_manifest(path, check_videos=False)]
    except ManifestError as exc:
        raise InputError(str(exc)) from None


# ---------------------------------------------------------------------- one movie
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
            {ex.modality: ex.provenance() for ex in extractors},
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


def _worker_init(threads: int, parent: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _exit_with(parent)


def _exit_with(parent: int, every_s: float = 0.5) -> None:
    """End this worker process soon after the job's process dies.  A killed job (SIGKILL) cannot
    stop its workers, and they would go on writing into a store whose lock the next job takes
    over, then wait for work for ever (each still holds the task queue open)."""
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="videoaffect-watch-parent", daemon=True).start()


def _extract_task(args: tuple) -> dict:
    return asdict(extract_movie(*args))


# ---------------------------------------------------------------------- many movies
def run_extraction(
    videos: list[VideoInput],
    feature_set: str,
    store_root: str | Path,
    *,
    workers: int = 1,
    device: str = "cpu",
    backend: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    modalities: tuple[str, ...] | None = None,
    options: dict | None = None,
    progress: bool = True,
    on_result: Callable[[MovieResult], None] | None = None,
) -> list[MovieResult]:
    """Extract every video into the store.  ``on_result`` is called in this process as each
    movie finishes (in completion order), so a caller can use a movie's features at once (and a
    killed job keeps what the callback made of the finished ones)."""
    store_root = str(store_root)
    if backend not in ("local", "dask"):
        raise ValueError(f"unknown backend {backend!r}; use local or dask")
    from videoaffect.extractors.feature_sets import check_weights

    # Missing weight files fail here, all named at once, before the store (or its folder) exists.
    check_weights(feature_set, list(modalities) if modalities else None, options)
    # Taken before the (slow) extractors are built, so a second job on the same store fails at
    # once.  Only this process holds it: workers die with their job, so the lock of a killed job
    # names a dead pid and the next run takes it over.
    with OutputLock(store_root, "extract") as lock:
        if lock.took_over is not None:
            log.warning("%s: the previous extraction (pid %s) stopped without finishing; resuming",
                        store_root, lock.took_over.get("pid", "?"))
        return _run_locked(videos, feature_set, store_root, workers=workers, device=device, backend=backend,
                           scheduler=scheduler, force=force, modalities=modalities, options=options,
                           progress=progress, on_result=on_result or (lambda r: None))


def _run_locked(videos, feature_set, store_root, *, workers, device, backend, scheduler, force, modalities, options,
                progress, on_result) -> list[MovieResult]:
    store = FeatureStore(store_root)  # create / validate before spawning anything
    store.remove_temporary()
    # Build the extractors once here: missing weights fail the whole job with one clear error.
    options_json = json.dumps(options or {}, sort_keys=True)
    extractors = built_extractors(feature_set, device, modalities, options_json)
    args = [(v, feature_set, store_root, device, force, modalities, options_json) for v in videos]
    order = {v.movie_id: i for i, v in enumerate(videos)}
    if backend == "dask":
        return sorted(_run_dask(args, workers, scheduler, on_result), key=lambda r: order[r.movie_id])
    if workers <= 1:
        return _run_serial(args, extractors, progress, on_result)
    threads = max(1, (os.cpu_count() or 1) // workers)
    results = []
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_worker_init,
                             initargs=(threads, os.getpid())) as pool:
        futures = [pool.submit(_extract_task, a) for a in args]
        with _progress(progress) as bar:
            task = bar.add_task("movies", total=len(futures)) if bar else None
            for fut in as_completed(futures):
                results.append(MovieResult(**fut.result()))
                on_result(results[-1])
                if bar:
                    bar.advance(task)
    return sorted(results, key=lambda r: order[r.movie_id])


def _run_serial(args, extractors, progress: bool, on_result) -> list[MovieResult]:
    results = []
    with _progress(progress) as bar:
        movies = bar.add_task("movies", total=len(args)) if bar else None
        for a in args:
            sec = bar.add_task(f"{a[0].movie_id}", total=None) if bar else None

            def on_second(done, total, sec=sec):
                if bar:
                    bar.update(sec, completed=done, total=total)

            video, feature_set, store_root, device, force, modalities, options = a
            results.append(extract_movie(video, feature_set, store_root, device, force, modalities, options,
                                         on_second=on_second, extractors=extractors))
            on_result(results[-1])
            if bar:
                bar.remove_task(sec)
                bar.advance(movies)
    return results


def _run_dask(args, workers: int, scheduler: str | None, on_result) -> list[MovieResult]:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(_extract_task, args, pure=False)
        results = []
        for fut in as_completed(futures):
            results.append(MovieResult(**fut.result()))
            on_result(results[-1])
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _NoBar:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _progress(enabled: bool):
    if not enabled:
        return _NoBar()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    transient=True)
