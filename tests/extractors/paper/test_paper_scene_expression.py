"""Paper set, scene and expression: the hand-written Caffe reader, VGG16/ResNet50 loading and
preprocessing, the Xception expression network, its extractor and its pre-training command.
Random or synthetic weights only; nothing is downloaded."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from helpers import SHARED
from videoaffect.decoding.media import iter_seconds
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import ExtractorError
from videoaffect.extractors.nets import caffe, resnet, vgg
from videoaffect.extractors.nets import xception as xc
from videoaffect.extractors.paper.expression import PaperExpression
from videoaffect.extractors.paper.precision import RELATIVE_L2_TOLERANCE, relative_l2_error, variance_preserving_init
from videoaffect.extractors.paper.scene import PaperScene
from videoaffect.training import expression_pretrain as ep
from videoaffect.training.log import TrainingLog

BUNNY = SHARED / "media" / "bigbuckbunny.mp4"

# --- a tiny protobuf writer, independent of the reader under test -------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def delimited(field: int, payload: bytes) -> bytes:
    return tag(field, 2) + varint(len(payload)) + payload


def blob(arr: np.ndarray, style: str = "shape") -> bytes:
    arr = np.asarray(arr, dtype="<f4")
    if style == "shape":  # BlobShape (7) with packed dims, packed float data (5)
        dims = b"".join(varint(d) for d in arr.shape)
        return delimited(7, delimited(1, dims)) + delimited(5, arr.tobytes())
    if style == "legacy":  # num/channels/height/width (1-4), padded to 4-d on the left
        shape = (1,) * (4 - arr.ndim) + arr.shape
        head = b"".join(tag(f, 0) + varint(d) for f, d in zip((1, 2, 3, 4), shape))
        return head + delimited(5, arr.tobytes())
    # unpacked repeated float: one fixed32 per value
    dims = b"".join(varint(d) for d in arr.shape)
    return delimited(7, delimited(1, dims)) + b"".join(tag(5, 5) + v.tobytes() for v in arr.reshape(-1))


def layer(name: str, kind: str, blobs: list[bytes]) -> bytes:
    return delimited(1, name.encode()) + delimited(2, kind.encode()) + b"".join(delimited(7, b) for b in blobs)


def v1_layer(name: str, kind_enum: int, blobs: list[bytes]) -> bytes:
    return delimited(4, name.encode()) + tag(5, 0) + varint(kind_enum) + b"".join(delimited(6, b) for b in blobs)


def net(layers: list[bytes], v1: list[bytes] = ()) -> bytes:
    return delimited(1, b"test-net") + b"".join(delimited(100, layer) for layer in layers) + b"".join(delimited(2, layer) for layer in v1)


# --- Caffe reader -------------------------------------------------------------------------------

def test_caffemodel_reader_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    fc = rng.standard_normal((5, 6)).astype(np.float32)
    old = rng.standard_normal((2, 3)).astype(np.float32)
    data = net(
        [
            layer("conv", "Convolution", [blob(w), blob(b)]),
            layer("relu", "ReLU", []),
            layer("fc", "InnerProduct", [blob(fc, "legacy"), blob(b, "unpacked")]),
        ],
        v1=[v1_layer("old_fc", 14, [blob(old)])],
    )
    path = tmp_path / "tiny.caffemodel"
    path.write_bytes(data)

    got = caffe.read_caffemodel(path)
    assert list(got) == ["conv", "fc", "old_fc"]  # layers without blobs are left out
    np.testing.assert_array_equal(got["conv"][0], w)
    np.testing.assert_array_equal(got["conv"][1], b)
    assert got["fc"][0].shape == (1, 1, 5, 6)  # legacy 4-d shape as stored
    np.testing.assert_array_equal(got["fc"][0].reshape(5, 6), fc)
    np.testing.assert_array_equal(got["fc"][1], b)
    np.testing.assert_array_equal(got["old_fc"][0], old)
    assert list(caffe.read_caffemodel(path, layers=["fc"])) == ["fc"]


def test_caffemodel_reader_rejects_truncated_and_empty(tmp_path):
    data = net([layer("conv", "Convolution", [blob(np.ones((2, 2)))])])
    bad = tmp_path / "cut.caffemodel"
    bad.write_bytes(data[:-3])
    with pytest.raises(caffe.CaffeFormatError, match="cut.caffemodel.*download"):
        caffe.read_caffemodel(bad)
    empty = tmp_path / "empty.caffemodel"
    empty.write_bytes(b"")
    with pytest.raises(caffe.CaffeFormatError, match="empty"):
        caffe.read_caffemodel(empty)


# --- VGG16-Places365 ----------------------------------------------------------------------------

def blue_passing_vgg(tmp_path):
    """A VGG16 caffemodel whose channel 0 carries the raw blue value through every layer (centre
    tap 1 from channel 0, conv1_1's bias undoing the mean) while the other channels are random.
    conv1_1 uses the legacy blob layout.  Returns (path, {layer: (weight, bias)})."""
    rng = np.random.default_rng(1)
    layers, arrays, cin = [], {}, 3
    for names, cout in vgg.VGG16_BLOCKS:
        for name in names:
            w = (rng.standard_normal((cout, cin, 3, 3)) * 0.01).astype(np.float32)
            bias = (rng.standard_normal(cout) * 0.01).astype(np.float32)
            w[0] = 0.0
            w[0, 0, 1, 1] = 1.0
            bias[0] = vgg.PLACES365_BGR_MEAN[0] if name == "conv1_1" else 0.0
            style = "legacy" if name == "conv1_1" else "shape"
            layers.append(layer(name, "Convolution", [blob(w, style), blob(bias, style)]))
            layers.append(layer(name.replace("conv", "relu"), "ReLU", []))
            arrays[name] = (w, bias)
            cin = cout
    layers.append(layer("fc8a", "InnerProduct", [blob(np.zeros((3, 4))), blob(np.zeros(3))]))
    path = tmp_path / "vgg16_places365.caffemodel"
    path.write_bytes(net(layers))
    return path, arrays


def uniform_frame(rgb, h=90, w=120):
    return np.tile(np.asarray(rgb, np.uint8), (h, w, 1))


def test_vgg_caffe_loading_and_bgr_feature(tmp_path):
    path, arrays = blue_passing_vgg(tmp_path)
    vgg_net = vgg.load_vgg16_places365_caffe(path)
    np.testing.assert_array_equal(vgg_net.conv1_1.weight.detach().numpy(), arrays["conv1_1"][0])
    np.testing.assert_array_equal(vgg_net.conv5_3.bias.detach().numpy(), arrays["conv5_3"][1])

    scene = PaperScene(weight_path=path)
    assert (scene.name, scene.shape, scene.modality) == ("paper.scene.vgg16-places365", (512,), "scene")
    feats, present = scene.extract([SecondSample(0, uniform_frame((200, 100, 50)), None),
                                    SecondSample(1, None, None)])
    assert feats.shape == (2, 512) and feats.dtype == np.float32
    assert present.tolist() == [True, False]
    # channel 0 is the frame's blue value (50), not red (200): BGR order and mean are right
    assert feats[0, 0] == pytest.approx(50.0, abs=1e-3)
    assert np.all(feats[1] == 0)
    assert set(scene.weights_sha256()) == {"vgg16-places365"}


def test_vgg_wrong_model_is_a_clear_error(tmp_path):
    path = tmp_path / "other.caffemodel"
    path.write_bytes(net([layer("conv1_1", "Convolution", [blob(np.zeros((8, 3, 3, 3))), blob(np.zeros(8))])]))
    with pytest.raises(ValueError, match="other.caffemodel has no layer"):
        vgg.load_vgg16_places365_caffe(path)
    with pytest.raises(ExtractorError, match="vgg16-places365"):
        PaperScene(weight_path=path)


def test_caffe_preprocessing_known_pixel():
    x = vgg.caffe_bgr_input([uniform_frame((200, 100, 50))])
    assert x.shape == (1, 3, 224, 224)
    b, g, r = vgg.PLACES365_BGR_MEAN
    np.testing.assert_allclose(x[0, :, 100, 100], [50 - b, 100 - g, 200 - r], atol=1e-4)


@pytest.mark.slow  # 11-47 s on 2 cores (docs/development.md, the cost marks)
@pytest.mark.own_reference
def test_paper_scene_random_weights_deterministic_and_batch_invariant():
    rng = np.random.default_rng(2)
    frames = [rng.integers(0, 256, (60, 80, 3), dtype=np.uint8) for _ in range(2)]
    samples = [SecondSample(i, f, None) for i, f in enumerate(frames)]
    batched = PaperScene(random_init=True, batch_size=2).extract(samples)[0]
    single = PaperScene(random_init=True, batch_size=1).extract(samples)[0]
    np.testing.assert_allclose(batched, single, rtol=1e-4, atol=1e-6)
    assert not np.allclose(batched[0], batched[1])  # different frames, different features
    assert PaperScene(random_init=True, seed=1).extract(samples[:1])[0][0].tolist() != batched[0].tolist()


@pytest.mark.slow  # 11-47 s on 2 cores (docs/development.md, the cost marks)
@pytest.mark.own_reference
def test_paper_scene_compute_dtype():
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 256, (60, 80, 3), dtype=np.uint8) for _ in range(2)]
    samples = [SecondSample(i, f, None) for i, f in enumerate(frames)]
    exact = PaperScene(random_init=True, compute_dtype="float32")
    fast = PaperScene(random_init=True)
    assert fast.compute_dtype == "bfloat16" and fast.params()["compute_dtype"] == "bfloat16"
    assert exact.params()["compute_dtype"] == "float32" and fast.version == exact.version == "2"
    assert fast.provenance() != exact.provenance()
    with pytest.raises(ExtractorError, match="compute_dtype must be one of"):
        PaperScene(random_init=True, compute_dtype="half")
    want = exact.extract(samples)[0]
    with torch.inference_mode():  # the plain float32 path, unchanged
        np.testing.assert_array_equal(want, exact.net(torch.from_numpy(vgg.caffe_bgr_input(frames))).numpy())
    assert relative_l2_error(fast.extract(samples)[0], want) < RELATIVE_L2_TOLERANCE
    for ex in (exact, fast):  # weights whose features depend on the picture, as trained ones
        variance_preserving_init(ex.net, seed=6)
    want = exact.extract(samples)[0]
    got = fast.extract(samples)[0]
    assert relative_l2_error(got, want) < RELATIVE_L2_TOLERANCE and not np.array_equal(got, want)


@pytest.mark.skipif(not BUNNY.is_file(), reason=f"shared media clip absent ({BUNNY})")
@pytest.mark.slow  # 11-47 s on 2 cores (docs/development.md, the cost marks)
@pytest.mark.own_reference
@pytest.mark.parametrize("backbone", ["vgg16", "resnet50"])
def test_paper_scene_bfloat16_within_tolerance_on_real_footage(backbone):
    """The documented tolerance (paper/precision.py) on real frames: seconds 0 and 3 of the real
    clip, as the action test takes (all five seconds cost 2.2 times as much, 36 s of CPU against
    16 s for VGG16 on a CPU without AVX512-BF16, where bfloat16 is emulated)."""
    samples = list(iter_seconds(BUNNY))[::3]
    exact = PaperScene(backbone=backbone, random_init=True, compute_dtype="float32")
    fast = PaperScene(backbone=backbone, random_init=True)
    assert relative_l2_error(fast.extract(samples)[0], exact.extract(samples)[0]) < RELATIVE_L2_TOLERANCE
    for ex in (exact, fast):
        variance_preserving_init(ex.net, seed=7)
    assert relative_l2_error(fast.extract(samples)[0], exact.extract(samples)[0]) < RELATIVE_L2_TOLERANCE


# --- ResNet50-Places365 -------------------------------------------------------------------------

class NotATensor:
    pass


def places_checkpoint(tmp_path, state):
    path = tmp_path / "resnet50_places365.pth.tar"
    sd = {f"module.{k}": v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    # the 2017 file predates torch's zip format: save the legacy way, as DataParallel left it
    torch.save({"epoch": 90, "arch": "resnet50", "state_dict": sd, "best_prec1": 54.7}, path,
               _use_new_zipfile_serialization=False)
    return path


def test_resnet50_checkpoint_with_module_prefix_loads(tmp_path):
    torch.manual_seed(3)
    ref = resnet.ResNet50().eval()
    with torch.no_grad():  # non-trivial BN statistics, so a skipped buffer would show
        for m in ref.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    path = places_checkpoint(tmp_path, ref.state_dict())
    scene = PaperScene(backbone="resnet50", weight_path=path, compute_dtype="float32")
    assert (scene.name, scene.shape) == ("paper.scene.resnet50-places365", (2048,))
    frame = np.random.default_rng(4).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    feats, present = scene.extract([SecondSample(0, frame, None)])
    with torch.no_grad():
        want = ref.features(torch.from_numpy(resnet.imagenet_rgb_input([frame])))
    np.testing.assert_allclose(feats[0], want[0].numpy(), rtol=1e-5, atol=1e-6)
    assert present.tolist() == [True]
    # the default, bfloat16 compute, stays within the documented tolerance of float32
    fast = PaperScene(backbone="resnet50", weight_path=path)
    assert fast.params()["compute_dtype"] == "bfloat16" and scene.params()["compute_dtype"] == "float32"
    assert relative_l2_error(fast.extract([SecondSample(0, frame, None)])[0], feats) < RELATIVE_L2_TOLERANCE


def test_resnet50_wrong_shapes_and_unsafe_objects_are_clear_errors(tmp_path):
    state = resnet.ResNet50().state_dict()
    state["layer1.0.conv1.weight"] = torch.zeros(3, 3, 1, 1)
    path = places_checkpoint(tmp_path, state)
    with pytest.raises(ExtractorError, match=r"resnet50_places365.pth.tar does not fit.*layer1\.0\.conv1\.weight"):
        PaperScene(backbone="resnet50", weight_path=path)

    unsafe = tmp_path / "unsafe.pth.tar"
    torch.save({"state_dict": {"conv1.weight": torch.zeros(1)}, "extra": NotATensor()}, unsafe)
    with pytest.raises(ValueError, match="weights-only.*convert"):
        resnet.read_checkpoint_state(unsafe)


def test_imagenet_preprocessing_known_pixel():
    x = resnet.imagenet_rgb_input([uniform_frame((255, 0, 128))])
    want = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225]
    np.testing.assert_allclose(x[0, :, 5, 7], want, rtol=1e-5)


# --- Xception expression network ----------------------------------------------------------------

def random_expression_file(tmp_path, n_classes=7, seed=5):
    torch.manual_seed(seed)
    net = xc.ExpressionNet(n_classes=n_classes).eval()
    mean = np.random.default_rng(seed).random(xc.FEATURE_DIM).astype(np.float32)
    classes = [f"c{i}" for i in range(n_classes)]
    return xc.save_expression_model(net, tmp_path / "expression_xception.safetensors", classes, mean), net, mean


def test_xception_shapes_and_round_trip(tmp_path):
    path, net, mean = random_expression_file(tmp_path)
    faces = np.random.default_rng(6).integers(0, 256, (2, 160, 160, 3), dtype=np.uint8)
    with torch.no_grad():
        feats, logits = net(xc.face_input(faces))
    assert feats.shape == (2, 3072) and logits.shape == (2, 7)
    assert torch.all(feats >= 0)  # the feature is taken after the FC layer's ReLU
    loaded = xc.load_expression_model(path)
    assert loaded.classes == [f"c{i}" for i in range(7)] and loaded.image_size == 160
    np.testing.assert_array_equal(loaded.mean_feature, mean)
    with torch.no_grad():
        again = loaded.net.features(xc.face_input(faces[1:]))
    np.testing.assert_allclose(again[0].numpy(), feats[1].numpy(), rtol=1e-4, atol=1e-5)


def test_expression_file_with_wrong_shapes_is_a_clear_error(tmp_path):
    from safetensors.torch import save_file

    tensors = dict(xc.ExpressionNet(n_classes=5).state_dict())
    tensors[xc.MEAN_KEY] = torch.zeros(xc.FEATURE_DIM)
    path = tmp_path / "bad.safetensors"
    meta = {"format": xc.FORMAT, "classes": json.dumps(list("abcdefg")), "image_size": "160", "extra": "{}"}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=meta)
    with pytest.raises(ValueError, match=r"bad.safetensors does not fit.*classifier\.weight \(5, 3072\)"):
        xc.load_expression_model(path)
    not_ours = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(1)}, str(not_ours))
    with pytest.raises(ExtractorError, match="not a videoaffect expression model"):
        PaperExpression(weight_path=not_ours, detector=object())


class FakeDetector:
    """Finds a 'face' (a fixed crop) in bright frames and none in dark ones."""

    def __init__(self):
        self.crop = np.random.default_rng(7).integers(0, 256, (160, 160, 3), dtype=np.uint8)
        self.sizes = []

    def crop_largest(self, rgb, size=160):
        self.sizes.append(size)
        return self.crop if rgb.mean() > 100 else None


def test_paper_expression_uses_mean_vector_without_face(tmp_path):
    path, net, mean = random_expression_file(tmp_path)
    det = FakeDetector()
    ext = PaperExpression(weight_path=path, detector=det)
    assert (ext.name, ext.shape, ext.modality, ext.needs) == ("paper.expression.xception", (3072,), "expression", "frame")
    samples = [SecondSample(0, uniform_frame((200, 200, 200)), None),
               SecondSample(1, uniform_frame((10, 10, 10)), None),
               SecondSample(2, None, None)]
    feats, present = ext.extract(samples)
    assert feats.shape == (3, 3072) and feats.dtype == np.float32
    assert present.tolist() == [True, True, False]
    assert det.sizes == [160, 160]
    with torch.no_grad():
        want = net.features(xc.face_input(det.crop[None]))[0].numpy()
    np.testing.assert_allclose(feats[0], want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(feats[1], mean)
    assert np.all(feats[2] == 0)
    prov = ext.provenance()
    assert "mean" in prov["params"]["no_face"] and set(prov["weights"]) == {"expression-xception"}


def test_paper_expression_fixed_batch_shape_pads_without_changing_faces(monkeypatch):
    """Off the CPU, each batch is padded to batch_size faces (one cuDNN plan per network);
    the padding rows are dropped and the real rows stay what they were.  Forced here on the
    CPU, where it is otherwise off."""
    ext = PaperExpression(random_init=True, detector=FakeDetector(), batch_size=4)
    rng = np.random.default_rng(2)
    faces = [rng.integers(0, 256, (ext.face_size, ext.face_size, 3), dtype=np.uint8) for _ in range(6)]
    assert not ext.fixed_batch_shape
    plain = ext.face_features(faces)
    shapes = []
    net = ext.model.net
    original = net.features
    monkeypatch.setattr(net, "features", lambda x: (shapes.append(tuple(x.shape)), original(x))[1])
    monkeypatch.setattr(PaperExpression, "fixed_batch_shape", property(lambda self: True))
    padded = ext.face_features(faces)
    assert [s[0] for s in shapes] == [4, 4]  # 4 real faces, then 2 real + 2 padding
    assert padded.shape == (6, 3072)
    np.testing.assert_allclose(padded, plain, rtol=1e-4, atol=1e-5)


def test_mtcnn_coarse_buckets_are_powers_of_two():
    from videoaffect.extractors.nets.mtcnn import bucket_size

    assert [bucket_size(n, fine=False) for n in (1, 16, 17, 100, 128, 129, 2000)] == [16, 16, 32, 128, 128, 256, 2048]
    assert [bucket_size(n) for n in (17, 100, 300)] == [18, 104, 320]


# --- pre-training -------------------------------------------------------------------------------

def write_fer_csv(path, n_train=16, n_val=2, n_private=2, seed=8):
    """Two classes told apart by brightness: angry (0) dark faces, happy (3) bright faces."""
    rng = np.random.default_rng(seed)
    rows = ["emotion,pixels,Usage"]
    for usage, n in (("Training", n_train), ("PublicTest", n_val), ("PrivateTest", n_private)):
        for i in range(n):
            label = 0 if i % 2 == 0 else 3
            base = 40 if label == 0 else 210
            px = np.clip(base + rng.normal(0, 15, 48 * 48), 0, 255).astype(int)
            rows.append(f"{label},{' '.join(map(str, px))},{usage}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_pretrain_on_fer2013_learns_and_stores_mean_feature(tmp_path):
    csv_path = write_fer_csv(tmp_path / "fer2013.csv")
    log = TrainingLog(echo=False)
    out = ep.pretrain_expression(tmp_path, "fer2013", tmp_path / "model" / "expr.safetensors",
                                 epochs=2, batch_size=8, image_size=48, log=log)
    losses = [r["train_loss"] for r in log.epochs("expression")]
    assert len(losses) == 2 and losses[1] < losses[0]
    model = xc.load_expression_model(out)
    assert model.classes == ep.FER_CLASSES and model.image_size == 48
    assert model.meta["train_images"] == 16
    train, val = ep.read_fer2013(csv_path)
    assert len(train) == 16 and len(val) == 2  # PrivateTest rows are left out
    with torch.no_grad():
        feats = model.net.features(xc.face_input(train.load(np.arange(len(train)), 48)))
    np.testing.assert_allclose(model.mean_feature, feats.mean(dim=0).numpy(), rtol=1e-4, atol=1e-5)
    # the extractor crops faces at the size the model was trained on
    det = FakeDetector()
    PaperExpression(weight_path=out, detector=det).extract([SecondSample(0, uniform_frame((5, 5, 5)), None)])
    assert det.sizes == [48]


def test_fer2013_malformed_csv_errors(tmp_path):
    path = write_fer_csv(tmp_path / "fer2013.csv", n_train=3, n_val=0, n_private=0)
    lines = path.read_text().splitlines()
    lines[2] = "3,1 2 3,Training"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ep.ExpressionDataError, match=r"fer2013.csv line 3: pixels must be 2304"):
        ep.read_fer2013(path)
    lines[2] = "9," + lines[1].split(",")[1] + ",Training"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ep.ExpressionDataError, match="line 3: emotion 9 is outside 0-6"):
        ep.read_fer2013(path)
    (tmp_path / "h.csv").write_text("label,image\n1,2\n")
    with pytest.raises(ep.ExpressionDataError, match="lacks 'emotion' and 'pixels'"):
        ep.read_fer2013(tmp_path / "h.csv")
    with pytest.raises(ep.ExpressionDataError, match="does not exist"):
        ep.pretrain_expression(tmp_path / "nowhere", "fer2013", tmp_path / "x.safetensors", epochs=1)


def test_rafdb_layout_reader(tmp_path):
    base = tmp_path / "basic"
    (base / "EmoLabel").mkdir(parents=True)
    (base / "Image" / "aligned").mkdir(parents=True)
    red_bgr = np.zeros((100, 100, 3), np.uint8)
    red_bgr[..., 2] = 255
    for name in ("train_00001", "train_00002", "test_0001"):
        cv2.imwrite(str(base / "Image" / "aligned" / f"{name}_aligned.jpg"), red_bgr)
    label_file = base / "EmoLabel" / "list_patition_label.txt"
    label_file.write_text("train_00001.jpg 5\ntrain_00002.jpg 1\ntest_0001.jpg 7\n")
    train, val = ep.read_rafdb(tmp_path)  # the folder above 'basic' works too
    assert train.labels.tolist() == [4, 0] and val.labels.tolist() == [6]
    assert [train.classes[i] for i in train.labels] == ["sad", "surprise"]
    faces = train.load(np.array([0, 1]), 160)
    assert faces.shape == (2, 160, 160, 3) and faces.dtype == np.uint8
    assert faces[0, 80, 80, 0] > 240 and faces[0, 80, 80, 2] < 15  # RGB, not BGR

    label_file.write_text("train_00001.jpg 5\ntrain_00003.jpg 2\n")
    with pytest.raises(ep.ExpressionDataError, match=r"line 2: .*train_00003_aligned.jpg is missing"):
        ep.read_rafdb(base)
    label_file.write_text("train_00001.jpg eight\n")
    with pytest.raises(ep.ExpressionDataError, match="line 1: expected"):
        ep.read_rafdb(base)
    with pytest.raises(ep.ExpressionDataError, match="unknown dataset layout"):
        ep.read_faces(base, "affectnet")
