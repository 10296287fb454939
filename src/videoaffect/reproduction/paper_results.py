"""The paper's published numbers, as data, for the tables `videoaffect reproduce` writes.

Source: "Video affective impact prediction with multi-modal fusion and long-short temporal
context" (the reviewed version; on arXiv as Zhang, Zhao, Cai, Tu, Wei, "Video Affective Effects
Prediction with Multi-modal Fusion and Shot-Long Temporal Context", arXiv:1909.01763),
section 4, tables 1-5.  Tables 1-4 are on MediaEval 2018 (LIRIS-ACCEDE continuous
annotations, `dev` movies 00-53 for training, test movies 54-65), MSE on the [-1, 1]
label scale and Pearson's correlation coefficient (PCC, stored here as ``pearson``).  Table 5
is 3-class accuracy on MediaEval 2015 (LIRIS-ACCEDE discrete).

``None`` stands for the paper's "-" (that task was not run for that row).
"""

from __future__ import annotations

PAPER_TITLE = "Video affective impact prediction with multi-modal fusion and long-short temporal context"

# The paper's four modalities, in the order its tables list them.
PAPER_MODALITIES = ("audio", "scene", "expression", "action")

# The modalities of the final models (paper section 3.1: audio, scene and facial expression for
# valence; audio, scene and action for arousal).
FINAL_MODALITIES = {"valence": ("audio", "scene", "expression"), "arousal": ("audio", "scene", "action")}

# Chosen in table 3 and used for table 4: L = 4 clips for valence, beta = 0.98 for arousal.
FINAL_CONTEXT_CLIPS = 4
FINAL_EMA_BETA = 0.98


def _r(mse: float, pearson: float) -> dict[str, float]:
    return {"mse": mse, "pearson": pearson}


# Table 1: "Performance for each modality-specific models."
TABLE1: dict[str, dict[str, dict[str, float]]] = {
    "audio": {"valence": _r(0.098, 0.264), "arousal": _r(0.140, 0.172)},
    "scene": {"valence": _r(0.103, 0.192), "arousal": _r(0.152, 0.140)},
    "expression": {"valence": _r(0.110, 0.150), "arousal": _r(0.162, 0.061)},
    "action": {"valence": _r(0.132, 0.057), "arousal": _r(0.156, 0.158)},
}

# Table 2: "Performance of different modal combinations & feature fusions." (intra-clip part,
# section 4.2.2).  Baseline 1 = feature-level fusion trained jointly; Baseline 2 = modality-
# specific models averaged; both on audio+scene+expression (valence) and audio+scene+action
# (arousal).
TABLE2: dict[str, dict[str, dict[str, float] | None]] = {
    "audio+scene": {"valence": _r(0.091, 0.348), "arousal": None},
    "audio+action": {"valence": None, "arousal": _r(0.140, 0.293)},
    "audio+scene+expression": {"valence": _r(0.089, 0.358), "arousal": None},
    "audio+action+scene": {"valence": None, "arousal": _r(0.138, 0.314)},
    "baseline1": {"valence": _r(0.104, 0.284), "arousal": _r(0.148, 0.257)},
    "baseline2": {"valence": _r(0.090, 0.300), "arousal": _r(0.142, 0.278)},
}

# Table 3: "Performance with long temporal context."  Left: valence with L clips per inter-clip
# window; right: arousal with EMA decay weight beta.
TABLE3_VALENCE_CLIPS: dict[int, dict[str, float]] = {
    3: _r(0.073, 0.406),
    4: _r(0.071, 0.444),
    5: _r(0.072, 0.419),
    6: _r(0.077, 0.380),
}
TABLE3_AROUSAL_BETA: dict[float, dict[str, float]] = {
    0.96: _r(0.136, 0.400),
    0.97: _r(0.136, 0.409),
    0.98: _r(0.137, 0.419),
    0.99: _r(0.140, 0.427),
}

# Table 4: "Performance compared with the state-of-the-art." (MediaEval 2018 test set).
TABLE4: dict[str, dict[str, dict[str, float]]] = {
    "CERTH-ITI (Batziou et al., 2018)": {"valence": _r(0.117, 0.098), "arousal": _r(0.138, 0.054)},
    "THUHCSI (Ma et al., 2018)": {"valence": _r(0.092, 0.305), "arousal": _r(0.140, 0.087)},
    "Quan et al. (2018)": {"valence": _r(0.115, 0.146), "arousal": _r(0.171, 0.091)},
    "Yi et al. (2018)": {"valence": _r(0.090, 0.301), "arousal": _r(0.136, 0.175)},
    "GLA (Sun et al., 2018)": {"valence": _r(0.084, 0.278), "arousal": _r(0.133, 0.351)},
    "Ko et al. (2018)": {"valence": _r(0.102, 0.114), "arousal": _r(0.149, 0.083)},
    "Ours": {"valence": _r(0.071, 0.444), "arousal": _r(0.137, 0.419)},
}

# Table 5: "Performance compared with MediaEval 2015 related works." (accuracy, 3 classes).
TABLE5: dict[str, dict[str, dict[str, float]]] = {
    "MIC-TJU (Yi et al., 2015)": {"valence": {"accuracy": 0.420}, "arousal": {"accuracy": 0.559}},
    "NII-UIT (Vu Lam & Le)": {"valence": {"accuracy": 0.430}, "arousal": {"accuracy": 0.559}},
    "ICL-TUM-PASSAU (Trigeorgis et al., 2015)": {"valence": {"accuracy": 0.415}, "arousal": {"accuracy": 0.557}},
    "Fudan-Huawei (Dai et al., 2015)": {"valence": {"accuracy": 0.418}, "arousal": {"accuracy": 0.488}},
    "TCS-ILAB (Chakraborty et al., 2015)": {"valence": {"accuracy": 0.357}, "arousal": {"accuracy": 0.490}},
    "UMons (Seddati et al., 2015)": {"valence": {"accuracy": 0.373}, "arousal": {"accuracy": 0.524}},
    "RFA (Mironica et al., 2015)": {"valence": {"accuracy": 0.330}, "arousal": {"accuracy": 0.450}},
    "KIT (Marin Vlastelica et al., 2015)": {"valence": {"accuracy": 0.385}, "arousal": {"accuracy": 0.519}},
    "Ours": {"valence": {"accuracy": 0.459}, "arousal": {"accuracy": 0.575}},
}

# Movies the paper plots (figures 4-6): good cases and bad cases of the final models.
FIGURE_MOVIES = {
    "valence": ("MEDIAEVAL18_54", "MEDIAEVAL18_62", "MEDIAEVAL18_65"),
    "arousal": ("MEDIAEVAL18_60", "MEDIAEVAL18_63"),
}
