"""Reading LIRIS-ACCEDE discrete's release files into per-excerpt arrays in id order: the sets,
the 1-5 ratings and their variances, the TAC2015 features grouped into modalities, the official
classes, and the excerpt videos found in ROOT/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from videoaffect.core.vocabulary import TASKS
from videoaffect.datasets.liris_accede.release_files import (
    AFFECT_FILE,
    FEATURE_FILES,
    MEDIAEVAL_AFFECT_FILE,
    RANKING_FILE,
    SETS_FILE,
    LirisError,
    ReleaseTable,
    check_names,
    find_file,
    read_table,
    row_order,
)

MODALITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "audio": (
        "asymmetry_env",
        "flatness",
        "flatness_env",
        "zcr",
        *(f"wtf_max2stdratio_{i}" for i in range(1, 13)),
    ),
    "scene": (
        "colorfulness",
        "alpha",
        "hueCount",
        "minEnergy",
        "colorStrength",
        "colorRawEnergy",
        "lightning",
        "medianLightness",
        "maxSaliencyCount",
        "saliencyDisparity",
        "compositionalBalance",
        "depthOfField",
        "spatialEdgeDistributionArea",
        "entropyComplexity",
    ),
    "motion": ("globalActivity", "nbSceneCuts", "cutLength", "nbFades", "nbWhiteFrames"),
}
UNUSED_COLUMNS = ("slope",)  # in the arousal file, described nowhere in the readme
VALUE_COLUMNS = {"valence": "valenceValue", "arousal": "arousalValue"}
CLASS_COLUMNS = {"valence": "valenceClass", "arousal": "arousalClass"}
VARIANCE_COLUMNS = {"valence": "valenceVariance", "arousal": "arousalVariance"}


def signed_log(x) -> np.ndarray:
    """sign(x)·log1p(|x|): monotone, odd, ~x near 0, log-compresses heavy tails."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.log1p(np.abs(x))


def read_sets(root: Path) -> tuple[np.ndarray, list[str], np.ndarray, Path]:
    """(ids ascending, names, sets, path of ACCEDEsets.txt): the excerpts every other file must describe."""
    sets_table = read_table(find_file(root, SETS_FILE))
    ids = sets_table.ids()
    set_values = sets_table.numbers(sets_table.column("set", "1 learning, 2 validation, 0 test"))
    for i, v in enumerate(set_values):
        if v not in (0.0, 1.0, 2.0):
            raise LirisError(
                f"{sets_table.path}, line {sets_table.lines[i]}: set {v:g} is not 0 (test), "
                "1 (learning) or 2 (validation)"
            )
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    sets_path = sets_table.path
    given = sets_table.names()
    names = [given[i] for i in order] if given is not None else [f"ACCEDE{int(v):05d}.mp4" for v in ids]
    return ids, names, set_values[order].astype(np.int64), sets_path


def _checked_column(table: ReleaseTable, rows: np.ndarray, col: str, purpose: str, ok, fix: str) -> np.ndarray:
    """Column ``col`` in excerpt order; the first value failing ``ok`` is named with its line."""
    v = table.numbers(table.column(col, purpose))[rows]
    bad = np.flatnonzero(~ok(v))
    if len(bad):
        raise LirisError(f"{table.path}, line {table.lines[rows[bad[0]]]}: {col} = {v[bad[0]]:g}{fix}")
    return v


