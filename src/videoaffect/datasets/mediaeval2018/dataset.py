"""The former single module of the MediaEval 2018 loader, kept so that imports of it work; the
code is in :mod:`.layout`, :mod:`.provided` and :mod:`.store` of this package."""

from videoaffect.datasets.mediaeval2018.layout import (
    ALL_DESCRIPTORS,
    AUDIO_DIM,
    VISUAL_DESCRIPTORS,
    MediaEval2018,
    official_split,
)
from videoaffect.datasets.mediaeval2018.provided import (
    FeatureGap,
    ProvidedFeatures,
    load_provided_features,
    read_audio_file,
    read_provided_features,
    read_visual_file,
)
from videoaffect.datasets.mediaeval2018.store import corpus_from_store

__all__ = [
    "ALL_DESCRIPTORS",
    "AUDIO_DIM",
    "VISUAL_DESCRIPTORS",
    "FeatureGap",
    "MediaEval2018",
    "ProvidedFeatures",
    "corpus_from_store",
    "load_provided_features",
    "official_split",
    "read_audio_file",
    "read_provided_features",
    "read_visual_file",
]
