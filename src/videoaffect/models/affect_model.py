"""A trained predictor: normaliser + intra-clip model(s) + inter-clip context, and its
directory format.

A model directory holds
  config.json      model and training configuration (human-readable, typed on load)
  weights.safetensors   all tensors (network weights and normaliser statistics)
  ranking.json     stage-1 validation scores per modality and the order used in stage 2
  train_log.jsonl  one line per epoch and stage
  metrics.json     validation metrics at the end of training (``evaluate`` adds test metrics)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from videoaffect.atomic import atomic_open, atomic_write_text
from videoaffect.datasets.clips import ClipTable, class_of
from videoaffect.datasets.corpus import Corpus, CorpusError
from videoaffect.models.config import ModelConfig, TrainConfig
from videoaffect.models.networks import InterClipLSTM, IntraClipModel, ema
from videoaffect.models.normalizer import Normalizer

MODEL_FORMAT = "videoaffect-model/1"


class ModelLoadError(ValueError):
    pass


@dataclass
class ClipPredictions:
    table: ClipTable
    intra: np.ndarray  # (n_clips,) regression value, or predicted class
    final: np.ndarray  # after inter-clip context (== intra when there is none)
    probabilities: np.ndarray | None = None  # (n_clips, K) for classification

    def per_second(self, which: str = "final") -> dict[int, np.ndarray]:
        """Each clip's prediction repeated over its seconds (no smoothing), per movie index."""
        values = self.final if which == "final" else self.intra
        out = {}
        for movie, sl in self.table.movie_slices():
            out[movie] = np.repeat(values[sl], self.table.length[sl])
        return out


