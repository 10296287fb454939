"""Paper-set audio (VGGish) and action (OpenPose backbone) extractors, with random weights."""

from __future__ import annotations

import hashlib
import io
import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from helpers import SHARED
from videoaffect.core.files import sha256_of, sha256_of_arrays
from videoaffect.decoding.media import iter_seconds
from videoaffect.decoding.samples import AUDIO_RATE, AUDIO_WINDOW_SAMPLES, VGGISH_WINDOW_SAMPLES, SecondSample
from videoaffect.extractors.base import ExtractorError
from videoaffect.extractors.logmel import vggish_patch
from videoaffect.extractors.nets.openpose import OpenPoseBackbone, load_openpose_backbone, preprocess
from videoaffect.extractors.nets.vggish import Postprocessor, VGGish, check_state_dict, load_vggish
from videoaffect.extractors.paper.action import PaperAction
from videoaffect.extractors.paper.audio import PaperAudio
from videoaffect.extractors.paper.precision import RELATIVE_L2_TOLERANCE, relative_l2_error, variance_preserving_init

BUNNY = SHARED / "media" / "bigbuckbunny.mp4"

# torchvggish's vggish-10086976.pth, in order.
TORCHVGGISH_KEYS = [
    f"{block}.{i}.{p}"
    for block, idx in (("features", (0, 3, 6, 8, 11, 13)), ("embeddings", (0, 2, 4)))
    for i in idx
    for p in ("weight", "bias")
]
# pytorch-openpose's body_pose_model.pth, backbone part, in order.
OPENPOSE_KEYS = [
    f"{n}.{p}"
    for n in ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv3_4",
              "conv4_1", "conv4_2", "conv4_3_CPM", "conv4_4_CPM")
    for p in ("weight", "bias")
]


@pytest.fixture(scope="module")
def vggish() -> VGGish:
    torch.manual_seed(0)
    return VGGish().eval()


def identity_pca() -> Postprocessor:
    return Postprocessor(np.eye(128), np.zeros(128))


def tone(freq: float, seconds: float = AUDIO_WINDOW_SAMPLES / AUDIO_RATE) -> np.ndarray:
    t = np.arange(int(round(seconds * AUDIO_RATE))) / AUDIO_RATE
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# ---------------------------------------------------------------- VGGish network


def test_vggish_keys_and_shapes_match_torchvggish():
    with torch.device("meta"):
        state = VGGish().state_dict()
    assert list(state) == TORCHVGGISH_KEYS
    assert state["features.0.weight"].shape == (64, 1, 3, 3)
    assert state["features.13.weight"].shape == (512, 512, 3, 3)
    assert state["embeddings.0.weight"].shape == (4096, 512 * 6 * 4)
    assert state["embeddings.4.weight"].shape == (128, 4096)


def test_vggish_output_linear_deterministic_batch_invariant(vggish):
    patches = np.stack([vggish_patch(tone(f)) for f in (440.0, 1000.0, 3000.0)])[:, None]
    x = torch.from_numpy(patches)
    with torch.inference_mode():
        out = vggish(x)
        again = vggish(x)
        single = torch.cat([vggish(x[i : i + 1]) for i in range(3)])
    assert out.shape == (3, 128)
    # Google's model: the 128-wide layer is linear, so (random-weight) embeddings go negative.
    assert (out < 0).any() and (out > 0).any()
    assert torch.equal(out, again)
    torch.testing.assert_close(single, out, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="96, 64"):
        vggish(torch.zeros(1, 1, 64, 96))


