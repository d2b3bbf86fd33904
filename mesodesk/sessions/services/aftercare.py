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
from mesodesk.sessions.models import (
    AftercareSheet,
    AftercareVersion,
    InjectionPoint,
    TreatmentSession,
)
from mesodesk.sessions.selectors import (
    AFTERCARE_VERSION_TYPE,
    aftercare_get,
    signed_dates,
)
from mesodesk.treatments.progress import next_window


def _contact(session: TreatmentSession) -> str:
    clinic = session.clinic
    return " · ".join(p for p in (clinic.name, clinic.phone, clinic.email) if p)


def aftercare_generate(
    *,
    actor: Actor,
    session: TreatmentSession,
    points: list[InjectionPoint] | None = None,
    signed: bool = False,
) -> AftercareSheet:
    """Builds the session's aftercare from its charted points (at completion, and again from
    the signed content at signing). Each generation whose content differs is a new version;
    earlier versions are kept."""
    kb = clinic_knowledge(actor.clinic)
    if points is None:
        points = list(
            session.points.select_related("product").prefetch_related(
                "product__components__ingredient"
            )
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
    data = asdict(content)
    with transaction.atomic():
        sheet = AftercareSheet.objects.select_for_update().filter(session=session).first()
        created = sheet is None
        if sheet is None:
            sheet = AftercareSheet.objects.create(
                clinic=actor.clinic,
                session=session,
                patient=session.patient,
                content=data,
                knowledge_version=kb.version,
                version=1,
            )
        elif sheet.content != data or sheet.knowledge_version != kb.version:
            sheet.content = data
            sheet.knowledge_version = kb.version
            sheet.version += 1
            sheet.save(update_fields=["content", "knowledge_version", "version", "updated_at"])
        else:
            if signed:
                sheet.versions.filter(version=sheet.version).update(from_signed_record=True)
            return sheet
        AftercareVersion.objects.create(
            clinic=actor.clinic,
            sheet=sheet,
            version=sheet.version,
            content=data,
            knowledge_version=kb.version,
            from_signed_record=signed,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=sheet,
            patient_id=session.patient_id,
            summary=f"aftercare sheet version {sheet.version} generated"
            + (" from the signed record" if signed else ""),
        )
    return sheet


def aftercare_current_version(sheet: AftercareSheet) -> AftercareVersion:
    """The stored row of the sheet's current version (a sheet made before versioning gets
    its row now, from the content it holds)."""
    version, _ = AftercareVersion.objects.get_or_create(
        sheet=sheet,
        version=sheet.version,
        defaults={
            "clinic_id": sheet.clinic_id,
            "content": sheet.content,
            "knowledge_version": sheet.knowledge_version,
            "from_signed_record": sheet.session.status == "signed",
        },
    )
    return version


def aftercare_send(*, actor: Actor, session_id: ObjectId, to: str = "") -> OutboundEmail:
    """E-mails the aftercare sheet through the outbox (recorded; a failure can be retried)."""
    sheet = aftercare_get(actor=actor, session_id=session_id)
    address = (to or sheet.patient.email).strip()
    if not address:
        raise FieldErrors.single("to", "The patient has no e-mail address; enter one.")
    if problem := email_address_error(address):
        raise FieldErrors.single("to", problem)
    version = aftercare_current_version(sheet)
    return email_queue(
        actor=actor,
        to=address,
        subject=f"{actor.clinic.name}: your aftercare",
        body=aftercare_text(sheet, sheet.patient.full_name),
        purpose="aftercare",
        patient_id=sheet.patient_id,
        related_type=AFTERCARE_VERSION_TYPE,
        related_id=version.pk,
    )
