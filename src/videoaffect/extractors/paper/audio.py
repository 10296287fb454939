"""Paper audio features (3.1.1): VGGish embeddings with Google's PCA + 8-bit quantisation.

Per second: the 975 ms of audio from the second's start (the 960-ms window and the 15 ms after
it, as Google's pipeline frames its example; version 2, version 1 zero-padded the last 15 ms)
-> 96 x 64 log-mel patch (``logmel.vggish_patch``) ->
VGGish (Google's model: no ReLU on the 128-wide layer) -> PCA -> clip to [-2, 2] -> uint8.

Output scale: the 128 values are the **quantised integers 0..255 stored as float32**, exactly
the numbers AudioSet released as its VGGish features, so the features are lossless and
comparable with other tools' AudioSet-style embeddings.  Rescaling to a unit range is left to the model's input
normalisation.  Seconds without audio (no audio track, audio ended) are zeros with
``present = False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from videoaffect.core.files import sha256_of, sha256_of_arrays
from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.base import Extractor, ExtractorError, audio_of
from videoaffect.extractors.logmel import vggish_patch
from videoaffect.extractors.nets.vggish import EMBEDDING_SIZE, Postprocessor, VGGish, load_vggish
from videoaffect.weights.registry import weight_path


class PaperAudio(Extractor):
    modality = "audio"
    name = "paper.audio.vggish"
    version = "2"
    shape = (EMBEDDING_SIZE,)
    needs = "audio"
    batch_size = 32

    def __init__(
        self,
        weights: str | Path | None = None,
        pca: str | Path | None = None,
        *,
        net: VGGish | None = None,
        postprocessor: Postprocessor | None = None,
        batch_size: int = 32,
    ) -> None:
        """Weights from ``weights``/``pca`` paths, else the registry's "vggish"/"vggish-pca".

        ``net``/``postprocessor`` inject ready objects (tests use random weights); their
        provenance hash is then the sha256 of the tensors, prefixed ``in-memory:``.
        """
        if batch_size < 1:
            raise ExtractorError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.device = torch.device("cpu")
        if (net is None) != (postprocessor is None):
            raise ExtractorError("pass both net and postprocessor, or neither")
        if net is not None and (weights is not None or pca is not None):
            raise ExtractorError("pass either weight paths or net/postprocessor, not both")
        if net is None:
            weights_file = Path(weights) if weights is not None else weight_path("vggish")
            pca_file = Path(pca) if pca is not None else weight_path("vggish-pca")
            net, postprocessor = load_vggish(weights_file, pca_file)
            self._hashes = {"vggish": sha256_of(weights_file), "vggish-pca": sha256_of(pca_file)}
        else:
            assert postprocessor is not None  # checked above: both were passed, or neither
            self._hashes = {"vggish": sha256_of_arrays(net.state_dict().values()),
                            "vggish-pca": sha256_of_arrays([postprocessor.pca_eigen_vectors, postprocessor.pca_means])}
        self.net = net.eval()
        self.postprocessor = postprocessor

    def params(self) -> dict:
        return {
            "patch": "first 975 ms per second (960-ms window + 15-ms tail), 96x64 log-mel (logmel.vggish_patch)",
            "final_relu": False,
            "postprocess": "PCA, clip [-2, 2], uint8 truncation (Google vggish_postprocess)",
            "scale": "0..255",
        }

    def weights_sha256(self) -> dict[str, str]:
        return dict(self._hashes)

    def to(self, device: str) -> PaperAudio:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def extract(self, samples: Sequence[SecondSample]) -> tuple[np.ndarray, np.ndarray]:
        features, _ = self.empty(len(samples))
        audios, present = audio_of(samples)
        if audios:
            tails = [s.audio_tail for s in samples if s.audio is not None]
            patches = np.stack([vggish_patch(a, t) for a, t in zip(audios, tails)])[:, None]
            features[present] = self.postprocessor(self.embed(patches))
        return features, present

    def embed(self, patches: np.ndarray) -> np.ndarray:
        """(n, 1, 96, 64) log-mel patches -> (n, 128) raw VGGish embeddings, in batches."""
        out = []
        with torch.inference_mode():
            for start in range(0, len(patches), self.batch_size):
                x = torch.from_numpy(np.ascontiguousarray(patches[start : start + self.batch_size], dtype=np.float32))
                out.append(self.net(x.to(self.device)).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
