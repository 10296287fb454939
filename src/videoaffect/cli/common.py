"""Options and checks shared by the commands.  Everything here is light to import: a command's
heavy modules (torch, PyAV, the extractors) are imported when it runs, so ``--help`` is fast."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from videoaffect.core.device import DEVICE_HELP, check_device_name
from videoaffect.core.errors import ConfigError, DataError
from videoaffect.core.vocabulary import TASKS
from videoaffect.models.config import RunSettings

SYNTHETIC_PRESETS = ("tiny", "small", "mediaeval")


# ---------------------------------------------------------------------- argument types
def _whole_number_at_least(minimum: int, wording: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be {wording}")
        return value

    parse.__name__ = f"whole number {wording}"
    return parse


positive_int = _whole_number_at_least(1, "at least 1")
non_negative_int = _whole_number_at_least(0, "0 or more")


def device_arg(text: str) -> str:
    try:
        return check_device_name(text)
    except ConfigError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a device; use {DEVICE_HELP}") from None


# ---------------------------------------------------------------------- shared options
def verbosity_parent() -> argparse.ArgumentParser:
    """-q / -v, accepted before and after the command name.  SUPPRESS keeps a subcommand's
    parser from resetting what was given before the command name."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output")
    g.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=argparse.SUPPRESS,
                   help="warnings and errors only (no progress output)")
    g.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1, default=argparse.SUPPRESS,
                   help="also per-epoch training lines")
    return p


def add_progress(p: argparse._ActionsContainer) -> None:
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars on stderr (default: when stderr is a terminal; -q turns them off too)")


def progress_wanted(args: argparse.Namespace) -> bool:
    if getattr(args, "verbosity", 0) < 0:
        return False
    chosen = getattr(args, "progress", None)
    return sys.stderr.isatty() if chosen is None else bool(chosen)


def add_device(p, default: str = "cpu") -> None:
    p.add_argument("--device", type=device_arg, default=default, help=DEVICE_HELP)


def add_threads(p) -> None:
    p.add_argument("--threads", dest="num_threads", type=non_negative_int, default=0, metavar="N",
                   help="torch CPU threads (0 = torch's default)")


def add_workers(p, what: str = "parallel extraction processes") -> None:
    p.add_argument("--workers", type=positive_int, default=1, help=what)


def add_feature_set(p, help_extra: str = "") -> None:
    p.add_argument("--feature-set", default="default",
                   help="feature set to extract: default (offline, packaged weights), default-deep (default + "
                   "an ImageNet EfficientNet-Lite0 and the subtitles' sentiment; slower), paper (weights you "
                   "supply) or package.module:function returning your own extractors" + help_extra)


def add_backend(p) -> None:
    p.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="extraction on local processes (--workers), or on a dask.distributed cluster")
    p.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://host:8786 (default with --backend dask: "
                   "start a local cluster of --workers workers)")


def add_text_options(p) -> None:
    """--subtitles / --speech-to-text: where the text modality (feature set default-deep) reads what is said."""
    p.add_argument("--subtitles", type=Path, metavar="FILE",
                   help="text modality (default-deep set): the video's subtitles, .srt or .vtt, English (one video; "
                   "default: VIDEO.srt, VIDEO.en.srt, VIDEO.vtt beside it, else a subtitle stream inside it)")
    p.add_argument("--speech-to-text", action="store_true",
                   help="text modality: when a video has no subtitles, transcribe its English speech with pocketsphinx "
                   "(off by default: slow, and many words wrong on film sound)")


def text_options(args: argparse.Namespace, one_video: bool) -> dict:
    """The ``subtitles`` / ``speech_to_text`` options of `ExtractionJob.from_options`; --subtitles names one
    video's file, so it is refused unless the command was given one video file."""
    subtitles = getattr(args, "subtitles", None)
    if subtitles is not None and not one_video:
        raise ConfigError(f"--subtitles {subtitles} names the subtitles of one video; give one video file (not "
                          "several, a folder or a manifest), or put each video's subtitles beside it as VIDEO.srt (or "
                          "VIDEO.en.srt, VIDEO.vtt) and leave --subtitles out")
    return {"subtitles": subtitles, "speech_to_text": bool(getattr(args, "speech_to_text", False))}


def check_scheduler(args: argparse.Namespace) -> None:
    """--scheduler names a dask cluster: refused without --backend dask (the local backend would
    ignore it), the same for every command that extracts, before any work (before the command
    builds its extraction job, which checks it again: ``features/job.py check_backend``)."""
    from videoaffect.features.job import check_backend

    check_backend(getattr(args, "backend", "local"), getattr(args, "scheduler", None))