class AffectModel:
    def __init__(
        self,
        config: ModelConfig,
        train_config: TrainConfig,
        normalizer: Normalizer,
        intra: IntraClipModel | None = None,
        members: dict[str, IntraClipModel] | None = None,
        context: InterClipLSTM | None = None,
        ranking: dict | None = None,
    ) -> None:
        if (intra is None) == (members is None):
            raise ValueError("an AffectModel has either one intra-clip model or averaged members")
        self.config = config
        self.train_config = train_config
        self.normalizer = normalizer
        self.intra = intra
        self.members = members
        self.context = context
        self.ranking = ranking or {}

    @property
    def modality_names(self) -> list[str]:
        return [m.name for m in self.config.modalities]

    def modules(self) -> dict[str, torch.nn.Module]:
        out: dict[str, torch.nn.Module] = {}
        if self.intra is not None:
            out["intra"] = self.intra
        for name, member in (self.members or {}).items():
            out[f"members.{name}"] = member
        if self.context is not None:
            out["context"] = self.context
        return out

    def to(self, device: torch.device) -> "AffectModel":
        for m in self.modules().values():
            m.to(device)
        return self

    # ------------------------------------------------------------------ checks
    def check_corpus(self, corpus: Corpus) -> None:
        """Features must come from the same extractor with the same shape as in training."""
        for spec in self.config.modalities:
            got = corpus.specs.get(spec.name)
            if got is None:
                raise CorpusError(
                    f"the model needs modality {spec.name!r} ({spec.extractor}, shape {spec.shape}) "
                    f"but the corpus has only {sorted(corpus.specs)}; extract it with the same "
                    "feature set the model was trained on"
                )
            if got.shape != spec.shape or got.extractor != spec.extractor:
                raise CorpusError(
                    f"modality {spec.name!r}: the model was trained on {spec.extractor} features of "
                    f"shape {spec.shape}, the corpus has {got.extractor} features of shape "
                    f"{got.shape}; re-extract with the model's feature set or retrain"
                )

    # ------------------------------------------------------------------ prediction
    @torch.no_grad()
    def predict_clips(
        self,
        corpus: Corpus,
        movies: Sequence[int],
        device: str | torch.device = "cpu",
        batch_size: int = 256,
    ) -> ClipPredictions:
        from videoaffect.training.batches import ClipLoader

        self.check_corpus(corpus)
        device = torch.device(device)
        self.to(device)
        for m in self.modules().values():
            m.eval()
        table = ClipTable.build(corpus, list(movies), self.config.clip_seconds)
        loader = ClipLoader(corpus, table, self.normalizer, self.modality_names, device)
        all_clips = np.arange(len(table))
        classification = self.config.output == "classification"
        outputs, embeddings = [], []
        for _, batch in loader.batches(all_clips, batch_size):
            if self.intra is not None:
                emb = self.intra.embed(batch)
                outputs.append(self.intra.head.predict(emb).cpu())
                if self.context is not None:
                    embeddings.append(emb)
            else:
                outputs.append(_average_members(self.members, batch, classification).cpu())
        raw = torch.cat(outputs).numpy().astype(np.float64)
        probs = None
        if classification:
            probs = raw if self.members is not None else torch.softmax(torch.from_numpy(raw), 1).numpy()
            intra = probs.argmax(1).astype(np.float64)
            return ClipPredictions(table, intra, intra.copy(), probs)
        final = raw.copy()
        ctx = self.config.resolved_context
        if ctx == "ema":
            for _, sl in table.movie_slices():
                final[sl] = ema(raw[sl], self.config.ema_beta, self.config.ema_init)
        elif ctx == "lstm" and self.context is not None:
            final = context_predict(self.context, torch.cat(embeddings), table, self.config.context_clips)
        return ClipPredictions(table, raw, final, probs)

    # ------------------------------------------------------------------ persistence
    def state_tensors(self) -> dict[str, torch.Tensor]:
        tensors = {}
        for prefix, module in self.modules().items():
            for k, v in module.state_dict().items():
                tensors[f"{prefix}.{k}"] = v.detach().cpu().contiguous()
        for k, v in self.normalizer.to_tensors().items():
            tensors[k] = torch.from_numpy(np.ascontiguousarray(v))
        return tensors

    def save(self, directory: str | Path, metrics: dict | None = None) -> Path:
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": MODEL_FORMAT,
            "method": self.train_config.method,
            "members": sorted(self.members) if self.members is not None else None,
            "intra_modalities": self.intra.modality_names if self.intra is not None else None,
            "has_context_lstm": self.context is not None,
            "model": self.config.to_dict(),
            "training": self.train_config.to_dict(),
        }
        with atomic_open(root / "weights.safetensors", "wb") as fh:
            fh.write(safetensors_bytes(self.state_tensors()))
        atomic_write_text(root / "ranking.json", json.dumps(self.ranking, indent=2))
        if metrics is not None:
            atomic_write_text(root / "metrics.json", json.dumps(metrics, indent=2))
        atomic_write_text(root / "config.json", json.dumps(meta, indent=2))
        return root

    @classmethod
    def load(cls, directory: str | Path) -> "AffectModel":
        root = Path(directory)
        cfg_path, w_path = root / "config.json", root / "weights.safetensors"
        for p in (cfg_path, w_path):
            if not p.is_file():
                raise ModelLoadError(
                    f"{p} is missing: {root} is not a complete model directory (train one with "
                    "`videoaffect train ... --out DIR`)"
                )
        meta = json.loads(cfg_path.read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise ModelLoadError(f"{cfg_path}: format {meta.get('format')!r}, expected {MODEL_FORMAT!r}")
        config = ModelConfig.from_dict(meta["model"])
        train_config = TrainConfig.from_dict(meta["training"])
        tensors = load_file(str(w_path))
        normalizer = Normalizer.from_tensors(
            {k: v.numpy() for k, v in tensors.items() if k.startswith("normalizer.")},
            [m.name for m in config.modalities],
        )
        intra = members = context = None
        if meta["intra_modalities"] is not None:
            intra = IntraClipModel(config, meta["intra_modalities"])
            _load_prefixed(intra, tensors, "intra", w_path)
        else:
            members = {}
            for name in meta["members"]:
                members[name] = IntraClipModel(config, [name])
                _load_prefixed(members[name], tensors, f"members.{name}", w_path)
        if meta["has_context_lstm"]:
            context = InterClipLSTM(config)
            _load_prefixed(context, tensors, "context", w_path)
        ranking_path = root / "ranking.json"
        ranking = json.loads(ranking_path.read_text()) if ranking_path.is_file() else {}
        return cls(config, train_config, normalizer, intra, members, context, ranking)


def _load_prefixed(module: torch.nn.Module, tensors: dict, prefix: str, path: Path) -> None:
    state = {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelLoadError(f"{path}: weights for {prefix!r} do not fit config.json: {exc}") from None
    module.eval()


def _average_members(members: dict[str, IntraClipModel], batch, classification: bool) -> torch.Tensor:
    """Baseline 2: mean of the modality-specific models over the modalities present in a clip."""
    total, count = None, None
    for name, member in members.items():
        out = member(batch)
        if classification:
            out = torch.softmax(out, dim=1)
        w = batch.present[name].to(out.dtype)
        w_b = w.unsqueeze(1) if out.dim() == 2 else w
        total = out * w_b if total is None else total + out * w_b
        count = w if count is None else count + w
    count = count.clamp(min=1.0)
    return total / (count.unsqueeze(1) if total.dim() == 2 else count)


def context_windows(table: ClipTable, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``length`` consecutive clips within each movie, stride 1: (first clip, size).
    A movie with fewer clips than ``length`` gives one window of all its clips."""
    firsts, sizes = [], []
    for _, sl in table.movie_slices():
        n = sl.stop - sl.start
        size = min(length, n)
        starts = np.arange(sl.start, sl.stop - size + 1)
        firsts.append(starts)
        sizes.append(np.full(len(starts), size))
    return np.concatenate(firsts).astype(np.int64), np.concatenate(sizes).astype(np.int64)


def window_rows(firsts: np.ndarray, sizes: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    offs = np.arange(length)
    valid = offs[None, :] < sizes[:, None]
    rows = firsts[:, None] + np.minimum(offs[None, :], sizes[:, None] - 1)
    return rows, valid


@torch.no_grad()
def context_predict(
    context: InterClipLSTM, embeddings: torch.Tensor, table: ClipTable, length: int, batch_size: int = 512
) -> np.ndarray:
    """Per-clip valence from sliding windows; a clip inside several windows gets the mean of
    its predictions (every clip but a movie's first and last L-1 is in L windows)."""
    firsts, sizes = context_windows(table, length)
    rows, valid = window_rows(firsts, sizes, length)
    total = np.zeros(len(table))
    count = np.zeros(len(table))
    context.eval()
    for a in range(0, len(firsts), batch_size):
        r = torch.from_numpy(rows[a : a + batch_size]).to(embeddings.device)
        x = embeddings[r]
        lens = torch.from_numpy(sizes[a : a + batch_size])
        out = context(x, lens).cpu().numpy().astype(np.float64)
        v = valid[a : a + batch_size]
        np.add.at(total, rows[a : a + batch_size][v], out[v])
        np.add.at(count, rows[a : a + batch_size][v], 1.0)
    return total / count


def clip_classes(targets: np.ndarray, config: ModelConfig) -> np.ndarray:
    return class_of(targets, config.class_thresholds)
