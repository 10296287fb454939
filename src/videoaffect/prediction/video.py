"""Predicting videos: extract exactly the features the model was trained on, predict every
task, write CSV, JSON, PNG and a self-contained HTML report per video.

* The model records its extraction job (feature set, decoder parameters, every extractor's
  name, version, shape, parameters and weight sha256).  The same job is rebuilt here and
  compared field by field; any difference (another extractor version, another weight file,
  a missing weight file) refuses the prediction with the reason.
* Features go to ``store`` when given (a second run finds them there and does not extract
  again), else to a temporary store removed afterwards.  A store file for the same movie id made
  by another extraction job is an error, never silently overwritten: it may be another model's
  training data.
* Each video's four files are rendered in memory and then renamed into place together: a
  failure leaves none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from videoaffect.core.errors import DataError
from videoaffect.core.files import atomic_write_text, current_umask, sha256_of
from videoaffect.core.vocabulary import RunStatus
from videoaffect.datasets.corpus import Corpus, Movie
from videoaffect.features.job import ExtractionJob, normalised
from videoaffect.features.movie import without_movie_inputs
from videoaffect.models.affect_model import ModelLoadError
from videoaffect.models.model_directory import ModelBundle
from videoaffect.prediction.curves import (
    curve_csv,
    curve_json,
    curve_metadata,
    faces_found,
    movie_curve,
    shot_cuts_from,
    tasks_to_predict,
)
from videoaffect.reports.viewer import VIEWER_SUFFIX

OUTPUT_SUFFIXES = (".csv", ".json", ".png", ".html")


class PredictionError(DataError):
    """A video or model that cannot be predicted; the message names the file and the fix."""


@dataclass
class VideoOutcome:
    movie_id: str
    path: str
    status: RunStatus
    reason: str = ""  # why it failed (naming the file and the fix); "" when done
    files: list[str] = field(default_factory=list)
    seconds: int = 0  # the whole seconds predicted (those whose middle lies in the video)
    # True when the outputs of an earlier call were current and kept (nothing redone)
    up_to_date: bool = False
    # per task: mean, std, min, min_at_s, max, max_at_s (the JSON's "summary"), for summary.csv
    summary: dict = field(default_factory=dict)
    duration_s: float | None = None  # the video's decoded duration (None: features of a corpus)
    warning: str = ""  # the prediction's warning (a model trained on generated data), "" if none


# ---------------------------------------------------------------------- feature job
def model_job(bundle: ModelBundle, device: str = "cpu", text: dict | None = None, **run) -> ExtractionJob:
    """The extraction job the model recorded (``ExtractionJob.recorded``), its extractors built
    here and compared with the record field by field.  ``text``: this call's text-modality options
    (``--subtitles``, ``--speech-to-text``), added to the recorded ones (a model trained with
    ``--speech-to-text`` transcribes here too; a recorded subtitle file is left out).  ``run``: the
    job's store, workers, backend, scheduler, force and progress."""
    from videoaffect.weights.registry import WeightsError

    feature_set = bundle.require_video_features()
    recorded = bundle.features.provenance
    options = dict(bundle.features.options or {})
    # a recorded subtitle file is a training video's, never this one's; --speech-to-text carries over
    wanted = {k: v for k, v in (options.pop("text", None) or {}).items() if k != "subtitles"}
    if text:
        if "text" not in (recorded.get("extractors") or {}):
            raise PredictionError(f"--subtitles and --speech-to-text feed the text modality, which the model "
                                  f"{bundle.path} does not use; leave them out")
        wanted.update(text)
    if wanted:
        options["text"] = wanted
    job = ExtractionJob.recorded(feature_set, options, recorded, bundle.modality_names, device=device, **run)
    try:
        job.extractors()
    except WeightsError:
        raise  # its message already names every missing file and the one command that installs them
    except Exception as exc:  # an unknown set: the registry's message says what to do
        raise PredictionError(
            f"the model {bundle.path} needs the {feature_set!r} feature set ({', '.join(job.modalities or ())}), "
            f"which cannot be built here: {exc}"
        ) from None
    reasons = job.differences(recorded)
    if reasons:
        raise PredictionError(
            f"the features this installation computes differ from those the model {bundle.path} was trained "
            f"on: {'; '.join(reasons)}. Install the extractor versions and weight files the model records "
            "(`videoaffect weights verify`), or retrain the model here"
        )
    return job


