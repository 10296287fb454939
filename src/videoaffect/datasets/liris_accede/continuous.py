"""LIRIS-ACCEDE continuous: full films rated second by second (Baveye et al., ACII 2015), the
30 films of the `dev` (training) set of MediaEval 2018's "Emotional Impact of Movies" task.

Layout (what ``videoaffect train --dataset ROOT`` reads)::

    ROOT/continuous-annotations/<Film>_Valence.txt   Time<TAB>Mean<TAB>Std, one row per second, [-1, 1]
    ROOT/continuous-annotations/<Film>_Arousal.txt
    ROOT/movies/<Film>.mp4                           (or ROOT/continuous-movies/, the release's folder)
    ROOT/splits.csv                                  optional: film,split (a split of your own)

* Films are matched to their annotation files by name, ignoring case and every character but
  letters and digits (``Elephants_Dream.mp4`` is the film of ``Elephant_s_Dream_Valence.txt``);
  any video suffix ``extract`` reads is accepted.  Sub-folders of ``continuous-annotations``
  (the release's ``raw/`` traces) are not read.  The 30 films of the release are `FILMS`;
  other films in the same layout (your own, e.g. what ``annotations merge`` writes, named
  ``<Film>_Valence.txt``/``.tsv``) are read the same way.
* Errors, each naming the files and the fix, all listed at once: a video without both
  annotation files, an annotation file without a video, two videos of one film, a video that
  cannot be read, and a video whose length in seconds (as ``extract`` counts them) differs from
  either of its annotation files' by more than `TOLERANCE_S` (2 s, MediaEval 2018's rule in
  ``align_labels``: within it each file is cut or its last second repeated, on its own).  The
  release's own files of The_room_of_franz_kafka cover 251 s (valence) and 258 s (arousal), so
  that film is always reported.  ``skip_unmatched=True`` (``--skip-unmatched-films``) trains on
  the films that match instead, with a warning naming the others; the model card counts them.
* Split, by film: ``test`` = `TEST_FILMS` (every fifth of the 30 release films in alphabetical
  order: the 5th, 10th, ..., 30th), ``train`` = every other film (films not in the release
  included); ``train`` carves its validation films from its own films, as for every layout.
  The release defines no split (MediaEval 2018 used all 30 films in its `dev` set), so this one
  is ours, fixed so results are comparable.  ``ROOT/splits.csv`` (header ``film,split``, one row
  per film, split names of letters, digits, ``_``, ``-``) replaces it; every film must be listed.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from videoaffect.datasets.formats.annotations import (
    DEFAULT_TOLERANCE_S,
    AnnotationError,
    DatasetError,
    SecondLabels,
    align_labels,
    combine_tasks,
    read_task_labels,
)

log = logging.getLogger(__name__)

ANNOTATIONS = "continuous-annotations"
MOVIE_FOLDERS = ("movies", "continuous-movies")
SPLIT_FILE = "splits.csv"
TOLERANCE_S = DEFAULT_TOLERANCE_S
# The 30 films of LIRIS-ACCEDE-continuous, as the release names them (its annotation files and
# the `movieNames` list of its script ACCEDEcomparisonDiscreteContinuousAnalysis.py).
FILMS = (
    "After_The_Rain", "Attitude_Matters", "Barely_legal_stories", "Between_Viewings", "Big_Buck_Bunny",
    "Chatter", "Cloudland", "Damaged_Kung_Fu", "Decay", "Elephant_s_Dream",
    "First_Bite", "Full_Service", "Islands", "Lesson_Learned", "Norm",
    "Nuclear_Family", "On_time", "Origami", "Parafundit", "Payload",
    "Riding_The_Rails", "Sintel", "Spaceman", "Superhero", "Tears_of_Steel",
    "The_room_of_franz_kafka", "The_secret_number", "To_Claire_From_Sonny", "Wanted", "You_Again",
)
TEST_FILMS = FILMS[4::5]  # Big_Buck_Bunny, Elephant_s_Dream, Norm, Payload, Tears_of_Steel, You_Again
TASK_SUFFIXES = {"valence": "_valence", "arousal": "_arousal"}
LABEL_SUFFIXES = (".txt", ".tsv", ".csv")
SKIP_FLAG = "--skip-unmatched-films"
_SPLIT_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class ContinuousError(DatasetError):
    """A LIRIS-ACCEDE continuous folder whose films and annotations do not match."""


def film_key(name: str) -> str:
    """What matches a video to its annotation files: the name's letters and digits, lower-case."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Film:
    name: str  # as in the annotation files; the movie id in the corpus and the store
    video: Path
    valence: Path
    arousal: Path
    split: str
    seconds: int  # the video's seconds, as `extract` counts them

    def labels(self) -> SecondLabels:
        """Both tasks fitted to the video's seconds as `probe` counts them."""
        return self.fitted(self.seconds)

    def fitted(self, n_seconds: int, tolerance: int = TOLERANCE_S) -> SecondLabels:
        """Both tasks, each fitted to ``n_seconds`` on its own (the release's two files of a film
        can differ in length: each is held to the video, not to the other)."""
        valence, arousal = (align_labels(read_task_labels(path, task), n_seconds, tolerance=tolerance,
                                         movie_id=self.name)
                            for task, path in (("valence", self.valence), ("arousal", self.arousal)))
        return combine_tasks(valence, arousal)


