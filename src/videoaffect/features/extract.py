"""Extraction of many movies: the inputs a command names, and ``extract_movie`` run over them
(in this process, in worker processes or on a Dask cluster) with a progress bar.

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
  unfinished movie (``features/movie.py``).
* A failing movie does not stop the others; failures are reported per movie at the end and
  make the command exit non-zero.  Missing weights fail the whole job up front.
* Backends: ``local`` (this process, or ``--workers N`` processes) and ``dask`` (a
  ``dask.distributed`` cluster: a scheduler address, or a local cluster started for the job).
  What to extract, where and how is one `ExtractionJob` (``features/job.py``), which runs this.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path

from videoaffect.core.errors import DataError
from videoaffect.core.locks import OutputLock
from videoaffect.features.movie import MovieResult, VideoInput, built_extractors, extract_movie
from videoaffect.features.store import FeatureStore

VIDEO_SUFFIXES = {".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".ts", ".mts"}

log = logging.getLogger(__name__)


class InputError(DataError):
    pass


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
