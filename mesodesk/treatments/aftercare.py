"""Aftercare generated from what was done: the knowledge base's instructions for the areas
and ingredients of the session, with the clinic's configured durations, the warning signs,
the clinic's contact and the next appointment window."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from mesodesk.accounts.actor import Actor
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.core.pdf import Block, Document
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.services import email_address_error, email_queue
from mesodesk.treatments.models import AftercareSheet, TreatmentSession
from mesodesk.treatments.progress import next_window, signed_dates
from mesodesk.treatments.selectors import aftercare_get


def duration(hours: int) -> str:
    if hours % 24 == 0 and hours >= 48:
        days = hours // 24
        return f"{days} days" if days % 7 else f"{days // 7} week{'s' if days > 7 else ''}"
    return f"{hours} hours"


@dataclass
class AftercareContent:
    avoid: list[str] = field(default_factory=list)
    care: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    contact: str = ""
    next_appointment: str = ""
    treated: str = ""


def aftercare_content(
    kb: KnowledgeBase,
    *,
    areas: set[str],
    ingredients: set[str],
    contact: str,
    next_appointment: str,
) -> AftercareContent:
    regions = {kb.body_areas[a].region for a in areas if a in kb.body_areas}
    periocular = any(kb.body_areas[a].periocular for a in areas if a in kb.body_areas)
    content = AftercareContent(
        contact=contact,
        next_appointment=next_appointment,
        treated=", ".join(sorted(kb.body_areas[a].label for a in areas if a in kb.body_areas)),
    )
    for item in kb.aftercare.values():
        if item.regions and not set(item.regions) & regions:
            continue
        if item.areas and not set(item.areas) & areas:
            continue
        if item.ingredients and not set(item.ingredients) & ingredients:
            continue
        if item.kind == "avoid" and item.hours is not None:
            content.avoid.append(f"{item.text} for {duration(item.hours)}.")
        elif item.kind == "expect":
            text = item.text
            if periocular and item.periocular_hours:
                text += " " + kb.text("periocular_longer", duration=duration(item.periocular_hours))
            content.expect.append(text)
        elif item.kind == "warning":
            content.warnings.append(item.text)
        else:
            content.care.append(item.text)
    weeks = kb.setting("delayed_infection_watch_weeks")
    content.warnings.append(kb.text("delayed_infection_watch", weeks=weeks))
    return content


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
    window = next_window(plan.protocol, dates, plan.planned_sessions)
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


def aftercare_text(sheet: AftercareSheet, patient_name: str) -> str:
    c = sheet.content
    parts = [
        f"Aftercare for {patient_name}",
        f"Treated: {c['treated']}",
        "",
        "For the next days:",
        *[f"- {x}" for x in c["avoid"] + c["care"]],
        "",
        "What to expect:",
        *[f"- {x}" for x in c["expect"]],
        "",
        "Call the clinic:",
        *[f"- {x}" for x in c["warnings"]],
        "",
        c["next_appointment"],
        "",
        c["contact"],
    ]
    return "\n".join(parts)


def aftercare_document(sheet: AftercareSheet, patient_name: str) -> Document:
    c: dict[str, Any] = sheet.content
    return Document(
        title="Aftercare after your mesotherapy session",
        subtitle=f"{patient_name} · treated: {c['treated']}",
        blocks=[
            Block("heading", "For the next days"),
            Block("bullets", items=c["avoid"] + c["care"]),
            Block("heading", "What to expect"),
            Block("bullets", items=c["expect"]),
            Block("heading", "Call the clinic"),
            Block("bullets", items=c["warnings"]),
            Block("heading", "Your next appointment"),
            Block("paragraph", c["next_appointment"]),
            Block("heading", "Contact"),
            Block("paragraph", c["contact"]),
        ],
        footer="mesodesk aftercare",
    )


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
