"""Consent templates (draft → published, versioned) and consents (sign, countersign,
withdraw). A consent cannot be completed with an unticked statement or an empty signature."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.reauth import signer_reauthenticate
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record, field_changes, snapshot
from mesodesk.consent.choices import ConsentStatus, TemplateStatus
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.pdf import consent_pdf
from mesodesk.consent.selectors import ALREADY_CONSENTED, consent_document_for, reconsent_reason
from mesodesk.consent.signature import SignatureError, signature_png
from mesodesk.core.errors import Conflict, FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.choices import PlanStatus
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plans_for

TEMPLATE_FIELDS = (
    "title",
    "introduction",
    "alternatives",
    "withdrawal_text",
    "photo_text",
    "extra_statements",
)


def _template(actor: Actor, template_id: ObjectId) -> ConsentTemplate:
    return get_in_clinic(
        ConsentTemplate.objects.select_for_update().filter(clinic=actor.clinic), template_id
    )


def _validate_template(template: ConsentTemplate) -> None:
    errors: dict[str, list[str]] = {}
    if template.indication not in clinic_knowledge(template.clinic).indications:
        errors["indication"] = ["Choose an indication from the knowledge base."]
    extra = template.extra_statements
    if (
        not isinstance(extra, list)
        or not all(isinstance(s, str) and 0 < len(s) <= 500 for s in extra)
        or len(extra) > 10
    ):
        errors["extra_statements"] = ["Up to 10 statements of at most 500 characters."]
    try:
        template.full_clean(exclude=["clinic", "published_by"], validate_constraints=False)
    except ValidationError as exc:
        for key, msgs in FieldErrors.from_django(exc).errors.items():
            if key == "title" and "indication" in errors:
                continue  # the standard title follows the indication: name only the cause
            errors.setdefault(key, []).extend(msgs)
    if errors:
        raise FieldErrors(errors)


def consent_template_create(
    *, actor: Actor, indication: str, data: Mapping[str, Any]
) -> ConsentTemplate:
    actor.require(Capability.CATALOG_MANAGE)
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise FieldErrors({k: ["Unknown field."] for k in sorted(unknown)})
    kb = clinic_knowledge(actor.clinic)
    title = data.get("title") or (
        f"Consent to mesotherapy: {kb.indications[indication].label}"
        if indication in kb.indications
        else ""
    )
    template = ConsentTemplate(
        clinic=actor.clinic, indication=indication, **{**data, "title": title}
    )
    _validate_template(template)
    with transaction.atomic():
        template.save(force_insert=True)
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=template,
            changes={"indication": [None, indication], "title": [None, title]},
        )
    return template


def consent_template_update(
    *, actor: Actor, template_id: ObjectId, data: Mapping[str, Any]
) -> ConsentTemplate:
    actor.require(Capability.CATALOG_MANAGE)
    unknown = set(data) - set(TEMPLATE_FIELDS)
    if unknown:
        raise FieldErrors({k: ["Unknown field."] for k in sorted(unknown)})
    with transaction.atomic():
        template = _template(actor, template_id)
        if template.status != TemplateStatus.DRAFT:
            raise Conflict("A published consent template is frozen; start a new version.")
        before = snapshot(template, TEMPLATE_FIELDS)
        for key, value in data.items():
            setattr(template, key, value)
        _validate_template(template)
        template.save()
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=template,
            changes=field_changes(before, snapshot(template, TEMPLATE_FIELDS)),
        )
    return template


def consent_template_publish(*, actor: Actor, template_id: ObjectId) -> ConsentTemplate:
    """Freezes a draft; the published version of the same indication retires."""
    actor.require(Capability.CATALOG_MANAGE)
    assert actor.user is not None
    with transaction.atomic():
        template = _template(actor, template_id)
        if template.status != TemplateStatus.DRAFT:
            raise Conflict("Only a draft can be published.")
        _validate_template(template)
        ConsentTemplate.objects.filter(
            clinic=actor.clinic, indication=template.indication, status=TemplateStatus.PUBLISHED
        ).update(status=TemplateStatus.RETIRED)
        template.status = TemplateStatus.PUBLISHED
        template.published_at = timezone.now()
        template.published_by = actor.user
        template.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=template,
            changes={"status": ["draft", "published"]},
        )
    return template


def consent_template_new_version(*, actor: Actor, template_id: ObjectId) -> ConsentTemplate:
    actor.require(Capability.CATALOG_MANAGE)
    with transaction.atomic():
        source = _template(actor, template_id)
        if source.status == TemplateStatus.DRAFT:
            raise Conflict("This version is still a draft: edit it directly.")
        if ConsentTemplate.objects.filter(
            family=source.family, status=TemplateStatus.DRAFT
        ).exists():
            raise Conflict("A draft of the next version already exists.")
        latest = ConsentTemplate.objects.filter(family=source.family).aggregate(v=Max("version"))[
            "v"
        ]
        copy = ConsentTemplate.objects.create(
            clinic=actor.clinic,
            family=source.family,
            version=int(latest or 0) + 1,
            indication=source.indication,
            **{name: getattr(source, name) for name in TEMPLATE_FIELDS},
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=copy,
            changes={"from_version": [None, source.version]},
        )
    return copy


def _plan(actor: Actor, plan_id: ObjectId) -> TreatmentPlan:
    return get_in_clinic(plans_for(actor), plan_id)


def consent_sign(
    *,
    actor: Actor,
    plan_id: ObjectId,
    accepted: Collection[str],
    photo_consent: bool | None,
    signer_name: str,
    signature_data_url: str,
    expected_sha256: str,
) -> Consent:
    """The patient's signature on the clinic tablet, presented by a clinician (the actor)."""
    actor.require(Capability.PLAN_VIEW)
    assert actor.user is not None
    plan = _plan(actor, plan_id)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        raise Conflict(f"A {plan.status} plan cannot be consented to.")
    template, document = consent_document_for(actor=actor, plan=plan)
    if reconsent_reason(plan, template) is None:
        raise Conflict(ALREADY_CONSENTED)
    kb = clinic_knowledge(actor.clinic)
    errors: dict[str, list[str]] = {}
    if expected_sha256 != document.sha256:
        errors["__all__"] = ["The consent text changed while it was open; read it again."]
    keys = [s.key for s in document.statements]
    missing = [k for k in keys if k not in set(accepted)]
    for key in missing:
        errors[f"statement_{key}"] = ["Tick this statement to consent, or do not sign."]
    if set(accepted) - set(keys):
        errors["__all__"] = ["Unknown statement."]
    if photo_consent is None:
        errors["photo_consent"] = ["Choose whether photographs may be taken."]
    name = signer_name.strip()
    if not name or len(name) > 200:
        errors["signer_name"] = ["Write your full name."]
    try:
        png = signature_png(signature_data_url)
    except SignatureError as exc:
        errors["signature"] = [str(exc)]
        png = b""
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        consent = Consent.objects.create(
            clinic=actor.clinic,
            patient=plan.patient,
            plan=plan,
            template=template,
            plan_changed_at=plan.content_changed_at,
            knowledge_version=kb.version,
            status=ConsentStatus.AWAITING_COUNTERSIGNATURE,
            rendered_text=document.text,
            text_sha256=document.sha256,
            statements=[{"key": s.key, "text": s.text} for s in document.statements],
            accepted=keys,
            photo_consent=bool(photo_consent),
            signer_name=name,
            signature_png=png,
            signed_at=timezone.now(),
            ip=actor.ip,
            user_agent=actor.user_agent,
            presented_by=actor.user,
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=consent,
            patient_id=plan.patient_id,
            summary="consent signed by the patient on the clinic tablet",
            changes={
                "text_sha256": [None, document.sha256],
                "photo_consent": [None, bool(photo_consent)],
                "signer_name": [None, name],
            },
        )
    return consent


