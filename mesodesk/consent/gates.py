"""The consent gates of a session: a withdrawn consent blocks new sessions; the procedure
needs a countersigned consent covering the plan's current version."""

from __future__ import annotations

from mesodesk.consent.choices import ConsentStatus
from mesodesk.consent.selectors import consent_latest, consent_valid
from mesodesk.treatments.gates import GateResult, register_gate
from mesodesk.treatments.models import TreatmentPlan


def not_withdrawn(plan: TreatmentPlan) -> GateResult:
    latest = consent_latest(plan)
    if latest is not None and latest.status == ConsentStatus.WITHDRAWN:
        return GateResult(False, "The patient withdrew consent to this plan.", latest)
    return GateResult(True, "Consent not withdrawn.", latest)


def valid_consent(plan: TreatmentPlan) -> GateResult:
    consent = consent_valid(plan)
    if consent is None:
        latest = consent_latest(plan)
        if latest is None:
            why = "No consent has been signed for this plan."
        elif latest.status == ConsentStatus.WITHDRAWN:
            why = "The patient withdrew consent to this plan."
        elif latest.status == ConsentStatus.AWAITING_COUNTERSIGNATURE:
            why = "The consent awaits the practitioner's countersignature."
        else:
            why = "The plan changed after the consent was signed; sign it again."
        return GateResult(False, why, latest)
    return GateResult(True, f"Consent signed on {consent.signed_at:%Y-%m-%d}.", consent)


def register() -> None:
    register_gate("session_create", "consent", not_withdrawn)
    register_gate("procedure_start", "consent", valid_consent)
