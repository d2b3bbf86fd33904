"""Storing and sending a session's aftercare sheet (the content is `sessions.aftercare`)."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction

from mesodesk.accounts.actor import Actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.notifications.addresses import email_address_error
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.services import email_queue
from mesodesk.sessions.aftercare import aftercare_content, aftercare_text
from mesodesk.sessions.models import AftercareSheet, TreatmentSession
from mesodesk.sessions.selectors import aftercare_get, signed_dates
from mesodesk.treatments.progress import next_window


def _contact(session: TreatmentSession) -> str:
    clinic = session.clinic
    return " · ".join(p for p in (clinic.name, clinic.phone, clinic.email) if p)


def aftercare_generate(*, actor: Actor, session: TreatmentSession) -> AftercareSheet:
    """Builds (or rebuilds, until signing) the session's aftercare from its charted points."""
    kb = clinic_knowledge(actor.clinic)
    points = list(
        session.points.select_related("product").prefetch_related("product__components__ingredient")
    )
    areas = {p.region for p in points}
    ingredients = {c.ingredient.code for p in points for c in p.product.components.all()}
    # This session is not signed yet: the next window counts from today.
    plan = session.plan
    dates = [*signed_dates(plan, actor.clinic.zone), actor.today()]
    window = next_window(plan.schedule, dates, plan.planned_sessions)
    content = aftercare_content(
        kb,
        areas=areas,
        ingredients=ingredients,
        contact=_contact(session),
        next_appointment=(
            f"Your next session can be {window}."
            if window
            else "This was the last session of the course."
        ),
    )
    with transaction.atomic():
        sheet, created = AftercareSheet.objects.update_or_create(
            session=session,
            defaults={
                "clinic": actor.clinic,
                "patient": session.patient,
                "content": asdict(content),
                "knowledge_version": kb.version,
            },
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=sheet,
            patient_id=session.patient_id,
            summary="aftercare sheet generated",
        )
    return sheet


def aftercare_send(*, actor: Actor, session_id: ObjectId, to: str = "") -> OutboundEmail:
    """E-mails the aftercare sheet through the outbox (recorded; a failure can be retried)."""
    sheet = aftercare_get(actor=actor, session_id=session_id)
    address = (to or sheet.patient.email).strip()
    if not address:
        raise FieldErrors.single("to", "The patient has no e-mail address; enter one.")
    if problem := email_address_error(address):
        raise FieldErrors.single("to", problem)
    return email_queue(
        actor=actor,
        to=address,
        subject=f"{actor.clinic.name}: your aftercare",
        body=aftercare_text(sheet, sheet.patient.full_name),
        purpose="aftercare",
        patient_id=sheet.patient_id,
        related_type="treatments.AftercareSheet",
        related_id=sheet.pk,
    )