def extraction_job(args: argparse.Namespace, store: Path | None, feature_set: str | None = None, **extractor_options):
    """The `ExtractionJob` of a command's options: --feature-set (or ``feature_set``), --device,
    --workers, --backend, --scheduler, --force and --progress where the command has them;
    ``extractor_options``: `ExtractionJob.from_options`'s (``extract``'s --modalities and the
    extractors' options)."""
    from videoaffect.features.job import ExtractionJob

    return ExtractionJob.from_options(
        store, feature_set or args.feature_set, device=getattr(args, "device", "cpu"),
        workers=getattr(args, "workers", 1), backend=getattr(args, "backend", "local"),
        scheduler=getattr(args, "scheduler", None), force=getattr(args, "force", False),
        progress=progress_wanted(args), **extractor_options)


def run_settings(args: argparse.Namespace) -> RunSettings:
    return RunSettings(device=getattr(args, "device", "cpu"), num_threads=getattr(args, "num_threads", 0),
                       progress=progress_wanted(args))


def default_store() -> Path:
    """Where `train` / `evaluate --dataset` keep extracted features unless --store says otherwise:
    a per-user cache, shared between runs (stale files are recognised by provenance and the
    video's sha256, and redone)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "videoaffect" / "features"


def add_data_options(p: argparse.ArgumentParser, *, split_help: str, dataset: bool = True,
                     extraction: bool = True) -> None:
    what = "--dataset / --corpus / --synthetic" if dataset else "--corpus / --synthetic"
    g = p.add_argument_group(f"data (give exactly one of {what})")
    # a required group: usage shows the choice as required, and argparse names it when it is missing
    source = g.add_mutually_exclusive_group(required=True)
    if dataset:
        source.add_argument(
            "--dataset", type=Path,
            help="dataset root or manifest: MediaEval 2018 (videos or provided features), LIRIS-ACCEDE "
            "discrete or continuous, a CSV manifest of videos + per-second label files (columns video,labels"
            "[,split,movie_id], or video,valence,arousal[,...] with one file per task), or a corpus directory; "
            "videos are extracted into --store")
    source.add_argument("--corpus", type=Path, help="corpus directory (corpus.json + movies/*.npz)")
    source.add_argument("--synthetic", choices=SYNTHETIC_PRESETS,
                        help="generate a synthetic corpus in memory instead (see `videoaffect synth --help`)")
    g.add_argument("--synthetic-seed", type=int, default=0, help="seed of the synthetic corpus")
    g.add_argument("--split", help=f"which movies to use, by split name; comma-separate several ({split_help})")
    if dataset and extraction:
        g.add_argument("--store", type=Path,
                       help="feature store for videos (resumable: finished movies are not extracted again; "
                       "default: $XDG_CACHE_HOME/videoaffect/features, else ~/.cache/videoaffect/features)")
        add_feature_set(g)
        g.add_argument("--features", choices=["auto", "videos", "provided", "tac2015"], default="auto",
                       help="where a --dataset's features come from: auto (default) extracts --feature-set from its "
                       "videos when it has them, else uses the features distributed with it; videos or provided "
                       "(tac2015: LIRIS-ACCEDE's TAC2015 files) force one")
        g.add_argument("--skip-missing-excerpts", action="store_true",
                       help="LIRIS-ACCEDE from videos: train on the listed excerpts whose video is in ROOT/data when "
                       "some are missing (default: an error naming them)")
        g.add_argument("--skip-unmatched-films", action="store_true",
                       help="LIRIS-ACCEDE continuous: use the films that match their annotation files when some do "
                       "not (no video, no annotations, or lengths more than 2 s apart); the model card counts the "
                       "others (default: an error naming them)")
        g.add_argument("--speech-to-text", action="store_true",
                       help="text modality (--feature-set default-deep): videos without subtitles (VIDEO.srt, "
                       "VIDEO.vtt, a subtitle stream) have their English speech transcribed by pocketsphinx "
                       "(off by default: slow, and many words wrong on film sound); the model's predictions do too")
        add_workers(g)
        add_backend(g)


def load_data(args: argparse.Namespace, feature_set: str | None = None):
    """The `LoadedDataset` named by --dataset / --corpus / --synthetic."""
    from videoaffect.datasets.loading import SourceChoices, load_source

    dataset = getattr(args, "dataset", None)
    extraction = choices = None
    if dataset is not None:
        store = getattr(args, "store", None) or default_store()
        check_dir_arg(store, "--store")
        choices = SourceChoices(features=args.features, skip_missing_excerpts=args.skip_missing_excerpts,
                                skip_unmatched_films=args.skip_unmatched_films)
        extraction = extraction_job(args, Path(store), feature_set,
                                    speech_to_text=bool(getattr(args, "speech_to_text", False)))
    return load_source(dataset=dataset, corpus=args.corpus, synthetic=args.synthetic,
                       synthetic_seed=args.synthetic_seed, extraction=extraction, choices=choices)


def check_one_source(args: argparse.Namespace) -> None:
    given = [n for n in ("dataset", "corpus", "synthetic") if getattr(args, n, None) is not None]
    if len(given) != 1:
        options = "--dataset ROOT, --corpus DIR or --synthetic PRESET" if hasattr(args, "dataset") else \
            "--corpus DIR or --synthetic PRESET"
        raise ConfigError(f"give exactly one of {options}" + (f" (got {', '.join('--' + g for g in given)})"
                                                              if given else ""))


def split_names(split) -> list[str]:
    names = [split] if isinstance(split, str) else list(split)
    return [n.strip() for part in names for n in part.split(",") if n.strip()]


def split_text(split) -> str:
    return split if isinstance(split, str) else "+".join(split)


def split_movies(corpus, split) -> list[int]:
    names = split_names(split)
    movies = sorted({m for n in names for m in corpus.movies_in_split(n)})
    if not movies:
        have = sorted(set(corpus.splits))
        raise DataError(
            f"no movies in split {split_text(split)!r}; the data has splits {have}; choose one with --split"
        )
    return movies


# ---------------------------------------------------------------------- output paths
def check_dir_arg(path: Path | None, flag: str) -> None:
    """A directory option that names an existing file is refused before any work starts."""
    if path is not None and Path(path).exists() and not Path(path).is_dir():
        raise ConfigError(f"{flag} {path} is a file; give a directory")


def check_file_arg(path: Path | None, flag: str) -> None:
    """A file to write: its folder must be creatable and it must not be a directory."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{flag} {path} is a directory; give a file name")
    _check_creatable(path.parent, path, flag)


