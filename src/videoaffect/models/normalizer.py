"""Per-modality feature standardisation fitted on training seconds and stored with the model.

Seconds where a modality is absent are imputed with the training mean (zero after
standardisation), which is the paper's rule for frames without a face (3.1.2) applied to
every modality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videoaffect.datasets.corpus import Corpus, CorpusError


@dataclass
class Normalizer:
    mean: dict[str, np.ndarray]
    std: dict[str, np.ndarray]

    @classmethod
    def fit(cls, corpus: Corpus, movies: list[int], modalities: list[str]) -> Normalizer:
        mean, std = {}, {}
        for name in modalities:
            spec = corpus.specs[name]
            total = np.zeros(spec.size)
            total_sq = np.zeros(spec.size)
            count = 0
            for m in movies:
                a, b = int(corpus.offsets[m]), int(corpus.offsets[m + 1])
                # Chunked float64 accumulation: memory stays flat for 3072-d features.
                for c in range(a, b, 4096):
                    d = min(c + 4096, b)
                    present = corpus.masks[name][c:d]
                    block = corpus.features[name][c:d].reshape(d - c, -1)[present].astype(np.float64)
                    total += block.sum(0)
                    total_sq += np.square(block).sum(0)
                    count += block.shape[0]
            if count == 0:
                raise CorpusError(
                    f"modality {name!r} is absent from every training second; drop it from the "
                    "model's modalities or extract it for the training movies"
                )
            mu = total / count
            var = np.maximum(total_sq / count - mu * mu, 0.0)
            sd = np.sqrt(var)
            sd[sd < 1e-8] = 1.0  # constant features: centre only
            mean[name] = mu.astype(np.float32).reshape(spec.shape)
            std[name] = sd.astype(np.float32).reshape(spec.shape)
        return cls(mean, std)

    def to_tensors(self) -> dict[str, np.ndarray]:
        out = {}
        for name in self.mean:
            out[f"normalizer.{name}.mean"] = self.mean[name]
            out[f"normalizer.{name}.std"] = self.std[name]
        return out

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], modalities: list[str]) -> Normalizer:
        return cls(
            {n: np.asarray(tensors[f"normalizer.{n}.mean"]) for n in modalities},
            {n: np.asarray(tensors[f"normalizer.{n}.std"]) for n in modalities},
        )
