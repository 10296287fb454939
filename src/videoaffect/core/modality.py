"""A modality: its name and per-second feature shape, shared by features, data sets and models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from videoaffect.core.errors import DataError


@dataclass(frozen=True)
class ModalitySpec:
    """One modality: its name, per-second feature shape and the extractor that made it."""

    name: str
    shape: tuple[int, ...]
    extractor: str = "unspecified"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise DataError(f"modality name {self.name!r} must be letters, digits, '_' or '-'")
        if len(self.shape) not in (1, 3) or any(s <= 0 for s in self.shape):
            raise DataError(
                f"modality {self.name!r}: shape {self.shape} must be (dim,) for a vector "
                "or (channels, height, width) for a feature map"
            )

    @property
    def is_map(self) -> bool:
        return len(self.shape) == 3

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "extractor": self.extractor}

    @classmethod
    def from_dict(cls, d: Mapping) -> ModalitySpec:
        return cls(name=d["name"], shape=tuple(d["shape"]), extractor=d.get("extractor", "unspecified"))
