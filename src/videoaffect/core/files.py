"""Atomic file writes: a killed job leaves the old file or the new one, never half of one."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; a finished file gets the usual permissions (umask applies)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_save_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    with atomic_open(path, "wb") as fh:
        # numpy's stub types **kwds against savez's allow_pickle: bool too
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1-MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_of_arrays(arrays, prefix: str = "in-memory:") -> str:
    """sha256 over the bytes of arrays or tensors, for weights that never came from a file."""
    h = hashlib.sha256()
    for a in arrays:
        if hasattr(a, "detach"):  # a torch tensor; torch is not imported here
            a = a.detach().cpu().contiguous().numpy()
        h.update(np.ascontiguousarray(a).tobytes())
    return prefix + h.hexdigest()
