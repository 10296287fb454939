"""Numeric text files (datasets.formats.numbers) on small files with known values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videoaffect.datasets.formats.errors import DatasetError
from videoaffect.datasets.formats.numbers import (
    is_number,
    parse_floats,
    parse_numbers,
    read_number_file,
    select_fields,
)


@pytest.mark.parametrize(
    "text",
    [
        "1.5,-2,3e2\n",
        "1.5;-2;3e2",
        "1.5 -2\t3e2\n",
        "1.5,-2,3e2,\n",  # trailing separator, as some writers leave
        "1.5, -2; 3e2",  # mixed separators take the slow path
    ],
)
def test_number_file_in_each_separator(tmp_path, text):
    path = tmp_path / "v.txt"
    path.write_text(text)
    np.testing.assert_array_equal(read_number_file(path), [1.5, -2.0, 300.0])


def test_empty_number_file_is_none(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text(" \n\n")
    assert read_number_file(path) is None


def test_bad_token_names_the_value_and_the_file(tmp_path):
    path = tmp_path / "MOVIE_07-00003_cl.txt"
    path.write_text("1,x,3\n")
    with pytest.raises(DatasetError, match=r"MOVIE_07-00003_cl\.txt: 'x' is not a number"):
        read_number_file(path)


def test_question_mark_is_nan_and_other_tokens_are_refused():
    out = parse_floats(["1", "?", "-0.25"], "f")
    assert out[0] == 1.0 and math.isnan(out[1]) and out[2] == -0.25
    with pytest.raises(DatasetError, match=r"^g: '1,5' is not a number"):
        parse_floats(["1,5"], "g")


def test_parse_numbers_keeps_float64_precision():
    out = parse_numbers("0.1000000000000000055511151231257827,1e300", "f")
    assert out.dtype == np.float64 and out.tolist() == [0.1, 1e300]


def test_select_fields_contiguous_and_scattered():
    values = ["'id'", "1", "2.5", "x", "4"]
    np.testing.assert_array_equal(select_fields(values, (1, 2), "f"), [1.0, 2.5])
    np.testing.assert_array_equal(select_fields(values, (1, 4), "f"), [1.0, 4.0])
    with pytest.raises(DatasetError, match=r"^h: 'x' is not a number"):
        select_fields(values, (1, 2, 3), "h")


def test_is_number():
    assert is_number("-1e-3") and is_number(" 2 ") and is_number("nan")
    assert not is_number("abc") and not is_number("") and not is_number("1,5")
