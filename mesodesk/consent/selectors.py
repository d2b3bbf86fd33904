"""Reads of consent templates and consents, scoped to the actor's clinic."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.consent.choices import ConsentStatus, TemplateStatus
from mesodesk.consent.document import ConsentDocument, consent_document
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.core.errors import Conflict, NotFound, ObjectId
from mesodesk.core.lookups import get_in_clinic
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.models import TreatmentPlan


def templates_for(actor: Actor) -> QuerySet[ConsentTemplate]:
    """Those who keep the templates (the capability their services need) and those who use
    them on plans may read them."""
    if not actor.can(Capability.CATALOG_MANAGE):
        actor.require(Capability.PLAN_VIEW)
    return ConsentTemplate.objects.filter(clinic=actor.clinic)


def template_get(*, actor: Actor, template_id: ObjectId) -> ConsentTemplate:
    return get_in_clinic(templates_for(actor), template_id)


def template_published(*, clinic_id: uuid.UUID, indication: str) -> ConsentTemplate | None:
    return ConsentTemplate.objects.filter(
        clinic_id=clinic_id, indication=indication, status=TemplateStatus.PUBLISHED
    ).first()


def consents_of_plan(*, actor: Actor, plan_id: ObjectId) -> QuerySet[Consent]:
    actor.require(Capability.PLAN_VIEW)
    return (
        Consent.objects.filter(clinic=actor.clinic, plan__pk=plan_id)
        .select_related("presented_by", "countersigned_by", "template")
        .defer("signature_png", "pdf")
        .order_by("-signed_at")
    )


def consent_get(*, actor: Actor, consent_id: ObjectId) -> Consent:
    actor.require(Capability.PLAN_VIEW)
    return get_in_clinic(
        Consent.objects.select_related("plan", "patient", "template").filter(clinic=actor.clinic),
        consent_id,
    )


def consent_latest(plan: TreatmentPlan) -> Consent | None:
    return (
        Consent.objects.filter(clinic_id=plan.clinic_id, plan=plan)
        .defer("signature_png", "pdf", "rendered_text")
        .order_by("-signed_at")
        .first()
    )


@dataclass(frozen=True)
class ConsentState:
    """Where a plan stands on consent: its latest consent, whether that one allows the
    procedure, and if not, why (one rule for the gates, the pages and the API)."""

    latest: Consent | None
    valid: bool
    reason: str

    @property
    def withdrawn(self) -> bool:
        return self.latest is not None and self.latest.status == ConsentStatus.WITHDRAWN

    @property
    def stale(self) -> bool:
        """Signed for an earlier version of the plan."""
        return self.latest is not None and not self.valid and self.reason == PLAN_CHANGED

    def covers(self, consent: Consent) -> bool:
        """Whether `consent` is the one that allows the procedure now."""
        return self.valid and self.latest is not None and self.latest.pk == consent.pk


PLAN_CHANGED = "The plan changed after the consent was signed; sign it again."


def consent_state(plan: TreatmentPlan) -> ConsentState:
    """The plan's latest consent is valid when countersigned, not withdrawn, and signed for
    the plan's current version (`content_changed_at`)."""
    latest = consent_latest(plan)
    if latest is None:
        return ConsentState(None, False, "No consent has been signed for this plan.")
    if latest.status == ConsentStatus.WITHDRAWN:
        return ConsentState(latest, False, "The patient withdrew consent to this plan.")
    if latest.status == ConsentStatus.AWAITING_COUNTERSIGNATURE:
        return ConsentState(
            latest, False, "The consent awaits the practitioner's countersignature."
        )
    if latest.plan_changed_at != plan.content_changed_at:
        return ConsentState(latest, False, PLAN_CHANGED)
    return ConsentState(latest, True, f"Consent signed on {latest.signed_at:%Y-%m-%d}.")


def consent_valid(plan: TreatmentPlan) -> Consent | None:
    """The plan's consent if it allows the procedure now (see `consent_state`)."""
    state = consent_state(plan)
    return state.latest if state.valid else None


ALREADY_CONSENTED = (
    "This plan already has a consent for its current version; a new one is needed only when "
    "the plan or the consent template changes, or after a withdrawal."
)
TEMPLATE_CHANGED = "The clinic published a new version of the consent text; sign it again."


def reconsent_reason(plan: TreatmentPlan, template: ConsentTemplate | None) -> str | None:
    """Why the patient must sign a (new) consent for `plan` now, or None when the latest one
    still covers it (signed or awaiting the countersignature, for this plan version and the
    published template). One rule for the plan page's button and the signing service."""
    state = consent_state(plan)
    latest = state.latest
    if latest is None or state.withdrawn:
        return state.reason
    if latest.plan_changed_at != plan.content_changed_at:
        return PLAN_CHANGED
    if template is not None and latest.template_id != template.pk:
        return TEMPLATE_CHANGED
    return None


NO_TEMPLATE = "This clinic has no published consent template for this indication."


def consent_document_for(
    *, actor: Actor, plan: TreatmentPlan
) -> tuple[ConsentTemplate, ConsentDocument]:
    """The consent text to present for `plan`, from the clinic's published template of its
    indication; Conflict when there is none."""
    template = template_published(clinic_id=actor.clinic.pk, indication=plan.indication)
    if template is None:
        raise Conflict(NO_TEMPLATE)
    return template, consent_document(plan, template, clinic_knowledge(actor.clinic))


def consent_with_pdf(*, actor: Actor, consent_id: ObjectId) -> Consent:
    """A countersigned consent with its stored PDF copy; the read is audited."""
    consent = consent_get(actor=actor, consent_id=consent_id)
    if not consent.pdf:
        raise NotFound("The PDF copy is made when the practitioner countersigns.")
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=consent,
        patient_id=consent.patient_id,
        summary="consent PDF",
    )
    return consent
