"""Treatment plans: draft, build the mix, activate (screened and dose-checked), close.

Every change to a draft re-screens the plan's indication, areas and ingredients; activation
needs today's screening of the plan to be neither contraindicated nor incomplete (or
overridden), a published protocol and a mix under every hard limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record, field_changes, snapshot
from mesodesk.catalog.choices import ProtocolStatus
from mesodesk.catalog.models import Product
from mesodesk.catalog.selectors import product_get, protocol_fits, protocol_get
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.selectors import patient_get
from mesodesk.screening.choices import BLOCKING_VERDICTS, ScreeningReason
from mesodesk.screening.models import Screening
from mesodesk.screening.selectors import plan_screening_of_day
from mesodesk.screening.services import screening_refresh
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.dosing import DoseInputError
from mesodesk.treatments.models import MixLine, TreatmentPlan
from mesodesk.treatments.selectors import plan_dose_report, plan_ingredients

PLAN_FIELDS = (
    "indication",
    "areas",
    "protocol_id",
    "sessions_planned",
    "topical_anaesthetic_g",
    "notes",
)
MAX_LINES = 20


def _plan(actor: Actor, plan_id: ObjectId, *, lock: bool = True) -> TreatmentPlan:
    qs = TreatmentPlan.objects.filter(clinic=actor.clinic).select_related("patient", "protocol")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return get_in_clinic(qs, plan_id)


def _validate_plan(actor: Actor, plan: TreatmentPlan, data: Mapping[str, Any]) -> None:
    kb = clinic_knowledge(actor.clinic)
    errors: dict[str, list[str]] = {k: ["Unknown field."] for k in set(data) - set(PLAN_FIELDS)}
    indication = data.get("indication", plan.indication)
    if indication not in kb.indications:
        errors["indication"] = ["Choose an indication from the knowledge base."]
    areas = data.get("areas", plan.areas)
    if not isinstance(areas, list | tuple) or not areas:
        errors["areas"] = ["Choose at least one area."]
    else:
        for index, area in enumerate(areas):
            if area not in kb.body_areas:
                errors[f"areas.{index}"] = [f"Unknown body area {area!r}."]
    protocol = None
    if "protocol_id" in data and data["protocol_id"] is not None:
        try:
            protocol = protocol_get(actor=actor, protocol_id=data["protocol_id"])
        except NotFound:
            errors["protocol_id"] = ["Choose one of this clinic's protocols."]
        else:
            if not protocol_fits(protocol, indication):  # the plan form lists the same ones
                errors["protocol_id"] = [
                    "Choose a published protocol version."
                    if protocol.status != ProtocolStatus.PUBLISHED
                    else "The protocol is for another indication."
                ]
    for key, value in data.items():
        if key in PLAN_FIELDS and key not in ("areas", "protocol_id"):
            setattr(plan, key, value)
    plan.areas = list(dict.fromkeys(areas)) if isinstance(areas, list | tuple) else areas
    if "protocol_id" in data:
        plan.protocol = protocol
    try:
        plan.full_clean(
            exclude=[
                "clinic",
                "patient",
                "protocol",
                "created_by",
                "activated_by",
                "areas",
                "content_changed_at",
            ]
        )
    except ValidationError as exc:
        errors |= FieldErrors.from_django(exc).errors
    if errors:
        raise FieldErrors(errors)


def _rescreen(actor: Actor, plan: TreatmentPlan) -> Screening:
    return screening_refresh(
        actor=actor,
        patient_id=plan.patient_id,
        indication=plan.indication,
        areas=plan.areas,
        ingredients=plan_ingredients(plan),
        plan_id=plan.pk,
        reason=ScreeningReason.PLAN,
    )


def plan_create(*, actor: Actor, patient_id: ObjectId, data: Mapping[str, Any]) -> TreatmentPlan:
    """Drafts a plan for a patient and screens it."""
    actor.require(Capability.PLAN_EDIT)
    patient = patient_get(actor=actor, patient_id=patient_id)
    assert actor.user is not None
    plan = TreatmentPlan(
        clinic=actor.clinic,
        patient=patient,
        created_by=actor.user,
        content_changed_at=timezone.now(),
    )
    _validate_plan(actor, plan, data)
    if plan.protocol is not None and not plan.sessions_planned:
        plan.sessions_planned = plan.protocol.sessions
    with transaction.atomic():
        plan.save(force_insert=True)
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=plan,
            patient_id=patient.pk,
            changes={
                k: [None, v]
                for k, v in snapshot(
                    plan, ("indication", "areas", "protocol", "sessions_planned")
                ).items()
            },
        )
        _rescreen(actor, plan)
    return plan


def _touch(plan: TreatmentPlan) -> None:
    plan.content_changed_at = timezone.now()
    plan.save()


def plan_update(*, actor: Actor, plan_id: ObjectId, data: Mapping[str, Any]) -> TreatmentPlan:
    actor.require(Capability.PLAN_EDIT)
    tracked = (
        "indication",
        "areas",
        "protocol",
        "sessions_planned",
        "topical_anaesthetic_g",
        "notes",
    )
    with transaction.atomic():
        plan = _plan(actor, plan_id)
        if not plan.editable:
            raise Conflict(f"A {plan.status} plan cannot be changed.")
        before = snapshot(plan, tracked)
        _validate_plan(actor, plan, data)
        if data.get("protocol_id") and "sessions_planned" not in data and plan.protocol:
            plan.sessions_planned = plan.protocol.sessions
        dropped = MixLine.objects.filter(plan=plan).exclude(area="").exclude(area__in=plan.areas)
        if dropped.exists():
            raise FieldErrors.single("areas", "Mix lines still use an area you removed.")
        _touch(plan)
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=plan,
            patient_id=plan.patient_id,
            changes=field_changes(before, snapshot(plan, tracked)),
        )
        _rescreen(actor, plan)
    return plan


def _volume(value: object, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        volume = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["volume_ml"] = ["Enter a volume in mL."]
        return None
    if not volume.is_finite() or volume <= 0:
        errors["volume_ml"] = ["The volume must be more than 0 mL."]
        return None
    if volume > 500 or volume.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["volume_ml"] = ["Enter at most 500 mL, to 0.01 mL."]
        return None
    return volume


def _line_checks(
    actor: Actor, plan: TreatmentPlan, product_id: ObjectId | None, volume: object, area: str
) -> tuple[Product | None, Decimal | None]:
    errors: dict[str, list[str]] = {}
    product = None
    if product_id is not None:
        try:
            product = product_get(actor=actor, product_id=product_id)
        except NotFound:
            product = None
        if product is None or not product.is_active:
            product = None
            errors["product_id"] = ["Choose one of this clinic's active products."]
    parsed = _volume(volume, errors) if volume is not None else None
    if area and area not in plan.areas:
        errors["area"] = ["Choose one of the plan's areas (or none for the whole plan)."]
    if errors:
        raise FieldErrors(errors)
    return product, parsed


def mixline_add(
    *, actor: Actor, plan_id: ObjectId, product_id: ObjectId, volume_ml: object, area: str = ""
) -> MixLine:
    """Adds a product to the mix; the dose check runs on every read of the plan."""
    actor.require(Capability.PLAN_EDIT)
    with transaction.atomic():
        plan = _plan(actor, plan_id)
        if not plan.editable:
            raise Conflict(f"A {plan.status} plan cannot be changed.")
        if MixLine.objects.filter(plan=plan).count() >= MAX_LINES:
            raise FieldErrors.single("product_id", f"A mix has at most {MAX_LINES} lines.")
        product, volume = _line_checks(actor, plan, product_id, volume_ml, area)
        assert product is not None
        assert volume is not None
        line = MixLine.objects.create(
            clinic=actor.clinic,
            plan=plan,
            product=product,
            volume_ml=volume,
            area=area,
            position=MixLine.objects.filter(plan=plan).count(),
        )
        _touch(plan)
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=line,
            patient_id=plan.patient_id,
            changes={
                "product": [None, product.name],
                "volume_ml": [None, volume],
                "area": [None, area],
            },
        )
        _rescreen(actor, plan)
    return line


def _line(actor: Actor, line_id: ObjectId) -> MixLine:
    return get_in_clinic(
        MixLine.objects.select_related("plan", "product")
        .select_for_update(of=("self",))
        .filter(clinic=actor.clinic),
        line_id,
    )


def mixline_update(
    *, actor: Actor, line_id: ObjectId, volume_ml: object = None, area: str | None = None
) -> MixLine:
    actor.require(Capability.PLAN_EDIT)
    with transaction.atomic():
        line = _line(actor, line_id)
        plan = line.plan
        if not plan.editable:
            raise Conflict(f"A {plan.status} plan cannot be changed.")
        _, volume = _line_checks(actor, plan, None, volume_ml, area or "")
        before = snapshot(line, ("volume_ml", "area"))
        if volume is not None:
            line.volume_ml = volume
        if area is not None:
            line.area = area
        line.save()
        _touch(plan)
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=line,
            patient_id=plan.patient_id,
            changes=field_changes(before, snapshot(line, ("volume_ml", "area"))),
        )
    return line


def mixline_remove(*, actor: Actor, line_id: ObjectId) -> TreatmentPlan:
    actor.require(Capability.PLAN_EDIT)
    with transaction.atomic():
        line = _line(actor, line_id)
        plan = line.plan
        if not plan.editable:
            raise Conflict(f"A {plan.status} plan cannot be changed.")
        audit_event_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=line,
            patient_id=plan.patient_id,
            changes={"product": [line.product.name, None], "volume_ml": [line.volume_ml, None]},
        )
        line.delete()
        _touch(plan)
        _rescreen(actor, plan)
    return plan


def _screening_problem(screening: Screening) -> str:
    """Why today's screening blocks activation, naming what is missing when it is incomplete."""
    if screening.verdict == "incomplete":
        missing = [
            f["title"]
            for f in screening.findings
            if f["severity"] == "absolute" and f["kind"] not in ("triggered", "stale")
        ]
        return "Today's screening of this plan is incomplete: " + "; ".join(missing) + "."
    return "Today's screening of this plan is contraindicated and not overridden."


