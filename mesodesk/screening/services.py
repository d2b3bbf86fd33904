"""Running, storing and overriding screenings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.reasons import reason_error
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.selectors import history_snapshot
from mesodesk.screening.choices import ScreeningReason
from mesodesk.screening.engine import PlannedTreatment, screen
from mesodesk.screening.facts import findings_json, patient_facts, snapshot_json
from mesodesk.screening.models import Screening, ScreeningOverride
from mesodesk.screening.rules import ruleset_for

MAX_REASON = 4000


def _planned_treatment(
    kb: KnowledgeBase, *, indication: str, areas: Sequence[str], ingredients: Sequence[str]
) -> PlannedTreatment:
    """The planned treatment, or FieldErrors naming each unknown code by its position."""
    errors: dict[str, list[str]] = {}
    if indication and indication not in kb.indications:
        errors["indication"] = [f"Unknown indication {indication!r}."]
    for index, area in enumerate(areas):
        if area not in kb.body_areas:
            errors[f"areas.{index}"] = [f"Unknown body area {area!r}."]
    for index, code in enumerate(ingredients):
        if code not in kb.ingredients:
            errors[f"ingredients.{index}"] = [f"Unknown ingredient {code!r}."]
    if errors:
        raise FieldErrors(errors)
    return PlannedTreatment(
        indication=indication,
        areas=tuple(dict.fromkeys(areas)),
        ingredients=tuple(dict.fromkeys(ingredients)),
    )


def _execute(
    actor: Actor,
    patient_id: ObjectId,
    plan: PlannedTreatment,
    reason: str,
    plan_id: uuid.UUID | None,
    kb: KnowledgeBase,
) -> Screening:
    snapshot = history_snapshot(clinic_id=actor.clinic.pk, patient_id=patient_id)
    facts = patient_facts(snapshot)
    now = timezone.now()
    today = now.astimezone(actor.clinic.zone).date()
    result = screen(facts, plan, ruleset_for(kb), today)
    with transaction.atomic():
        screening = Screening.objects.create(
            clinic=actor.clinic,
            patient=snapshot.patient,
            performed_at=now,
            performed_by=actor.user,
            reason=reason,
            screened_on=today,
            indication=plan.indication,
            areas=list(plan.areas),
            ingredients=list(plan.ingredients),
            plan_id=plan_id,
            input_snapshot=snapshot_json(facts, plan),
            verdict=result.verdict,
            findings=findings_json(result.findings),
            engine_version=result.engine_version,
            knowledge_version=result.rules_version,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=screening,
            patient_id=snapshot.patient.pk,
            summary=f"screening: {result.verdict}",
            changes={
                "verdict": [None, result.verdict],
                "rules": [None, sorted({r for f in result.findings for r in f.rule_ids})],
            },
        )
    return screening


def screening_run(
    *,
    actor: Actor,
    patient_id: ObjectId,
    indication: str = "",
    areas: Sequence[str] = (),
    ingredients: Sequence[str] = (),
    reason: str = ScreeningReason.ON_DEMAND,
    plan_id: uuid.UUID | None = None,
) -> Screening:
    """Screens a patient now for a planned treatment (empty: for mesotherapy in general)."""
    actor.require(Capability.CLINICAL_VIEW)
    if reason not in ScreeningReason.values:
        raise FieldErrors.single("reason", "Unknown screening reason.")
    kb = clinic_knowledge(actor.clinic)
    plan = _planned_treatment(kb, indication=indication, areas=areas, ingredients=ingredients)
    return _execute(actor, patient_id, plan, reason, plan_id, kb)


def screening_refresh(
    *,
    actor: Actor,
    patient_id: ObjectId,
    indication: str = "",
    areas: Sequence[str] = (),
    ingredients: Sequence[str] = (),
    plan_id: uuid.UUID | None = None,
    reason: str = ScreeningReason.HISTORY_CHANGED,
) -> Screening:
    """Re-screens as a consequence of a permitted change (the record, or a plan): any role
    that may make the change triggers it; the findings stay visible to clinical roles only."""
    kb = clinic_knowledge(actor.clinic)
    plan = _planned_treatment(kb, indication=indication, areas=areas, ingredients=ingredients)
    return _execute(actor, patient_id, plan, reason, plan_id, kb)


def screening_override(*, actor: Actor, screening_id: ObjectId, reason: str) -> ScreeningOverride:
    """A practitioner overrides a caution, or a contraindication whose rules allow it."""
    actor.require(Capability.SCREENING_OVERRIDE)
    reason = reason.strip()
    if message := reason_error(reason):
        raise FieldErrors.single("reason", message)
    if len(reason) > MAX_REASON:
        raise FieldErrors.single("reason", f"Keep the reason under {MAX_REASON} characters.")
    with transaction.atomic():
        screening = get_in_clinic(
            Screening.objects.select_for_update().filter(clinic=actor.clinic), screening_id
        )
        if ScreeningOverride.objects.filter(screening=screening).exists():
            raise Conflict("This screening is already overridden.")
        if screening.verdict == "eligible":
            raise Conflict("An eligible screening needs no override.")
        blocking = sorted(
            rule for f in screening.findings if not f["overridable"] for rule in f["rule_ids"]
        )
        if blocking:
            raise Conflict("These findings may not be overridden: " + ", ".join(blocking))
        assert actor.user is not None
        override = ScreeningOverride.objects.create(
            clinic=actor.clinic,
            screening=screening,
            reason=reason,
            overridden_by=actor.user,
            rule_ids=sorted({r for f in screening.findings for r in f["rule_ids"]}),
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=override,
            patient_id=screening.patient_id,
            summary=f"override of a {screening.verdict} screening",
            changes={"reason": [None, reason], "rules": [None, override.rule_ids]},
        )
    return override
