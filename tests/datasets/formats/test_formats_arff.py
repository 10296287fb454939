"""One-instance ARFF files (datasets.formats.arff) written with known values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videoaffect.datasets.formats.arff import arff_columns, read_arff_file, split_arff
from videoaffect.datasets.formats.errors import DatasetError

HEADER = """@relation 'openSMILE_features'
% a comment line
@attribute name string
@attribute 'f one' numeric
@attribute f2 REAL
@attribute mood {happy,sad}
@attribute f3 integer
@attribute class numeric
"""
DROP = frozenset({"name", "class"})


def write(tmp_path, row: str, header: str = HEADER, name: str = "x.arff"):
    path = tmp_path / name
    path.write_text(f"{header}\n@data\n\n{row}\n")
    return path


def test_numeric_attributes_in_header_order(tmp_path):
    path = write(tmp_path, "'inst',1.25,-3,happy,7,?")
    np.testing.assert_array_equal(read_arff_file(path, DROP), [1.25, -3.0, 7.0])


def test_drop_set_and_missing_value(tmp_path):
    out = read_arff_file(write(tmp_path, "'inst',1.25,-3,happy,7,?"))  # nothing dropped: class kept
    assert out[:3].tolist() == [1.25, -3.0, 7.0] and math.isnan(out[3]) and out.size == 4


def test_columns_of_a_header():
    head, _ = split_arff(HEADER + "@data\n'a',1,2,sad,3,0\n")
    assert arff_columns(head, DROP) == (6, (1, 2, 4))
    assert arff_columns(head) == (6, (1, 2, 4, 5))  # the cache keys on the drop set too


def test_not_arff_and_empty(tmp_path):
    assert split_arff("a;b\n1;2\n") is None
    assert read_arff_file(write(tmp_path, "% no instance")) is None
    (tmp_path / "empty.arff").write_text("")
    assert read_arff_file(tmp_path / "empty.arff") is None
    (tmp_path / "plain.arff").write_text("1,2,3\n")
    with pytest.raises(DatasetError, match=r"plain\.arff: no @data line"):
        read_arff_file(tmp_path / "plain.arff")


@pytest.mark.parametrize(
    "row,match",
    [
        ("'inst',1.25,abc,happy,7,0", r"bad\.arff: 'abc' is not a number"),
        ("'inst',1.25,-3,happy,7", r"bad\.arff: the data row has 5 values for 6 @attribute lines"),
        ("'inst',1,2,sad,3,0\n'inst',1,2,sad,3,0", r"bad\.arff: 2 data rows"),
    ],
)
def test_bad_rows_name_the_file(tmp_path, row, match):
    with pytest.raises(DatasetError, match=match):
        read_arff_file(write(tmp_path, row, name="bad.arff"), DROP)