def check_store(store_root: Path, feature_set: str, movie_id: str, provenance: dict, video: Path | None = None,
                force: bool = False) -> None:
    """Refuse to overwrite a store file that belongs to something else: features of the same
    movie id made by another extraction job (always), or made from another video file with the
    same id (unless ``force``: e.g. the video was edited)."""
    from videoaffect.features.store import FeatureStore

    store = FeatureStore(store_root, create=False) if (store_root / "store.json").is_file() else None
    if store is None:
        return
    stored = store.stored_provenance(feature_set, movie_id)
    if stored is None:
        return
    where = store.path(feature_set, movie_id)
    if normalised(without_movie_inputs(stored[0])) != normalised(provenance):
        raise PredictionError(
            f"{where} holds {feature_set!r} features of {movie_id!r} made by another extraction job than the "
            f"model's (it may be another model's data); pass another --store (or none), or delete that file"
        )
    if not force and video is not None and stored[1] != sha256_of(video):
        raise PredictionError(
            f"{where} holds features of another file named {movie_id!r} (sha256 {stored[1][:12]}…); pass "
            "--force to replace them (e.g. the video was edited), another --store, or rename the video"
        )


# ---------------------------------------------------------------------- one stored movie
def stored_movie_corpus(stored) -> Corpus:
    return Corpus.from_movies([Movie.from_stored(stored)], stored.specs())


def predict_stored(bundle: ModelBundle, stored, tasks: list[str], clip_stride: int, device: str,
                   video: dict) -> tuple[pd.DataFrame, dict]:
    corpus = stored_movie_corpus(stored)
    cuts = shot_cuts_from(stored.features, stored.modality_provenance)
    frame = movie_curve(bundle, corpus, 0, tasks, clip_stride, device, shot_cuts=cuts)
    for name, faces in faces_found(stored.features, stored.modality_provenance).items():
        column = f"{name}_present"
        if column in frame.columns:
            frame[column] = frame[column].to_numpy() & faces
    meta = curve_metadata(bundle, frame, tasks, clip_stride, video, stored.provenance)
    return frame, meta


# ---------------------------------------------------------------------- outputs
def render_outputs(frame: pd.DataFrame, meta: dict, video_path: str | None, viewer_page: Path | None = None
                   ) -> dict[str, bytes]:
    """The CSV, JSON, PNG and HTML of one video (and, with ``viewer_page``, the interactive
    ``<id>.viewer.html`` whose <video> points at ``video_path`` relative to that page)."""
    from videoaffect.reports import grab_frames, render_curve_png, render_html, select_moments

    png = render_curve_png(frame, meta)
    thumbs: dict[int, bytes] = {}
    if video_path is not None:
        seconds = sorted({m["second"] for m in select_moments(frame)})
        thumbs = grab_frames(video_path, seconds)
    html = render_html(frame, meta, png, thumbs)
    doc = curve_json(frame, meta)
    files = {
        ".csv": curve_csv(frame).encode("utf-8"),
        ".json": json.dumps(doc, indent=1).encode("utf-8"),
        ".png": png,
        ".html": html.encode("utf-8"),
    }
    if viewer_page is not None and video_path is not None:
        from videoaffect.reports.viewer import render_viewer, viewer_video_src

        page = render_viewer(doc, viewer_video_src(Path(video_path), viewer_page))
        files[VIEWER_SUFFIX] = page.encode("utf-8")
    return files


