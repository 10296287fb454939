"""Feature store: one HDF5 file per movie and feature set, written atomically.

Layout::

    STORE/store.json                      {"format": "videoaffect-features/1"}
    STORE/<feature set>/<movie id>.h5
        attrs:  movie_id, feature_set, seconds, source_name, source_size, source_sha256,
                provenance (JSON: decoder parameters + every extractor's provenance),
                videoaffect_version, created
        /time                   (seconds,) float64, start of each second
        /<modality>/features    (seconds, *shape), float32 (float16 for feature maps)
        /<modality>/present     (seconds,) bool
        /<modality> attrs:      provenance (JSON of that extractor), shape

Arrays are appended second batch by second batch into chunked datasets of a temporary file
(``.<movie id>.h5.<pid>-<random>.tmp``), so memory stays flat however long the film; the file
is renamed into place only when every second is written, so a killed job leaves no partial
``.h5``.  Its stale ``.tmp`` files are never read as features, and the next extraction removes
them (it holds the store's lock, so no live job can own them).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from videoaffect.core.errors import ExtractionError
from videoaffect.core.files import atomic_write_text
from videoaffect.core.modality import ModalitySpec

STORE_FORMAT = "videoaffect-features/1"


class StoreError(ExtractionError):
    pass


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("videoaffect")
    except Exception:  # pragma: no cover - not installed as a distribution
        return "unknown"


@dataclass
class StoredMovie:
    movie_id: str
    feature_set: str
    seconds: int
    time: np.ndarray
    features: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    provenance: dict
    modality_provenance: dict[str, dict]
    source: dict

    def specs(self) -> list[ModalitySpec]:
        return [
            ModalitySpec(name, tuple(arr.shape[1:]), f"{p['extractor']}/{p['version']}")
            for (name, arr), p in zip(self.features.items(), self.modality_provenance.values())
        ]



class MovieWriter:
    """Appends per-second batches for one movie into a temporary HDF5 file."""

    def __init__(self, final: Path, movie_id: str, feature_set: str, seconds: int, specs: dict[str, tuple[int, ...]],
                 provenance: dict, modality_provenance: dict[str, dict], source: dict) -> None:
        self.final = final
        # A name of its own: a writer left running by a killed job (an orphaned worker process)
        # must not write into, or rename into place, the file of the job that resumes.
        self.tmp = final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        self.seconds = seconds
        self.written = {name: 0 for name in specs}
        self._file = h5py.File(self.tmp, "w")
        f = self._file
        f.attrs["movie_id"] = movie_id
        f.attrs["feature_set"] = feature_set
        f.attrs["seconds"] = seconds
        f.attrs["provenance"] = json.dumps(provenance, sort_keys=True)
        f.attrs["source_name"] = source.get("name", "")
        f.attrs["source_size"] = int(source.get("size", -1))
        f.attrs["source_sha256"] = source.get("sha256", "")
        f.attrs["videoaffect_version"] = _version()
        f.attrs["created"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        f.create_dataset("time", data=np.arange(seconds, dtype=np.float64))
        for name, shape in specs.items():
            g = f.create_group(name)
            g.attrs["provenance"] = json.dumps(modality_provenance[name], sort_keys=True)
            g.attrs["shape"] = list(shape)
            dtype = np.float16 if len(shape) == 3 else np.float32
            chunk = (max(1, min(seconds, 64)), *shape)
            g.create_dataset("features", shape=(seconds, *shape), dtype=dtype, chunks=chunk,
                             compression="gzip" if len(shape) == 3 else None)
            g.create_dataset("present", shape=(seconds,), dtype=bool)

    def append(self, modality: str, features: np.ndarray, present: np.ndarray) -> None:
        start = self.written[modality]
        n = len(present)
        if features.shape[0] != n:
            raise StoreError(f"{modality}: {features.shape[0]} feature rows for {n} presence flags")
        if start + n > self.seconds:
            raise StoreError(f"{modality}: more seconds written ({start + n}) than the movie has ({self.seconds})")
        g = self._file[modality]
        if not np.isfinite(features[present]).all():
            raise StoreError(f"{modality}: extractor produced NaN/inf at seconds {start}..{start + n - 1}")
        g["features"][start : start + n] = features
        g["present"][start : start + n] = present
        self.written[modality] = start + n

    def commit(self) -> Path:
        short = {m: n for m, n in self.written.items() if n != self.seconds}
        if short:
            self.abort()
            raise StoreError(f"{self.final.name}: incomplete, seconds written {short} of {self.seconds}")
        self._file.close()
        os.replace(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        try:
            self._file.close()
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def _is_temporary_of(name: str, final_name: str) -> bool:
    # Exact pattern: movie "a" must not take movie "a.h5"'s temporary file for its own.
    per_writer = rf"\.{re.escape(final_name)}\.\d+-[0-9a-f]{{8}}\.tmp"
    return name == f".{final_name}.tmp" or re.fullmatch(per_writer, name) is not None


class FeatureStore:
    def __init__(self, root: str | Path, create: bool = True) -> None:
        self.root = Path(root)
        marker = self.root / "store.json"
        if marker.is_file():
            fmt = json.loads(marker.read_text()).get("format")
            if fmt != STORE_FORMAT:
                raise StoreError(f"{marker}: format {fmt!r}, expected {STORE_FORMAT!r}")
        elif create:
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(marker, json.dumps({"format": STORE_FORMAT}))
        elif not self.root.exists():
            raise StoreError(f"{self.root} does not exist; make a feature store with `videoaffect extract VIDEO... "
                             f"--out {self.root}`")
        else:
            raise StoreError(
                f"{self.root} is not a feature store (no store.json); create it with `videoaffect extract`"
            )

    def path(self, feature_set: str, movie_id: str) -> Path:
        if "/" in movie_id or movie_id in ("", ".", ".."):
            raise StoreError(f"movie id {movie_id!r} cannot be a file name")
        return self.root / feature_set / f"{movie_id}.h5"

    def movies(self, feature_set: str) -> list[str]:
        d = self.root / feature_set
        return sorted(p.stem for p in d.glob("*.h5")) if d.is_dir() else []

    def feature_sets(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def remove_temporary(self) -> list[Path]:
        """Delete what killed writers left: movie ``.tmp`` files and ``store.json``'s own.
        Only for the holder of the store's lock: a live writer's file would go too."""
        stale = [p for p in self.root.iterdir() if p.is_file() and p.name.startswith(".store.json.")
                 and p.name.endswith(".tmp")]
        for d in self.root.iterdir():
            if d.is_dir():
                stale += [p for p in d.iterdir() if p.is_file() and p.name.startswith(".") and p.name.endswith(".tmp")]
        for p in stale:
            p.unlink(missing_ok=True)
        return stale

    def stored_provenance(self, feature_set: str, movie_id: str) -> tuple[dict, str] | None:
        p = self.path(feature_set, movie_id)
        if not p.is_file():
            return None
        try:
            with h5py.File(p, "r") as f:
                return json.loads(f.attrs["provenance"]), str(f.attrs["source_sha256"])
        except (OSError, KeyError, json.JSONDecodeError):
            return None  # unreadable: treat as not done, it will be rewritten

    def is_current(self, feature_set: str, movie_id: str, provenance: dict, source_sha256: str) -> bool:
        stored = self.stored_provenance(feature_set, movie_id)
        if stored is None:
            return False
        return json.loads(json.dumps(provenance, sort_keys=True)) == stored[0] and stored[1] == source_sha256

    def writer(self, feature_set: str, movie_id: str, seconds: int, specs: dict[str, tuple[int, ...]],
               provenance: dict, modality_provenance: dict[str, dict], source: dict) -> MovieWriter:
        final = self.path(feature_set, movie_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        for p in final.parent.iterdir():
            if _is_temporary_of(p.name, final.name):
                p.unlink(missing_ok=True)
        return MovieWriter(final, movie_id, feature_set, seconds, specs, provenance, modality_provenance, source)

    def read(self, feature_set: str, movie_id: str, modalities: Iterable[str] | None = None) -> StoredMovie:
        p = self.path(feature_set, movie_id)
        if not p.is_file():
            have = self.movies(feature_set)
            raise StoreError(
                f"{p} not found: movie {movie_id!r} has no {feature_set!r} features in {self.root} "
                f"({len(have)} movies there); run `videoaffect extract ... --set {feature_set} --out {self.root}`"
            )
        with h5py.File(p, "r") as f:
            names = [k for k in f.keys() if k != "time"]
            if modalities is not None:
                wanted = list(modalities)
                missing = [m for m in wanted if m not in names]
                if missing:
                    raise StoreError(f"{p}: no modality {missing}; it has {names}")
                names = wanted
            feats = {n: f[n]["features"][()] for n in names}
            present = {n: f[n]["present"][()] for n in names}
            mprov = {n: json.loads(f[n].attrs["provenance"]) for n in names}
            return StoredMovie(
                movie_id=str(f.attrs["movie_id"]),
                feature_set=str(f.attrs["feature_set"]),
                seconds=int(f.attrs["seconds"]),
                time=f["time"][()],
                features=feats,
                present=present,
                provenance=json.loads(f.attrs["provenance"]),
                modality_provenance=mprov,
                source={
                    "name": str(f.attrs["source_name"]),
                    "size": int(f.attrs["source_size"]),
                    "sha256": str(f.attrs["source_sha256"]),
                    "created": str(f.attrs["created"]),
                    "videoaffect_version": str(f.attrs["videoaffect_version"]),
                },
            )