def test_vggish_flattens_in_tf_nhwc_order(vggish):
    """FC input index (h * 4 + w) * 512 + c must read map (c, h, w), as TF's NHWC flatten."""
    x = torch.from_numpy(vggish_patch(tone(1000.0))[None, None])
    with torch.inference_mode():
        maps = vggish.features(x)
    # Probe the strongest cell away from the corners, so a transposed order would read another one.
    c, h, w = np.unravel_index(int(maps[0, :, 1:5, 1:3].argmax()), (512, 4, 2))
    h, w = h + 1, w + 1
    assert maps[0, c, h, w] > 0
    state = {k: v for k, v in vggish.state_dict().items() if k.startswith("features.")}
    fc0 = torch.zeros(4096, 12288)
    fc0[0, (h * 4 + w) * 512 + c] = 1.0
    fc1 = torch.zeros(4096, 4096)
    fc1[0, 0] = 1.0
    fc2 = torch.zeros(128, 4096)
    fc2[0, 0] = -1.0  # negative survives: no final ReLU
    state.update({"embeddings.0.weight": fc0, "embeddings.0.bias": torch.zeros(4096),
                  "embeddings.2.weight": fc1, "embeddings.2.bias": torch.zeros(4096),
                  "embeddings.4.weight": fc2, "embeddings.4.bias": torch.zeros(128)})
    with torch.device("meta"):
        probe = VGGish()
    probe.load_state_dict(check_state_dict(state, "probe"), assign=True)
    with torch.inference_mode():
        out = probe(x)
    torch.testing.assert_close(out[0, 0], -maps[0, c, h, w])
    assert torch.count_nonzero(out[0, 1:]) == 0


def test_vggish_wrong_shape_names_file_and_key(tmp_path):
    bad = tmp_path / "not vggish.pth"
    torch.save({"features.0.weight": torch.zeros(64, 1, 5, 5)}, bad)
    with pytest.raises(ExtractorError) as err:
        load_vggish(bad, tmp_path / "pca.pth")
    msg = str(err.value)
    assert str(bad) in msg and "features.0.weight has shape (64, 1, 5, 5), expected (64, 1, 3, 3)" in msg
    assert "missing features.0.bias, features.3.weight" in msg and "embeddings.4.weight" in msg
    assert "weights import" in msg


# ---------------------------------------------------------------- post-processing


def test_postprocessor_quantises_like_google():
    emb = np.zeros((2, 128))
    emb[0, :7] = [-2.0, 0.0, 2.0, 5.0, -3.0, 1.0, -1.0]
    emb[1, 0] = 0.5
    q = identity_pca()(emb)
    assert q.dtype == np.float32 and q.shape == (2, 128)
    # (x + 2) * 63.75, clipped, truncated by astype(uint8): 0 -> 127.5 -> 127, 1 -> 191.25 -> 191.
    np.testing.assert_array_equal(q[0, :7], [0, 127, 255, 255, 0, 191, 63])
    assert q[1, 0] == 159  # 2.5 * 63.75 = 159.375
    np.testing.assert_array_equal(q[0, 7:], 127)
    # Means are subtracted before the projection; rows of the matrix are the output components.
    swap = np.eye(128)[[1, 0] + list(range(2, 128))]
    q2 = Postprocessor(swap, np.full(128, 1.0))(emb[:1])
    np.testing.assert_array_equal(q2[0, :4], [63, 0, 191, 255])


def _save_legacy_numpy1(obj, path):
    """What the port's PCA file is: NumPy arrays pickled under NumPy 1's module names."""
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    path.write_bytes(buf.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))


def test_pca_file_formats(tmp_path):
    rng = np.random.default_rng(0)
    vectors, means = rng.normal(size=(128, 128)), rng.normal(size=128)
    emb = rng.normal(size=(4, 128))
    want = Postprocessor(vectors, means)(emb)
    files = {
        "numpy1.pth": lambda p: _save_legacy_numpy1({"pca_eigen_vectors": vectors, "pca_means": means}, p),
        "column.pth": lambda p: torch.save(
            {"pca_eigen_vectors": torch.from_numpy(vectors), "pca_means": torch.from_numpy(means).reshape(-1, 1)}, p
        ),
    }
    for name, save in files.items():
        save(tmp_path / name)
        np.testing.assert_array_equal(Postprocessor.from_file(tmp_path / name)(emb), want)
    torch.save({"pca_means": torch.zeros(128)}, tmp_path / "half.pth")
    with pytest.raises(ExtractorError, match="half.pth.*pca_eigen_vectors"):
        Postprocessor.from_file(tmp_path / "half.pth")
    with pytest.raises(ExtractorError, match=r"\(64, 128\)"):
        Postprocessor(np.zeros((64, 128)), np.zeros(128))


