"""Figures of the paper, from trained models: per-movie predictions against the ground truth
(figs. 4-6) and a 2-D embedding of each modality's clip features coloured by label sign (fig. 3).

Drawn on matplotlib's Agg canvas through the object-oriented API (``Figure`` +
``FigureCanvasAgg``), so importing this module never changes the user's pyplot backend.

Fig. 3 embedding: t-SNE (scikit-learn, ``init="pca"``, fixed random_state) as in the paper, or
PCA (numpy SVD, no extra dependency); ``method="auto"`` takes t-SNE when scikit-learn imports.
At most ``max_points`` clips per modality are embedded (a fixed random subset), since t-SNE
is quadratic in the number of points.  Red: clip label > 0; blue: label <= 0 (paper fig. 3).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from videoaffect.core.errors import ConfigError, ModelError
from videoaffect.core.files import atomic_open
from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.clips import ClipSampler
from videoaffect.datasets.corpus import Corpus
from videoaffect.evaluation.metrics import mse, pearson
from videoaffect.models.affect_model import AffectModel
from videoaffect.models.batches import ClipLoader
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.common import EMBEDDINGS
from videoaffect.reproduction.tables import table1, table4

if TYPE_CHECKING:
    from videoaffect.reproduction.common import Progress
    from videoaffect.reproduction.plan import ExperimentPlan

POSITIVE, NEGATIVE = "#d62728", "#1f77b4"


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    # A killed run never leaves half a PNG under the final name; the reproduction sweeps the
    # temporary file such a kill leaves (``runs.remove_temporary``).
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, dpi=110, format="png")
    return path


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


# ---------------------------------------------------------------------- fig. 3
@torch.no_grad()
def clip_features(
    model: AffectModel,
    corpus: Corpus,
    movies: Sequence[int],
    modality: str,
    device: str = "cpu",
    batch_size: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Clip features of one modality from the model's intra-clip encoder (the BiLSTM's final
    states, before fusion) and the clip targets of the model's task.  Clips where the modality
    is absent are left out (their feature is zero by construction, not an encoding)."""
    encoder = model.intra if model.intra is not None else (model.members or {}).get(modality)
    if encoder is None or modality not in encoder.modality_names:
        raise ModelError(f"the model has no encoder for modality {modality!r} (it has {model.modality_names})")
    model.check_corpus(corpus)
    dev = torch.device(device)
    encoder.to(dev).eval()
    table = ClipSampler.non_overlapping(model.config.clip_seconds).table(corpus, list(movies))
    loader = ClipLoader(corpus, table, model.normalizer, [modality], dev)
    feats, present = [], []
    for _, batch in loader.batches(np.arange(len(table)), batch_size):
        feats.append(encoder.encode(modality, batch).cpu().numpy())
        present.append(batch.present[modality].cpu().numpy())
    x = np.concatenate(feats).astype(np.float64)
    keep = np.concatenate(present)
    return x[keep], table.targets(corpus, model.config.task)[keep]


def pca_2d(x: np.ndarray) -> np.ndarray:
    """First two principal components (zero-padded when the data has fewer dimensions)."""
    centred = x - x.mean(axis=0, keepdims=True)
    if centred.shape[0] < 2 or not np.any(centred):
        return np.zeros((x.shape[0], 2))
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    out = u[:, :2] * s[:2]
    if out.shape[1] < 2:
        out = np.pad(out, ((0, 0), (0, 2 - out.shape[1])))
    return out


def embed_2d(x: np.ndarray, method: str = "auto", seed: int = 0) -> tuple[np.ndarray, str]:
    """(n, 2) coordinates and the method actually used ("tsne" or "pca")."""
    if method not in EMBEDDINGS:
        raise ConfigError(f"embedding method must be auto, tsne or pca, got {method!r}")
    n = x.shape[0]
    if method in ("auto", "tsne") and n > 5:
        try:
            from sklearn.manifold import TSNE
        except ImportError:
            if method == "tsne":
                raise ConfigError("t-SNE needs scikit-learn (pip install scikit-learn); or use method='pca'") from None
        else:
            perplexity = float(min(30.0, (n - 1) / 3.0))
            tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
            return tsne.fit_transform(x.astype(np.float32)).astype(np.float64), "tsne"
    return pca_2d(x), "pca"


def embedding_figure(
    sources: Mapping[str, tuple[AffectModel, str]],
    corpus: Corpus,
    movies: Sequence[int],
    path: str | Path,
    *,
    task: str,
    method: str = "auto",
    seed: int = 0,
    max_points: int = 1500,
    device: str = "cpu",
    subtitle: str = "",
) -> Path:
    """One panel per modality: ``sources`` maps a panel title (paper modality) to (model, corpus
    modality whose encoder to use).  Points are test clips, red where the label is > 0."""
    names = list(sources)
    if not names:
        raise ConfigError("no modality to plot")
    cols = min(2, len(names))
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(4.2 * cols, 4.0 * rows))
    rng = np.random.default_rng(seed)
    for i, title in enumerate(names):
        model, modality = sources[title]
        ax = fig.add_subplot(rows, cols, i + 1)
        x, y = clip_features(model, corpus, movies, modality, device)
        if len(x) > max_points:
            pick = np.sort(rng.choice(len(x), max_points, replace=False))
            x, y = x[pick], y[pick]
        if len(x) == 0:
            ax.set_title(f"{title}: no clips")
            continue
        xy, used = embed_2d(x, method, seed)
        pos = y > 0
        ax.scatter(xy[~pos, 0], xy[~pos, 1], s=6, c=NEGATIVE, label=f"{task} ≤ 0", alpha=0.7)
        ax.scatter(xy[pos, 0], xy[pos, 1], s=6, c=POSITIVE, label=f"{task} > 0", alpha=0.7)
        label = title if modality == title else f"{title} ({modality})"
        ax.set_title(f"{label} — {'t-SNE' if used == 'tsne' else 'PCA'}, {len(x)} clips", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="best")
    head = f"Clip features of test movies, {task}"
    fig.suptitle(f"{head}\n{subtitle}" if subtitle else head, fontsize=10)
    fig.tight_layout()
    return _save(fig, Path(path))


