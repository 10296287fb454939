"""One task's model as every command uses it: K >= 1 members trained alike, their mean, one set
of settings and one confidence band.

Members differ only in the seed of initialisation and shuffling (member k: seed + 1000 k); all
fit the same training movies and share one validation carve.  Since 0.6.0 the settings chosen
after training (how overlapping clips combine, the valence context, the arousal smoothing) are
chosen once for the ensemble, on the members' mean over the validation movies, and every member
uses them, so what the model reports is what its predictions use.  Models written by 0.4-0.5
let each member choose its own; they still load and predict as before (each member with its own
settings), and ``settings()`` then reports every member's.

The mean is computed here and only here: clip predictions (regression values; for the
classification variant, class probabilities), per-second curves and contributions.  The
per-second spread of the members (population std) feeds the member-spread band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from videoaffect.models.affect_model import AffectModel, ClipPredictions, SecondCurve
from videoaffect.models.band import BandCalibration, member_spread
from videoaffect.models.config import ModelConfig, TrainConfig

# Member k trains with seed + MEMBER_SEED_STEP * k (member 0 = the seed given): far apart, so
# that members of seed 0 never repeat the members of the seeds 1, 2 that reproduction uses.
MEMBER_SEED_STEP = 1000
MEMBERS_FOLDER = "members"


def member_seed(seed: int, k: int) -> int:
    return seed + MEMBER_SEED_STEP * k


def _mean(arrays: Sequence[np.ndarray]) -> np.ndarray:
    return np.mean(np.stack([np.asarray(a, dtype=np.float64) for a in arrays]), axis=0)


class TaskEnsemble:
    """The model of one task: ``members`` (member 0 first) and the task's ``band`` (None for
    classification models and models trained before bands)."""

    def __init__(self, members: Sequence[AffectModel], band: BandCalibration | None = None) -> None:
        if not members:
            raise ValueError("a task model needs at least one member")
        tasks = {m.config.task for m in members}
        if len(tasks) != 1:
            raise ValueError(f"ensemble members must share one task, got {sorted(tasks)}")
        self.members = list(members)
        self.band = band

    # ------------------------------------------------------------------ what it is
    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def task(self) -> str:
        return self.members[0].config.task

    @property
    def config(self) -> ModelConfig:
        """The members' configuration (member 0's; ``uniform`` says whether all share its settings)."""
        return self.members[0].config

    @config.setter
    def config(self, config: ModelConfig) -> None:
        # settings are chosen for the ensemble: every member gets them
        for m in self.members:
            m.config = replace(config)

    @property
    def context(self):
        """Member 0's inter-clip network (None when dropped); setting it to None drops every member's."""
        return self.members[0].context

    @context.setter
    def context(self, value) -> None:
        if value is not None:
            raise ValueError("an ensemble's context can only be dropped (set to None)")
        for m in self.members:
            m.context = None

    @property
    def train_config(self) -> TrainConfig:
        return self.members[0].train_config

    @property
    def modality_names(self) -> list[str]:
        return self.members[0].modality_names

    @property
    def ranking(self) -> dict:
        return self.members[0].ranking

    @property
    def uniform(self) -> bool:
        """True when every member uses the same post-training settings (always, since 0.6.0)."""
        return len({self._settings_of(m) for m in self.members}) == 1

    @staticmethod
    def _settings_of(model: AffectModel) -> tuple[str, str]:
        return model.config.smoothing_text(), model.config.combination_text()

    def smoothing_text(self) -> str:
        return self._each(lambda m: m.config.smoothing_text())

    def combination_text(self) -> str:
        return self._each(lambda m: m.config.combination_text())

    def ranking_text(self) -> str:
        return self._each(lambda m: " > ".join(m.ranking.get("order") or []))

    def _each(self, text) -> str:
        values = [text(m) for m in self.members]
        if len(set(values)) == 1:
            return values[0]
        return "; ".join(f"member {k}: {v}" for k, v in enumerate(values))

    def seeds(self) -> list[int]:
        return [m.train_config.seed for m in self.members]

    def check_corpus(self, corpus) -> None:
        self.members[0].check_corpus(corpus)

    # ------------------------------------------------------------------ prediction (the one mean)
    def predict_clips(self, corpus, movies, device="cpu", **kwargs) -> ClipPredictions:
        runs = [m.predict_clips(corpus, movies, device=device, **kwargs) for m in self.members]
        if len(runs) == 1:
            return runs[0]
        first = runs[0]
        if self.config.output == "classification":
            # the mean of the members' class probabilities, then its most likely class
            assert all(r.probabilities is not None for r in runs)
            probs = _mean([r.probabilities for r in runs])  # type: ignore[misc]
            classes = probs.argmax(1).astype(np.float64)
            return ClipPredictions(first.table, classes, classes.copy(), probs)
        contributions = None
        if first.contributions is not None:
            contributions = {k: _mean([r.contributions[k] for r in runs]) for k in first.contributions}  # type: ignore[index]
        return replace(first, intra=_mean([r.intra for r in runs]), final=_mean([r.final for r in runs]),
                       contributions=contributions)

    def clip_passes(self, corpus, movies, clip_stride=None, device="cpu") -> list[list[ClipPredictions]]:
        """Every member's network passes (the expensive part), for ``curves_from_passes``."""
        return [m.clip_passes(corpus, movies, clip_stride, device) for m in self.members]

    def curves_from_passes(self, passes: list[list[ClipPredictions]], corpus, movies,
                           config: ModelConfig | None = None) -> dict[int, SecondCurve]:
        """The members' mean curve per movie (``spread``: their per-second std); ``config``
        overrides every member's post-processing settings (as when choosing them)."""
        runs = [m.curves_from_passes(p, corpus, movies, config) for m, p in zip(self.members, passes)]
        return {movie: self._mean_curve([r[movie] for r in runs]) for movie in movies}

    def predict_seconds(self, corpus, movies, clip_stride=None, device="cpu") -> dict[int, SecondCurve]:
        return self.curves_from_passes(self.clip_passes(corpus, movies, clip_stride, device), corpus, movies)

    @staticmethod
    def _mean_curve(curves: list[SecondCurve]) -> SecondCurve:
        final, spread = member_spread([c.final for c in curves])
        first = curves[0]
        return SecondCurve(
            _mean([c.intra for c in curves]),
            final,
            {k: _mean([c.contributions[k] for c in curves]) for k in first.contributions},
            first.present,
            spread,
        )

    def interval(self, curve: SecondCurve) -> tuple[np.ndarray, np.ndarray] | None:
        """(low, high) of ``curve`` on the internal scale, or None without a band."""
        if self.band is None:
            return None
        spread = curve.spread if curve.spread is not None else np.zeros_like(curve.final)
        return self.band.interval(curve.final, spread)

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path, metrics: dict | None = None,
             member_metrics: dict[int, dict] | None = None) -> Path:
        """Member 0 in ``directory``, member k >= 1 in ``directory/members/k`` (so a one-member
        ensemble is a plain task-model directory)."""
        root = Path(directory)
        self.members[0].save(root, metrics)
        for k, member in enumerate(self.members[1:], start=1):
            member.save(root / MEMBERS_FOLDER / str(k), (member_metrics or {}).get(k))
        return root

    @classmethod
    def load(cls, directory: str | Path, size: int, band: BandCalibration | None = None) -> TaskEnsemble:
        from videoaffect.models.affect_model import ModelLoadError

        root = Path(directory)
        members = [AffectModel.load(root)]
        for k in range(1, int(size)):
            where = root / MEMBERS_FOLDER / str(k)
            if not (where / "config.json").is_file():
                raise ModelLoadError(
                    f"{where} is missing: the model lists {size} {root.name} ensemble members; the directory is "
                    "incomplete, copy it again or retrain"
                )
            members.append(AffectModel.load(where))
        return cls(members, band)