def google_test_signal() -> np.ndarray:
    """One second at 16 kHz: a 440 Hz tone, 2 kHz from 0.9 s, 5 kHz from 0.962 s (inside the
    last 15 ms of VGGish's 975-ms patch)."""
    t = np.arange(AUDIO_RATE) / AUDIO_RATE
    return (0.25 * np.sin(2 * np.pi * 440 * t) + 0.15 * np.sin(2 * np.pi * 2000 * t) * (t > 0.9)
            + 0.1 * np.sin(2 * np.pi * 5000 * t) * (t >= 0.962)).astype(np.float32)


def test_vggish_patch_matches_googles_pipeline():
    """tests/data/vggish_google_example.npy is the one example Google's VGGish front end
    (``mel_features.log_mel_spectrogram`` + ``frame`` with ``vggish_params``, as
    ``vggish_input.waveform_to_examples`` runs them; the torchvggish copy of those files) gives
    for ``google_test_signal``: computed outside this repository, stored as data."""
    google = np.load(Path(__file__).parents[2] / "data" / "vggish_google_example.npy")
    x = google_test_signal()
    window, tail = x[:AUDIO_WINDOW_SAMPLES], x[AUDIO_WINDOW_SAMPLES:VGGISH_WINDOW_SAMPLES]
    np.testing.assert_allclose(vggish_patch(window, tail), google, atol=1e-5)
    # zero-padding instead (version 1) gets the last two frames wrong by several log units
    padded = vggish_patch(window)
    np.testing.assert_allclose(padded[:94], google[:94], atol=1e-5)
    assert np.abs(padded[94:] - google[94:]).max() > 1.0


def test_paper_audio_takes_the_tail_into_its_patch(vggish, monkeypatch):
    import videoaffect.extractors.paper.audio as paper_audio

    pp = identity_pca()
    ex = PaperAudio(net=vggish, postprocessor=pp)
    x = google_test_signal()
    window, tail = x[:AUDIO_WINDOW_SAMPLES], x[AUDIO_WINDOW_SAMPLES:VGGISH_WINDOW_SAMPLES]
    patches = []
    monkeypatch.setattr(paper_audio, "vggish_patch", lambda a, t=None: patches.append(vggish_patch(a, t)) or patches[-1])
    features, present = ex.extract([SecondSample(0, None, window, audio_tail=tail), SecondSample(1, None, None),
                                    SecondSample(2, None, window)])
    assert present.tolist() == [True, False, True]
    np.testing.assert_array_equal(patches[0], vggish_patch(window, tail))  # second 0: its real tail
    np.testing.assert_array_equal(patches[1], vggish_patch(window))  # no tail given: zero-padded
    assert not np.array_equal(patches[0], patches[1])
    with torch.inference_mode():
        want = pp(vggish(torch.from_numpy(np.stack(patches)[:, None])))
    np.testing.assert_array_equal(features[present], want)
    assert ex.version == "2" and "975 ms" in ex.params()["patch"]


# ---------------------------------------------------------------- PaperAudio


def test_paper_audio_batch_with_missing_second(vggish):
    pp = identity_pca()
    ex = PaperAudio(net=vggish, postprocessor=pp, batch_size=2)
    samples = [
        SecondSample(0, None, tone(440.0)),
        SecondSample(1, None, None),
        SecondSample(2, None, tone(2000.0)),
        SecondSample(3, None, np.zeros(AUDIO_WINDOW_SAMPLES, dtype=np.float32)),
    ]
    feats, present = ex.extract(samples)
    assert feats.shape == (4, 128) and feats.dtype == np.float32
    np.testing.assert_array_equal(present, [True, False, True, True])
    np.testing.assert_array_equal(feats[1], 0)
    assert np.all(feats == np.round(feats)) and feats.min() >= 0 and feats.max() <= 255
    # Known output: the documented pipeline, patch -> VGGish -> PCA/uint8.
    with torch.inference_mode():
        emb = vggish(torch.from_numpy(np.stack([vggish_patch(s.audio) for s in samples if s.audio is not None])[:, None]))
    np.testing.assert_array_equal(feats[present], pp(emb))
    # Batch invariance and determinism.
    alone, p_alone = ex.extract(samples[2:3])
    assert p_alone.tolist() == [True]
    np.testing.assert_array_equal(alone[0], feats[2])
    np.testing.assert_array_equal(ex.extract(samples)[0], feats)
    prov = ex.provenance()
    assert prov["shape"] == [128] and prov["modality"] == "audio"
    assert prov["weights"]["vggish"].startswith("in-memory:")


