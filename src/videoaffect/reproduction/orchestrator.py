"""``run_reproduction``: plan, check, lock the output directory, run what is pending, write the
tables, figures and summary.

Output directory::

    config.json            settings, corpus, splits, the whole plan
    runs/<key>.json        one finished run (see runs.py); a rerun loads these instead of redoing them
    logs/<training>.jsonl  training logs
    models/<name>/         the saved models (table 1's first seed, the final models)
    tableN.json, tableN.md, summary.md, figures/
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from videoaffect.core.files import atomic_write_text
from videoaffect.core.locks import OutputLock
from videoaffect.datasets.corpus import ClassLabels, Corpus
from videoaffect.datasets.loading import DatasetInfo
from videoaffect.models.config import RunSettings
from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.common import EMBEDDINGS, Progress, ReproductionError, jsonable, versions
from videoaffect.reproduction.plan import ExperimentPlan
from videoaffect.reproduction.report import summary_markdown, table_json, table_markdown
from videoaffect.reproduction.run_files import RunStore, remove_temporary
from videoaffect.reproduction.trainings import Runner


@dataclass
class ReproductionResult:
    out_dir: Path
    plan: ExperimentPlan
    runs: dict[str, dict]  # run key -> run record (as in runs/<key>.json)
    tables: dict[str, dict]  # table name -> JSON content of tableN.json
    files: list[Path]  # every table, summary and config file written
    figures: list[Path]
    trained: list[str]  # training keys trained by this call
    loaded: list[str]  # run keys loaded from an earlier call


def split_movies(corpus: Corpus, split: str | Sequence[str]) -> list[int]:
    names = [split] if isinstance(split, str) else list(split)
    return sorted({m for name in names for m in corpus.movies_in_split(name)})


def _check_splits(corpus: Corpus, plan: ExperimentPlan, train_split, test_split,
                  train_movies: list[int], test_movies: list[int]) -> None:
    overlap = sorted(set(train_movies) & set(test_movies))
    if overlap:
        raise ReproductionError(
            f"movies {[corpus.movie_ids[m] for m in overlap][:5]} are in both the training split "
            f"{train_split!r} and the test split {test_split!r}; pass disjoint splits"
        )
    for task in sorted({r.task for r in plan.runs.values()}):
        for what, movies in (("training", train_movies), ("test", test_movies)):
            unlabelled = [corpus.movie_ids[m] for m in movies if not corpus.has_labels(task, [m])]
            if unlabelled:
                raise ReproductionError(
                    f"{what} movies {unlabelled[:5]} have no {task} labels; every table needs labelled "
                    "training and test movies (choose other splits with train_split/test_split)"
                )


def _check_embedding(embedding: str) -> None:
    # Figures come after every training: a bad choice must fail before hours of work, not after.
    if embedding not in EMBEDDINGS:
        raise ReproductionError(f"embedding method must be auto, tsne or pca, got {embedding!r}")
    if embedding == "tsne" and importlib.util.find_spec("sklearn") is None:
        raise ReproductionError("the t-SNE embedding of figure 3 needs scikit-learn (pip install scikit-learn); "
                                "or use the pca embedding, or no figures")


def run_reproduction(
    corpus: Corpus,
    out_dir: str | Path,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    model_overrides: Mapping | None = None,
    train_overrides: Mapping | None = None,
    tables: Sequence[str] | None = None,
    modality_map: Mapping[str, str | None] | None = None,
    train_split: str | Sequence[str] = "train",
    test_split: str | Sequence[str] = "test",
    classification: Mapping | None = None,
    class_labels: ClassLabels | None = None,
    progress: Progress | None = None,
    figures: bool = True,
    embedding: str = "auto",
    dataset_info: DatasetInfo | Mapping | None = None,
    run: RunSettings | None = None,
) -> ReproductionResult:
    """Run (or resume) the paper's experiments on ``corpus`` and write tables, runs and figures
    to ``out_dir``.

    ``model_overrides``: ModelConfig fields for every model (sizes, ``clip_seconds``, ``context``,
    ``context_clips`` / ``ema_beta`` of the final models...).  ``train_overrides``: TrainConfig
    fields (epochs, device...).  ``tables``: default 1-4, plus 5 when ``classification`` (ModelConfig
    fields of the classification variant, e.g. ``{"num_classes": 3, "class_thresholds": [...]}``)
    is given.  ``class_labels``: a data set's official classes with their cut points
    (``LoadedDataset.class_labels``), instead of ``classification``: the variant then trains and
    is evaluated on them.  ``modality_map``: paper modality -> corpus modality (see
    ``resolve_modality_map``).

    Raises ``BusyError`` when another live process is writing ``out_dir``.
    """
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    train_overrides = dict(train_overrides or {})
    run = run or RunSettings()
    plan = ExperimentPlan.build(
        corpus,
        seeds=seeds,
        tables=tables,
        modality_map=modality_map,
        model_overrides=model_overrides,
        train_overrides=train_overrides,
        classification=classification,
        class_labels=class_labels,
    )
    train_movies, test_movies = split_movies(corpus, train_split), split_movies(corpus, test_split)
    _check_splits(corpus, plan, train_split, test_split, train_movies, test_movies)
    if figures:
        _check_embedding(embedding)
    if isinstance(dataset_info, DatasetInfo):
        dataset_info = dataset_info.to_dict()
    info = jsonable(dict(dataset_info or {}))
    # Held until every file is written: two processes resuming one directory would train the
    # same runs twice and could interleave config.json with the other's tables.
    with OutputLock(out, "reproduce") as lock:
        if lock.took_over is not None:
            say(f"{out}: the previous reproduction (pid {lock.took_over.get('pid', '?')}) stopped without "
                "finishing; resuming")
        return _run_locked(plan, out, info, train_split, test_split, train_movies, test_movies, say, figures,
                           embedding, run)


def _run_locked(plan: ExperimentPlan, out: Path, info: dict, train_split, test_split, train_movies: list[int],
                test_movies: list[int], say: Progress, figures: bool, embedding: str,
                run: RunSettings) -> ReproductionResult:
    corpus = plan.corpus
    remove_temporary(out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    ids = corpus.movie_ids
    splits = {"train": [ids[m] for m in train_movies], "test": [ids[m] for m in test_movies]}
    store = RunStore(plan, out, splits, say)
    runner = Runner(store, train_movies, test_movies, say, run)
    config = {
        "paper": paper.PAPER_TITLE,
        "dataset": info,
        "corpus": {
            "movies": corpus.n_movies,
            "seconds": corpus.total_seconds,
            "label_scale": corpus.label_scale.name,
            "modalities": [s.to_dict() for s in corpus.specs.values()],
        },
        "splits": {"train_split": train_split, "test_split": test_split, **splits},
        "plan": plan.describe(),
        "versions": versions(),
    }
    # Refuse mismatched run files before config.json is replaced by the new settings.
    store.load_finished()
    files = [out / "config.json"]
    atomic_write_text(files[0], json.dumps(jsonable(config), indent=2))
    if store.loaded:
        say(f"resuming: {len(store.loaded)} of {len(plan.runs)} runs already finished in {out / 'runs'}")
    pending = store.pending()
    for i, (key, runs) in enumerate(pending.items(), 1):
        runner.execute(plan.trainings[key], runs, i, len(pending))

    tables_json, tables_md = {}, {}
    for name, spec in plan.table_specs.items():
        tables_json[name] = table_json(spec, store.records, plan)
        tables_md[name] = table_markdown(spec, tables_json[name], plan)
        atomic_write_text(out / f"table{name}.json", json.dumps(jsonable(tables_json[name]), indent=2))
        atomic_write_text(out / f"table{name}.md", tables_md[name])
        files += [out / f"table{name}.md", out / f"table{name}.json"]

    figure_paths: list[Path] = []
    if figures:
        # matplotlib is imported only when figures are drawn.
        from videoaffect.reproduction.figures import reproduction_figures

        figure_paths = reproduction_figures(plan, out, test_movies, embedding, say)
    atomic_write_text(out / "summary.md", summary_markdown(plan, tables_md, info, splits, figure_paths, out))
    files.append(out / "summary.md")
    say(f"tables and summary written to {out}")
    return ReproductionResult(out, plan, store.records, tables_json, files, figure_paths, runner.trained,
                              store.loaded)
