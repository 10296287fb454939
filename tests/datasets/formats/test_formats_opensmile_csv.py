"""openSMILE CSV (and ARFF by content) per-instance files with known values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videoaffect.datasets.formats.errors import DatasetError
from videoaffect.datasets.formats.opensmile_csv import read_functionals_file, read_smile_csv


@pytest.mark.parametrize(
    "text",
    [
        "name;frameTime;f0;f1;f2\n'unknown';0.000000;1;2.5;-3\n",
        "name,frameTime,f0,f1,f2\n'unknown',0.0,1,2.5,-3\n",
        "Name\tFrameTime\tf0\tf1\tf2\n'unknown'\t0.0\t1\t2.5\t-3\n",  # meta names match case-insensitively
        "'unknown';1;2.5;-3\n",  # headerless: a quoted instance name, then the values
        "1 2.5 -3\n",
    ],
)
def test_feature_columns_of_each_csv_flavour(tmp_path, text):
    path = tmp_path / "a.csv"
    path.write_text(text)
    np.testing.assert_array_equal(read_functionals_file(path), [1.0, 2.5, -3.0])


def test_arff_text_is_recognised_by_content_whatever_the_extension(tmp_path):
    path = tmp_path / "looks_like.csv"
    path.write_text("@relation r\n@attribute name string\n@attribute f numeric\n"
                    "@attribute g numeric\n@attribute class numeric\n@data\n'i',0.5,-1,?\n")
    np.testing.assert_array_equal(read_functionals_file(path), [0.5, -1.0])


def test_missing_value_header_only_and_empty(tmp_path):
    out = read_smile_csv("name;f0;f1\n'u';?;4\n", "p")
    assert math.isnan(out[0]) and out[1] == 4.0
    assert read_smile_csv("name;f0;f1\n", "p") is None
    (tmp_path / "e.csv").write_text("\n")
    assert read_functionals_file(tmp_path / "e.csv") is None


def test_own_drop_set(tmp_path):
    out = read_smile_csv("name;frameTime;f0\n'u';0.5;7\n", "p", drop=frozenset({"name"}))
    np.testing.assert_array_equal(out, [0.5, 7.0])


@pytest.mark.parametrize(
    "text,match",
    [
        ("name;f0;loudness\n'u';1;loud\n", r"bad\.csv: 'loud' is not a number"),  # an unknown field is a feature
        ("name;f0;f1\n'u';1\n", r"bad\.csv: 2 values under a header of 3 columns"),
        ("name;f0\n'u';1\n'u';2\n", r"bad\.csv: 2 data rows"),
        ("1;2\n3;4\n", r"bad\.csv: 2 rows"),
    ],
)
def test_bad_fields_and_rows_name_the_file(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=match):
        read_functionals_file(path)
