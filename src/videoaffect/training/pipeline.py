"""Training procedures of paper section 3.3 and the two baselines of section 4.2.2.

* progressive (ours/paper): stage 1 ranks modalities by modality-specific models; stage 2 adds
  them in rank order, each new LSTM trained on the residual the frozen earlier ones leave
  (fresh auxiliary FC layers each step), then two fresh FC layers on the summed features and
  a fine-tune of the whole intra-clip model; finally the valence inter-clip BiLSTM on frozen
  clip embeddings.
* joint (Baseline 1): all encoders, sum fusion and head trained together from scratch.
* average (Baseline 2): the stage-1 modality-specific models, predictions averaged.

Validation movies are carved from the training movies by movie, never by second.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from videoaffect.core.device import resolve_device
from videoaffect.core.errors import ConfigError
from videoaffect.datasets.clips import ClipSampler, ClipTable
from videoaffect.datasets.corpus import Corpus, CorpusError
from videoaffect.evaluation.metrics import accuracy, mse, pearson
from videoaffect.models.affect_model import AffectModel, clip_classes
from videoaffect.models.batches import ClipLoader
from videoaffect.models.config import ModelConfig, RunSettings, TrainConfig
from videoaffect.models.networks import InterClipLSTM, IntraClipModel, new_head
from videoaffect.models.normalizer import Normalizer
from videoaffect.training.fit import fit, set_trainable
from videoaffect.training.log import TrainingLog


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


RANK_TEMPERATURE = 0.1  # on the [-1, 1] label scale: a 0.1 predicted gap is a confident order


def pairwise_rank_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """RankNet loss over every pair of a batch whose targets differ: mean of
    log(1 + exp(-sign(t_i - t_j) (p_i - p_j) / T)); 0 when no pair differs.  Unweighted: sample
    weights weigh the MSE term only."""
    p, t = pred.float().reshape(-1), target.float().reshape(-1)
    order = torch.sign(t[:, None] - t[None, :])
    pairs = (order != 0).float()
    margin = order * (p[:, None] - p[None, :]) / RANK_TEMPERATURE
    # masked sum instead of indexing: no host synchronisation on a GPU
    return (F.softplus(-margin) * pairs).sum() / pairs.sum().clamp_min(1.0)


def _checked_weights(weights: np.ndarray | None, corpus: Corpus) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (corpus.total_seconds,):
        raise ConfigError(f"sample_weights must hold one weight per corpus second ({corpus.total_seconds}), "
                          f"got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError("sample_weights must be finite, non-negative and not all zero")
    return w


def split_validation(movies: list[int], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    if len(movies) < 2:
        raise CorpusError(
            f"training needs at least 2 movies (one held out for validation), got {len(movies)}"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(movies)
    n_val = min(len(movies) - 1, max(1, int(round(fraction * len(movies)))))
    return sorted(int(m) for m in order[n_val:]), sorted(int(m) for m in order[:n_val])


@dataclass
class _Split:
    table: ClipTable
    loader: ClipLoader
    target: torch.Tensor  # regression: (N,) float; classification: (N,) long
    clips: np.ndarray
    weight: torch.Tensor | None = None  # (N,) clip weights of the losses, mean 1; None: all equal


class Trainer:
    """Holds the data of one training run; each method is one stage and is tested alone."""

    def __init__(
        self,
        corpus: Corpus,
        train_movies: list[int],
        model_config: ModelConfig,
        train_config: TrainConfig,
        log: TrainingLog | None = None,
        run: RunSettings | None = None,
        sample_weights: np.ndarray | None = None,
        val_split_seed: int | None = None,
    ) -> None:
        """``sample_weights``: optional (corpus seconds,) weights of the training loss, e.g. the
        inverse of each label's rating variance; a clip weighs the mean of its seconds'.  The
        validation loss of early stopping and the inter-clip stage's losses are weighted alike;
        stage 1's modality ranking (r on the validation movies) is not.

        ``val_split_seed``: the seed of the validation carve (default ``train_config.seed``).
        Ensemble members pass their common one, so that every member is validated, and the
        confidence band calibrated, on the same movies none of them was fitted on."""
        self.corpus = corpus
        self.sample_weights = _checked_weights(sample_weights, corpus)
        self.cfg = model_config
        self.tcfg = train_config
        self.run_settings = run or RunSettings()
        self.log = log or TrainingLog(echo=False)
        self.device = resolve_device(self.run_settings.device)
        # Seeds Python's, NumPy's and torch's global generators: module initialisation draws
        # from torch's global generator, so the same seed gives the same weights.
        seed_everything(train_config.seed)
        self.rng = np.random.default_rng(train_config.seed)
        names = [m.name for m in model_config.modalities]
        if not names:
            raise CorpusError("the model config names no modalities")
        for spec in model_config.modalities:
            got = corpus.specs.get(spec.name)
            if got is None or got.shape != spec.shape:
                raise CorpusError(
                    f"modality {spec.name!r} with shape {spec.shape} is not in the corpus "
                    f"(it has {[(s.name, s.shape) for s in corpus.specs.values()]})"
                )
        self.names = names
        carve_seed = train_config.seed if val_split_seed is None else val_split_seed
        fit_movies, val_movies = split_validation(list(train_movies), train_config.val_fraction, carve_seed)
        self.fit_movies, self.val_movies = fit_movies, val_movies
        self.normalizer = Normalizer.fit(corpus, fit_movies, names)
        self.train = self._split(fit_movies)
        self.val = self._split(val_movies)
        self.log.write(
            "data",
            fit_movies=len(fit_movies),
            val_movies=len(val_movies),
            fit_clips=len(self.train.clips),
            val_clips=len(self.val.clips),
            clip_seconds=model_config.clip_seconds,
            sample_weights=self.sample_weights is not None,
        )

    # ------------------------------------------------------------------ helpers
    @property
    def classification(self) -> bool:
        return self.cfg.output == "classification"

    def _split(self, movies: list[int]) -> _Split:
        table = ClipSampler.non_overlapping(self.cfg.clip_seconds).table(self.corpus, movies)
        targets = table.targets(self.corpus, self.cfg.task)
        if self.classification:
            target = torch.from_numpy(clip_classes(targets, self.cfg)).to(self.device)
        else:
            target = torch.from_numpy(targets).to(self.device)
        loader = ClipLoader(self.corpus, table, self.normalizer, self.names, self.device)
        weight = None
        if self.sample_weights is not None:
            clip_weight = table.means(self.sample_weights)
            # over the split's mean: a batch of low-weight clips then counts less than others,
            # which normalising by the batch's own sum would undo
            weight = torch.from_numpy((clip_weight / max(clip_weight.mean(), 1e-12)).astype(np.float32)).to(self.device)
        return _Split(table, loader, target, np.arange(len(table)), weight)

    def _loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The validation loss, and the training loss without the optional ranking term."""
        if self.classification:
            return F.cross_entropy(pred, target)
        return F.mse_loss(pred, target)  # eq. 1

    def _weighted_loss(self, pred: torch.Tensor, target: torch.Tensor, split: _Split,
                       idx=None) -> torch.Tensor:
        """Eq. 1 over clips ``idx`` of ``split`` (all when None), each clip weighted by its
        (mean-normalised) sample weight."""
        if split.weight is None:
            return self._loss(pred, target)
        if self.classification:
            each = F.cross_entropy(pred, target, reduction="none")
        else:
            each = (pred.float() - target) ** 2
        weight = split.weight if idx is None else split.weight[idx]
        return (weight * each).mean()

    def _val_loss(self, pred: torch.Tensor) -> float:
        """The validation loss of early stopping: eq. 1, weighted like the training loss (a
        sample weight says how far a label can be trusted, on validation clips too)."""
        return float(self._weighted_loss(pred, self.val.target, self.val))

    def _train_loss(self, pred: torch.Tensor, idx) -> torch.Tensor:
        """The loss of training batch ``idx``: eq. 1 (weighted by the clips' sample weights when
        given), plus ``pairwise_rank_weight`` x the ranking term."""
        target = self.train.target[idx]
        loss = self._weighted_loss(pred, target, self.train, idx)
        rank = self.tcfg.pairwise_rank_weight
        if rank > 0 and not self.classification:
            loss = loss + rank * pairwise_rank_loss(pred, target)
        return loss

    def new_intra(self, modalities: list[str]) -> IntraClipModel:
        return IntraClipModel(self.cfg, modalities).to(self.device)

    @torch.no_grad()
    def predict(self, model, split: _Split, modalities: list[str] | None = None) -> torch.Tensor:
        model.eval()
        outs = [model(b) for _, b in split.loader.batches(split.clips, 256, modalities)]
        return torch.cat(outs)

    def scores(self, pred: torch.Tensor, split: _Split) -> dict:
        if self.classification:
            return {
                "loss": float(F.cross_entropy(pred, split.target)),
                "accuracy": accuracy(pred.argmax(1).cpu().numpy(), split.target.cpu().numpy()),
            }
        p, t = pred.cpu().numpy(), split.target.cpu().numpy()
        return {"loss": mse(p, t), "mse": mse(p, t), "pearson": pearson(p, t)}

    def _fit_model(self, stage: str, model, modalities: list[str], lr: float | None = None,
                   max_epochs: int | None = None):
        """Train ``model`` (its trainable parameters) on clips of ``modalities``."""

        def batch_loss(idx):
            return self._train_loss(model(self.train.loader.batch(idx, modalities)), idx)

        def val_loss():
            return self._val_loss(self.predict(model, self.val, modalities))

        return fit(
            stage=stage,
            modules=[model],
            train_items=self.train.clips,
            batch_loss=batch_loss,
            val_loss=val_loss,
            cfg=self.tcfg,
            rng=self.rng,
            log=self.log,
            run=self.run_settings,
            lr=lr,
            max_epochs=max_epochs,
        )

    # ------------------------------------------------------------------ stage 1
    def stage1(self) -> tuple[dict[str, IntraClipModel], dict]:
        """Modality-specific models (encoder + 2 auxiliary FC layers) and their ranking."""
        models, scores = {}, {}
        for name in self.names:
            model = self.new_intra([name])
            self._fit_model(f"stage1/{name}", model, [name])
            models[name] = model
            scores[name] = self.scores(self.predict(model, self.val, [name]), self.val)
            self.log.write("stage1_score", modality=name, **scores[name])
        order = self.rank(scores)
        ranking = {"metric": self._rank_metric(), "order": order, "validation": scores}
        self.log.write("ranking", order=order)
        return models, ranking

    def _rank_metric(self) -> str:
        return "accuracy" if self.classification else self.tcfg.rank_metric

    def rank(self, scores: dict) -> list[str]:
        metric = self._rank_metric()

        def key(name):
            s = scores[name]
            if metric == "accuracy":
                return (-s["accuracy"], s["loss"])
            if metric == "mse":
                return (s["mse"], -_nan_low(s["pearson"]))
            return (-_nan_low(s["pearson"]), s["mse"])

        return sorted(scores, key=key)

    # ------------------------------------------------------------------ stage 2
    @torch.no_grad()
    def frozen_sum(self, model: IntraClipModel, names: list[str], split: _Split) -> torch.Tensor:
        """Summed clip features of already-trained (frozen) modalities for every clip of a split.
        They do not change during a residual step, so they are computed once per step."""
        model.eval()
        parts = [model.fuse(b, names) for _, b in split.loader.batches(split.clips, 256, names)]
        return torch.cat(parts)

    def residual_step(self, model: IntraClipModel, step: int, order: list[str]):
        """Train the LSTMs of ``order[step]`` (and fresh auxiliary FC layers) on top of the frozen
        sum of ``order[:step]``.  Returns the auxiliary head."""
        name, earlier = order[step], order[:step]
        set_trainable(model, False)
        encoder = model.encoders[name]
        set_trainable(encoder, True)
        aux = new_head(self.cfg).to(self.device)
        base_train = self.frozen_sum(model, earlier, self.train) if earlier else None
        base_val = self.frozen_sum(model, earlier, self.val) if earlier else None

        def forward(split_base, idx, batch):
            feat = model.encode(name, batch)
            return aux(feat if split_base is None else split_base[idx] + feat)

        def batch_loss(idx):
            batch = self.train.loader.batch(idx, [name])
            return self._train_loss(forward(base_train, idx, batch), idx)

        def val_loss():
            preds = [forward(base_val, idx, b) for idx, b in self.val.loader.batches(self.val.clips, 256, [name])]
            return self._val_loss(torch.cat(preds))

        result = fit(
            stage=f"stage2/step{step + 1}/{name}",
            modules=[encoder, aux],
            train_items=self.train.clips,
            batch_loss=batch_loss,
            val_loss=val_loss,
            cfg=self.tcfg,
            rng=self.rng,
            log=self.log,
            run=self.run_settings,
        )
        set_trainable(model, False)
        return aux, result

    def stage2(self, order: list[str], stage1_models: dict[str, IntraClipModel] | None) -> IntraClipModel:
        model = self.new_intra(order)
        start = 0
        if self.tcfg.stage2_init == "stage1" and stage1_models is not None:
            for name in order:
                model.encoders[name].load_state_dict(stage1_models[name].encoders[name].state_dict())
            # Step 1 (modality 1 alone with two auxiliary FC layers) is exactly its stage-1
            # model, so its LSTMs are taken from there instead of being trained twice.
            start = 1
            self.log.write("stage_done", stage=f"stage2/step1/{order[0]}", reused="stage1")
        for step in range(start, len(order)):
            self.residual_step(model, step, order)
        self.finetune(model)
        return model

    def finetune(self, model: IntraClipModel) -> None:
        """Fresh two FC layers on the summed features, first alone (encoders frozen), then the
        whole intra-clip model at a lower learning rate."""
        model.head = new_head(self.cfg).to(self.device)
        set_trainable(model, False)
        set_trainable(model.head, True)
        base_train = self.frozen_sum(model, model.modality_names, self.train)
        base_val = self.frozen_sum(model, model.modality_names, self.val)
        fit(
            stage="stage2/head",
            modules=[model.head],
            train_items=self.train.clips,
            batch_loss=lambda idx: self._train_loss(model.head(base_train[idx]), idx),
            val_loss=lambda: self._val_loss(model.head(base_val)),
            cfg=self.tcfg,
            rng=self.rng,
            log=self.log,
            run=self.run_settings,
        )
        set_trainable(model, True)
        self._fit_model("stage2/finetune", model, model.modality_names, lr=self.tcfg.lr * self.tcfg.finetune_lr_scale,
                        max_epochs=min(self.tcfg.finetune_max_epochs, self.tcfg.max_epochs))

    # ------------------------------------------------------------------ baselines
    def joint(self) -> IntraClipModel:
        model = self.new_intra(self.names)
        self._fit_model("joint", model, self.names)
        return model

    # ------------------------------------------------------------------ inter-clip (valence)
    @torch.no_grad()
    def embeddings(self, model: IntraClipModel, split: _Split, encoded: EncodedClips | None = None) -> torch.Tensor:
        """Clip embeddings (FC1 of the summed clip features); from ``encoded`` when given (the
        same numbers, without another pass through the encoders)."""
        model.eval()
        if encoded is not None:
            return model.head.embed(encoded.fused(model.modality_names))
        return torch.cat([model.embed(b) for _, b in split.loader.batches(split.clips, 256)])

    def inter_clip(self, model: IntraClipModel, encoded: dict[str, EncodedClips] | None = None) -> InterClipLSTM:
        """Intra-clip weights frozen; the BiLSTM + FC over windows of L clips learns eq. 3.
        ``encoded``: the frozen model's clip features of the "train" and "val" splits, if at hand."""
        return self._fit_inter_clip(model, self.cfg, self.rng, encoded)

    def fit_context(self, intra: IntraClipModel, config: ModelConfig, seed: int) -> InterClipLSTM:
        """An inter-clip BiLSTM for ``config`` (e.g. another window length L) on the frozen
        ``intra``, with this trainer's data; the trainer's own config and generators stay as they
        are, and so do ``intra``'s weights and trainable flags.

        Seeded from (``seed``, L) alone (torch's global generator included, which module
        initialisation draws from), so the result does not depend on what trained before it."""
        if config.resolved_context != "lstm":
            raise ConfigError(f"fit_context trains an inter-clip BiLSTM; this config's context is "
                              f"{config.resolved_context!r}")
        # The clip tables and targets were built for the trainer's config: only the inter-clip
        # settings may differ.
        for name in ("task", "output", "clip_seconds", "modalities"):
            if getattr(config, name) != getattr(self.cfg, name):
                raise ConfigError(f"fit_context: config.{name} {getattr(config, name)!r} differs from the "
                                  f"trainer's {getattr(self.cfg, name)!r}; build a Trainer for that config")
        torch.manual_seed(seed * 1009 + config.context_clips)
        rng = np.random.default_rng([seed, config.context_clips])
        flags = [p.requires_grad for p in intra.parameters()]
        try:
            return self._fit_inter_clip(intra, config, rng)
        finally:
            for p, flag in zip(intra.parameters(), flags):
                p.requires_grad_(flag)

    def _fit_inter_clip(self, model: IntraClipModel, cfg: ModelConfig, rng: np.random.Generator,
                        encoded: dict[str, EncodedClips] | None = None) -> InterClipLSTM:
        set_trainable(model, False)
        length = cfg.context_clips
        context = InterClipLSTM(cfg).to(self.device)
        data = {}
        for key, split in (("train", self.train), ("val", self.val)):
            emb = self.embeddings(model, split, encoded[key] if encoded is not None else None)
            rows, valid, sizes = split.table.context_windows(length)
            data[key] = (
                emb,
                torch.from_numpy(rows).to(self.device),
                torch.from_numpy(valid).to(self.device),
                torch.from_numpy(sizes),
                split.target,
                split.weight if split.weight is not None else torch.ones(len(split.target), device=self.device),
            )

        def window_loss(key, idx):
            emb, rows, valid, sizes, target, weight = data[key]
            r, v = rows[idx], valid[idx]
            pred = context(emb[r], sizes[idx])
            err = (pred - target[r]) ** 2 * v * weight[r]
            return err.sum() / v.sum()  # eq. 3: mean over the L clips of each window and the batch

        n_val = len(data["val"][3])
        fit(
            stage="inter_clip",
            modules=[context],
            train_items=np.arange(len(data["train"][3])),
            batch_loss=lambda idx: window_loss("train", torch.from_numpy(idx)),
            val_loss=lambda: window_loss("val", torch.arange(n_val)).item(),
            cfg=self.tcfg,
            rng=rng,
            log=self.log,
            run=self.run_settings,
        )
        return context

    # ------------------------------------------------------------------ everything
    def run(self) -> AffectModel:
        method = self.tcfg.method
        stage1_models: dict[str, IntraClipModel] | None = None
        ranking: dict = {}
        if method in ("progressive", "average"):
            stage1_models, ranking = self.stage1()
        intra = members = context = None
        if method == "average":
            members = stage1_models
        else:
            if method == "progressive":
                order = list(self.tcfg.modality_order) or ranking["order"]
                if sorted(order) != sorted(self.names):
                    raise CorpusError(f"modality_order {order} must list exactly the modalities {self.names}")
                ranking["stage2_order"] = order
                intra = self.stage2(order, stage1_models)
            else:
                intra = self.joint()
        # The final intra-clip model is frozen from here on: its clip features of every training
        # and validation clip are computed once, for the inter-clip stage, the reference means and
        # the contributions (each used to make its own pass through the encoders).
        encoded: dict[str, EncodedClips] = {}
        if intra is not None:
            encoded = {key: encode_clips(intra, split.loader, split.clips)
                       for key, split in (("train", self.train), ("val", self.val))}
            if self.cfg.resolved_context == "lstm":
                context = self.inter_clip(intra, encoded)
        reference = None
        if intra is not None:
            reference = clip_feature_means(intra, self.train.loader, self.train.clips, encoded["train"])
        model = AffectModel(self.cfg, self.tcfg, self.normalizer, intra, members, context, ranking, reference)
        if intra is not None and len(intra.modality_names) > 1 and not self.classification:
            ranking["contributions"] = modality_contributions(intra, self.val.loader, self.val.clips, encoded["val"])
            self.log.write("contributions", **ranking["contributions"])
        return model


