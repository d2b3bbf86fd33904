"""Every exported cell that a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

import csv
import io

import pytest

from mesodesk.core.csvsafe import SafeCsvWriter, csv_cell


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_it_escapes_a_cell_that_starts_like_a_formula(value: str) -> None:
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "a=b", "", "2026-01-01", "{}"])
def test_it_leaves_ordinary_cells_alone(value: str) -> None:
    assert csv_cell(value) == value


def test_the_writer_escapes_every_cell_of_a_row() -> None:
    out = io.StringIO()
    SafeCsvWriter(out).writerow(["=1+1", None, 3, "@x"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "", "3", "'@x"]
