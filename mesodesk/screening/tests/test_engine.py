"""Every shipped rule: it triggers, it does not trigger, and (where the rule needs an answer)
a stale or missing answer becomes a finding instead of silent eligibility."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mesodesk.knowledge.loader import knowledge
from mesodesk.screening.engine import PatientFacts, PlannedTreatment, screen
from mesodesk.screening.tests.factories import (
    ON,
    healthy,
    plan,
    shipped_rules,
    with_allergy,
    with_condition,
    with_medication,
    without_condition,
)

Change = Callable[[PatientFacts], PatientFacts]
DC = plan("submental_fat", ("submental",), ("deoxycholic_acid",))
FACE = plan("facial_rejuvenation", ("full_face",), ("hyaluronic_acid", "lidocaine"))
HAIR = plan("alopecia_female", ("scalp",), ("dutasteride",))
HYALURONIDASE = plan("localised_fat", ("abdomen",), ("hyaluronidase",))
LONG_AGO = ON - dt.timedelta(days=400)


def _born(years: int) -> Change:
    return lambda f: dataclasses.replace(f, date_of_birth=dt.date(ON.year - years, 1, 1))


@dataclass(frozen=True)
class Case:
    rule: str
    plan: PlannedTreatment
    triggers: Change
    clear: Change
    stale: Change | None = None
    missing: Change | None = None


def cond(code: str, **fields: object) -> Change:
    return lambda f: with_condition(f, code, **fields)  # type: ignore[arg-type]


def absent(code: str, asserted_on: dt.date = ON) -> Change:
    return lambda f: with_condition(f, code, "absent", asserted_on)


def missing(code: str) -> Change:
    return lambda f: without_condition(f, code)


def med(klass: str, **kwargs: object) -> Change:
    return lambda f: with_medication(f, klass, **kwargs)  # type: ignore[arg-type]


NO_MEDS_ANSWER: Change = lambda f: dataclasses.replace(f, medications_reviewed_on=None)  # noqa: E731
STALE_MEDS: Change = lambda f: dataclasses.replace(f, medications_reviewed_on=LONG_AGO)  # noqa: E731
NO_ALLERGY_ANSWER: Change = lambda f: dataclasses.replace(f, allergies_reviewed_on=None)  # noqa: E731
SAME: Change = lambda f: f  # noqa: E731

CASES = [
    Case("CI-AGE-ADULT", plan(), _born(17), _born(18)),
    Case("CI-AGE-DEOXYCHOLIC", DC, _born(16), _born(30)),
    Case(
        "CI-PREGNANCY",
        plan(),
        cond("pregnancy"),
        absent("pregnancy"),
        absent("pregnancy", ON - dt.timedelta(days=8)),
        missing("pregnancy"),
    ),
    Case(
        "CI-BREASTFEEDING",
        plan(),
        cond("breastfeeding"),
        absent("breastfeeding"),
        absent("breastfeeding", ON - dt.timedelta(days=31)),
        missing("breastfeeding"),
    ),
    Case(
        "CI-INSULIN-DIABETES",
        plan(),
        cond("insulin_diabetes"),
        absent("insulin_diabetes"),
        None,
        missing("insulin_diabetes"),
    ),
    Case("CI-INSULIN-MEDICATION", plan(), med("insulin"), med("other")),
    Case(
        "CI-CANCER-ACTIVE",
        plan(),
        cond("cancer"),
        cond("cancer", clinical_status="remission", abatement_date=dt.date(2015, 1, 1)),
        None,
        missing("cancer"),
    ),
    Case(
        "CI-CANCER-RECENT",
        plan(),
        cond("cancer", clinical_status="remission", abatement_date=ON - dt.timedelta(days=90)),
        cond("cancer", clinical_status="remission", abatement_date=ON - dt.timedelta(days=800)),
    ),
    Case(
        "CI-CANCER-HISTORY",
        plan(),
        cond("cancer", clinical_status="resolved", abatement_date=dt.date(2010, 1, 1)),
        cond("cancer"),
    ),
    Case(
        "CI-COAGULATION",
        plan(),
        cond("coagulation_disorder"),
        absent("coagulation_disorder"),
        None,
        missing("coagulation_disorder"),
    ),
    Case(
        "CI-ANTICOAGULANT",
        plan(),
        med("anticoagulant"),
        med("anticoagulant", active=False, stopped_on=ON - dt.timedelta(days=60)),
        STALE_MEDS,
        NO_MEDS_ANSWER,
    ),
    Case("CI-ANTIPLATELET", plan(), med("antiplatelet"), med("nsaid"), STALE_MEDS, NO_MEDS_ANSWER),
    Case(
        "CI-STROKE",
        plan(),
        cond("stroke_paralysis"),
        absent("stroke_paralysis"),
        None,
        missing("stroke_paralysis"),
    ),
    Case(
        "CI-CARDIAC",
        plan(),
        cond("cardiac_disease"),
        absent("cardiac_disease"),
        None,
        missing("cardiac_disease"),
    ),
    Case(
        "CI-CARDIAC-MEDICINES", plan(), lambda f: med("cardiac")(med("cardiac")(f)), med("cardiac")
    ),
    Case(
        "CI-AUTOIMMUNE",
        plan(),
        cond("autoimmune_disease"),
        absent("autoimmune_disease"),
        None,
        missing("autoimmune_disease"),
    ),
    Case("CI-IMMUNOSUPPRESSANT", plan(), med("immunosuppressant"), med("corticosteroid")),
    Case(
        "CI-KELOID",
        plan(),
        cond("keloid_tendency"),
        absent("keloid_tendency"),
        None,
        missing("keloid_tendency"),
    ),
    Case(
        "CI-URTICARIA", plan(), cond("urticaria"), absent("urticaria"), None, missing("urticaria")
    ),
    Case(
        "CI-INFECTION-SITE",
        FACE,
        cond("active_skin_infection", body_site="cheeks"),
        cond("active_skin_infection", body_site="thighs"),
        absent("active_skin_infection", ON - dt.timedelta(days=2)),
        missing("active_skin_infection"),
    ),
    Case(
        "CI-ALLERGY-INGREDIENT",
        FACE,
        lambda f: with_allergy(f, group="amide_local_anaesthetic"),
        lambda f: with_allergy(f, substance="Penicillin"),
        None,
        NO_ALLERGY_ANSWER,
    ),
    Case(
        "CI-ALLERGY-UNRECOGNISED",
        FACE,
        lambda f: with_allergy(f, substance="Penicillin"),
        lambda f: with_allergy(f, substance="Xylocaine"),
    ),
    Case(
        "CI-ALLERGY-CLASS",
        plan("musculoskeletal_pain", (), ("ketoprofen",)),
        lambda f: with_allergy(f, substance="ibuprofen"),
        lambda f: with_allergy(f, substance="lidocaine"),
    ),
    Case(
        "CI-NSAID-ANTICOAGULANT",
        plan("musculoskeletal_pain", (), ("piroxicam",)),
        med("anticoagulant"),
        med("other"),
    ),
    Case(
        "CI-NSAID-ANTIPLATELET",
        plan("musculoskeletal_pain", (), ("ketoprofen",)),
        med("antiplatelet"),
        med("other"),
    ),
    Case(
        "CI-RETINOID",
        plan(),
        med("retinoid", active=False, stopped_on=ON - dt.timedelta(days=60)),
        med("retinoid", active=False, stopped_on=ON - dt.timedelta(days=300)),
    ),
    Case(
        "CI-RECENT-LASER",
        plan(),
        cond("recent_laser", onset_date=ON - dt.timedelta(days=40)),
        cond("recent_laser", onset_date=ON - dt.timedelta(days=400)),
        None,
        missing("recent_laser"),
    ),
    Case("CI-DYSPHAGIA-DC", DC, cond("dysphagia"), absent("dysphagia"), None, missing("dysphagia")),
    Case(
        "CI-DC-OUTSIDE-SUBMENTAL",
        plan("localised_fat", ("abdomen",), ("deoxycholic_acid",)),
        SAME,
        SAME,
    ),
    Case(
        "CI-DC-NECK",
        DC,
        cond("thyromegaly_lymphadenopathy"),
        absent("thyromegaly_lymphadenopathy"),
        None,
        missing("thyromegaly_lymphadenopathy"),
    ),
    Case(
        "CI-DC-LAXITY",
        DC,
        cond("submental_laxity"),
        absent("submental_laxity"),
        None,
        missing("submental_laxity"),
    ),
    Case(
        "CI-DC-PRIOR-SURGERY",
        DC,
        cond("submental_surgery"),
        absent("submental_surgery"),
        None,
        missing("submental_surgery"),
    ),
    Case(
        "CI-BEE-WASP-HYALURONIDASE",
        HYALURONIDASE,
        lambda f: with_allergy(f, group="bee_wasp_venom"),
        lambda f: with_allergy(f, group="soy"),
    ),
    Case("CI-HAIR-ANTIANDROGEN", HAIR, med("anti_androgen"), med("other")),
    Case(
        "CI-HAIR-OTHER-ALOPECIA",
        HAIR,
        cond("other_alopecia"),
        absent("other_alopecia"),
        None,
        missing("other_alopecia"),
    ),
    Case(
        "CI-HAIR-HYPERANDROGENISM",
        HAIR,
        cond("hyperandrogenism"),
        absent("hyperandrogenism"),
        None,
        missing("hyperandrogenism"),
    ),
    Case(
        "CI-UNAPPROVED-SUBSTANCE",
        plan("localised_fat", ("abdomen",), ("phosphatidylcholine",)),
        SAME,
        SAME,
    ),
    Case("CI-ALCOHOL-OIL", plan(), SAME, SAME),
]
# Cases whose "clear" variant changes the plan rather than the facts.
CLEAR_PLANS = {
    "CI-DC-OUTSIDE-SUBMENTAL": DC,
    "CI-UNAPPROVED-SUBSTANCE": plan("localised_fat", ("abdomen",), ("caffeine",)),
    "CI-ALCOHOL-OIL": plan(),
}


def _rules_hit(facts: PatientFacts, planned: PlannedTreatment, kind: str = "triggered") -> set[str]:
    result = screen(facts, planned, RULES, ON)
    return {r for f in result.findings if f.kind == kind for r in f.rule_ids}


RULES = shipped_rules()


def test_every_shipped_rule_has_a_case() -> None:
    assert {c.rule for c in CASES} == set(knowledge().rules)


def test_a_healthy_answered_adult_is_eligible_for_every_indication() -> None:
    for indication in knowledge().indications.values():
        planned = plan(indication.code, indication.areas[:1])
        assert screen(healthy(), planned, RULES, ON).verdict == "eligible", indication.code


# No shipped ingredient is alcohol- or oil-based: test_flags triggers that rule with one.
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.rule != "CI-ALCOHOL-OIL"], ids=lambda c: c.rule
)
def test_the_rule_triggers(case: Case) -> None:
    facts = case.triggers(healthy())
    hit = _rules_hit(facts, case.plan) | _rules_hit(facts, case.plan, kind="unrecognised")
    assert case.rule in hit


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_the_rule_stays_quiet_when_its_fact_is_absent(case: Case) -> None:
    planned = CLEAR_PLANS.get(case.rule, case.plan)
    result = screen(case.clear(healthy()), planned, RULES, ON)
    assert case.rule not in {r for f in result.findings for r in f.rule_ids}


@pytest.mark.parametrize("case", [c for c in CASES if c.stale], ids=lambda c: c.rule)
def test_a_stale_answer_is_a_finding(case: Case) -> None:
    assert case.stale is not None
    assert case.rule in _rules_hit(case.stale(healthy()), case.plan, kind="stale")


@pytest.mark.parametrize("case", [c for c in CASES if c.missing], ids=lambda c: c.rule)
def test_a_missing_answer_is_a_finding(case: Case) -> None:
    assert case.missing is not None
    result = screen(case.missing(healthy()), case.plan, RULES, ON)
    assert result.verdict != "eligible"
    assert case.rule in {r for f in result.findings if f.kind == "missing" for r in f.rule_ids}


def test_rules_that_need_no_answer_say_so() -> None:
    without_missing = {c.rule for c in CASES if c.missing is None}
    for rule_id in without_missing - {
        "CI-AGE-ADULT",
        "CI-AGE-DEOXYCHOLIC",
        "CI-DC-OUTSIDE-SUBMENTAL",
        "CI-UNAPPROVED-SUBSTANCE",
        "CI-ALCOHOL-OIL",
    }:
        assert not knowledge().rules[rule_id].requires_answer, rule_id


def test_an_unconfirmed_answer_is_a_finding() -> None:
    facts = with_condition(healthy(), "breastfeeding", "unsure")
    result = screen(facts, plan(), RULES, ON)
    [finding] = [f for f in result.findings if "CI-BREASTFEEDING" in f.rule_ids]
    assert finding.kind == "unconfirmed"
    assert result.verdict == "incomplete"


def test_pregnancy_only_concerns_patients_who_can_be_pregnant() -> None:
    facts = dataclasses.replace(without_condition(healthy(), "pregnancy"), sex="male")
    assert screen(facts, plan(), RULES, ON).verdict == "eligible"


def test_an_allergy_recorded_by_name_blocks_its_whole_class() -> None:
    facts = with_allergy(healthy(), substance="Lidocaine hydrochloride")
    mix = plan("facial_rejuvenation", ("full_face",), ("prilocaine",))
    result = screen(facts, mix, RULES, ON)
    [finding] = [f for f in result.findings if f.rule_ids == ("CI-ALLERGY-INGREDIENT",)]
    assert finding.facts == (
        "Allergy to “Lidocaine hydrochloride” (recognised as Lidocaine) → Prilocaine in the "
        "planned mix",
    )
    assert result.verdict == "contraindicated"
    assert not finding.overridable


def test_an_allergy_to_a_synonym_is_recognised() -> None:
    facts = with_allergy(healthy(), substance="lignocaine")
    assert "CI-ALLERGY-INGREDIENT" in _rules_hit(facts, FACE)


def test_an_infection_without_a_recorded_site_is_treated_as_at_the_site() -> None:
    facts = with_condition(healthy(), "active_skin_infection")
    assert "CI-INFECTION-SITE" in _rules_hit(facts, FACE)


def test_an_infection_on_the_whole_face_blocks_a_cheek_treatment() -> None:
    facts = with_condition(healthy(), "active_skin_infection", body_site="full_face")
    assert "CI-INFECTION-SITE" in _rules_hit(facts, plan("melasma", ("cheeks",)))


def test_findings_carry_explanation_sources_and_resolution() -> None:
    result = screen(with_condition(healthy(), "pregnancy"), plan(), RULES, ON)
    [finding] = result.findings
    assert finding.severity == "absolute"
    assert not finding.overridable
    assert "pregnancy status today" in finding.resolution
    assert {s.id for s in finding.sources} == {"S11", "S42", "S18", "S68"}
    assert all(s.citation and s.quality in "ABC" for s in finding.sources)
    assert finding.facts == (f"Pregnancy: present (checked {ON})",)
    assert result.rules_version == knowledge().version


def test_missing_answers_are_grouped_by_question() -> None:
    facts = dataclasses.replace(healthy(), medications_reviewed_on=None)
    result = screen(facts, plan(), RULES, ON)
    [finding] = [f for f in result.findings if f.question == "medications"]
    assert set(finding.rule_ids) >= {"CI-ANTICOAGULANT", "CI-ANTIPLATELET"}
    assert finding.severity == "relative"
    assert result.verdict == "caution"


def test_a_new_patient_with_no_history_is_never_silently_eligible() -> None:
    bare = PatientFacts(date_of_birth=dt.date(1980, 1, 1), sex="female")
    result = screen(bare, plan(), RULES, ON)
    assert result.verdict == "incomplete"
    assert {f.kind for f in result.findings} == {"missing"}


def test_a_stale_negative_answer_asks_for_confirmation_without_blocking() -> None:
    facts = with_condition(healthy(), "pregnancy", "absent", ON - dt.timedelta(days=20))
    result = screen(facts, plan(), RULES, ON)
    [finding] = result.findings
    assert (finding.kind, finding.severity, result.verdict) == ("stale", "relative", "caution")
    assert finding.resolution == "Confirm “Pregnancy” today."
