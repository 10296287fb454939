"""Label scales.  Internally every label is on MediaEval 2018's scale, [-1, 1]."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videoaffect.core.errors import DataError


class LabelScaleError(DataError):
    pass


@dataclass(frozen=True)
class LabelScale:
    """A closed interval [low, high] mapped linearly onto the internal [-1, 1]."""

    low: float = -1.0
    high: float = 1.0
    name: str = "mediaeval2018"

    def __post_init__(self) -> None:
        if not self.high > self.low:
            raise LabelScaleError(f"label scale {self.name!r}: high ({self.high}) must exceed low ({self.low})")

    @classmethod
    def mediaeval(cls) -> LabelScale:
        return cls(-1.0, 1.0, "mediaeval2018")

    @classmethod
    def liris_discrete(cls) -> LabelScale:
        """LIRIS-ACCEDE discrete ratings (valenceValue, arousalValue) lie in [1, 5]."""
        return cls(1.0, 5.0, "liris-accede-discrete")

    def to_internal(self, values, where: str = "labels") -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)
        finite = v[np.isfinite(v)]
        if np.isinf(v).any():
            raise LabelScaleError(f"{where}: infinite label values")
        tol = 1e-6 * (self.high - self.low)
        if finite.size and (finite.min() < self.low - tol or finite.max() > self.high + tol):
            raise LabelScaleError(
                f"{where}: values span [{finite.min():.4g}, {finite.max():.4g}], outside the "
                f"{self.name} scale [{self.low}, {self.high}]; pass the right LabelScale"
            )
        out = 2.0 * (v - self.low) / (self.high - self.low) - 1.0
        return np.clip(out, -1.0, 1.0).astype(np.float32)

    def from_internal(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=np.float64)
        return (v + 1.0) / 2.0 * (self.high - self.low) + self.low

    def describe(self) -> str:
        """The scale in words, for reports."""
        known = {
            "mediaeval2018": "the MediaEval 2018 / LIRIS-ACCEDE continuous scale",
            "liris-accede-discrete": "the LIRIS-ACCEDE discrete rating scale",
        }
        origin = known.get(self.name, f"the {self.name!r} scale of the training labels")
        mid = (self.low + self.high) / 2.0
        return (
            f"{origin}: valence runs from {self.low:g} (most negative, unpleasant) to {self.high:g} (most "
            f"positive, pleasant), arousal from {self.low:g} (calmest) to {self.high:g} (most excited); "
            f"{mid:g} is neutral"
        )

    def mse_factor(self) -> float:
        """Multiply an internal-scale MSE by this to express it on this scale."""
        return ((self.high - self.low) / 2.0) ** 2