def write_together(out_dir: Path, stem: str, files: dict[str, bytes]) -> list[str]:
    """Write every file under a temporary name, then rename all; on any failure none remain."""
    temps: list[tuple[Path, Path]] = []
    try:
        for suffix, data in files.items():
            final = out_dir / f"{stem}{suffix}"
            fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}", suffix=suffix + ".tmp", dir=out_dir)
            # recorded before writing, so a failed write (a full disk) is cleaned up too
            temps.append((Path(tmp_name), final))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp_name, 0o666 & ~current_umask())
        for tmp, final in temps:
            os.replace(tmp, final)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [str(final) for _, final in temps]


def prepare_output_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PredictionError(f"--out {out} is a file; give a directory for the per-video results")
    out.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------------- many videos
@contextmanager
def _store_for(store: str | Path | None):
    """The feature store to use: the one given, or a temporary one removed afterwards."""
    if store is not None:
        root = Path(store)
        if root.exists() and not root.is_dir():
            raise PredictionError(f"--store {root} is a file; give a feature-store directory")
        yield root
        return
    temp = tempfile.mkdtemp(prefix="videoaffect-features-")
    try:
        yield Path(temp)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def extract_for_model(videos, job: ExtractionJob, on_result=None):
    """Extract the model's features (``model_job``) for ``videos`` into the job's store (skipping
    up-to-date ones).  Returns (extraction results, {movie id: reason} of refused videos: a store
    file of the same id made by another job or from another file, see ``check_store``);
    ``on_result`` sees each movie as it finishes."""
    assert job.store is not None  # chosen by _store_for
    provenance = job.provenance()
    refused, runnable = {}, []
    for v in videos:
        try:
            check_store(job.store, job.feature_set, v.movie_id, provenance, Path(v.path), job.force)
            runnable.append(v)
        except PredictionError as exc:
            refused[v.movie_id] = str(exc)
    results = job.run(runnable, on_result=on_result) if runnable else []
    return results, refused


def run_fingerprint(bundle: ModelBundle, tasks: list[str], clip_stride: int) -> dict | None:
    """What makes a video's outputs current besides the video itself: the model (its
    ``model.json``, written last and naming every member and weight), the tasks and the stride.
    None for a model not loaded from a directory."""
    if bundle.path is None or not (Path(bundle.path) / "model.json").is_file():
        return None
    return {"model_json_sha256": sha256_of(Path(bundle.path) / "model.json"), "tasks": list(tasks),
            "clip_stride": int(clip_stride)}


