"""The whole offline default set on real files: a generated video whose frames show the
astronaut photograph (a known, smiling face), and the real Big Buck Bunny excerpt."""


import numpy as np
import pytest

from helpers import SHARED
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.extractors.default.expression import AREA_INDEX, COUNT_INDEX
from videoaffect.extractors.nets.mini_xception import CLASSES
from videoaffect.features.extract import collect_inputs, run_extraction
from videoaffect.features.store import FeatureStore

pytestmark = pytest.mark.usefixtures("packaged_weights")


def test_default_set_on_a_video_of_a_face(tmp_path):
    skimage = pytest.importorskip("skimage")
    face = np.ascontiguousarray(skimage.data.astronaut()[:256, 96:352])  # 256 x 256 around the face

    def pattern(index, t, size):
        return face

    video = make_video(tmp_path / "astronaut.mp4", 3, fps=10, size=(256, 256), pattern=pattern,
                       tone=lambda t: 0.3 * np.sin(2 * np.pi * 440 * t))
    results = run_extraction(collect_inputs([video]), "default", tmp_path / "store", progress=False)
    assert results[0].status == "done", results[0].reason
    m = FeatureStore(tmp_path / "store").read("default", "astronaut")
    assert set(m.features) == {"audio", "scene", "expression", "motion"}
    assert all(m.present[k].all() for k in m.features)
    expr = m.features["expression"]
    assert (expr[:, COUNT_INDEX] == 1).all()
    assert (expr[:, AREA_INDEX] > 0.05).all()
    assert [CLASSES[i] for i in expr[:, :7].argmax(1)] == ["happy"] * 3
    # a still picture does not move and has no cuts
    names = __import__("videoaffect.extractors.default.motion", fromlist=["FEATURE_NAMES"]).FEATURE_NAMES
    motion = dict(zip(names, m.features["motion"][1].tolist()))
    cut_keys = [k for k in names if "cut" in k]
    assert all(motion[k] == 0 for k in cut_keys)
    flow = [k for k in names if k.startswith("flow_") or k.startswith("pan_") or k == "moving_fraction"]
    assert all(abs(motion[k]) < 0.5 for k in flow), motion
    assert motion["pairs_used"] == 1.0
    for name in ("audio", "scene"):
        assert np.isfinite(m.features[name]).all()
    prov = m.modality_provenance["expression"]
    assert prov["extractor"] == "default.expression.fer" and len(prov["weights"]) == 4


@pytest.mark.skipif(not (SHARED / "media" / "bigbuckbunny.mp4").is_file(), reason="../shared/media not present")
def test_default_set_on_the_real_film_clip(tmp_path):
    results = run_extraction(collect_inputs([SHARED / "media" / "bigbuckbunny.mp4"]), "default", tmp_path,
                             progress=False)
    assert results[0].status == "done", results[0].reason
    m = FeatureStore(tmp_path).read("default", "bigbuckbunny")
    assert m.seconds == 5
    assert m.present["audio"].all() and m.present["scene"].all()
    # cartoon animal, no human face the detector should trust in most seconds
    assert np.isfinite(m.features["scene"]).all() and m.features["scene"].std(0).max() > 0
