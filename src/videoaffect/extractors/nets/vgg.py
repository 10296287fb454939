"""VGG16 convolutional trunk (Simonyan & Zisserman 2015, configuration D) for the paper's scene
feature, loadable from the official VGG16-Places365 Caffe model (Zhou et al. 2017).

Scene feature (paper 3.1.2: "512-dimension features at the last pooling layer"): pool5 is
512 x 7 x 7 for a 224 x 224 input; we average it over its 7 x 7 positions to get 512 values (the
paper does not say how 512 x 7 x 7 becomes 512; global average pooling is our reading).

Input convention of the Caffe model: BGR channel order, 0-255 pixel values, minus the per-channel
Places365 training mean.  ``PLACES365_BGR_MEAN`` is the channel average of the authors'
``places365CNN_mean.binaryproto`` mean image (the value other ports of the Places365 Caffe models
use, e.g. neural-style-pt's model table: 104.051, 112.514, 116.676); the training prototxt
subtracts the full mean image, whose per-pixel variation we drop as pycaffe users usually do.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from videoaffect.extractors.nets.caffe import read_caffemodel

PLACES365_BGR_MEAN = (104.051, 112.514, 116.676)
INPUT_SIZE = 224

# (layer names, output channels) per block; every block ends in a 2 x 2 max-pool of stride 2
VGG16_BLOCKS: list[tuple[list[str], int]] = [
    (["conv1_1", "conv1_2"], 64),
    (["conv2_1", "conv2_2"], 128),
    (["conv3_1", "conv3_2", "conv3_3"], 256),
    (["conv4_1", "conv4_2", "conv4_3"], 512),
    (["conv5_1", "conv5_2", "conv5_3"], 512),
]
CONV_NAMES = [name for names, _ in VGG16_BLOCKS for name in names]


class VGG16Features(nn.Module):
    """The 13 convolutions and 5 max-pools of VGG16; parameters are named like the Caffe layers."""

    def __init__(self) -> None:
        super().__init__()
        channels = 3
        for names, out in VGG16_BLOCKS:
            for name in names:
                self.add_module(name, nn.Conv2d(channels, out, kernel_size=3, padding=1))
                channels = out

    def pool5(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) preprocessed BGR -> (B, 512, H/32, W/32)."""
        for names, _ in VGG16_BLOCKS:
            for name in names:
                x = torch.relu_(getattr(self, name)(x))  # in place on the convolution's fresh output
            x = nn.functional.max_pool2d(x, kernel_size=2, stride=2)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, 224, 224) -> (B, 512): pool5 averaged over its spatial positions."""
        return self.pool5(x).mean(dim=(2, 3))


def caffe_bgr_input(frames: list[np.ndarray], size: int = INPUT_SIZE) -> np.ndarray:
    """RGB uint8 frames (H, W, 3) -> (n, 3, size, size) float32 network input.

    The whole frame is resized to size x size (no crop, so the scene's borders count; the aspect
    ratio is not kept), channels reversed to BGR, kept on the 0-255 scale, mean subtracted.
    """
    mean = np.asarray(PLACES365_BGR_MEAN, dtype=np.float32)
    out = np.empty((len(frames), 3, size, size), dtype=np.float32)
    for i, frame in enumerate(frames):
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an RGB frame (H, W, 3), got shape {frame.shape}")
        resized = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
        bgr = resized[:, :, ::-1].astype(np.float32) - mean
        out[i] = bgr.transpose(2, 0, 1)
    return out


def load_vgg16_places365_caffe(path: str | Path) -> VGG16Features:
    """VGG16 conv trunk with the weights of the Caffe model at ``path`` (fc layers are not read)."""
    blobs = read_caffemodel(path, layers=CONV_NAMES)
    net = VGG16Features()
    missing = [n for n in CONV_NAMES if n not in blobs]
    if missing:
        raise ValueError(
            f"{path} has no layer(s) {', '.join(missing)}; it is not VGG16-Places365 "
            "(get vgg16_places365.caffemodel from places2.csail.mit.edu)"
        )
    state = {}
    for name in CONV_NAMES:
        conv: nn.Conv2d = getattr(net, name)
        if len(blobs[name]) != 2:
            raise ValueError(f"{path}: layer {name} has {len(blobs[name])} blobs, expected weights and bias")
        weight, bias = blobs[name]
        bias = bias.reshape(-1)  # legacy blobs store a bias as (1, 1, 1, out)
        assert conv.bias is not None  # every VGG16 convolution is built with a bias
        for what, got, want in (("weight", weight, conv.weight), ("bias", bias, conv.bias)):
            if tuple(got.shape) != tuple(want.shape):
                raise ValueError(
                    f"{path}: layer {name} {what} has shape {tuple(got.shape)}, VGG16 needs "
                    f"{tuple(want.shape)}; is this the VGG16-Places365 model?"
                )
            state[f"{name}.{what}"] = torch.from_numpy(np.ascontiguousarray(got))
    net.load_state_dict(state)
    return net.eval()
