"""The course arithmetic is pure: a schedule and the dates of the signed sessions in, the next
session's window out, whatever the dates and numbers."""

from __future__ import annotations

import ast
import datetime as dt
import inspect

from hypothesis import given
from hypothesis import strategies as st

from mesodesk.treatments import progress
from mesodesk.treatments.progress import NextWindow, Schedule, next_window

DAY = dt.timedelta(days=1)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31))
intervals = st.one_of(st.none(), st.integers(min_value=0, max_value=365))


@st.composite
def courses(draw: st.DrawFn) -> tuple[list[dt.date], int]:
    """Signed session dates in order (gaps of 0 to 120 days) and a planned count."""
    first = draw(dates)
    gaps = draw(st.lists(st.integers(min_value=0, max_value=120), max_size=10))
    done = [first]
    for gap in gaps:
        done.append(done[-1] + gap * DAY)
    return done, draw(st.integers(min_value=1, max_value=15))


@given(courses(), intervals, intervals)
def test_an_interval_schedule_counts_from_the_last_signed_session(
    course: tuple[list[dt.date], int], low: int | None, high: int | None
) -> None:
    done, planned = course
    window = next_window(Schedule(interval_min_days=low, interval_max_days=high), done, planned)
    if len(done) >= planned:
        assert window is None
        return
    assert window is not None
    assert window.earliest == done[-1] + (low or 0) * DAY
    assert window.latest == (done[-1] + high * DAY if high else None)
    if low is not None and high and low <= high:
        assert window.latest is not None
        assert window.earliest <= window.latest


@given(courses(), st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=12))
def test_fixed_days_count_from_the_first_session_and_give_one_date(
    course: tuple[list[dt.date], int], days: list[int]
) -> None:
    done, planned = course
    window = next_window(Schedule(days=tuple(days), interval_min_days=7), done, planned)
    if len(done) >= planned:
        assert window is None
    elif len(done) < len(days):
        day = done[0] + days[len(done)] * DAY
        assert window == NextWindow(day, day)
    else:  # past the fixed days, the interval takes over
        assert window == NextWindow(done[-1] + 7 * DAY, None)


@given(st.lists(dates, max_size=3), st.integers(min_value=-3, max_value=5))
def test_no_schedule_or_no_signed_session_gives_no_window(
    done: list[dt.date], planned: int
) -> None:
    assert next_window(None, sorted(done), planned) is None
    assert next_window(Schedule(interval_min_days=14), [], planned) is None


def test_the_window_reads_as_words() -> None:
    day = dt.date(2026, 3, 1)
    assert str(NextWindow(day, day)) == "on 2026-03-01"
    assert str(NextWindow(day, None)) == "from 2026-03-01"
    assert str(NextWindow(day, day + 7 * DAY)) == "between 2026-03-01 and 2026-03-08"


def test_the_course_arithmetic_imports_nothing_of_django() -> None:
    tree = ast.parse(inspect.getsource(progress))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.startswith(("django", "mesodesk"))}
