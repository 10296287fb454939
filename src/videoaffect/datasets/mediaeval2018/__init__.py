"""LIRIS-ACCEDE as used by the MediaEval 2018 "Emotional Impact of Movies" task.

Modules: :mod:`.layout` finds the files below a root and gives the official split;
:mod:`.provided` reads the features distributed with the release; :mod:`.store` pairs the
annotations with features extracted by ``videoaffect extract``.  The file formats themselves
are read by :mod:`videoaffect.datasets.formats`.

On-disk layout
--------------
The release is a set of archives, one per part and kind; unpacked side by side under ROOT they
give (Part1 = movies 00–13, Part2 = 14–43, Part3 = 44–53, TestSet = 54–65)::

    ROOT/MEDIAEVAL18-DevSet-Part1-Data/data/MEDIAEVAL18_00.mp4
    ROOT/MEDIAEVAL18-DevSet-Part1-Valence_Arousal-annotations/annotations/MEDIAEVAL18_00_Valence-Arousal.txt
    ROOT/MEDIAEVAL18-DevSet-Part1-Audio_features/audio_features/MEDIAEVAL18_00/MEDIAEVAL18_00_00001.csv
    ROOT/MEDIAEVAL18-DevSet-Part1-Visual_features/visual_features/MEDIAEVAL18_00/fc6/MEDIAEVAL18_00-00001_fc6.txt
    ROOT/MEDIAEVAL18-TestSet-.../...                                                     (movies 54–65)

Files are found by name anywhere below ROOT, so any folder arrangement works, flat included:

* videos ``MEDIAEVAL18_XX.<ext>`` (mp4, mkv, avi, ...);
* annotations ``MEDIAEVAL18_XX_Valence-Arousal.txt`` (format: :mod:`videoaffect.datasets.formats.annotations`);
* provided audio features ``MEDIAEVAL18_XX_NNNNN.csv`` (or ``.arff``): one file per second, the
  openSMILE emobase2010 (INTERSPEECH 2010 paralinguistic) functionals, 1582 values, computed on
  a 5-s window centred on that second.  ARFF content (``@attribute`` lines, ``@data``, a leading
  instance name and a trailing ``class``) and openSMILE CSV (``;``-separated, ``name``/
  ``frameTime`` columns) are both read; string, ``name``, ``frameTime`` and ``class`` fields are
  dropped.
* provided visual features ``MEDIAEVAL18_XX-NNNNN_<d>.txt`` (``_`` in place of ``-`` accepted),
  one file per second and descriptor ``<d>`` in acc, cedd, cl, eh, fcth, gabor, jcd, sc, tamura,
  lbp, fc6, holding that second's frame descriptor as comma-separated numbers.
  Folders named after a descriptor are listed only when that descriptor is loaded.

Names are matched case-insensitively.  Movie numbers must be 00–65.

Time bases: an annotation's first row is second 0 (its ``Time`` may start at 0 or 1).  Feature
files of the release are numbered from 00001, so file ``NNNNN`` holds second ``NNNNN - 1``; if a
movie's files of one descriptor include number 00000, that descriptor is numbered from 0 instead.

Known gaps in the provided features (a second with no file, an empty file, or one holding
NaN/inf) are masked and reported: :func:`read_provided_features` returns them as
:class:`FeatureGap` records and :func:`load_provided_features` logs one warning per movie.
Feature files past the end of the annotation are ignored when within the alignment tolerance and
an error otherwise (the annotation is then truncated or belongs to another cut).

Official split: training movies 00–53 (MediaEval's development set, ``"dev"``), test movies 54–65
(``"test"``).

Sources for the layout: the release's archive and file names, the Part1/2/3/TestSet movie
ranges, the 00001-based per-second numbering, the 5-s audio window and the comma-separated
visual files are as described in the KongHag/emotion_project README (GitHub), which also lists
known gaps of the release that this loader masks and reports: no audio file for second 5588 of
movie 06, an empty ``MEDIAEVAL18_27-00006_cl.txt``, and incomplete fc6/jcd files for movie 18.
"""

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
from videoaffect.datasets.mediaeval2018.store import mediaeval2018_corpus_from_store

__all__ = [
    "ALL_DESCRIPTORS",
    "AUDIO_DIM",
    "VISUAL_DESCRIPTORS",
    "FeatureGap",
    "MediaEval2018",
    "ProvidedFeatures",
    "mediaeval2018_corpus_from_store",
    "load_provided_features",
    "official_split",
    "read_audio_file",
    "read_provided_features",
    "read_visual_file",
]
