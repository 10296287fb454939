"""What every module of the reproduction package shares: its error, the progress callback,
JSON-safe copies and the versions recorded in config.json and each run file."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import torch

from videoaffect.core.errors import ConfigError

Progress = Callable[[str], None]

# 2-D embeddings of figure 3's clip features; "auto" = t-SNE when scikit-learn imports, else PCA.
EMBEDDINGS = ("auto", "tsne", "pca")


class ReproductionError(ConfigError):
    """Bad reproduction settings or out-directory contents; the message says how to fix it."""


def jsonable(obj):
    """JSON-safe copy: NaN/inf become null (strict JSON has no NaN), tuples become lists."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    return str(obj)


def versions() -> dict:
    from importlib import metadata

    try:
        own = metadata.version("videoaffect")
    except metadata.PackageNotFoundError:
        own = "unknown"
    return {"videoaffect": own, "torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
