"""Course arithmetic: when the next session of a course may fall. Pure Python on plain data
(no Django), so pages, the API, aftercare and the benchmarks share one answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    """How a protocol spaces its sessions: fixed days of the course (day 0 is the first
    session), else an interval after the previous session."""

    days: tuple[int, ...] = ()
    interval_min_days: int | None = None
    interval_max_days: int | None = None


@dataclass(frozen=True)
class NextWindow:
    earliest: dt.date
    latest: dt.date | None

    def __str__(self) -> str:
        if self.latest is None:
            return f"from {self.earliest:%Y-%m-%d}"
        if self.latest == self.earliest:
            return f"on {self.earliest:%Y-%m-%d}"
        return f"between {self.earliest:%Y-%m-%d} and {self.latest:%Y-%m-%d}"


def next_window(
    schedule: Schedule | None, done: Sequence[dt.date], planned: int
) -> NextWindow | None:
    """The allowed dates of the next session after the signed sessions `done` (in order);
    None when there is no schedule, no session yet, or the course is complete.

    With fixed days, day k of the course counts from the first session; otherwise the next
    session falls inside [last + minimum interval, last + maximum interval]."""
    if schedule is None or not done or len(done) >= planned:
        return None
    if schedule.days and len(done) < len(schedule.days):
        day = done[0] + dt.timedelta(days=schedule.days[len(done)])
        return NextWindow(day, day)
    low = schedule.interval_min_days or 0
    high = schedule.interval_max_days
    last = done[-1]
    return NextWindow(
        last + dt.timedelta(days=low), last + dt.timedelta(days=high) if high else None
    )
