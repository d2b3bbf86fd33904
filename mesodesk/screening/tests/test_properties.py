"""Properties of the engine that must hold for any patient and any plan (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from mesodesk.knowledge.loader import knowledge
from mesodesk.screening.engine import (
    AllergyFact,
    ConditionFact,
    MedicationFact,
    PatientFacts,
    PlannedTreatment,
    RuleSet,
    Verdict,
    screen,
)
from mesodesk.screening.tests.factories import ON, shipped_rules

RULES: RuleSet = shipped_rules()
KB = knowledge()
CODES = sorted(c for c in KB.conditions if c != "other")
CLASSES = sorted(KB.medication_classes)
GROUPS = sorted(KB.allergy_groups)
INGREDIENTS = sorted(KB.ingredients)
AREAS = sorted(KB.body_areas)
INDICATIONS = ["", *sorted(KB.indications)]
# Conditions and medication classes that, on their own, trigger a rule.
TRIGGER_CONDITIONS = sorted({r.trigger.code for r in RULES.rules if r.trigger.kind == "condition"})
TRIGGER_CLASSES = sorted(
    {
        r.trigger.code
        for r in RULES.rules
        if r.trigger.kind == "medication_class" and r.trigger.min_count == 1
    }
)

dates = st.dates(min_value=ON - dt.timedelta(days=900), max_value=ON)
conditions = st.builds(
    ConditionFact,
    code=st.sampled_from(CODES),
    status=st.sampled_from(["present", "absent", "unsure"]),
    asserted_on=dates,
    clinical_status=st.sampled_from(["active", "remission", "resolved"]),
    onset_date=st.none() | dates,
    abatement_date=st.none() | dates,
    body_site=st.sampled_from(["", *AREAS]),
)
medications = st.builds(
    MedicationFact,
    name=st.sampled_from(["Warfarin", "Aspirin", "Ibuprofen", "Tretinoin", "Insulin", "Other"]),
    medication_class=st.sampled_from(CLASSES),
    active=st.booleans(),
    asserted_on=dates,
    stopped_on=st.none() | dates,
)
allergies = st.builds(
    AllergyFact,
    substance=st.sampled_from(["", "Lidocaine", "penicillin", "soy lecithin", "Hyaluronidase"]),
    group=st.sampled_from(["", *GROUPS]),
    asserted_on=dates,
)


def _unique_codes(items: list[ConditionFact]) -> tuple[ConditionFact, ...]:
    return tuple({c.code: c for c in items}.values())


patients = st.builds(
    PatientFacts,
    date_of_birth=st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2012, 1, 1)),
    sex=st.sampled_from(["female", "male", "other", "unknown"]),
    conditions=st.lists(conditions, max_size=12).map(_unique_codes),
    medications=st.lists(medications, max_size=6).map(tuple),
    allergies=st.lists(allergies, max_size=4).map(tuple),
    medications_reviewed_on=st.none() | dates,
    allergies_reviewed_on=st.none() | dates,
)
plans = st.builds(
    PlannedTreatment,
    indication=st.sampled_from(INDICATIONS),
    areas=st.lists(st.sampled_from(AREAS), max_size=3, unique=True).map(tuple),
    ingredients=st.lists(st.sampled_from(INGREDIENTS), max_size=4, unique=True).map(tuple),
)


# Verdicts from the most to the least permissive.
VERDICTS_IN_ORDER = ("eligible", "caution", "incomplete", "contraindicated")


def _rank(facts: PatientFacts, plan: PlannedTreatment) -> int:
    return VERDICTS_IN_ORDER.index(screen(facts, plan, RULES, ON).verdict)


def test_the_verdict_order_names_every_verdict_once() -> None:
    assert sorted(VERDICTS_IN_ORDER) == sorted(get_args(Verdict))


@st.composite
def contraindicating_fact(draw: st.DrawFn, plan: PlannedTreatment) -> object:
    """A fact that by itself matches a rule: a present condition, a medicine of a class a
    rule names, or an allergy to an ingredient of the plan."""
    options = ["condition", "medication"] + (["allergy"] if plan.ingredients else [])
    kind = draw(st.sampled_from(options))
    if kind == "condition":
        return ConditionFact(draw(st.sampled_from(TRIGGER_CONDITIONS)), "present", ON)
    if kind == "medication":
        return MedicationFact("New medicine", draw(st.sampled_from(TRIGGER_CLASSES)), True, ON)
    return AllergyFact(KB.ingredients[draw(st.sampled_from(plan.ingredients))].name, "", ON)


def _add(facts: PatientFacts, fact: object) -> PatientFacts:
    if isinstance(fact, ConditionFact):
        kept = tuple(c for c in facts.conditions if c.code != fact.code)
        return dataclasses.replace(facts, conditions=(*kept, fact))
    if isinstance(fact, MedicationFact):
        return dataclasses.replace(facts, medications=(*facts.medications, fact))
    assert isinstance(fact, AllergyFact)
    return dataclasses.replace(facts, allergies=(*facts.allergies, fact))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), facts=patients, plan=plans)
def test_adding_a_contraindicating_fact_never_improves_the_verdict(
    data: st.DataObject, facts: PatientFacts, plan: PlannedTreatment
) -> None:
    fact = data.draw(contraindicating_fact(plan))
    assert _rank(_add(facts, fact), plan) >= _rank(facts, plan)


def _without_triggers(
    facts: PatientFacts, plan: PlannedTreatment
) -> tuple[PatientFacts, PlannedTreatment]:
    """Every fact that could trigger a finding removed, every question answered today."""
    facts = PatientFacts(
        date_of_birth=dt.date(1980, 6, 15),
        sex=facts.sex,
        conditions=tuple(ConditionFact(code, "absent", ON) for code in CODES),
        medications=tuple(
            m
            for m in facts.medications
            if m.medication_class in {"other", "nsaid", "corticosteroid"}
        ),
        allergies=(),
        medications_reviewed_on=ON,
        allergies_reviewed_on=ON,
    )
    ingredients = tuple(i for i in plan.ingredients if not KB.ingredients[i].flags)
    areas = plan.areas
    if "deoxycholic_acid" in ingredients:
        areas = ("submental",)
    return facts, PlannedTreatment(plan.indication, areas, ingredients)


@settings(max_examples=300, deadline=None)
@given(facts=patients, plan=plans)
def test_removing_every_triggering_fact_yields_eligible(
    facts: PatientFacts, plan: PlannedTreatment
) -> None:
    clean_facts, clean_plan = _without_triggers(facts, plan)
    result = screen(clean_facts, clean_plan, RULES, ON)
    assert result.verdict == "eligible", result.findings


@settings(max_examples=300, deadline=None)
@given(facts=patients, plan=plans, seed=st.integers(0, 10_000))
def test_the_result_does_not_depend_on_the_order_of_facts(
    facts: PatientFacts, plan: PlannedTreatment, seed: int
) -> None:
    rng = random.Random(seed)
    shuffled = dataclasses.replace(
        facts,
        conditions=tuple(rng.sample(facts.conditions, len(facts.conditions))),
        medications=tuple(rng.sample(facts.medications, len(facts.medications))),
        allergies=tuple(rng.sample(facts.allergies, len(facts.allergies))),
    )
    reordered_plan = PlannedTreatment(
        plan.indication, tuple(reversed(plan.areas)), tuple(reversed(plan.ingredients))
    )
    assert screen(shuffled, reordered_plan, RULES, ON) == screen(facts, plan, RULES, ON)


@settings(max_examples=200, deadline=None)
@given(facts=patients, plan=plans)
def test_the_verdict_matches_the_strictest_finding(
    facts: PatientFacts, plan: PlannedTreatment
) -> None:
    result = screen(facts, plan, RULES, ON)
    blocking = {f.kind for f in result.findings if f.severity == "absolute"}
    expected = (
        "contraindicated"
        if "triggered" in blocking
        else "incomplete"
        if blocking
        else "caution"
        if result.findings
        else "eligible"
    )
    assert result.verdict == expected
    assert all(f.rule_ids and f.explanation and f.resolution for f in result.findings)
