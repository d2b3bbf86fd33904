"""Plain engine inputs for tests: a fully answered, healthy adult, and ways to change it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from mesodesk.knowledge.loader import knowledge
from mesodesk.screening.engine import (
    AllergyFact,
    ConditionFact,
    MedicationFact,
    PatientFacts,
    PlannedTreatment,
    RuleSet,
)
from mesodesk.screening.rules import ruleset_for

ON = dt.date(2026, 11, 21)


def shipped_rules() -> RuleSet:
    return ruleset_for(knowledge())


def condition_codes() -> list[str]:
    return sorted(knowledge().conditions)


def healthy(**changes: Any) -> PatientFacts:
    """A 40-year-old woman whose every question is answered 'no' today."""
    facts = PatientFacts(
        date_of_birth=dt.date(1986, 5, 1),
        sex="female",
        conditions=tuple(
            ConditionFact(code, "absent", ON) for code in condition_codes() if code != "other"
        ),
        medications_reviewed_on=ON,
        allergies_reviewed_on=ON,
    )
    return dataclasses.replace(facts, **changes)


def with_condition(
    facts: PatientFacts,
    code: str,
    status: str = "present",
    asserted_on: dt.date = ON,
    **fields: Any,
) -> PatientFacts:
    others = tuple(c for c in facts.conditions if c.code != code)
    return dataclasses.replace(
        facts,
        conditions=(*others, ConditionFact(code, status, asserted_on, **fields)),  # type: ignore[arg-type]
    )


def without_condition(facts: PatientFacts, code: str) -> PatientFacts:
    return dataclasses.replace(
        facts, conditions=tuple(c for c in facts.conditions if c.code != code)
    )


def with_medication(
    facts: PatientFacts,
    klass: str,
    *,
    active: bool = True,
    stopped_on: dt.date | None = None,
    name: str = "",
) -> PatientFacts:
    med = MedicationFact(name or f"{klass} medicine", klass, active, ON, stopped_on)
    return dataclasses.replace(facts, medications=(*facts.medications, med))


def with_allergy(facts: PatientFacts, substance: str = "", group: str = "") -> PatientFacts:
    return dataclasses.replace(
        facts, allergies=(*facts.allergies, AllergyFact(substance, group, ON))
    )


def plan(
    indication: str = "", areas: tuple[str, ...] = (), ingredients: tuple[str, ...] = ()
) -> PlannedTreatment:
    return PlannedTreatment(indication, areas, ingredients)