def check_out_dir(path: Path, flag: str = "--out") -> None:
    check_dir_arg(path, flag)
    _check_creatable(Path(path), path, flag)


def _check_creatable(folder: Path, path: Path, flag: str) -> None:
    """The nearest existing ancestor of ``folder`` must be a writable directory."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{flag} {path}: {folder} is a file, so the folder cannot be created")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{flag} {path}: {folder} is not writable")


# What a command writes into an output folder before its first result: a folder holding only these
# (and empty folders) has no work in it.
_BOOKKEEPING = (".videoaffect.lock", "store.json")


class NewFolders:
    """The folders a command is about to create (see `removed_on_failure`)."""

    def __init__(self, paths, bookkeeping: tuple[str, ...] = ()) -> None:
        self.created = [top for p in paths if p is not None and (top := _first_missing(Path(p))) is not None]
        self.bookkeeping = {*_BOOKKEEPING, *bookkeeping}
        self.failed = False  # set by a command that ends with an error code instead of an exception

    def remove_if_empty(self) -> None:
        for top in self.created:
            if top.is_dir() and not top.is_symlink() and _holds_no_work(top, self.bookkeeping):
                shutil.rmtree(top, ignore_errors=True)


@contextmanager
def removed_on_failure(*paths: Path | None, bookkeeping: tuple[str, ...] = ()) -> Iterator[NewFolders]:
    """Folders among ``paths`` (and their parents) that do not exist yet and that the command
    creates are removed again if it fails (an exception, or ``.failed`` set) before writing any
    result into them, so that a failed command leaves no new empty folder behind.  A folder that
    existed before is never touched, nor one holding results (a resumable job keeps its work);
    ``bookkeeping`` names more files that are no result (e.g. a batch's list of its failures)."""
    folders = NewFolders(paths, bookkeeping)
    try:
        yield folders
    except BaseException:
        folders.remove_if_empty()
        raise
    if folders.failed:
        folders.remove_if_empty()


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of ``path`` that does not exist (None when ``path`` exists)."""
    path = Path(os.path.abspath(path))
    if path.exists():
        return None
    while not path.parent.exists():
        path = path.parent
    return path


def _holds_no_work(folder: Path, bookkeeping: set[str]) -> bool:
    return all(p.is_dir() or p.name in bookkeeping for p in folder.rglob("*"))


def tasks_of(choice: str) -> list[str]:
    return list(TASKS) if choice == "both" else [choice]


def resolved_device(args: argparse.Namespace) -> str:
    """--device with 'auto' resolved (imports torch: call it when the command runs)."""
    from videoaffect.core.device import resolve_device

    return str(resolve_device(getattr(args, "device", "cpu")))