def read_values(
    root: Path, ids: np.ndarray, names: list[str], sets_path: Path
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """The 1-5 ratings, and their variances when the ranking file has both variance columns."""
    ranking = read_table(find_file(root, RANKING_FILE))
    rows = row_order(ranking, ranking.ids(), ids, sets_path)
    check_names(ranking, rows, names, sets_path)
    values = {
        task: _checked_column(ranking, rows, col, f"{task} rating on 1-5", lambda v: (v >= 1.0) & (v <= 5.0),
                              " lies outside the 1-5 scale of LIRIS-ACCEDE ratings")
        for task, col in VALUE_COLUMNS.items()
    }
    if not all(col in ranking.header for col in VARIANCE_COLUMNS.values()):
        return values, None
    variances = {
        task: _checked_column(ranking, rows, col, f"{task} rating variance", lambda v: v > 0,
                              "; a rating variance must be positive (use the official ACCEDEranking.txt)")
        for task, col in VARIANCE_COLUMNS.items()
    }
    return values, variances


def read_features(root: Path, ids: np.ndarray, names: list[str], sets_path: Path, compress: bool):
    """(modality -> (n, dim) features, modality -> column names) from the two TAC2015 files."""
    merged, sources = _merge_features(root, ids, names, sets_path)
    features, columns = {}, {}
    for modality, cols in MODALITY_COLUMNS.items():
        missing = [c for c in cols if c not in merged]
        if missing:
            raise LirisError(
                f"feature columns {missing} ({modality}) are in neither {FEATURE_FILES[0]} nor "
                f"{FEATURE_FILES[1]} ({', '.join(str(s) for s in sources)}); use the official TAC2015 files"
            )
        block = np.stack([merged[c] for c in cols], axis=1)
        features[modality] = signed_log(block) if compress else block
        columns[modality] = cols
    return features, columns


def _merge_features(root: Path, ids: np.ndarray, names: list[str], sets_path: Path):
    merged: dict[str, np.ndarray] = {}
    origin: dict[str, Path] = {}
    sources = []
    for fname in FEATURE_FILES:
        table = read_table(find_file(root, fname))
        sources.append(table.path)
        rows = row_order(table, table.ids(), ids, sets_path)
        check_names(table, rows, names, sets_path)
        for col, name in enumerate(table.header):
            if name in ("id", "name"):
                continue
            values = table.numbers(col)[rows]
            if name in merged:
                differ = np.flatnonzero(~np.isclose(merged[name], values, rtol=1e-6, atol=1e-9))
                if len(differ):
                    k = differ[0]
                    raise LirisError(
                        f"{table.path}, line {table.lines[rows[k]]}: column {name!r} differs between "
                        f"{origin[name].name} and {table.path.name} for excerpt id {int(ids[k])} "
                        f"({merged[name][k]:g} vs {values[k]:g}); the feature files do not belong together"
                    )
                continue
            merged[name], origin[name] = values, table.path
    return merged, sources


def _read_classes(table: ReleaseTable, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    out = {}
    for task, col in CLASS_COLUMNS.items():
        v = table.numbers(table.column(col, "class -1, 0 or 1"))
        bad = np.flatnonzero(~np.isin(v, (-1.0, 0.0, 1.0)))
        if len(bad):
            raise LirisError(
                f"{table.path}, line {table.lines[bad[0]]}: {col} = {v[bad[0]]:g}; classes are "
                "-1 (negative/calm), 0 (neutral) or 1 (positive/arousing)"
            )
        v = v.astype(np.int64)
        out[task] = v if rows is None else v[rows]
    return out


def read_affect(root: Path, ids: np.ndarray, names: list[str], sets_path: Path):
    path = find_file(root, AFFECT_FILE, required=False)
    if path is None:
        return None, None
    table = read_table(path)
    rows = row_order(table, table.ids(), ids, sets_path)
    check_names(table, rows, names, sets_path)
    return _read_classes(table, rows), AFFECT_FILE


def read_mediaeval_affect(root: Path) -> dict[str, tuple[int, int]] | None:
    path = find_file(root, MEDIAEVAL_AFFECT_FILE, required=False)
    if path is None:
        return None
    table = read_table(path)
    table.ids()  # duplicates are an error here too
    classes = _read_classes(table)
    names = table.names() or [f"MEDIAEVAL{int(v):05d}.mp4" for v in table.ids()]
    valence, arousal = (classes[t] for t in TASKS)
    return {n: (int(valence[i]), int(arousal[i])) for i, n in enumerate(names)}


def find_videos(root: Path, names: list[str]) -> dict[str, Path]:
    folder = root / "data"
    if not folder.is_dir():
        return {}
    wanted = set(names)
    return {p.name: p for p in folder.glob("ACCEDE*.mp4") if p.name in wanted}


__all__ = [
    "CLASS_COLUMNS",
    "MODALITY_COLUMNS",
    "UNUSED_COLUMNS",
    "VALUE_COLUMNS",
    "VARIANCE_COLUMNS",
    "find_videos",
    "read_affect",
    "read_features",
    "read_mediaeval_affect",
    "read_sets",
    "read_values",
    "signed_log",
]