def _consent(actor: Actor, consent_id: ObjectId) -> Consent:
    return get_in_clinic(
        Consent.objects.select_for_update()
        .select_related("plan", "patient")
        .filter(clinic=actor.clinic),
        consent_id,
    )


def consent_countersign(*, actor: Actor, consent_id: ObjectId, secret: str | None) -> Consent:
    """The practitioner countersigns with their password or signing PIN (an electronic
    signature); the consent is complete and its PDF is frozen."""
    actor.require(Capability.PLAN_EDIT)
    assert actor.user is not None
    # Another clinic's consent is a 404 before any password check.
    get_in_clinic(Consent.objects.filter(clinic=actor.clinic), consent_id)
    reauthenticated_at = signer_reauthenticate(actor=actor, secret=secret)
    with transaction.atomic():
        consent = _consent(actor, consent_id)
        if consent.status != ConsentStatus.AWAITING_COUNTERSIGNATURE:
            raise Conflict(f"This consent is {consent.get_status_display().lower()}.")
        consent.status = ConsentStatus.SIGNED
        consent.countersigned_by = actor.user
        consent.countersigned_at = timezone.now()
        consent.reauthenticated_at = reauthenticated_at
        consent.pdf = consent_pdf(consent, clinic_name=actor.clinic.name)
        consent.save(
            update_fields=[
                "status",
                "countersigned_by",
                "countersigned_at",
                "reauthenticated_at",
                "pdf",
                "updated_at",
            ]
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=consent,
            patient_id=consent.patient_id,
            summary="countersigned after re-entering the password or signing PIN",
            changes={"status": ["awaiting", "signed"]},
        )
    return consent


def consent_withdraw(*, actor: Actor, consent_id: ObjectId, reason: str) -> Consent:
    """Records that the patient withdrew consent; no further session of the plan may start."""
    actor.require(Capability.PLAN_VIEW)
    assert actor.user is not None
    reason = reason.strip()
    if not reason:
        raise FieldErrors.single("reason", "Record how and when the patient withdrew.")
    with transaction.atomic():
        consent = _consent(actor, consent_id)
        if consent.status == ConsentStatus.WITHDRAWN:
            raise Conflict("This consent is already withdrawn.")
        before = consent.status
        consent.status = ConsentStatus.WITHDRAWN
        consent.withdrawn_at = timezone.now()
        consent.withdrawal_reason = reason[:2000]
        consent.withdrawal_recorded_by = actor.user
        consent.save(
            update_fields=[
                "status",
                "withdrawn_at",
                "withdrawal_reason",
                "withdrawal_recorded_by",
                "updated_at",
            ]
        )
        audit_event_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=consent,
            patient_id=consent.patient_id,
            changes={"status": [before, "withdrawn"], "reason": [None, reason]},
        )
    return consent
