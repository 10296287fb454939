"""Pre-train the paper's Xception expression network on a facial-expression dataset the user has
(paper 3.1.2: "pre-train an Xception network with fully connected layers on RAF"); no public
weights exist.  The result is one safetensors file (``nets/xception.py``) holding the network and
the average 3072-d feature of the training faces, which fills the seconds with no face.

Dataset layouts read here:

* ``raf-db``: RAF-DB "basic" as distributed by its authors.  ``ROOT`` is the ``basic`` folder (or
  a folder holding it) with ``EmoLabel/list_patition_label.txt`` (the authors' spelling), one
  ``<image> <label>`` line per image such as ``train_00001.jpg 5``, labels 1-7 = surprise, fear,
  disgust, happiness, sadness, anger, neutral, and the 100 x 100 aligned faces in
  ``Image/aligned/<stem>_aligned.jpg``.  ``train_*`` images train; ``test_*`` images validate.
* ``fer2013``: the Kaggle ``fer2013.csv`` (``ROOT`` is the file or its folder) with columns
  ``emotion`` (0-6 = angry, disgust, fear, happy, sad, surprise, neutral), ``pixels`` (2304
  space-separated 0-255 values, a 48 x 48 grey face) and ``Usage`` (``Training`` trains,
  ``PublicTest`` validates, ``PrivateTest`` is left out).  Without ``Usage`` every row trains.

Faces are resized to ``image_size`` (160, the paper's crop size) RGB (grey faces repeated over the
three channels).  Training: Adam, cross-entropy, random horizontal flips; the last epoch's weights
are kept.  ``max_images`` keeps the first N images of each split in file order (quick trials).
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from videoaffect.core.device import resolve_device
from videoaffect.core.errors import DataError
from videoaffect.extractors.nets import xception as xc
from videoaffect.training.log import TrainingLog

LAYOUTS = ("raf-db", "fer2013")
FER_CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
RAF_CLASSES = ["surprise", "fear", "disgust", "happy", "sad", "angry", "neutral"]
FER_SIDE = 48
RAF_LABEL_FILE = Path("EmoLabel") / "list_patition_label.txt"
RAF_ALIGNED_DIR = Path("Image") / "aligned"
STAGE = "expression"


class ExpressionDataError(DataError):
    pass


@dataclass
class FaceSet:
    """Faces of one split: labels, and a loader giving (k, size, size, 3) uint8 RGB for indices."""

    source: str
    classes: list[str]
    labels: np.ndarray
    load: Callable[[np.ndarray, int], np.ndarray]

    def __len__(self) -> int:
        return len(self.labels)


def _fer_faces(arr: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    """FaceSet.load of a FER2013 split: faces ``idx`` of its stacked gray faces, as RGB."""
    return np.stack([_to_rgb(arr[i], size) for i in idx])


def _raf_faces(files: list[Path], idx: np.ndarray, size: int) -> np.ndarray:
    """FaceSet.load of a RAF-DB split: images ``idx`` of its files."""
    return np.stack([_read_image(files[i], size) for i in idx])


def _to_rgb(face: np.ndarray, size: int) -> np.ndarray:
    interp = cv2.INTER_AREA if face.shape[0] > size else cv2.INTER_LINEAR
    face = cv2.resize(face, (size, size), interpolation=interp)
    return np.repeat(face[:, :, None], 3, axis=2) if face.ndim == 2 else face


# --- FER2013 -----------------------------------------------------------------------------------

def _fer_csv(root: Path) -> Path:
    path = root / "fer2013.csv" if root.is_dir() else root
    if not path.is_file():
        raise ExpressionDataError(f"{path} does not exist; give the Kaggle fer2013.csv or the folder that holds it")
    return path


def read_fer2013(root: str | Path, max_images: int | None = None) -> tuple[FaceSet, FaceSet | None]:
    """(training faces, validation faces or None) from fer2013.csv."""
    path = _fer_csv(Path(root))
    faces: dict[str, list[np.ndarray]] = {"train": [], "val": []}
    labels: dict[str, list[int]] = {"train": [], "val": []}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        if not {"emotion", "pixels"} <= cols:
            raise ExpressionDataError(
                f"{path}: header {sorted(cols)} lacks 'emotion' and 'pixels'; expected the Kaggle "
                "fer2013.csv with columns emotion,pixels,Usage"
            )
        for row in reader:
            line = reader.line_num
            split = _fer_split(row.get("Usage"), path, line)
            if split is None or (max_images is not None and len(labels[split]) >= max_images):
                continue
            labels[split].append(_fer_label(row["emotion"], path, line))
            faces[split].append(_fer_pixels(row["pixels"], path, line))
    if not labels["train"]:
        raise ExpressionDataError(f"{path} has no training rows (Usage 'Training')")
    sets: list[FaceSet | None] = []
    for split in ("train", "val"):
        if not labels[split]:
            sets.append(None)
            continue
        arr = np.stack(faces[split])
        sets.append(FaceSet(f"{path} ({split})", FER_CLASSES, np.asarray(labels[split], np.int64),
                            partial(_fer_faces, arr)))
    train, val = sets
    assert train is not None  # only a split without rows is None, and train has rows (checked above)
    return train, val


def _fer_split(usage: str | None, path: Path, line: int) -> str | None:
    if usage is None:
        return "train"
    usage = usage.strip()
    if usage == "Training":
        return "train"
    if usage == "PublicTest":
        return "val"
    if usage == "PrivateTest":
        return None
    raise ExpressionDataError(f"{path} line {line}: Usage {usage!r} is not Training, PublicTest or PrivateTest")


def _fer_label(text: str | None, path: Path, line: int) -> int:
    try:
        label = int(text or "")
    except ValueError:
        raise ExpressionDataError(f"{path} line {line}: emotion {text!r} is not an integer 0-6") from None
    if not 0 <= label < len(FER_CLASSES):
        raise ExpressionDataError(f"{path} line {line}: emotion {label} is outside 0-6")
    return label


def _fer_pixels(text: str | None, path: Path, line: int) -> np.ndarray:
    values = np.fromstring(text or "", dtype=np.int32, sep=" ")
    if values.size != FER_SIDE * FER_SIDE or len((text or "").split()) != values.size:
        raise ExpressionDataError(
            f"{path} line {line}: pixels must be {FER_SIDE * FER_SIDE} space-separated integers, "
            f"got {len((text or '').split())} values"
        )
    if values.min() < 0 or values.max() > 255:
        raise ExpressionDataError(f"{path} line {line}: pixel values must lie in 0-255")
    return values.astype(np.uint8).reshape(FER_SIDE, FER_SIDE)


# --- RAF-DB ------------------------------------------------------------------------------------

def _raf_root(root: Path) -> Path:
    for cand in (root, root / "basic"):
        if (cand / RAF_LABEL_FILE).is_file():
            return cand
    raise ExpressionDataError(
        f"{root / RAF_LABEL_FILE} does not exist; give the RAF-DB 'basic' folder "
        f"(with {RAF_LABEL_FILE} and {RAF_ALIGNED_DIR}/)"
    )


def _read_image(path: Path, size: int) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ExpressionDataError(f"{path} cannot be read as an image")
    return _to_rgb(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), size)


def read_rafdb(root: str | Path, max_images: int | None = None) -> tuple[FaceSet, FaceSet | None]:
    """(training faces, validation faces or None) from a RAF-DB basic folder."""
    base = _raf_root(Path(root))
    label_file = base / RAF_LABEL_FILE
    paths: dict[str, list[Path]] = {"train": [], "val": []}
    labels: dict[str, list[int]] = {"train": [], "val": []}
    for line_no, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or not 1 <= int(parts[1]) <= len(RAF_CLASSES):
            raise ExpressionDataError(f"{label_file} line {line_no}: expected '<name>.jpg <label 1-7>', got {line!r}")
        name, label = parts[0], int(parts[1])
        split = "train" if name.startswith("train") else "val" if name.startswith("test") else None
        if split is None:
            raise ExpressionDataError(f"{label_file} line {line_no}: {name} starts with neither 'train' nor 'test'")
        if max_images is not None and len(labels[split]) >= max_images:
            continue
        image = base / RAF_ALIGNED_DIR / f"{Path(name).stem}_aligned.jpg"
        if not image.is_file():
            raise ExpressionDataError(
                f"{label_file} line {line_no}: {image} is missing; unpack aligned.zip into {base / RAF_ALIGNED_DIR}"
            )
        paths[split].append(image)
        labels[split].append(label - 1)
    if not labels["train"]:
        raise ExpressionDataError(f"{label_file} lists no train_* images")
    sets: list[FaceSet | None] = []
    for split in ("train", "val"):
        if not labels[split]:
            sets.append(None)
            continue
        sets.append(FaceSet(f"{label_file} ({split})", RAF_CLASSES, np.asarray(labels[split], np.int64),
                            partial(_raf_faces, paths[split])))
    train, val = sets
    assert train is not None  # only a split without rows is None, and train has rows (checked above)
    return train, val


def read_faces(root: str | Path, layout: str, max_images: int | None = None) -> tuple[FaceSet, FaceSet | None]:
    if layout == "raf-db":
        return read_rafdb(root, max_images)
    if layout == "fer2013":
        return read_fer2013(root, max_images)
    raise ExpressionDataError(f"unknown dataset layout {layout!r}; choose one of {', '.join(LAYOUTS)}")


# --- training ----------------------------------------------------------------------------------

def _batches(n: int, batch_size: int, order: np.ndarray | None = None):
    idx = np.arange(n) if order is None else order
    for a in range(0, n, batch_size):
        yield idx[a : a + batch_size]


@torch.no_grad()
def _features_and_accuracy(net: xc.ExpressionNet, faces: FaceSet, size: int, batch_size: int,
                           device: torch.device) -> tuple[np.ndarray, float]:
    """Mean 3072-d feature and classification accuracy over a split, in eval mode, unflipped."""
    net.eval()
    total = torch.zeros(xc.FEATURE_DIM, dtype=torch.float64)
    correct = 0
    for idx in _batches(len(faces), batch_size):
        feats, logits = net(xc.face_input(faces.load(idx, size)).to(device))
        total += feats.double().sum(dim=0).cpu()
        correct += int((logits.argmax(dim=1).cpu() == torch.from_numpy(faces.labels[idx])).sum())
    return (total / len(faces)).float().numpy(), correct / len(faces)


def pretrain_expression(
    root: str | Path,
    layout: str,
    out_path: str | Path,
    epochs: int = 30,
    batch_size: int = 32,
    device: str = "cpu",
    max_images: int | None = None,
    log: TrainingLog | None = None,
    lr: float = 1e-3,
    image_size: int = xc.FACE_SIZE,
    seed: int = 0,
    progress: bool | None = None,
) -> Path:
    """Train Xception + head on the dataset at ``root``, store it with the training-set mean
    feature at ``out_path`` (atomically) and return that path.

    ``image_size`` other than 160 is for quick trials only: the extractor crops faces at the size
    the file records, so a model trained at another size still gets matching input.
    ``log`` receives start/epoch/done records (default: a log echoed to the ``videoaffect.training``
    logger); ``progress`` shows per-batch bars (default: when stderr is a terminal).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    log = log or TrainingLog(echo=True)
    if progress is None:
        progress = sys.stderr.isatty()
    train, val = read_faces(root, layout, max_images)
    dev = resolve_device(device)
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = xc.ExpressionNet(n_classes=len(train.classes))
    net.to(dev)
    # foreach: one fused update over all 27M parameters, several times faster than per tensor
    opt = torch.optim.Adam(net.parameters(), lr=lr, foreach=True)
    loss_fn = nn.CrossEntropyLoss()
    log.write("start", stage=STAGE, source=train.source, train_images=len(train),
              val_images=len(val) if val is not None else 0, classes=train.classes, device=str(dev))
    for epoch in range(1, epochs + 1):
        net.train()
        total, correct = 0.0, 0
        steps = list(_batches(len(train), batch_size, rng.permutation(len(train))))
        for idx in tqdm(steps, desc=f"expression epoch {epoch}", leave=False, disable=not progress, unit="batch"):
            faces = train.load(idx, image_size)
            flip = rng.random(len(idx)) < 0.5
            faces[flip] = faces[flip, :, ::-1]
            y = torch.from_numpy(train.labels[idx]).to(dev)
            _, logits = net(xc.face_input(faces).to(dev))
            loss = loss_fn(logits, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"expression pre-training: loss became {loss.item()} at epoch {epoch}; lower lr"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            correct += int((logits.detach().argmax(dim=1) == y).sum())
        record = {"train_loss": total / len(train), "train_acc": correct / len(train)}
        if val is not None:
            record["val_acc"] = _features_and_accuracy(net, val, image_size, batch_size, dev)[1]
        log.write("epoch", stage=STAGE, epoch=epoch, **record)
    mean, train_acc = _features_and_accuracy(net, train, image_size, batch_size, dev)
    if not np.all(np.isfinite(mean)) or math.isnan(train_acc):
        raise FloatingPointError("expression pre-training produced non-finite features")
    net.cpu()
    path = xc.save_expression_model(
        net, out_path, train.classes, mean_feature=mean, image_size=image_size,
        extra={"layout": layout, "train_images": len(train), "epochs": epochs, "eval_train_acc": train_acc},
    )
    log.write("done", stage=STAGE, path=str(path), eval_train_acc=train_acc)
    return path
