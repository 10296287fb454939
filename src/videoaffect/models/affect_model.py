"""A trained predictor: normaliser + intra-clip model(s) + inter-clip context, and its
directory format.

A model directory holds
  config.json      model and training configuration (human-readable, typed on load)
  weights.safetensors   all tensors (network weights and normaliser statistics)
  ranking.json     stage-1 validation scores per modality and the order used in stage 2
  train_log.jsonl  one line per epoch and stage
  metrics.json     validation metrics and the settings chosen at the end of training (``evaluate`` writes
                   only where --json / --out say)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from videoaffect.core.errors import ModelError
from videoaffect.core.files import atomic_open, atomic_write_text
from videoaffect.datasets.clips import ClipSampler, ClipTable, class_of
from videoaffect.datasets.corpus import Corpus, CorpusError
from videoaffect.models.config import ModelConfig, TrainConfig
from videoaffect.models.networks import InterClipLSTM, IntraClipModel, smooth
from videoaffect.models.normalizer import Normalizer

MODEL_FORMAT = "videoaffect-model/1"


class ModelLoadError(ModelError):
    pass


@dataclass
class ClipPredictions:
    table: ClipTable
    intra: np.ndarray  # (n_clips,) regression value, or predicted class
    final: np.ndarray  # after inter-clip context (== intra when there is none)
    probabilities: np.ndarray | None = None  # (n_clips, K) for classification
    # per modality (n_clips,): intra-clip prediction minus the prediction with that modality's
    # clip feature replaced by its training mean (see AffectModel.contributions_doc)
    contributions: dict[str, np.ndarray] | None = None

    def per_second(self, which: str = "final") -> dict[int, np.ndarray]:
        """Each clip's prediction repeated over its seconds (no smoothing), per movie index."""
        return self.table.held(self.final if which == "final" else self.intra)


@dataclass
class SecondCurve:
    """Per-second predictions of one movie on the internal [-1, 1] scale."""

    intra: np.ndarray  # before inter-clip context
    final: np.ndarray  # after inter-clip context / smoothing
    contributions: dict[str, np.ndarray]  # per modality, intra-level
    present: dict[str, np.ndarray]  # per modality, the seconds where it had data
    # an ensemble's per-second member standard deviation (``TaskEnsemble``); None for one model
    spread: np.ndarray | None = None