def plan_current_screening(actor: Actor, plan: TreatmentPlan) -> Screening:
    """The plan's screening made today after its last change; screens again if there is none."""
    today = actor.today()
    latest = plan_screening_of_day(
        clinic_id=actor.clinic.pk, plan_id=plan.pk, since=plan.content_changed_at, on=today
    )
    return latest if latest is not None else _rescreen(actor, plan)


def plan_activate(*, actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    """Draft → active: a published protocol, a mix, no dose violation, a current screening
    that is not contraindicated (or is overridden)."""
    actor.require(Capability.PLAN_EDIT)
    assert actor.user is not None
    with transaction.atomic():
        plan = _plan(actor, plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise Conflict(f"A {plan.status} plan cannot be activated.")
        problems: dict[str, list[str]] = {}
        if plan.protocol is None or plan.protocol.status != ProtocolStatus.PUBLISHED:
            problems["protocol_id"] = ["Choose a published protocol before activating."]
        if not MixLine.objects.filter(plan=plan).exists():
            problems["lines"] = ["Add at least one product to the mix."]
        else:
            try:
                report = plan_dose_report(actor=actor, plan=plan)
            except DoseInputError as exc:
                problems["lines"] = [str(exc)]
            else:
                if report.blocked:
                    problems["lines"] = [
                        c.message
                        for c in (*report.checks, *report.notes)
                        if c.hard and c.status != "ok"
                    ]
        screening = plan_current_screening(actor, plan)
        overridden = getattr(screening, "override", None) is not None
        if screening.verdict in BLOCKING_VERDICTS and not overridden:
            problems["screening"] = [_screening_problem(screening)]
        if problems:
            raise FieldErrors(problems)
        plan.status = PlanStatus.ACTIVE
        plan.activated_at = timezone.now()
        plan.activated_by = actor.user
        plan.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=plan,
            patient_id=plan.patient_id,
            changes={
                "status": [PlanStatus.DRAFT, PlanStatus.ACTIVE],
                "screening": [None, str(screening.pk)],
                "verdict": [None, "overridden" if overridden else screening.verdict],
            },
        )
    return plan


def _close(
    actor: Actor, plan_id: ObjectId, to: PlanStatus, allowed: Sequence[str], reason: str
) -> TreatmentPlan:
    actor.require(Capability.PLAN_EDIT)
    with transaction.atomic():
        plan = _plan(actor, plan_id)
        if plan.status not in allowed:
            raise Conflict(f"A {plan.status} plan cannot become {to}.")
        before = plan.status
        plan.status = to
        plan.status_reason = reason
        plan.closed_at = timezone.now()
        plan.save(update_fields=["status", "status_reason", "closed_at", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=plan,
            patient_id=plan.patient_id,
            changes={"status": [before, to], "reason": [None, reason]},
        )
    return plan


def plan_complete(*, actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    return _close(actor, plan_id, PlanStatus.COMPLETED, [PlanStatus.ACTIVE], "")


def plan_cancel(*, actor: Actor, plan_id: ObjectId, reason: str) -> TreatmentPlan:
    if not reason.strip():
        raise FieldErrors.single("reason", "Say why the plan is cancelled.")
    return _close(
        actor,
        plan_id,
        PlanStatus.CANCELLED,
        [PlanStatus.DRAFT, PlanStatus.ACTIVE],
        reason.strip()[:2000],
    )
