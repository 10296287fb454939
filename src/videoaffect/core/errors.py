"""One exception root.  The command line turns a `VideoAffectError` (and `OSError`) into one
line on stderr and exit code 2; any other exception is a bug and keeps its traceback.

Each family also derives from the built-in exception it replaced (ValueError or RuntimeError),
so code written against videoaffect 0.1.x that catches those keeps working.
"""

from __future__ import annotations


class VideoAffectError(Exception):
    """A problem the user can fix; the message names the file or option and the fix."""


class DataError(VideoAffectError, ValueError):
    """Bad input data: videos, label files, corpora, manifests, data-set folders."""


class ConfigError(VideoAffectError, ValueError):
    """An invalid option or configuration value."""


class ModelError(VideoAffectError, ValueError):
    """A model directory that cannot be loaded or used, or training that cannot go on."""


class ExtractionError(VideoAffectError, RuntimeError):
    """Feature extraction: extractors, weight files, the feature store."""


class BusyError(VideoAffectError, RuntimeError):
    """Another live process holds the output this command was asked to write."""