def test_paper_audio_from_weight_files(vggish, tmp_path, monkeypatch):
    """The file path route: torchvggish-layout state dict + the port's NumPy PCA file."""
    weights = tmp_path / "vggish-10086976.pth"
    weights.write_bytes(b"stand-in for 290 MB")
    pca = tmp_path / "vggish_pca_params-970ea276.pth"
    rng = np.random.default_rng(1)
    _save_legacy_numpy1({"pca_eigen_vectors": rng.normal(size=(128, 128)) * 0.05, "pca_means": np.zeros(128)}, pca)
    real_load = torch.load

    def fake_load(path, *args, **kwargs):
        if str(path) == str(weights):
            assert kwargs.get("weights_only") is True
            return vggish.state_dict()
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(torch, "load", fake_load)
    ex = PaperAudio(weights=weights, pca=pca)
    assert not any(p.requires_grad for p in ex.net.parameters())
    assert ex.weights_sha256() == {"vggish": sha256_of(weights), "vggish-pca": sha256_of(pca)}
    assert ex.weights_sha256()["vggish"] == hashlib.sha256(b"stand-in for 290 MB").hexdigest()
    samples = [SecondSample(0, None, tone(500.0)), SecondSample(1, None, tone(4000.0))]
    ref = PaperAudio(net=vggish, postprocessor=Postprocessor.from_file(pca))
    np.testing.assert_array_equal(ex.extract(samples)[0], ref.extract(samples)[0])


# ---------------------------------------------------------------- OpenPose backbone


@pytest.fixture(scope="module")
def backbone() -> OpenPoseBackbone:
    torch.manual_seed(1)
    return OpenPoseBackbone().eval()


def test_openpose_keys_and_output_shape(backbone):
    assert list(backbone.state_dict()) == OPENPOSE_KEYS
    assert backbone.state_dict()["conv4_3_CPM.weight"].shape == (256, 512, 3, 3)
    assert backbone.state_dict()["conv4_4_CPM.weight"].shape == (128, 256, 3, 3)
    x = torch.randn(2, 3, 64, 48)
    with torch.inference_mode():
        y = backbone(x)
    assert y.shape == (2, 128, 8, 6)
    assert y.min() >= 0 and y.max() > 0  # ReLU after conv4_4_CPM


def test_openpose_preprocess_is_bgr_over_256():
    red = np.zeros((2, 3, 3), dtype=np.uint8)
    red[..., 0] = 255
    x = preprocess(red)
    assert x.shape == (3, 2, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[2], 255 / 256 - 0.5)  # R is the last channel (BGR)
    np.testing.assert_allclose(x[:2], -0.5)


def test_openpose_checkpoint_loading(backbone, tmp_path):
    state = dict(backbone.state_dict())
    state["Mconv7_stage6_L2.weight"] = torch.zeros(19, 128, 1, 1)  # stage heads: ignored
    good = tmp_path / "body_pose_model.pth"
    torch.save(state, good)
    loaded = load_openpose_backbone(good)
    assert not any(p.requires_grad for p in loaded.parameters())
    x = torch.randn(1, 3, 32, 40)
    with torch.inference_mode():
        torch.testing.assert_close(loaded(x), backbone(x))
    # A state dict saved from pytorch-openpose's model object carries a "model0." prefix.
    prefixed = tmp_path / "prefixed.pth"
    torch.save({f"model0.{k}": v for k, v in backbone.state_dict().items()}, prefixed)
    load_openpose_backbone(prefixed)

    del state["conv4_4_CPM.weight"]
    state["conv1_1.bias"] = torch.zeros(32)
    bad = tmp_path / "hand_pose_model.pth"
    torch.save(state, bad)
    with pytest.raises(ExtractorError) as err:
        load_openpose_backbone(bad)
    msg = str(err.value)
    assert str(bad) in msg and "missing conv4_4_CPM.weight" in msg
    assert "conv1_1.bias has shape (32,), expected (64,)" in msg and "openpose-body" in msg


