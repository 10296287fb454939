"""The error every file-format reader and data-set loader raises for bad files on disk."""

from __future__ import annotations

from videoaffect.datasets.corpus import CorpusError


class DatasetError(CorpusError):
    """A dataset on disk is incomplete or malformed; the message names the file and the fix."""


__all__ = ["DatasetError"]
