"""Tiny LIRIS-ACCEDE discrete roots in the official file format, for the dataset, benchmark and
reproduction tests (imported by name: ``pythonpath = ["tests"]``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Headers of the official TAC2015 feature files (facts about the release's format).
VALENCE_COLUMNS = (
    "colorfulness alpha hueCount maxSaliencyCount compositionalBalance depthOfField saliencyDisparity "
    "spatialEdgeDistributionArea entropyComplexity nbWhiteFrames nbFades nbSceneCuts asymmetry_env "
    "flatness zcr colorStrength colorRawEnergy"
).split()
AROUSAL_COLUMNS = (
    ["colorfulness", "minEnergy", "alpha", "lightning", "globalActivity", "nbWhiteFrames", "nbSceneCuts",
     "cutLength", "flatness_env"]
    + [f"wtf_max2stdratio_{i}" for i in range(1, 13)]
    + ["medianLightness", "slope"]
)
ALL_COLUMNS = sorted(set(VALENCE_COLUMNS) | set(AROUSAL_COLUMNS))


def write_table(path: Path, header: list[str], rows: list[list]) -> None:
    lines = ["\t".join(header)] + ["\t".join(str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def make_root(tmp_path: Path, sets=(1,) * 8 + (2,) * 6, seed: int = 0, affect: bool = False, name: str = "liris",
              relation: str = "linear") -> dict:
    """Write the four official files for len(sets) excerpts; return the values written.
    ``relation="linear"``: valence = 3 + 0.5 * colorfulness-feature (a planted linear signal);
    ``"square"``: valence = 3 + 0.6 * (colorfulness-feature ** 2 - 1), which no linear model of
    the features can follow (its correlation with the feature is 0)."""
    root = tmp_path / name
    root.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    n = len(sets)
    ids = np.arange(n) * 3 + 5  # not 0..n-1: matching must be by id
    names = [f"ACCEDE{i:05d}.mp4" for i in ids]
    feats = {c: rng.normal(size=n) for c in ALL_COLUMNS}
    feats["wtf_max2stdratio_12"] = 10.0 ** rng.uniform(14, 16, size=n)
    if relation == "linear":
        valence = np.clip(3.0 + 0.5 * feats["colorfulness"], 1, 5)
    elif relation == "square":
        valence = np.clip(3.0 + 0.6 * (feats["colorfulness"] ** 2 - 1.0), 1, 5)
    else:
        raise ValueError(f"relation must be linear or square, got {relation!r}")
    arousal = np.clip(2.5 + 0.8 * feats["globalActivity"], 1, 5)
    order = rng.permutation(n)  # files list excerpts in different orders
    write_table(root / "ACCEDEsets.txt", ["id", "name", "set"], [[ids[i], names[i], sets[i]] for i in range(n)])
    write_table(
        root / "ACCEDEranking.txt",
        ["id", "name", "valenceRank", "arousalRank", "valenceValue", "arousalValue", "valenceVariance", "arousalVariance"],
        [[ids[i], names[i], 0, 0, repr(float(valence[i])), repr(float(arousal[i])), 0.1, 0.1] for i in order],
    )
    for fname, cols in (
        ("ACCEDEfeaturesValence_TAC2015.txt", VALENCE_COLUMNS),
        ("ACCEDEfeaturesArousal_TAC2015.txt", AROUSAL_COLUMNS),
    ):
        write_table(root / fname, ["id", "name", *cols], [[ids[i], names[i], *(repr(float(feats[c][i])) for c in cols)] for i in order[::-1]])
    classes = {"valence": rng.integers(-1, 2, size=n), "arousal": rng.integers(-1, 2, size=n)}
    if affect:
        write_table(
            root / "ACCEDEaffect.txt",
            ["id", "name", "valenceClass", "arousalClass"],
            [[ids[i], names[i], classes["valence"][i], classes["arousal"][i]] for i in range(n)],
        )
    return {"root": root, "ids": ids, "names": names, "features": feats, "valence": valence,
            "arousal": arousal, "sets": np.asarray(sets), "classes": classes}