# ---------------------------------------------------------------------- figs. 4-6
def prediction_figure(
    truth: np.ndarray,
    intra: np.ndarray,
    final: np.ndarray,
    path: str | Path,
    *,
    task: str,
    movie_id: str,
    scale_name: str = "",
) -> Path:
    """Per-second ground truth and predictions of one movie (values on the label scale)."""
    t = np.arange(len(truth))
    fig = Figure(figsize=(9.0, 3.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(t, truth, color="black", lw=1.4, label="ground truth")
    if not np.allclose(intra, final):
        ax.plot(t, intra, color="0.6", lw=0.8, label="intra-clip prediction")
    ax.plot(t, final, color=POSITIVE, lw=1.4, label="prediction")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{task}{f' ({scale_name})' if scale_name else ''}")
    ax.set_title(f"{movie_id}: {task}, MSE {mse(final, truth):.3f}, PCC {pearson(final, truth):.3f}", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return _save(fig, Path(path))


def prediction_figures(
    model: AffectModel,
    corpus: Corpus,
    movies: Sequence[int],
    out_dir: str | Path,
    *,
    movie_ids: Sequence[str] | None = None,
    n_best: int = 2,
    n_worst: int = 1,
    device: str = "cpu",
) -> list[Path]:
    """Plots for ``movie_ids`` (those among ``movies``), or else for the ``n_best`` and
    ``n_worst`` movies by per-second PCC — the paper's good and bad cases (figs. 4-6).
    Files: ``<out_dir>/predictions_<task>_<movie>.png``."""
    task = model.config.task
    preds = model.predict_clips(corpus, list(movies), device=device)
    intra, final = preds.per_second("intra"), preds.per_second("final")
    truth = {m: corpus.labels[task][corpus.offsets[m] : corpus.offsets[m + 1]] for m in movies}
    if movie_ids:
        chosen = [m for m in movies if corpus.movie_ids[m] in set(movie_ids)]
    else:
        scores = []
        for m in movies:
            r = pearson(final[m], truth[m])
            scores.append((-math.inf if math.isnan(r) else r, m))
        ranked = [m for _, m in sorted(scores, key=lambda s: (-s[0], s[1]))]
        chosen = ranked[:n_best] + [m for m in ranked[::-1][:n_worst] if m not in ranked[:n_best]]
    scale = corpus.label_scale
    out = []
    for m in chosen:
        mid = corpus.movie_ids[m]
        path = Path(out_dir) / f"predictions_{task}_{_safe_name(mid)}.png"
        out.append(
            prediction_figure(
                scale.from_internal(truth[m]),
                scale.from_internal(intra[m]),
                scale.from_internal(final[m]),
                path,
                task=task,
                movie_id=mid,
                scale_name=scale.name,
            )
        )
    return out


# ---------------------------------------------------------------------- which figures a reproduction draws
def reproduction_figures(plan: ExperimentPlan, out: Path, test_movies: list[int], embedding: str,
                         progress: Progress) -> list[Path]:
    """Figures of the first seed's models: fig. 3 from the table-1 (modality-specific) models, or
    from the final models' encoders when table 1 was not run; figs. 4-6 from the final models."""
    seed = plan.seeds[0]
    fig_dir = out / "figures"
    written: list[Path] = []
    models_dir = out / "models"
    for task in TASKS:
        # Only models of tables in this plan: others in the directory may be from other settings.
        final_dir = models_dir / table4.saved_model(table4.NAME, task, seed)
        final = None
        if table4.NAME in plan.tables and (final_dir / "config.json").is_file():
            final = AffectModel.load(final_dir)
        sources: dict[str, tuple[AffectModel, str]] = {}
        for pm in paper.PAPER_MODALITIES:
            target = plan.modality_map[pm]
            if target is None:
                continue
            d = models_dir / table1.saved_model(task, pm, seed)
            if table1.NAME in plan.tables and (d / "config.json").is_file():
                sources[pm] = (AffectModel.load(d), target)
            elif final is not None and target in final.modality_names:
                sources[pm] = (final, target)
        if sources:
            origin = "modality-specific models (table 1)" if table1.NAME in plan.tables else "final model encoders"
            path = fig_dir / f"fig3_embedding_{task}.png"
            embedding_figure(sources, plan.corpus, test_movies, path, task=task, method=embedding,
                             seed=seed, subtitle=origin)
            written.append(path)
        if final is not None and final.config.output == "regression":
            wanted = [m for m in paper.FIGURE_MOVIES[task] if m in {plan.corpus.movie_ids[i] for i in test_movies}]
            written += prediction_figures(final, plan.corpus, test_movies, fig_dir, movie_ids=wanted or None)
    if written:
        progress(f"{len(written)} figures written to {fig_dir}")
    return written