# ---------------------------------------------------------------- PaperAction


def test_paper_action_maps(backbone):
    ex = PaperAction(net=backbone, input_height=64, pooled_size=4, batch_size=2)
    assert ex.shape == (128, 4, 4) and ex.bytes_per_second == 128 * 4 * 4 * 2
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, size=(45, 80, 3), dtype=np.uint8) for _ in range(3)]
    samples = [SecondSample(0, frames[0], None), SecondSample(1, None, None),
               SecondSample(2, frames[1], None), SecondSample(3, frames[2], None)]
    feats, present = ex.extract(samples)
    assert feats.shape == (4, 128, 4, 4) and feats.dtype == np.float32
    np.testing.assert_array_equal(present, [True, False, True, True])
    np.testing.assert_array_equal(feats[1], 0)
    assert feats[present].max() > 0 and feats.min() >= 0
    np.testing.assert_array_equal(feats, feats.astype(np.float16).astype(np.float32))
    np.testing.assert_array_equal(ex.extract(samples)[0], feats)  # deterministic
    alone, _ = ex.extract(samples[2:3])  # batch invariant (up to float16 rounding)
    np.testing.assert_allclose(alone[0], feats[2], rtol=2e-3, atol=1e-6)
    # 45 x 80 -> 64 x 112 (80 * 64 / 45 = 113.8, nearest multiple of 8) -> 8 x 14 maps -> 4 x 4.
    assert ex.input_size(45, 80) == (64, 112)


def test_paper_action_sizes_and_validation(backbone):
    ex = PaperAction(net=backbone)
    assert ex.shape == (128, 12, 12) and ex.bytes_per_second == 36864
    assert ex.input_size(1080, 1920) == (368, 656)
    assert ex.input_size(100, 10000) == (368, 1472)  # aspect clamped to 4:1
    assert ex.input_size(10000, 100) == (368, 96)
    with pytest.raises(ExtractorError, match="pooled_size"):
        PaperAction(net=backbone, pooled_size=2)
    with pytest.raises(ExtractorError, match="multiple of 8"):
        PaperAction(net=backbone, input_height=100)
    with pytest.raises(ExtractorError, match="RGB uint8"):
        ex.extract([SecondSample(0, np.zeros((8, 8), dtype=np.uint8), None)])


def _float32_reference(net, ex, frames):
    """The version-1 float32 path, written out: resize, preprocess, backbone, pool, float16."""
    out = []
    for f in frames:
        h, w = ex.input_size(*f.shape[:2])
        x = torch.from_numpy(preprocess(cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC)))[None]
        with torch.inference_mode():
            pooled = torch.nn.functional.adaptive_avg_pool2d(net(x), ex.pooled_size)
        out.append(pooled[0].half().float().numpy())
    return np.stack(out)


def test_paper_action_compute_dtype(backbone):
    fast = PaperAction(net=backbone, input_height=64, pooled_size=4)
    exact = PaperAction(net=backbone, input_height=64, pooled_size=4, compute_dtype="float32")
    assert fast.compute_dtype == "bfloat16" and fast.params()["compute_dtype"] == "bfloat16"
    assert exact.params()["compute_dtype"] == "float32" and fast.version == exact.version == "2"
    assert fast.provenance() != exact.provenance()  # features of the two never mix in a store
    with pytest.raises(ExtractorError, match="compute_dtype must be one of float32, bfloat16"):
        PaperAction(net=backbone, compute_dtype="float16")
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, size=(45, 80, 3), dtype=np.uint8) for _ in range(3)]
    samples = [SecondSample(i, f, None) for i, f in enumerate(frames)]
    want = exact.extract(samples)[0]
    np.testing.assert_array_equal(want, _float32_reference(backbone, exact, frames))  # float32 unchanged
    assert relative_l2_error(fast.extract(samples)[0], want) < RELATIVE_L2_TOLERANCE
    # weights whose features depend on the picture (as trained ones), not on the biases
    he = variance_preserving_init(OpenPoseBackbone().eval(), seed=2)
    want = PaperAction(net=he, input_height=64, pooled_size=4, compute_dtype="float32").extract(samples)[0]
    got = PaperAction(net=he, input_height=64, pooled_size=4).extract(samples)[0]
    assert relative_l2_error(got, want) < RELATIVE_L2_TOLERANCE
    assert not np.array_equal(got, want)  # bfloat16 did run