def _nan_low(x: float) -> float:
    return -math.inf if math.isnan(x) else x


@dataclass
class EncodedClips:
    """Clip features of a frozen intra-clip model: ``features[m]`` (N, F) the encoder output of
    modality m for each clip (zero where absent), ``present[m]`` (N,) where it is present."""

    features: dict[str, torch.Tensor]
    present: dict[str, torch.Tensor]

    def fused(self, names: list[str]) -> torch.Tensor:
        """The sum fusion, in the model's modality order (as `IntraClipModel.fuse` adds them)."""
        total = self.features[names[0]]
        for n in names[1:]:
            total = total + self.features[n]
        return total


@torch.no_grad()
def encode_clips(model: IntraClipModel, loader: ClipLoader, clips: np.ndarray) -> EncodedClips:
    model.eval()
    feats: dict[str, list[torch.Tensor]] = {n: [] for n in model.modality_names}
    present: dict[str, list[torch.Tensor]] = {n: [] for n in model.modality_names}
    for _, batch in loader.batches(clips, 256):
        for n in model.modality_names:
            feats[n].append(model.encode(n, batch))
            present[n].append(batch.present[n])
    return EncodedClips({n: torch.cat(v) for n, v in feats.items()}, {n: torch.cat(v) for n, v in present.items()})