class AffectModel:
    contributions_doc = (
        "contribution of a modality = intra-clip prediction minus the prediction with that "
        "modality's clip feature (its encoder output in the fused sum) replaced by its mean over "
        "the training clips; 0 where the modality is absent (Baseline 2: the prediction minus the "
        "average of the other members); per second, the mean over the clips covering the second"
    )

    def __init__(
        self,
        config: ModelConfig,
        train_config: TrainConfig,
        normalizer: Normalizer,
        intra: IntraClipModel | None = None,
        members: dict[str, IntraClipModel] | None = None,
        context: InterClipLSTM | None = None,
        ranking: dict | None = None,
        reference: dict[str, np.ndarray] | None = None,
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
        # mean clip feature per modality over the training clips (the "left out" value of
        # contributions); None for models saved before it existed
        self.reference = reference

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

    def to(self, device: torch.device) -> AffectModel:
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
    def _eval_on(self, device) -> torch.device:
        device = torch.device(device)
        self.to(device)
        for m in self.modules().values():
            m.eval()
        return device

    @torch.no_grad()
    def predict_clips(
        self,
        corpus: Corpus,
        movies: Sequence[int],
        device: str | torch.device = "cpu",
        batch_size: int = 256,
        offset: int = 0,
        contributions: bool = False,
    ) -> ClipPredictions:
        from videoaffect.models.batches import ClipLoader

        self.check_corpus(corpus)
        device = self._eval_on(device)
        table = ClipSampler.non_overlapping(self.config.clip_seconds).table(corpus, list(movies), offset)
        loader = ClipLoader(corpus, table, self.normalizer, self.modality_names, device)
        all_clips = np.arange(len(table))
        classification = self.config.output == "classification"
        want_contrib = contributions and not classification
        outputs, embeddings = [], []
        contrib: dict[str, list[np.ndarray]] = {n: [] for n in self.modality_names}
        for _, batch in loader.batches(all_clips, batch_size):
            if self.intra is not None:
                feats = {n: self.intra.encode(n, batch) for n in self.intra.modality_names}
                fused = sum(feats.values())
                assert isinstance(fused, torch.Tensor)  # a model has at least one modality
                emb = self.intra.head.embed(fused)
                pred = self.intra.head.predict(emb)
                outputs.append(pred.cpu())
                if self.context is not None:
                    embeddings.append(emb)
                if want_contrib:
                    for n, f in feats.items():
                        ref = self._reference_tensor(n, f)
                        left_out = self.intra.head(fused - f + ref)
                        delta = (pred - left_out) * batch.present[n].to(pred.dtype)
                        contrib[n].append(delta.cpu().numpy())
            else:
                assert self.members is not None  # __init__: either intra or members
                pred = _average_members(self.members, batch, classification)
                outputs.append(pred.cpu())
                if want_contrib:
                    for n, delta in _member_contributions(self.members, batch, pred).items():
                        contrib[n].append(delta.cpu().numpy())
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
                final[sl] = smooth(raw[sl], self.config.ema_beta, self.config.ema_init, self.config.ema_zero_lag)
        elif ctx == "lstm" and self.context is not None:
            final = context_predict(self.context, torch.cat(embeddings), table, self.config.context_clips)
        contrib_arrays = (
            {n: np.concatenate(v).astype(np.float64) for n, v in contrib.items() if v} if want_contrib else None
        )
        return ClipPredictions(table, raw, final, probs, contrib_arrays)

    def _reference_tensor(self, name: str, feature: torch.Tensor) -> torch.Tensor:
        if self.reference is not None and name in self.reference:
            return torch.as_tensor(self.reference[name], dtype=feature.dtype, device=feature.device)[None, :]
        # models saved before references were stored: the batch's own mean clip feature
        return feature.mean(0, keepdim=True)

    def predict_seconds(
        self,
        corpus: Corpus,
        movies: Sequence[int],
        clip_stride: int | None = None,
        device: str | torch.device = "cpu",
    ) -> dict[int, SecondCurve]:
        """Per-second curves of each movie.

        ``clip_stride`` = clip_seconds (the default) is the paper's non-overlapping tiling: a
        clip's prediction holds for each of its seconds and arousal is smoothed per clip (eq. 2).
        A smaller stride predicts the tilings shifted by 0, stride, 2*stride, ... seconds (the
        valence inter-clip BiLSTM runs on each tiling's chain of clips) and combines the clips
        covering each second (``combine_clips``); arousal is then smoothed per second with the
        same time constant (beta ** (1 / clip_seconds) per second)."""
        passes = self.clip_passes(corpus, movies, clip_stride, device)
        return self.curves_from_passes(passes, corpus, movies)

    def clip_passes(
        self,
        corpus: Corpus,
        movies: Sequence[int],
        clip_stride: int | None = None,
        device: str | torch.device = "cpu",
    ) -> list[ClipPredictions]:
        """The network's predictions for every tiling a stride needs (the expensive part)."""
        sampler = ClipSampler.for_stride(self.config.clip_seconds, clip_stride, clamp=False)
        if self.config.output == "classification" and sampler.overlapping:
            raise ValueError("the classification variant predicts whole clips; use clip stride = clip length")
        return [
            self.predict_clips(corpus, list(movies), device, offset=off, contributions=True)
            for off in sampler.offsets
        ]

    def curves_from_passes(
        self,
        passes: list[ClipPredictions],
        corpus: Corpus,
        movies: Sequence[int],
        config: ModelConfig | None = None,
    ) -> dict[int, SecondCurve]:
        """Per-second curves from clip predictions; ``config`` overrides the post-processing
        settings (combination, context, smoothing) without running the network again."""
        cfg = config or self.config
        overlapping = len(passes) > 1
        slices = [dict(p.table.movie_slices()) for p in passes]
        spans = [p.table.movie_spans(corpus) for p in passes]
        out = {}
        for m in movies:
            a, b = int(corpus.offsets[m]), int(corpus.offsets[m + 1])
            n = b - a
            windows, intra_v, final_v = [], [], []
            contrib_v: dict[str, list[np.ndarray]] = {name: [] for name in self.modality_names}
            for p, sl, span in zip(passes, slices, spans):
                s = sl[m]
                windows.append(span[m])
                intra_v.append(p.intra[s])
                final_v.append(p.final[s])
                for name, values in (p.contributions or {}).items():
                    contrib_v[name].append(values[s])
            win = np.concatenate(windows)
            smoothness = cfg.deconvolution if overlapping else 0.0
            i_curve = combine_clips(win, np.concatenate(intra_v), n, smoothness)
            ctx = cfg.resolved_context
            if ctx == "lstm" and self.context is not None:
                f_curve = combine_clips(win, np.concatenate(final_v), n, smoothness)
            elif ctx == "ema" and overlapping:
                beta_s = ClipSampler.non_overlapping(cfg.clip_seconds).decay_per_second(cfg.ema_beta)
                f_curve = smooth(i_curve, beta_s, cfg.ema_init, cfg.ema_zero_lag)
            elif ctx == "ema":
                clip_values = smooth(np.concatenate(intra_v), cfg.ema_beta, cfg.ema_init, cfg.ema_zero_lag)
                f_curve = combine_clips(win, clip_values, n, 0.0)
            else:
                f_curve = i_curve.copy()
            contributions = {
                name: combine_clips(win, np.concatenate(v), n, 0.0) for name, v in contrib_v.items() if v
            }
            present = {name: corpus.masks[name][a:b].copy() for name in self.modality_names}
            out[m] = SecondCurve(i_curve, f_curve, contributions, present)
        return out

    # ------------------------------------------------------------------ persistence
    def state_tensors(self) -> dict[str, torch.Tensor]:
        tensors = {}
        for prefix, module in self.modules().items():
            for k, v in module.state_dict().items():
                tensors[f"{prefix}.{k}"] = v.detach().cpu().contiguous()
        for k, v in self.normalizer.to_tensors().items():
            tensors[k] = torch.from_numpy(np.ascontiguousarray(v))
        for k, v in (self.reference or {}).items():
            tensors[f"reference.{k}"] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
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
    def load(cls, directory: str | Path) -> AffectModel:
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
        reference = {k[len("reference."):]: v.numpy() for k, v in tensors.items() if k.startswith("reference.")}
        return cls(config, train_config, normalizer, intra, members, context, ranking, reference or None)


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
    assert total is not None and count is not None, "an averaging model has at least one member"
    count = count.clamp(min=1.0)
    return total / (count.unsqueeze(1) if total.dim() == 2 else count)


def combine_clips(windows: np.ndarray, values: np.ndarray, seconds: int, smoothness: float = 0.0) -> np.ndarray:
    """Per-second values from clip predictions; ``windows`` (k, 2) holds each clip's [start, end)
    in seconds.

    ``smoothness`` = 0: each second is the mean of the clips covering it.  A clip prediction
    estimates the mean label over its seconds, so that mean blurs the curve over about two clip
    lengths.  ``smoothness`` = lambda > 0 instead solves for the per-second curve x whose clip
    means best match the predictions, with a penalty on its second-to-second changes:
    min_x sum_k (mean(x[window_k]) - y_k)^2 + lambda * sum_t (x[t+1] - x[t])^2
    (a sparse banded system; `train` chooses lambda on validation movies), clipped to [-1, 1]."""
    values = np.asarray(values, dtype=np.float64)
    starts, ends = windows[:, 0].astype(np.int64), windows[:, 1].astype(np.int64)
    if smoothness <= 0.0 or seconds < 2:
        diff = np.zeros(seconds + 1)
        np.add.at(diff, starts, values)
        np.add.at(diff, ends, -values)
        count = np.zeros(seconds + 1)
        np.add.at(count, starts, 1.0)
        np.add.at(count, ends, -1.0)
        return np.cumsum(diff)[:seconds] / np.maximum(np.cumsum(count)[:seconds], 1.0)
    import scipy.sparse as sparse
    from scipy.sparse.linalg import spsolve

    lengths = ends - starts
    rows = np.repeat(np.arange(len(starts)), lengths)
    cols = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
    weights = np.repeat(1.0 / lengths, lengths)
    mean_of = sparse.csr_matrix((weights, (rows, cols)), shape=(len(starts), seconds))
    step = sparse.diags([-np.ones(seconds - 1), np.ones(seconds - 1)], [0, 1], shape=(seconds - 1, seconds))
    system = (mean_of.T @ mean_of + smoothness * (step.T @ step)).tocsc()
    curve = np.asarray(spsolve(system, mean_of.T @ values), dtype=np.float64)
    # labels live on [-1, 1] (FC + tanh); undoing the blur may overshoot at sharp turns
    return np.clip(curve, -1.0, 1.0)


def _member_contributions(members: dict[str, IntraClipModel], batch, pred: torch.Tensor) -> dict[str, torch.Tensor]:
    """Baseline 2: prediction minus the average of the other present members (0 where the
    member's modality is absent or no other member is present)."""
    outs = {n: m(batch) for n, m in members.items()}
    weights = {n: batch.present[n].to(pred.dtype) for n in members}
    total = sum(outs[n] * weights[n] for n in members)
    count = sum(weights.values())
    result = {}
    for n in members:
        others = count - weights[n]
        without = (total - outs[n] * weights[n]) / others.clamp(min=1.0)
        result[n] = torch.where((weights[n] > 0) & (others > 0), pred - without, torch.zeros_like(pred))
    return result


@torch.no_grad()
def context_predict(
    context: InterClipLSTM, embeddings: torch.Tensor, table: ClipTable, length: int, batch_size: int = 512
) -> np.ndarray:
    """Per-clip valence from sliding windows; a clip inside several windows gets the mean of
    its predictions (every clip but a movie's first and last L-1 is in L windows)."""
    rows, valid, sizes = table.context_windows(length)
    total = np.zeros(len(table))
    count = np.zeros(len(table))
    context.eval()
    for a in range(0, len(rows), batch_size):
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
