"""One extraction job: which features to extract (feature set, modalities, extractor options) on
which device, into which store, on which backend (local processes or a Dask cluster).

Every route that extracts builds one `ExtractionJob` and runs it (``features/extract.py`` does the
work): ``extract`` and the data-set commands (``train --dataset``, ``evaluate``, ``reproduce``,
``benchmark``) from their options (`ExtractionJob.from_options`, through
``cli/common.extraction_job``), ``predict`` from what a model recorded (`ExtractionJob.recorded`),
the Python API and the benchmarks with the constructor.  The job is checked once, when it is
built (`check_backend` is the one check of ``--backend`` and ``--scheduler``).  What it implies,
the decoder's parameters and every extractor's name, version, parameters and weights sha256
(`provenance`), is stored with each movie and recorded by a model trained on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from videoaffect.core.errors import ConfigError
from videoaffect.features.extract import run_extraction
from videoaffect.features.movie import MovieResult, VideoInput, built_extractors, decoder_params, job_provenance

BACKENDS = ("local", "dask")
# The extractor fields a recorded job and this installation's must agree on.
EXTRACTOR_FIELDS = ("extractor", "version", "shape", "params", "weights")


def check_backend(backend: str, scheduler: str | None) -> None:
    """The backend must be known; a scheduler names a dask cluster: refused without the dask
    backend, which alone would use it (the local backend would silently ignore it)."""
    if backend not in BACKENDS:
        raise ConfigError(f"--backend {backend!r}: choose local or dask")
    if scheduler and backend != "dask":
        raise ConfigError("--scheduler is a dask scheduler address; pass it with --backend dask")


def text_options(subtitles: str | Path | None = None, speech_to_text: bool = False,
                 feature_set: str | None = None) -> dict[str, Any]:
    """The text modality's extractor options of ``--subtitles FILE`` and ``--speech-to-text``: the
    file as an absolute path (worker processes may run elsewhere), refused when it does not exist
    or when ``feature_set`` is a built-in one without the text modality (``predict`` checks the
    model instead)."""
    if not subtitles and not speech_to_text:
        return {}
    flags = " and ".join(f for f, v in (("--subtitles", subtitles), ("--speech-to-text", speech_to_text)) if v)
    if feature_set in ("default", "paper"):
        raise ConfigError(f"{flags} feed the text modality, which the {feature_set!r} feature set does not have; "
                          "add --feature-set default-deep")
    options: dict[str, Any] = {}
    if subtitles:
        path = Path(subtitles).expanduser()
        if not path.is_file():
            raise ConfigError(f"--subtitles {subtitles}: no such file; give the .srt or .vtt file of the video")
        options["subtitles"] = str(path.resolve())
    if speech_to_text:
        options["speech_to_text"] = True
    return options


def normalised(obj: Any) -> Any:
    """A provenance as JSON reads it back (tuples as lists, keys as text): stored and recorded
    provenances compare equal to a freshly built one exactly when they say the same."""
    return json.loads(json.dumps(obj, sort_keys=True))


@dataclass(frozen=True)
class ExtractionJob:
    """What to extract, where to store it and how to run it.  ``store`` may be left out until the
    job runs (``predict`` checks a model's job before it has chosen its store)."""

    store: Path | None = None
    feature_set: str = "default"
    # None: every modality of the set; a tuple keeps only those named
    modalities: tuple[str, ...] | None = None
    # per modality, keyword arguments of its extractor, e.g. {"scene": {"backbone": "resnet50"}}
    options: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    backend: str = "local"
    scheduler: str | None = None
    workers: int = 1
    force: bool = False  # re-extract movies whose stored features are up to date
    progress: bool = False

    def __post_init__(self) -> None:
        # frozen: the normal forms are set once, here
        if self.store is not None:
            object.__setattr__(self, "store", Path(self.store))
        if self.modalities is not None:
            object.__setattr__(self, "modalities", tuple(self.modalities))
        object.__setattr__(self, "options", normalised(dict(self.options or {})))
        if self.workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {self.workers}")
        check_backend(self.backend, self.scheduler)
        if self.store is not None and self.store.exists() and not self.store.is_dir():
            raise ConfigError(f"--store {self.store} is a file; give a feature-store directory")

    # ------------------------------------------------------------------ the routes
    @classmethod
    def from_options(cls, store: str | Path | None, feature_set: str = "default", *,
                     modalities: Sequence[str] | None = None, scene_backbone: str | None = None,
                     paper_precision: str | None = None, audio_compare: bool = False,
                     subtitles: str | Path | None = None, speech_to_text: bool = False,
                     **run: Any) -> ExtractionJob:
        """The job of a command's options (``extract``'s extractor options; the data-set commands
        give none of them): ``scene_backbone`` (paper set), ``paper_precision`` (the paper set's
        OpenPose and scene networks), ``audio_compare`` (default set: ComParE 2016), ``subtitles``
        and ``speech_to_text`` (default-deep's text modality: `text_options`).  ``run``:
        device, backend, scheduler, workers, force, progress."""
        options: dict[str, dict[str, Any]] = {}
        text = text_options(subtitles, speech_to_text, feature_set)
        if text:
            options["text"] = text
        if scene_backbone:
            options["scene"] = {"backbone": scene_backbone}
        if paper_precision:
            for modality in ("action", "scene"):
                options.setdefault(modality, {})["compute_dtype"] = paper_precision
        if audio_compare:
            options["audio"] = {"compare": True}
        return cls(store=None if store is None else Path(store), feature_set=feature_set,
                   modalities=tuple(modalities) if modalities else None, options=options, **run)

    @classmethod
    def recorded(cls, feature_set: str, options: Mapping[str, Any], provenance: Mapping[str, Any],
                 modality_names: Sequence[str] = (), store: str | Path | None = None, **run: Any) -> ExtractionJob:
        """The job a model recorded (its feature set, options and provenance as stored with its
        training features): the recorded extractors' modalities, or ``modality_names`` (the
        model's inputs) when the record has none."""
        modalities = tuple(provenance.get("extractors") or {}) or tuple(modality_names)
        return cls(store=None if store is None else Path(store), feature_set=feature_set, modalities=modalities,
                   options=dict(options or {}), **run)

    def in_store(self, store: str | Path) -> ExtractionJob:
        return replace(self, store=Path(store))

    # ------------------------------------------------------------------ what it implies
    @property
    def options_text(self) -> str:
        """The options as the extractor cache keys them (and worker processes receive them)."""
        return json.dumps(self.options, sort_keys=True)

    def resolved_device(self) -> str:
        """The device with 'auto' resolved (imports torch)."""
        from videoaffect.core.device import resolve_device

        return str(resolve_device(self.device))

    def extractors(self) -> list:
        """The job's extractors, built once per process (missing weights fail here, all named)."""
        return built_extractors(self.feature_set, self.resolved_device(), self.modalities, self.options_text)

    def provenance(self) -> dict[str, Any]:
        """The feature set, the decoder's parameters and every extractor's provenance: what the store
        keeps with each movie, and a model with its features."""
        extractors = self.extractors()
        return job_provenance(self.feature_set, extractors, decoder_params(extractors))

    def differences(self, recorded: Mapping[str, Any]) -> list[str]:
        """How what this installation builds differs from a recorded provenance, one reason per
        extractor field and for the decoder ([] when they agree, or when the record names no
        extractors: a model of an old release)."""
        want = normalised(dict(recorded))
        if not want.get("extractors"):
            return []
        built = normalised(self.provenance())
        reasons = []
        for name, prov in want["extractors"].items():
            got = built["extractors"].get(name)
            if got is None:
                reasons.append(f"{name}: not built")
                continue
            for key in EXTRACTOR_FIELDS:
                if got.get(key) != prov.get(key):
                    reasons.append(
                        f"{name}: {key} is {got.get(key)!r} here, the model was trained with {prov.get(key)!r}"
                    )
        if built.get("decoder") != want.get("decoder"):
            reasons.append(f"decoder parameters {built.get('decoder')} differ from the model's {want.get('decoder')}")
        return reasons

    def record(self, movie_id: str) -> dict[str, Any]:
        """What a model trained on the job's features records (``model.json``'s "features"), the
        provenance as stored with ``movie_id``, so that ``predict`` extracts exactly the same
        features from a new video."""
        from videoaffect.features.store import FeatureStore

        stored = FeatureStore(self._store(), create=False).stored_provenance(self.feature_set, movie_id)
        return {
            "feature_set": self.feature_set,
            "options": self.options,
            "provenance": stored[0] if stored else {},
            "description": f"{self.feature_set!r} feature set extracted from the videos",
        }

    # ------------------------------------------------------------------ running it
    def run(self, videos: Sequence[VideoInput | tuple[str, str | Path]],
            on_result: Callable[[MovieResult], None] | None = None) -> list[MovieResult]:
        """Extract ``videos`` (inputs, or (movie id, path) pairs) into the store, skipping those
        up to date unless ``force``; one result per video, in order.  ``on_result`` sees each
        movie as it finishes."""
        inputs = [v if isinstance(v, VideoInput) else VideoInput(str(v[1]), v[0]) for v in videos]
        return run_extraction(
            inputs, self.feature_set, self._store(), workers=self.workers, device=self.resolved_device(),
            backend=self.backend, scheduler=self.scheduler, force=self.force, modalities=self.modalities,
            options=self.options, progress=self.progress, on_result=on_result,
        )

    def _store(self) -> Path:
        if self.store is None:
            raise ValueError("this extraction job has no store yet; give one with in_store(STORE)")
        return self.store