def test_device_without_bfloat16_names_the_fix(backbone, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("Current CUDA Device does not support bfloat16.")

    monkeypatch.setattr(torch, "autocast", refuse)
    frame = np.zeros((45, 80, 3), dtype=np.uint8)
    with pytest.raises(ExtractorError, match="compute_dtype='float32'"):
        PaperAction(net=backbone, input_height=64, pooled_size=4).extract([SecondSample(0, frame, None)])
    exact = PaperAction(net=backbone, input_height=64, pooled_size=4, compute_dtype="float32")
    assert exact.extract([SecondSample(0, frame, None)])[1].tolist() == [True]  # float32 needs no autocast


@pytest.mark.skipif(not BUNNY.is_file(), reason=f"shared media clip absent ({BUNNY})")
@pytest.mark.slow  # 11-47 s on 2 cores (docs/development.md, the cost marks)
@pytest.mark.own_reference
def test_paper_action_bfloat16_within_tolerance_on_real_footage():
    """The documented tolerance (paper/precision.py) on real frames at the default 368 px."""
    samples = list(itertools.islice(iter_seconds(BUNNY), 4))[::3]  # seconds 0 and 3, 1280 x 720
    # He-normal weights, zero biases: the stricter case (the default initialisation errs less)
    net = variance_preserving_init(OpenPoseBackbone().eval(), seed=4)
    want = PaperAction(net=net, compute_dtype="float32").extract(samples)[0]
    got = PaperAction(net=net).extract(samples)[0]
    assert relative_l2_error(got, want) < RELATIVE_L2_TOLERANCE


def test_registry_weights_missing_give_the_fix(tmp_path, monkeypatch):
    from videoaffect.weights.registry import WeightsError

    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(WeightsError, match="vggish-10086976.pth.*weights import PATH --name vggish"):
        PaperAudio()
    with pytest.raises(WeightsError, match="body_pose_model.pth.*weights import PATH --name openpose-body"):
        PaperAction()


# ---------------------------------------------------------------- weight hashes in provenance


def _bytes_sha256(chunks) -> str:
    """What the extractors stored before they shared core.files.sha256_of_arrays: sha256 over
    the raw bytes of each tensor / array, in order, prefixed ``in-memory:``."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return "in-memory:" + h.hexdigest()


def test_in_memory_hash_of_a_known_tensor():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).T  # not contiguous: hashed in logical order
    a = np.array([1.5, -2.0])
    want = _bytes_sha256([np.array([[0, 3], [1, 4], [2, 5]], dtype=np.float32).tobytes(), a.tobytes()])
    assert sha256_of_arrays([t, a]) == want
    assert want == "in-memory:368e1a174527aaf200aac56bf2f64f8e699985ef76f3eaa1ef6a337bfc8aed9b"


def test_injected_networks_keep_their_provenance_hash_strings(vggish, backbone):
    pp = Postprocessor(np.eye(128) * 0.5, np.arange(128, dtype=np.float64))
    audio = PaperAudio(net=vggish, postprocessor=pp).weights_sha256()
    assert audio == {
        "vggish": _bytes_sha256(t.numpy().tobytes() for t in vggish.state_dict().values()),
        "vggish-pca": _bytes_sha256([pp.pca_eigen_vectors.tobytes(), pp.pca_means.tobytes()]),
    }
    action = PaperAction(net=backbone).weights_sha256()
    assert action == {"openpose-body": _bytes_sha256(t.numpy().tobytes() for t in backbone.state_dict().values())}
