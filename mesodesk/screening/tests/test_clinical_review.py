"""Issue 9, items 1 to 6: screening is never silently eligible when it does not understand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from mesodesk.knowledge.config import Change, configure
from mesodesk.knowledge.loader import knowledge
from mesodesk.screening.engine import Finding, PatientFacts, PlannedTreatment, screen
from mesodesk.screening.rules import ruleset_for
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

RULES = shipped_rules()
LIDOCAINE_MIX = plan("facial_rejuvenation", ("full_face",), ("lidocaine", "hyaluronic_acid"))
HYALURONIDASE_MIX = plan("facial_rejuvenation", ("full_face",), ("hyaluronidase",))


def _finding(facts: PatientFacts, planned: PlannedTreatment, rule_id: str) -> Finding:
    [found] = [f for f in screen(facts, planned, RULES, ON).findings if rule_id in f.rule_ids]
    return found


# --- 1. Allergies typed as free text ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "mix", "rule_id"),
    [
        ("Bupivacaine", LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"),
        ("EMLA cream", LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"),
        ("local anaesthetic", LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"),
        ("lidocain", LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"),
        ("Xylocaine", LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"),
        (
            "Novocaine",
            plan("facial_rejuvenation", ("full_face",), ("procaine",)),
            "CI-ALLERGY-INGREDIENT",
        ),
        ("bee venom", HYALURONIDASE_MIX, "CI-BEE-WASP-HYALURONIDASE"),
        ("wasp", HYALURONIDASE_MIX, "CI-BEE-WASP-HYALURONIDASE"),
        ("Hylenex", HYALURONIDASE_MIX, "CI-ALLERGY-INGREDIENT"),
    ],
)
def test_an_allergy_typed_as_free_text_is_never_screened_eligible(
    typed: str, mix: PlannedTreatment, rule_id: str
) -> None:
    result = screen(with_allergy(healthy(), substance=typed), mix, RULES, ON)
    assert result.verdict != "eligible"
    assert rule_id in {r for f in result.findings for r in f.rule_ids}


def test_a_recognised_allergy_shows_what_it_was_matched_to() -> None:
    finding = _finding(
        with_allergy(healthy(), substance="EMLA cream"), LIDOCAINE_MIX, "CI-ALLERGY-INGREDIENT"
    )
    assert finding.facts == (
        "Allergy to “EMLA cream” (recognised as EMLA cream (lidocaine + prilocaine)) → "
        "Lidocaine in the planned mix",
    )
    assert finding.severity == "absolute"


def test_an_unrecognised_allergy_is_a_finding_that_blocks_a_mix_until_confirmed() -> None:
    result = screen(with_allergy(healthy(), substance="Carbocaine"), LIDOCAINE_MIX, RULES, ON)
    [finding] = result.findings
    assert finding.kind == "unrecognised"
    assert finding.facts == ("Allergy to “Carbocaine”: not recognised",)
    assert "choose the substance or class" in finding.resolution
    assert finding.overridable  # "it involves nothing in the mix" is a written override
    assert result.verdict == "incomplete"


def test_an_unrecognised_allergy_without_a_mix_is_a_caution() -> None:
    result = screen(with_allergy(healthy(), substance="Penicillin"), plan(), RULES, ON)
    assert [f.kind for f in result.findings] == ["unrecognised"]
    assert result.verdict == "caution"


def test_an_allergy_recorded_with_its_class_is_not_unrecognised() -> None:
    facts = with_allergy(healthy(), substance="Carbocaine", group="amide_local_anaesthetic")
    result = screen(facts, LIDOCAINE_MIX, RULES, ON)
    assert {f.kind for f in result.findings} == {"triggered"}
    assert result.verdict == "contraindicated"


def test_an_allergy_to_a_class_member_with_unsourced_cross_reactivity_is_a_caution() -> None:
    mix = plan("musculoskeletal_pain", (), ("ketoprofen",))
    result = screen(with_allergy(healthy(), substance="ibuprofen"), mix, RULES, ON)
    [finding] = result.findings
    assert finding.rule_ids == ("CI-ALLERGY-CLASS",)
    assert finding.severity == "relative"
    assert not finding.sources  # the reference has none: a clinic-configurable rule


# --- 2. Past cancer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"clinical_status": "remission", "abatement_date": dt.date(2012, 3, 1)},
        {"clinical_status": "resolved"},
        {"clinical_status": "inactive"},
    ],
)
def test_any_cancer_history_is_at_least_a_relative_finding(fields: dict[str, Any]) -> None:
    facts = with_condition(healthy(), "cancer", **fields)
    result = screen(facts, plan(), RULES, ON)
    assert result.verdict == "caution"
    [finding] = result.findings
    assert "CI-CANCER-HISTORY" in finding.rule_ids
    assert finding.severity == "relative"
    assert [s.quality for s in finding.sources] == ["C"]


def test_recent_remission_and_active_cancer_keep_their_rules() -> None:
    recent = with_condition(
        healthy(), "cancer", clinical_status="remission", abatement_date=ON - dt.timedelta(days=60)
    )
    [finding] = screen(recent, plan(), RULES, ON).findings
    assert set(finding.rule_ids) == {"CI-CANCER-RECENT", "CI-CANCER-HISTORY"}  # one fact, merged
    active = screen(with_condition(healthy(), "cancer"), plan(), RULES, ON)
    assert active.verdict == "contraindicated"


# --- 3. Rule texts follow the clinic's parameters -------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "params", "facts", "shipped", "configured"),
    [
        (
            "CI-CANCER-RECENT",
            {"months": 24},
            with_condition(
                healthy(),
                "cancer",
                clinical_status="remission",
                abatement_date=ON - dt.timedelta(days=500),
            ),
            "12 months",
            "24 months",
        ),
        (
            "CI-RETINOID",
            {"within_months": 9},
            with_medication(healthy(), "retinoid", active=False, stopped_on=ON - dt.timedelta(30)),
            "6 months",
            "9 months",
        ),
        (
            "CI-RECENT-LASER",
            {"within_months": 3},
            with_condition(healthy(), "recent_laser", onset_date=ON - dt.timedelta(days=30)),
            "6 months",
            "3 months",
        ),
        (
            "CI-AGE-ADULT",
            {"years": 21},
            dataclasses.replace(healthy(), date_of_birth=dt.date(2006, 1, 1)),
            "18",
            "21",
        ),
    ],
)
def test_rule_texts_quote_the_clinics_parameters_never_the_shipped_ones(
    rule_id: str, params: dict[str, int], facts: PatientFacts, shipped: str, configured: str
) -> None:
    change = Change(1, "rule", rule_id, {"params": params})
    kb = configure(knowledge(), [change], clinic_key=f"test-{rule_id}").kb
    result = screen(facts, plan(), ruleset_for(kb), ON)
    [finding] = [f for f in result.findings if rule_id in f.rule_ids]
    texts = " ".join((finding.title, finding.explanation, finding.resolution))
    assert configured in texts
    assert shipped not in texts


def test_shipped_rule_texts_quote_the_shipped_parameters() -> None:
    assert RULES.rules[[r.id for r in RULES.rules].index("CI-AGE-ADULT")].title == "Under 18"


# --- 4. Sources that apply ------------------------------------------------------------------


@pytest.mark.parametrize(
    "ingredients", [("caffeine",), ("dutasteride",), ()], ids=["caffeine", "dutasteride", "none"]
)
def test_a_product_label_is_cited_only_by_analogy_when_its_product_is_not_planned(
    ingredients: tuple[str, ...],
) -> None:
    facts = with_condition(healthy(), "pregnancy")
    finding = _finding(facts, plan("", (), ingredients), "CI-PREGNANCY")
    kybella = next(s for s in finding.sources if s.id == "S18")
    assert (kybella.quality, kybella.by_analogy) == ("C", True)
    assert {s.quality for s in finding.sources if s.id != "S18"} <= {"B", "C"}


def test_a_product_label_applies_when_its_product_is_planned() -> None:
    facts = with_condition(healthy(), "pregnancy")
    finding = _finding(
        facts, plan("submental_fat", ("submental",), ("deoxycholic_acid",)), "CI-PREGNANCY"
    )
    kybella = next(s for s in finding.sources if s.id == "S18")
    assert (kybella.quality, kybella.by_analogy) == ("A", False)


def test_a_missing_answer_cites_sources_as_they_apply_to_the_plan() -> None:
    facts = without_condition(healthy(), "pregnancy")
    general = _finding(facts, plan(), "CI-PREGNANCY")
    dc = _finding(
        facts, plan("submental_fat", ("submental",), ("deoxycholic_acid",)), "CI-PREGNANCY"
    )
    assert next(s for s in general.sources if s.id == "S18").by_analogy
    assert not next(s for s in dc.sources if s.id == "S18").by_analogy


# --- 5. Mix ↔ patient medicine interactions -------------------------------------------------


@pytest.mark.parametrize(
    ("klass", "rule_id"),
    [("anticoagulant", "CI-NSAID-ANTICOAGULANT"), ("antiplatelet", "CI-NSAID-ANTIPLATELET")],
)
def test_an_nsaid_in_the_mix_of_a_patient_on_a_blood_thinner_is_a_finding(
    klass: str, rule_id: str
) -> None:
    facts = with_medication(healthy(), klass, name="Apixaban")
    mix = plan("low_back_pain", (), ("ketoprofen", "lidocaine"))
    result = screen(facts, mix, RULES, ON)
    assert rule_id in {r for f in result.findings for r in f.rule_ids}
    assert rule_id not in {
        r
        for f in screen(facts, plan("low_back_pain", (), ("lidocaine",)), RULES, ON).findings
        for r in f.rule_ids
    }


# --- 6. Incomplete, and one finding per fact ------------------------------------------------


def test_an_unanswered_question_is_incomplete_not_contraindicated() -> None:
    result = screen(without_condition(healthy(), "pregnancy"), plan(), RULES, ON)
    assert result.verdict == "incomplete"
    [finding] = result.findings
    assert finding.title == "Pregnancy: not answered"


def test_a_contraindication_outranks_a_missing_answer() -> None:
    facts = with_condition(without_condition(healthy(), "breastfeeding"), "pregnancy")
    assert screen(facts, plan(), RULES, ON).verdict == "contraindicated"


def test_insulin_treated_diabetes_and_taking_insulin_are_one_finding() -> None:
    facts = with_medication(with_condition(healthy(), "insulin_diabetes"), "insulin", name="Lantus")
    result = screen(facts, plan(), RULES, ON)
    [finding] = result.findings
    assert set(finding.rule_ids) == {"CI-INSULIN-DIABETES", "CI-INSULIN-MEDICATION"}
    assert len(finding.facts) == 2


def test_taking_insulin_absorbs_the_unanswered_diabetes_question() -> None:
    facts = with_medication(without_condition(healthy(), "insulin_diabetes"), "insulin")
    [finding] = screen(facts, plan(), RULES, ON).findings
    assert finding.kind == "triggered"
    assert "Insulin-treated diabetes: not answered" in finding.facts
