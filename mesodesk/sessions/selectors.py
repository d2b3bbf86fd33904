"""Reads of treatment sessions, their charted points and aftercare sheets, scoped to the
actor's clinic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.catalog.selectors import lots_by_id, products_by_id
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.selectors import emails_about_any
from mesodesk.screening.models import Screening
from mesodesk.screening.selectors import screening_with_override
from mesodesk.sessions.chart import session_lines
from mesodesk.sessions.choices import SessionStatus
from mesodesk.sessions.course import CourseProgress, course_progress_of
from mesodesk.sessions.models import (
    AftercareSheet,
    AftercareVersion,
    InjectionPoint,
    SessionAddendum,
    SessionIncident,
    TreatmentSession,
)
from mesodesk.treatments.dosing import DoseReport, dose_report
from mesodesk.treatments.limits import ingredient_specs, plan_course, topical_mg
from mesodesk.treatments.models import TreatmentPlan


def session_get(*, actor: Actor, session_id: ObjectId) -> TreatmentSession:
    """One session of the actor's clinic, for anyone who checks patients in; a clinician's
    read is audited (front desk sees only the session's status)."""
    actor.require(Capability.SESSION_CHECK_IN)
    session = get_in_clinic(
        TreatmentSession.objects.select_related(
            "plan",
            "plan__protocol",
            "patient",
            "practitioner",
            "assistant",
            "signed_by",
            "clinic",
        ).filter(clinic=actor.clinic),
        session_id,
        message="No such session in this clinic.",
    )
    if actor.can(Capability.CLINICAL_VIEW):
        audit_event_record(
            actor=actor,
            action=AuditAction.READ,
            obj=session,
            patient_id=session.patient_id,
            summary="treatment session",
        )
    return session


def session_for_update(*, actor: Actor, session_id: ObjectId) -> TreatmentSession:
    """The session row locked for a write (inside the caller's transaction); not audited as a
    read: the write that follows is."""
    return get_in_clinic(
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__protocol", "patient", "clinic")
        .filter(clinic=actor.clinic),
        session_id,
        message="No such session in this clinic.",
    )


def sessions_of_plan(*, actor: Actor, plan: TreatmentPlan) -> QuerySet[TreatmentSession]:
    """A plan's sessions in course order (pass a plan already read in the actor's clinic)."""
    actor.require(Capability.SESSION_CHECK_IN)
    return TreatmentSession.objects.filter(clinic=actor.clinic, plan=plan).order_by("number")


def signed_dates(plan: TreatmentPlan, zone: ZoneInfo) -> list[dt.date]:
    """The local dates of the plan's signed sessions, in course order (one query)."""
    ended = (
        TreatmentSession.objects.filter(plan_id=plan.pk, status=SessionStatus.SIGNED)
        .order_by("number")
        .values_list("ended_at", flat=True)
    )
    return [moment.astimezone(zone).date() for moment in ended if moment]


def course_progress(session: TreatmentSession, zone: ZoneInfo) -> CourseProgress:
    """Session n of N and the next session's window (one query for the signed dates)."""
    return course_progress_of(session.number, session.plan, signed_dates(session.plan, zone))


def previous_signed_session(session: TreatmentSession) -> TreatmentSession | None:
    """The plan's last signed session before this one (the map to copy)."""
    return (
        TreatmentSession.objects.filter(plan_id=session.plan_id, status=SessionStatus.SIGNED)
        .order_by("-number")
        .first()
    )


def session_screening(session: TreatmentSession) -> Screening | None:
    """The screening made when today's facts were re-confirmed, with its override."""
    if session.screening_id is None:
        return None
    return screening_with_override(clinic_id=session.clinic_id, screening_id=session.screening_id)


def session_points(session: TreatmentSession) -> list[InjectionPoint]:
    """The session's points, sharing one object per product and per lot (a session charts
    hundreds of points of a few lots: three queries, whatever the number of points)."""
    points = list(session.points.all())
    products = products_by_id(
        clinic_id=session.clinic_id, product_ids=(pt.product_id for pt in points)
    )
    lots = lots_by_id(
        clinic_id=session.clinic_id, lot_ids=(pt.lot_id for pt in points if pt.lot_id)
    )
    for point in points:
        point.product = products[point.product_id]
        point.lot = lots.get(point.lot_id) if point.lot_id else None
    return points


def session_dose_report(
    *, actor: Actor, session: TreatmentSession, points: list[InjectionPoint] | None = None
) -> DoseReport:
    """The charted totals checked against the limits, like the plan's but from the points."""
    kb = clinic_knowledge(actor.clinic)
    charted = points if points is not None else session_points(session)
    lines, stats = session_lines(charted)
    # The plan's course and topical exposure, with what was charted per injection.
    return dose_report(
        lines,
        ingredient_specs(kb),
        weight_kg=session.patient.weight_kg,
        course=plan_course(session.plan),
        topical_mg=topical_mg(session.plan, kb),
        injections=stats,
    )


def session_addenda(session: TreatmentSession) -> list[SessionAddendum]:
    return list(session.addenda.select_related("signed_by"))


def session_aftercare(session: TreatmentSession) -> AftercareSheet | None:
    return AftercareSheet.objects.filter(session=session).first()


AFTERCARE_VERSION_TYPE = "sessions.AftercareVersion"


def aftercare_emails(
    *, actor: Actor, sheet: AftercareSheet
) -> list[tuple[OutboundEmail, int | None]]:
    """The clinic's e-mails of this aftercare, newest first, each with the version it carried
    (None for an e-mail sent before sheets were versioned). Two queries."""
    versions = dict(
        AftercareVersion.objects.filter(sheet=sheet, clinic=actor.clinic).values_list(
            "pk", "version"
        )
    )
    emails = emails_about_any(actor=actor, related_ids=[sheet.pk, *versions])
    return [(e, versions.get(e.related_id) if e.related_id else None) for e in emails]


def session_incidents(session: TreatmentSession) -> list[SessionIncident]:
    """The incidents opened on this session's record (one query)."""
    return list(
        SessionIncident.objects.filter(session=session, clinic_id=session.clinic_id).select_related(
            "recorded_by"
        )
    )


def sessions_with_lot(*, actor: Actor, lot_id: ObjectId) -> list[TreatmentSession]:
    """Every session of the clinic, signed or not, with a charted injection from this lot
    (the recall search), with its patient, newest first. A clinical read: audited."""
    actor.require(Capability.CLINICAL_VIEW)
    sessions = list(
        TreatmentSession.objects.filter(
            clinic=actor.clinic,
            pk__in=InjectionPoint.objects.filter(clinic=actor.clinic, lot_id=lot_id).values(
                "session_id"
            ),
        )
        .select_related("patient", "plan")
        .order_by("-created_at")
    )
    for session in sessions:
        audit_event_record(
            actor=actor,
            action=AuditAction.READ,
            obj=session,
            patient_id=session.patient_id,
            summary="recall search by lot",
        )
    return sessions


def aftercare_get(*, actor: Actor, session_id: ObjectId) -> AftercareSheet:
    """A session's aftercare sheet; the read is audited (it names what was done)."""
    actor.require(Capability.SESSION_PREPARE)
    sheet = get_in_clinic(
        AftercareSheet.objects.select_related("patient", "session").filter(clinic=actor.clinic),
        session_id,
        by="session_id",
        message="No aftercare sheet for this session (yet).",
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=sheet,
        patient_id=sheet.patient_id,
        summary="aftercare",
    )
    return sheet