def _current_outputs(out_dir: Path, video, fingerprint: dict | None, viewer: bool) -> VideoOutcome | None:
    """The outcome of an earlier call whose outputs for ``video`` are complete and current (same
    run fingerprint, same video file by sha256), else None.  A viewer page asked for now but not
    then is made from the current JSON (the curves are the same)."""
    if fingerprint is None:
        return None
    by_suffix = {suffix: out_dir / f"{video.movie_id}{suffix}" for suffix in OUTPUT_SUFFIXES}
    files = list(by_suffix.values())
    if not all(f.is_file() for f in files):
        return None
    try:
        doc = json.loads(by_suffix[".json"].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if doc.get("run") != fingerprint or not Path(video.path).is_file():
        return None
    if "subtitles" in doc:  # a text model: its subtitles may have changed or appeared (the store re-checks them)
        return None
    if "duration_s" not in (doc.get("video") or {}):  # written before 0.7: redone to say the duration
        return None
    if (doc.get("video") or {}).get("sha256") != sha256_of(Path(video.path)):
        return None
    page = out_dir / f"{video.movie_id}{VIEWER_SUFFIX}"
    if viewer and not page.is_file():
        from videoaffect.reports.viewer import render_viewer, viewer_video_src

        atomic_write_text(page, render_viewer(doc, viewer_video_src(Path(video.path), page)))
    if page.is_file():
        files.append(page)
    return VideoOutcome(video.movie_id, video.path, "done", files=[str(f) for f in files],
                        seconds=int((doc.get("video") or {}).get("seconds") or 0), up_to_date=True,
                        summary=doc.get("summary") or {}, duration_s=doc["video"]["duration_s"],
                        warning=doc.get("warning") or "")


def predict_videos(
    inputs: Sequence[str | Path],
    bundle: ModelBundle,
    out_dir: str | Path,
    *,
    store: str | Path | None = None,
    clip_stride: int = 1,
    task: str | None = None,
    device: str = "cpu",
    workers: int = 1,
    progress: bool = False,
    force: bool = False,
    backend: str = "local",
    scheduler: str | None = None,
    viewer: bool = False,
    audience: Sequence | None = None,
    text: dict | None = None,
) -> list[VideoOutcome]:
    """Extract (or reuse) features and write the outputs of each video as soon as its features
    are ready, so a killed batch keeps every finished video; a rerun keeps outputs that are
    current (same model, tasks, stride and video file) and redoes nothing for them (``force``
    redoes everything).  A failing video is reported in its outcome; the others are still done.
    ``DIR/index.json`` and ``DIR/summary.csv`` list every input.  ``audience``: one film's labels
    (``reports.audience.read_audience``), compared with its prediction into the JSON's
    ``"audience"`` (and its viewer page); outputs of an earlier call are then not kept as they are.
    ``text``: the text modality's options (``model_job``)."""
    from videoaffect.features.extract import collect_batch
    from videoaffect.features.store import FeatureStore

    out_dir = Path(out_dir)
    bundle.require_video_features()
    tasks = tasks_to_predict(bundle, task)
    # a missing or unreadable file (argument or manifest row) is one failed video, the others are done
    videos = collect_batch([str(i) for i in inputs])
    # refuse a model whose features cannot be made here before any output; the store comes later
    job = model_job(bundle, device, text, workers=workers, force=force, backend=backend, scheduler=scheduler)
    feature_set = job.feature_set
    prepare_output_dir(out_dir)
    by_id = {v.movie_id: v for v in videos}
    fingerprint = run_fingerprint(bundle, tasks, clip_stride)
    outcomes: dict[str, VideoOutcome] = {
        v.movie_id: VideoOutcome(v.movie_id, v.path, "failed", v.problem) for v in videos if v.problem
    }
    if not force and not audience:
        for v in videos:
            kept = None if v.problem else _current_outputs(out_dir, v, fingerprint, viewer)
            if kept is not None:
                outcomes[v.movie_id] = kept
    pending = [v for v in videos if v.movie_id not in outcomes]
    kept_count = sum(o.status == "done" for o in outcomes.values())
    with _store_for(store) as store_root, \
            _BatchProgress(progress, len(videos), kept_count, len(outcomes) - kept_count) as bar:
        fs = FeatureStore(store_root, create=True)

        def on_result(r) -> None:
            if r.status == "failed":
                outcomes[r.movie_id] = VideoOutcome(r.movie_id, r.path, "failed", r.reason.splitlines()[0])
            else:
                outcomes[r.movie_id] = _predict_one(bundle, fs, feature_set, r, tasks, clip_stride, device,
                                                    out_dir, viewer, fingerprint, audience,
                                                    (text or {}).get("subtitles"))
            bar.finished(outcomes[r.movie_id].status == "done")

        _, refused = extract_for_model(pending, job.in_store(store_root), on_result)
        for movie_id, reason in refused.items():
            outcomes[movie_id] = VideoOutcome(movie_id, by_id[movie_id].path, "failed", reason)
            bar.finished(False)
    ordered = [outcomes[v.movie_id] for v in videos]
    write_index(out_dir, ordered)
    write_summary(out_dir, ordered, tasks)
    return ordered


def write_index(out_dir: Path, outcomes: list[VideoOutcome]) -> None:
    """``DIR/index.json``: every input of the call, done (with its files) or failed (with the
    ``reason``, the key summary.csv uses too), so a batch can be checked without reading the
    console."""
    rows = [{k: v for k, v in o.__dict__.items() if k != "summary"} for o in outcomes]
    atomic_write_text(out_dir / "index.json", json.dumps(rows, indent=1))


# per task, after <task>_: the values and the second where each extreme is (whatever its sign: the
# highest valence of a film may be negative, so no column says "most positive")
SUMMARY_STATS = ("mean", "std", "min", "min_at_s", "max", "max_at_s")


def summary_rows(outcomes: list[VideoOutcome], tasks: list[str]) -> list[dict]:
    """One row per video for ``DIR/summary.csv``: the model's warning, the duration, each task's
    mean, spread, lowest and highest value and the second of each, or the failure and its reason."""
    rows = []
    for o in outcomes:
        done = o.status == "done"
        row: dict = {
            "movie_id": o.movie_id, "path": o.path, "status": o.status,
            # the generated-data warning as its text in a column of its own, beside the status: the
            # file a team opens in a spreadsheet says it on every predicted row ("" when the model
            # learnt from real data; the JSON's "warning" holds the same text)
            "warning": o.warning if done else "",
            # to the tenth of a second (the JSON's video.duration_s has it to the millisecond); the
            # whole seconds predicted (values in <id>.csv) beside it
            "duration_s": round(o.duration_s, 1) if done and o.duration_s is not None else "",
            "seconds_predicted": o.seconds if done else "",
        }
        for task in tasks:
            stats = o.summary.get(task) or {}
            for stat in SUMMARY_STATS:
                row[f"{task}_{stat}"] = stats.get(stat, "")
        row["reason"] = o.reason
        rows.append(row)
    return rows


def write_summary(out_dir: Path, outcomes: list[VideoOutcome], tasks: list[str]) -> Path:
    """``DIR/summary.csv`` (see ``summary_rows``), written atomically."""
    import csv
    import io

    rows = summary_rows(outcomes, tasks)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["movie_id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = out_dir / "summary.csv"
    atomic_write_text(path, buffer.getvalue())
    return path


def decoded_duration(path: str | Path) -> float:
    """The video's duration from its header (decoding/probe.py's, the one extraction used), to the
    millisecond: ``video.duration_s`` in the JSON, shown to the tenth of a second."""
    from videoaffect.decoding.media import probe

    return round(probe(path).duration_s, 3)


def _predict_one(bundle, fs, feature_set, result, tasks, clip_stride, device, out_dir, viewer=False,
                 fingerprint=None, audience=None, subtitles=None) -> VideoOutcome:
    try:
        stored = fs.read(feature_set, result.movie_id)
        video = {
            "name": Path(result.path).name,
            "path": str(result.path),
            "duration_s": decoded_duration(result.path),
            "seconds": stored.seconds,
            "sha256": stored.source.get("sha256"),
            "movie_id": result.movie_id,
        }
        frame, meta = predict_stored(bundle, stored, tasks, clip_stride, device, video)
        if fingerprint is not None:
            meta["run"] = fingerprint
        text_inputs = (stored.modality_provenance.get("text") or {}).get("inputs")
        if text_inputs:  # the viewer writes the subtitle text at its cursor
            from videoaffect.reports.viewer import subtitle_block

            meta["subtitles"] = subtitle_block(result.path, text_inputs, subtitles)
        if audience:  # checked before any file is written: labels of another length fail this video
            from videoaffect.reports.audience import audience_block

            meta["audience"] = audience_block(curve_json(frame, meta), audience, f"the prediction of {result.path}")
        page = out_dir / f"{result.movie_id}{VIEWER_SUFFIX}"
        # a viewer page left by an earlier call is redone with the rest, never left stale
        page = page if viewer or page.is_file() else None
        files = write_together(out_dir, result.movie_id, render_outputs(frame, meta, result.path, page))
        return VideoOutcome(result.movie_id, result.path, "done", files=files, seconds=stored.seconds,
                            summary=meta.get("summary") or {}, duration_s=video["duration_s"],
                            warning=meta.get("warning") or "")
    except (ValueError, RuntimeError, OSError, ModelLoadError) as exc:
        return VideoOutcome(result.movie_id, result.path, "failed", f"{exc.__class__.__name__}: {exc}")


class _BatchProgress:
    """A progress bar of videos done, failed and remaining (rich, on stderr), or nothing."""

    def __init__(self, enabled: bool, total: int, already_done: int = 0, already_failed: int = 0) -> None:
        self.enabled, self.total = enabled, total
        self.done, self.failed = already_done, already_failed
        self.progress = None
        self.task = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("videos"), BarColumn(),
                                     TextColumn("{task.fields[done]} done, {task.fields[failed]} failed, "
                                                "{task.fields[remaining]} remaining"),
                                     TimeRemainingColumn(), transient=True)
            self.progress.__enter__()
            self.task = self.progress.add_task("videos", total=self.total, completed=self.done + self.failed,
                                              **self._fields())
        return self

    def _fields(self) -> dict:
        return {"done": self.done, "failed": self.failed, "remaining": self.total - self.done - self.failed}

    def finished(self, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=self.done + self.failed, **self._fields())

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
        return False


# ---------------------------------------------------------------------- corpus (features already made)
def predict_corpus(bundle: ModelBundle, corpus: Corpus, movies: Sequence[int], out_dir: str | Path, *,
                   clip_stride: int = 1, task: str | None = None, device: str = "cpu") -> list[VideoOutcome]:
    """The corpus route: CSV, JSON, PNG and HTML (without thumbnails) per movie."""
    out_dir = Path(out_dir)
    prepare_output_dir(out_dir)
    tasks = tasks_to_predict(bundle, task)
    outcomes = []
    for m in movies:
        mid = corpus.movie_ids[m]
        frame = movie_curve(bundle, corpus, m, tasks, clip_stride, device)
        video = {"name": mid, "path": None, "duration_s": None, "seconds": corpus.seconds(m), "sha256": None,
                 "movie_id": mid}
        prov = {"corpus": [s.to_dict() for s in corpus.specs.values()]}
        meta = curve_metadata(bundle, frame, tasks, clip_stride, video, prov)
        files = write_together(out_dir, mid, render_outputs(frame, meta, None))
        outcomes.append(VideoOutcome(mid, "", "done", files=files, seconds=corpus.seconds(m),
                                     summary=meta.get("summary") or {}, warning=meta.get("warning") or ""))
    write_index(out_dir, outcomes)
    return outcomes


# ---------------------------------------------------------------------- Python API
def predict(video: str | Path, model: ModelBundle | str | Path, *, clip_stride: int = 1, task: str | None = None,
            store: str | Path | None = None, device: str = "cpu") -> pd.DataFrame:
    """Per-second DataFrame of one video (same columns as the CSV), indexed by ``time_s``.
    ``DataFrame.attrs["videoaffect"]`` holds the metadata written to the JSON file."""
    from videoaffect.core.manifest import video_problem
    from videoaffect.features.movie import VideoInput
    from videoaffect.features.store import FeatureStore

    bundle = model if isinstance(model, ModelBundle) else ModelBundle.load(model)
    bundle.require_video_features()
    tasks = tasks_to_predict(bundle, task)
    path = Path(video)
    problem = video_problem(path)
    if problem is not None:
        raise PredictionError(f"{path} {problem}; give the path of a video file")
    with _store_for(store) as store_root:
        job = model_job(bundle, device, store=store_root)
        results, refused = extract_for_model([VideoInput(str(path), path.stem)], job)
        if refused:
            raise PredictionError(refused[path.stem])
        if results[0].status == "failed":
            raise PredictionError(results[0].reason.splitlines()[0])
        stored = FeatureStore(store_root).read(job.feature_set, path.stem)
        info = {"name": path.name, "path": str(path), "duration_s": decoded_duration(path), "seconds": stored.seconds,
                "sha256": stored.source.get("sha256"), "movie_id": path.stem}
        frame, meta = predict_stored(bundle, stored, tasks, clip_stride, device, info)
    fingerprint = run_fingerprint(bundle, tasks, clip_stride)
    if fingerprint is not None:  # the same metadata as the JSON `predict` writes
        meta["run"] = fingerprint
    frame.attrs["videoaffect"] = meta
    return frame
