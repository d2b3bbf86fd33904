"""The consent gates of a session: a withdrawn consent blocks new sessions; the procedure
needs a countersigned consent covering the plan's current version."""

from __future__ import annotations

from mesodesk.consent.selectors import consent_state
from mesodesk.treatments.gates import GateResult, register_gate
from mesodesk.treatments.models import TreatmentPlan

NOT_WITHDRAWN = "Consent not withdrawn"
VALID = "Valid consent for this plan"


def not_withdrawn(plan: TreatmentPlan) -> GateResult:
    state = consent_state(plan)
    if state.withdrawn:
        return GateResult(False, NOT_WITHDRAWN, state.reason, state.latest)
    return GateResult(True, NOT_WITHDRAWN, "Consent not withdrawn.", state.latest)


def valid_consent(plan: TreatmentPlan) -> GateResult:
    state = consent_state(plan)
    return GateResult(state.valid, VALID, state.reason, state.latest)


def register() -> None:
    register_gate("session_create", "consent", not_withdrawn)
    register_gate("procedure_start", "consent", valid_consent)