@dataclass
class ContinuousLayout:
    root: Path
    films: list[Film]
    annotated: int  # films with annotation files in the folder
    skipped: list[str] = field(default_factory=list)  # why each left-out film was left out
    split_source: str = "the fixed split"

    @property
    def movie_ids(self) -> list[str]:
        return [f.name for f in self.films]


def is_continuous_root(root: str | Path) -> bool:
    """Whether ``root`` holds ``continuous-annotations/`` with at least one ``<Film>_<Task>`` file."""
    folder = Path(root) / ANNOTATIONS
    return folder.is_dir() and bool(_annotation_files(folder))


def _annotation_files(folder: Path) -> dict[str, dict[str, Path]]:
    """film name -> task -> file, for the files directly in ``folder``."""
    found: dict[str, dict[str, Path]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in LABEL_SUFFIXES:
            continue
        for task, suffix in TASK_SUFFIXES.items():
            if path.stem.lower().endswith(suffix) and len(path.stem) > len(suffix):
                film = path.stem[: -len(suffix)]
                if task in found.setdefault(film, {}):
                    raise ContinuousError(f"{found[film][task]} and {path} are both the {task} file of {film!r}; "
                                          "keep one")
                found[film][task] = path
    return found


def movie_folder(root: Path) -> Path | None:
    """ROOT/movies or ROOT/continuous-movies (the release's name), whichever exists."""
    present = [root / name for name in MOVIE_FOLDERS if (root / name).is_dir()]
    if len(present) > 1:
        raise ContinuousError(f"{root} holds both {present[0].name}/ and {present[1].name}/; keep the films in one")
    return present[0] if present else None


def read_layout(root: str | Path, skip_unmatched: bool = False, tolerance: int = TOLERANCE_S) -> ContinuousLayout:
    """The films of ``root`` that have a video and both annotation files of matching length."""
    from videoaffect.decoding.media import DecodeError, probe
    from videoaffect.features.extract import VIDEO_SUFFIXES

    root = Path(root)
    annotations = _annotation_files(root / ANNOTATIONS)
    folder = movie_folder(root)
    if folder is None:
        raise ContinuousError(
            f"{root} has {ANNOTATIONS}/ but no movies/ folder; put the films there, named as the annotation files "
            f"(e.g. {root / 'movies' / (next(iter(annotations)) + '.mp4')}), or unpack LIRIS-ACCEDE-continuous-movies"
            ".zip into ROOT (its continuous-movies/ folder)"
        )
    videos: dict[str, list[Path]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES):
        videos.setdefault(film_key(path.stem), []).append(path)
    by_key = {film_key(name): name for name in annotations}
    problems: dict[str, str] = {}  # film (or video) -> the problem and its fix
    for key, paths in videos.items():
        if key not in by_key:
            problems[paths[0].stem] = (f"{paths[0]} has no annotation files (no {ANNOTATIONS}/{paths[0].stem}"
                                       "_Valence.txt / _Arousal.txt); add them, or move the video out of "
                                       f"{folder.name}/")
        elif len(paths) > 1:
            problems[by_key[key]] = (f"{' and '.join(map(str, paths))} are both videos of {by_key[key]!r}; keep one")
    chosen: list[tuple[str, Path, int]] = []
    for name, files in annotations.items():
        missing = [t for t in TASK_SUFFIXES if t not in files]
        paths = videos.get(film_key(name), [])
        if missing:
            have = next(iter(files.values()))
            problems[name] = (f"{have} has no {missing[0]} file beside it ({ANNOTATIONS}/{name}_"
                              f"{missing[0].capitalize()}.txt); add it, or remove {have.name}")
            continue
        if not paths:
            problems[name] = (f"{files['valence']} and {files['arousal']} have no film in {folder} (no {name}.mp4 or "
                              f"other video named {name}); copy the film there, or remove its annotation files")
            continue
        if name in problems:  # two videos
            continue
        video = paths[0]
        try:
            seconds = probe(video).seconds
            covered = {task: read_task_labels(files[task], task).seconds for task in TASK_SUFFIXES}
        except (AnnotationError, DatasetError, DecodeError) as exc:
            problems[name] = str(exc)  # each names its file and the fix
            continue
        off = [f"{files[t].name} covers {n} s" for t, n in covered.items() if abs(n - seconds) > tolerance]
        if off:
            problems[name] = (f"{video} lasts {seconds} s but {' and '.join(off)} (more than the {tolerance} s "
                              "tolerance apart); use the cut of the film the annotations were made on, or annotation "
                              "files of this cut")
            continue
        chosen.append((name, video, seconds))
    if problems and not skip_unmatched:
        listed = "\n".join(f"  - {p}" for p in problems.values())
        raise ContinuousError(
            f"LIRIS-ACCEDE continuous {root}: {len(problems)} film(s) do not match their annotations:\n{listed}\n"
            f"fix them, or pass {SKIP_FLAG} to use the {len(chosen)} films that match"
        )
    if problems:
        log.warning("LIRIS-ACCEDE continuous %s: %d film(s) left out (%s): %s", root, len(problems), SKIP_FLAG,
                    "; ".join(problems.values()))
    if not chosen:
        raise ContinuousError(f"LIRIS-ACCEDE continuous {root}: no film has both its video and its annotation files")
    splits, source = film_splits(root, [name for name, _, _ in chosen])
    films = [Film(name, video, annotations[name]["valence"], annotations[name]["arousal"], splits[name], seconds)
             for name, video, seconds in chosen]
    return ContinuousLayout(root, films, len(annotations), list(problems.values()), source)


def film_splits(root: Path, films: list[str]) -> tuple[dict[str, str], str]:
    """Each film's split (ROOT/splits.csv, else the fixed split) and where it came from, in words."""
    path = root / SPLIT_FILE
    if not path.is_file():
        test = {film_key(f) for f in TEST_FILMS}
        splits = {f: "test" if film_key(f) in test else "train" for f in films}
        tested = [f for f in films if splits[f] == "test"]
        return splits, (f"the fixed split: test = {', '.join(tested) or 'none'} (the release's films "
                        f"{', '.join(TEST_FILMS)} that are here), train = the other {len(films) - len(tested)} films")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = [(n, row) for n, row in enumerate(csv.reader(fh), start=1) if any(c.strip() for c in row)]
    except UnicodeDecodeError as exc:
        raise ContinuousError(f"{path} is not UTF-8 text ({exc}); save it as UTF-8 CSV") from None
    header = [c.strip().lower() for c in lines[0][1]] if lines else []
    if "film" not in header or "split" not in header:
        raise ContinuousError(f"{path}, line {lines[0][0] if lines else 1}: the header needs the columns film,split "
                              "(one row per film, e.g. `Sintel,test`)")
    fc, sc = header.index("film"), header.index("split")
    by_key = {film_key(f): f for f in films}
    given: dict[str, str] = {}
    for number, row in lines[1:]:
        name = row[fc].strip() if fc < len(row) else ""
        split = row[sc].strip() if sc < len(row) else ""
        if not _SPLIT_RE.match(split):
            raise ContinuousError(f"{path}, line {number}: split {split!r} must be letters, digits, '_' or '-'")
        if film_key(name) not in by_key:
            raise ContinuousError(f"{path}, line {number}: no film {name!r} in {root} (films: "
                                  f"{', '.join(films[:5])}{', ...' if len(films) > 5 else ''}); correct the name or "
                                  "remove the row")
        given[by_key[film_key(name)]] = split
    unlisted = [f for f in films if f not in given]
    if unlisted:
        raise ContinuousError(f"{path}: {len(unlisted)} film(s) have no split: {', '.join(unlisted)}; add a row "
                              "film,split for each")
    return given, f"{SPLIT_FILE}"


__all__ = ["ANNOTATIONS", "FILMS", "MOVIE_FOLDERS", "SKIP_FLAG", "SPLIT_FILE", "TEST_FILMS", "TOLERANCE_S",
           "ContinuousError", "ContinuousLayout", "Film", "film_key", "film_splits", "is_continuous_root",
           "movie_folder", "read_layout"]
