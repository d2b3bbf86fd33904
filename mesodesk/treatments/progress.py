"""Where a patient is in their course: session n of N and the next session's date window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from mesodesk.catalog.models import Protocol
from mesodesk.treatments.choices import OPEN_SESSION_STATUSES, SessionStatus
from mesodesk.treatments.models import TreatmentPlan, TreatmentSession


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


def next_window(protocol: Protocol | None, done: list[dt.date], planned: int) -> NextWindow | None:
    """The allowed dates of the next session after the signed sessions `done` (in order).

    With a fixed schedule, day k of the course counts from the first session; otherwise the
    next session falls inside [last + minimum interval, last + maximum interval]."""
    if protocol is None or not done or len(done) >= planned:
        return None
    if protocol.schedule_days and len(done) < len(protocol.schedule_days):
        day = done[0] + dt.timedelta(days=protocol.schedule_days[len(done)])
        return NextWindow(day, day)
    low = protocol.interval_min_days or 0
    high = protocol.interval_max_days
    last = done[-1]
    return NextWindow(
        last + dt.timedelta(days=low), last + dt.timedelta(days=high) if high else None
    )


@dataclass(frozen=True)
class CourseProgress:
    """Session `number` of `planned`; `signed` sessions done; the next session's window."""

    number: int
    planned: int
    signed: int
    window: NextWindow | None

    def __str__(self) -> str:
        return f"session {self.number} of {self.planned}"


def signed_dates(plan: TreatmentPlan, zone: ZoneInfo) -> list[dt.date]:
    """The local dates of the plan's signed sessions, in course order (one query)."""
    ended = (
        TreatmentSession.objects.filter(plan_id=plan.pk, status=SessionStatus.SIGNED)
        .order_by("number")
        .values_list("ended_at", flat=True)
    )
    return [moment.astimezone(zone).date() for moment in ended if moment]


def course_progress(session: TreatmentSession, zone: ZoneInfo) -> CourseProgress:
    plan = session.plan
    dates = signed_dates(plan, zone)
    return CourseProgress(
        number=session.number,
        planned=plan.planned_sessions,
        signed=len(dates),
        window=next_window(plan.protocol, dates, plan.planned_sessions),
    )


@dataclass(frozen=True)
class PlanCourse:
    """The course of a plan from its sessions: what is done, what is open, what comes next."""

    planned: int
    signed: int
    open: TreatmentSession | None
    window: NextWindow | None

    @property
    def can_start_next(self) -> bool:
        return self.open is None and self.signed < self.planned


def plan_course(
    plan: TreatmentPlan, sessions: list[TreatmentSession], zone: ZoneInfo
) -> PlanCourse:
    planned = plan.planned_sessions
    signed = sorted(
        (s for s in sessions if s.status == SessionStatus.SIGNED and s.ended_at),
        key=lambda s: s.number,
    )
    dates = [s.ended_at.astimezone(zone).date() for s in signed if s.ended_at]
    return PlanCourse(
        planned=planned,
        signed=len(signed),
        open=next((s for s in sessions if s.status in OPEN_SESSION_STATUSES), None),
        window=next_window(plan.protocol, dates, planned),
    )
