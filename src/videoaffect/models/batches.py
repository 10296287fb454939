"""Gathering clip batches from the corpus arrays without copying whole movies."""

from __future__ import annotations

import numpy as np
import torch

from videoaffect.datasets.clips import ClipTable
from videoaffect.datasets.corpus import Corpus
from videoaffect.models.networks import ClipBatch
from videoaffect.models.normalizer import Normalizer


class ClipLoader:
    def __init__(
        self,
        corpus: Corpus,
        table: ClipTable,
        normalizer: Normalizer,
        modalities: list[str],
        device: torch.device,
    ) -> None:
        self.corpus = corpus
        self.table = table
        self.normalizer = normalizer
        self.modalities = list(modalities)
        self.device = device

    def __len__(self) -> int:
        return len(self.table)

    def batch(self, clips: np.ndarray, modalities: list[str] | None = None) -> ClipBatch:
        rows, valid = self.table.second_rows(clips)
        inputs, present = {}, {}
        for name in modalities if modalities is not None else self.modalities:
            x = self.corpus.features[name][rows].astype(np.float32, copy=False)
            x -= self.normalizer.mean[name]
            x /= self.normalizer.std[name]
            mask = self.corpus.masks[name][rows] & valid
            x[~mask] = 0.0
            inputs[name] = torch.from_numpy(x).to(self.device)
            present[name] = torch.from_numpy(mask.any(axis=1)).to(self.device)
        lengths = torch.from_numpy(self.table.length[clips].copy())
        return ClipBatch(inputs, present, lengths)

    def batches(self, clips: np.ndarray, batch_size: int, modalities: list[str] | None = None):
        for a in range(0, len(clips), batch_size):
            idx = clips[a : a + batch_size]
            yield idx, self.batch(idx, modalities)
