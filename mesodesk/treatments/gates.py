"""Checks other apps contribute to a session's workflow without treatments importing them.

Consent (a sibling app that depends on treatments) registers a gate that says whether a plan
has a valid consent; the session services ask every registered gate before a session starts
or moves into the procedure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mesodesk.treatments.models import TreatmentPlan


@dataclass(frozen=True)
class GateResult:
    ok: bool
    label: str  # what the gate checks, as the session checklist shows it
    message: str
    reference: object = None  # e.g. the consent that satisfied the gate


Gate = Callable[[TreatmentPlan], GateResult]
_gates: dict[str, dict[str, Gate]] = {"session_create": {}, "procedure_start": {}}


def register_gate(stage: str, name: str, gate: Gate) -> None:
    _gates[stage][name] = gate


def run_gates(stage: str, plan: TreatmentPlan) -> dict[str, GateResult]:
    return {name: gate(plan) for name, gate in sorted(_gates[stage].items())}
