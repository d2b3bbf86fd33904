"""Where a session stands in its plan's course: session n of N, what is signed, what is open
and the next session's window (the arithmetic is `treatments.progress`, on plain data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from mesodesk.sessions.choices import OPEN_SESSION_STATUSES, SessionStatus
from mesodesk.sessions.models import TreatmentSession
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.progress import NextWindow, next_window


@dataclass(frozen=True)
class CourseProgress:
    """Session `number` of `planned`; `signed` sessions done; the next session's window."""

    number: int
    planned: int
    signed: int
    window: NextWindow | None

    def __str__(self) -> str:
        return f"session {self.number} of {self.planned}"


def course_progress_of(number: int, plan: TreatmentPlan, done: Sequence[date]) -> CourseProgress:
    """The progress of session `number` given the local dates of the signed sessions."""
    return CourseProgress(
        number=number,
        planned=plan.planned_sessions,
        signed=len(done),
        window=next_window(plan.schedule, done, plan.planned_sessions),
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
    plan: TreatmentPlan, sessions: Sequence[TreatmentSession], zone: ZoneInfo
) -> PlanCourse:
    """The course from the plan's sessions (already read; no query)."""
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
        window=next_window(plan.schedule, dates, planned),
    )
