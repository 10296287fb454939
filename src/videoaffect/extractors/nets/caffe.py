"""A minimal reader of Caffe ``.caffemodel`` weight files, without protobuf or caffe installed.

A ``.caffemodel`` is one serialised ``NetParameter`` protobuf message (Caffe's ``caffe.proto``).
Only the parts that hold weights are decoded:

* ``NetParameter.layer`` (field 100, ``LayerParameter``): ``name`` (1), ``type`` (2, string),
  ``blobs`` (7, ``BlobProto``);
* the legacy ``NetParameter.layers`` (field 2, ``V1LayerParameter``): ``name`` (4), ``type``
  (5, enum), ``blobs`` (6);
* ``BlobProto``: ``shape`` (7, ``BlobShape`` with packed int64 ``dim`` = 1), ``data`` (5, float),
  ``double_data`` (8, double) and the legacy 4-d shape ``num``/``channels``/``height``/``width``
  (1-4).

The file is memory-mapped and only the layers asked for are copied out, so reading the conv
layers of the 528 MB VGG16-Places365 model costs their 59 MB, not the whole file.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from videoaffect.core.errors import ExtractionError

# protobuf wire types
VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5

NET_LAYER = 100  # NetParameter.layer (LayerParameter)
NET_LAYERS_V1 = 2  # NetParameter.layers (V1LayerParameter), models saved before 2015
LAYER_NAME, LAYER_TYPE, LAYER_BLOBS = 1, 2, 7
V1_NAME, V1_TYPE, V1_BLOBS = 4, 5, 6
BLOB_NUM, BLOB_CHANNELS, BLOB_HEIGHT, BLOB_WIDTH = 1, 2, 3, 4
BLOB_DATA, BLOB_SHAPE, BLOB_DOUBLE_DATA = 5, 7, 8
SHAPE_DIM = 1


class CaffeFormatError(ExtractionError, ValueError):
    pass


def read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise CaffeFormatError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise CaffeFormatError("varint longer than 10 bytes")


def iter_fields(buf: memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) of one message; LENGTH values stay zero-copy views."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        field, wire = key >> 3, key & 7
        value: int | memoryview
        if wire == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire == FIXED64:
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        elif wire == LENGTH:
            size, pos = read_varint(buf, pos)
            if pos + size > end:
                raise CaffeFormatError(f"field {field} claims {size} bytes, past the end of the message")
            value, pos = buf[pos : pos + size], pos + size
        elif wire == FIXED32:
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        else:
            # groups (3, 4) do not occur in caffe.proto; anything else means this is not a caffemodel
            raise CaffeFormatError(f"unsupported protobuf wire type {wire} for field {field}")
        if pos > end:
            raise CaffeFormatError(f"field {field} runs past the end of the message")
        yield field, wire, value


def _view(value: int | memoryview) -> memoryview:
    """The value of a LENGTH field: iter_fields gives those as views, every other wire type as int."""
    assert isinstance(value, memoryview), "only LENGTH fields hold bytes"
    return value


def _int(value: int | memoryview) -> int:
    """The value of a VARINT, FIXED32 or FIXED64 field (see :func:`_view`)."""
    assert isinstance(value, int), "a LENGTH field holds bytes, not a number"
    return value


def _packed_varints(value: int | memoryview) -> list[int]:
    if isinstance(value, int):
        return [value]
    out, pos = [], 0
    while pos < len(value):
        v, pos = read_varint(value, pos)
        out.append(v)
    return out


def parse_blob(buf: memoryview) -> np.ndarray:
    """One ``BlobProto`` as a float32 array in its declared shape (a copy, independent of buf)."""
    dims: list[int] = []
    legacy = {BLOB_NUM: 0, BLOB_CHANNELS: 0, BLOB_HEIGHT: 0, BLOB_WIDTH: 0}
    floats: list[np.ndarray] = []
    unpacked: list[np.float32] = []
    for field, wire, value in iter_fields(buf):
        if field == BLOB_SHAPE and wire == LENGTH:
            for f2, _, v2 in iter_fields(_view(value)):
                if f2 == SHAPE_DIM:
                    dims.extend(_packed_varints(v2))
        elif field in legacy and wire == VARINT:
            legacy[field] = _int(value)
        elif field == BLOB_DATA:
            if wire == LENGTH:
                floats.append(np.frombuffer(_view(value), dtype="<f4"))
            else:  # an unpacked repeated float: one FIXED32 per value
                unpacked.append(np.uint32(_int(value)).view(np.float32))
        elif field == BLOB_DOUBLE_DATA:
            if wire == LENGTH:
                floats.append(np.frombuffer(_view(value), dtype="<f8").astype(np.float32))
            else:
                unpacked.append(np.float32(np.uint64(_int(value)).view(np.float64)))
    if unpacked:
        floats.append(np.asarray(unpacked, dtype=np.float32))
    data = np.concatenate(floats).astype(np.float32) if floats else np.zeros(0, np.float32)
    shape = dims or [legacy[k] for k in (BLOB_NUM, BLOB_CHANNELS, BLOB_HEIGHT, BLOB_WIDTH)]
    if not dims and not any(shape):
        return data.copy()
    if int(np.prod(shape)) != data.size:
        raise CaffeFormatError(f"blob declares shape {tuple(shape)} but holds {data.size} values")
    return data.reshape(shape).copy()


def _parse_layer(buf: memoryview, v1: bool) -> tuple[str, str, list[memoryview]]:
    name_f, type_f, blobs_f = (V1_NAME, V1_TYPE, V1_BLOBS) if v1 else (LAYER_NAME, LAYER_TYPE, LAYER_BLOBS)
    name, kind = "", ""
    blobs: list[memoryview] = []
    for field, wire, value in iter_fields(buf):
        if field == name_f and wire == LENGTH:
            name = bytes(_view(value)).decode("utf-8", "replace")
        elif field == type_f:
            kind = bytes(_view(value)).decode("utf-8", "replace") if wire == LENGTH else f"V1:{value}"
        elif field == blobs_f and wire == LENGTH:
            blobs.append(_view(value))
    return name, kind, blobs


def parse_net(buf: memoryview, layers: Iterable[str] | None = None) -> dict[str, list[np.ndarray]]:
    """Blobs of every layer (or of the named ones) that has any, in file order."""
    wanted = set(layers) if layers is not None else None
    out: dict[str, list[np.ndarray]] = {}
    for field, wire, value in iter_fields(buf):
        if wire != LENGTH or field not in (NET_LAYER, NET_LAYERS_V1):
            continue
        name, _, blobs = _parse_layer(_view(value), v1=field == NET_LAYERS_V1)
        if not blobs or (wanted is not None and name not in wanted):
            continue
        out[name] = [parse_blob(b) for b in blobs]
    return out


def read_caffemodel(path: str | Path, layers: Iterable[str] | None = None) -> dict[str, list[np.ndarray]]:
    """``{layer name: [weights, bias, ...]}`` from a ``.caffemodel``; ``layers`` limits what is copied.

    Convolution weights come out as (out, in, kh, kw), the layout torch uses; inner-product
    weights as (out, in).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such Caffe model file")
    if path.stat().st_size == 0:
        raise CaffeFormatError(f"{path} is empty; download the .caffemodel again")
    problem = ""
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        try:
            return parse_net(memoryview(mm), layers)
        except CaffeFormatError as exc:
            # keep only the text: the traceback pins views of the map, which must close first
            problem = str(exc)
    raise CaffeFormatError(f"{path} is not a readable .caffemodel ({problem}); is the download complete?")


def read_blobproto(path: str | Path) -> np.ndarray:
    """A lone ``BlobProto`` file, such as Caffe's ``*_mean.binaryproto`` mean images."""
    data = Path(path).read_bytes()
    return parse_blob(memoryview(data))