@torch.no_grad()
def clip_feature_means(model: IntraClipModel, loader: ClipLoader, clips: np.ndarray,
                       encoded: EncodedClips | None = None) -> dict[str, np.ndarray]:
    """Mean clip feature (encoder output) of each modality over the clips where it is present:
    the value a modality is replaced by when its contribution is measured.  ``encoded``: the
    clips' features if already computed (`encode_clips` of the same clips)."""
    enc = encoded if encoded is not None else encode_clips(model, loader, clips)
    out = {}
    for n in model.modality_names:
        f = enc.features[n]
        w = enc.present[n].to(f.dtype)
        out[n] = ((f * w[:, None]).sum(0) / max(float(w.sum()), 1.0)).cpu().numpy().astype(np.float32)
    return out


@torch.no_grad()
def modality_contributions(model: IntraClipModel, loader: ClipLoader, clips: np.ndarray,
                           encoded: EncodedClips | None = None) -> dict[str, float]:
    """How much each modality moves the intra-clip prediction: its clip feature is replaced by
    its mean over the clips, and the change in prediction is measured as a fraction of the
    prediction's own standard deviation (0 = the modality does nothing).  ``encoded``: as in
    `clip_feature_means`."""
    model.eval()
    feats = (encoded if encoded is not None else encode_clips(model, loader, clips)).features
    full = sum(feats.values())
    assert isinstance(full, torch.Tensor)  # the model has at least one modality
    pred = model.head(full)
    # Population std (ddof 0): the ratio is the same as with ddof 1, and one clip gives 0 (no
    # measurable change) instead of NaN.
    spread = float(pred.std(correction=0)) or 1.0
    out = {}
    for n, f in feats.items():
        ablated = model.head(full - f + f.mean(0, keepdim=True))
        out[n] = float((pred - ablated).std(correction=0)) / spread
    return out


def train_model(
    corpus: Corpus,
    train_movies: list[int],
    model_config: ModelConfig,
    train_config: TrainConfig,
    log: TrainingLog | None = None,
    run: RunSettings | None = None,
    sample_weights: np.ndarray | None = None,
) -> tuple[AffectModel, Trainer]:
    trainer = Trainer(corpus, train_movies, model_config, train_config, log, run, sample_weights)
    return trainer.run(), trainer
