"""Dose arithmetic: exact decimals, unit conversion, and the sourced limits of the reference."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mesodesk.knowledge.loader import knowledge
from mesodesk.treatments.dosing import (
    Check,
    Component,
    Course,
    DoseInputError,
    DoseReport,
    Line,
    dose_report,
    per_ml,
    scale_lines,
)
from mesodesk.treatments.limits import ingredient_specs

SPECS = ingredient_specs(knowledge())
LIDO_2 = (Component("lidocaine", Decimal(2), "%"),)
LIDO_EPI = (
    Component("lidocaine", Decimal(10), "mg/mL"),
    Component("epinephrine", Decimal("0.01"), "mg/mL"),
)
KYBELLA = (Component("deoxycholic_acid", Decimal(10), "mg/mL"),)
HA = (Component("hyaluronic_acid", Decimal("1.5"), "%"),)
D = Decimal


def lido(ml: str, components: tuple[Component, ...] = LIDO_2) -> Line:
    return Line("Lidocaine", components, D(ml))


def _check(report: DoseReport, kind: str, ingredient: str = "lidocaine") -> Check:
    [check] = [c for c in report.checks if c.kind == kind and c.ingredient == ingredient]
    return check


@pytest.mark.parametrize(
    ("amount", "unit", "per_ml_value", "base"),
    [
        ("2", "%", "20", "mg"),
        ("1", "%", "10", "mg"),
        ("0.01", "%", "0.1", "mg"),
        ("10", "mg/mL", "10", "mg"),
        ("500", "mcg/mL", "0.5", "mg"),
        ("20", "g/L", "20", "mg"),
        ("150", "units/mL", "150", "units"),
    ],
)
def test_concentrations_convert_exactly(
    amount: str, unit: str, per_ml_value: str, base: str
) -> None:
    assert per_ml(D(amount), unit) == (D(per_ml_value), base)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [("2", "ppm"), ("0", "%"), ("-1", "mg/mL"), ("NaN", "mg/mL"), ("Infinity", "%")],
)
def test_bad_concentrations_are_refused(amount: str, unit: str) -> None:
    with pytest.raises(DoseInputError):
        per_ml(D(amount), unit)


@pytest.mark.parametrize("volume", ["0", "-5", "NaN"])
def test_zero_or_negative_volumes_are_refused(volume: str) -> None:
    with pytest.raises(DoseInputError):
        dose_report([lido(volume)], SPECS, weight_kg=D(60))


def test_a_60_kg_patient_with_15_ml_of_2_percent_lidocaine_is_blocked() -> None:
    report = dose_report([lido("15")], SPECS, weight_kg=D(60))
    check = _check(report, "mg_per_kg")
    assert (check.actual, check.limit, check.status) == (D(300), D(270), "exceeded")
    assert report.blocked
    assert "S19" in check.sources


def test_the_weight_limit_message_names_the_rate_the_cap_and_the_limit_applied() -> None:
    check = _check(dose_report([lido("15")], SPECS, weight_kg=D(60)), "mg_per_kg")
    assert check.message == (
        "Lidocaine: 300 mg exceeds the limit of 4.5 mg/kg for 60 kg, never above 300 mg (270 mg)"
    )


def test_10_ml_passes_for_the_same_patient() -> None:
    report = dose_report([lido("10")], SPECS, weight_kg=D(60))
    check = _check(report, "mg_per_kg")
    assert (check.actual, check.limit, check.status) == (D(200), D(270), "ok")
    assert not report.blocked


@pytest.mark.parametrize(
    ("weight", "ceiling"),
    [
        ("50", "225"),
        ("60", "270"),
        ("66.6", "299.7"),
        ("66.7", "300"),
        ("70", "300"),
        ("80", "300"),
        ("120", "300"),
    ],
)
def test_the_300_mg_cap_applies_above_66_7_kg(weight: str, ceiling: str) -> None:
    report = dose_report([lido("1")], SPECS, weight_kg=D(weight))
    assert _check(report, "mg_per_kg").limit == D(ceiling)


@pytest.mark.parametrize(
    ("weight", "ceiling"), [("50", "350"), ("60", "420"), ("70", "490"), ("80", "500")]
)
def test_lidocaine_with_epinephrine_has_the_higher_ceiling(weight: str, ceiling: str) -> None:
    report = dose_report([lido("1", LIDO_EPI)], SPECS, weight_kg=D(weight))
    [check] = [c for c in report.checks if c.ingredient == "lidocaine"]
    assert check.limit == D(ceiling)


def test_plain_lidocaine_anywhere_in_the_mix_keeps_the_plain_ceiling() -> None:
    report = dose_report([lido("1", LIDO_EPI), lido("1")], SPECS, weight_kg=D(80))
    [check] = [c for c in report.checks if c.ingredient == "lidocaine"]
    assert check.limit == D(300)
    assert check.actual == D(30)


def test_a_weight_based_limit_is_never_computed_without_a_weight() -> None:
    report = dose_report([lido("1")], SPECS, weight_kg=None)
    check = _check(report, "mg_per_kg")
    assert check.status == "not_computed"
    assert check.limit is None
    assert report.blocked
    assert "weight" in check.message


def test_topical_lidocaine_is_added_when_the_clinic_counts_it() -> None:
    report = dose_report([lido("10")], SPECS, weight_kg=D(60), topical_mg={"lidocaine": D(100)})
    assert _check(report, "mg_per_kg").actual == D(300)
    assert report.blocked


def test_deoxycholic_acid_label_limits() -> None:
    course = Course(
        sessions=7, min_interval_days=21, volume_per_point_ml=D("0.2"), points_per_session=50
    )
    report = dose_report([Line("Kybella", KYBELLA, D(12))], SPECS, weight_kg=D(70), course=course)
    statuses = {c.kind: c.status for c in report.checks}
    assert statuses == {
        "ml_per_injection": "ok",
        "injections_per_session": "ok",
        "ml_per_session": "exceeded",
        "mg_per_session": "exceeded",
        "max_sessions": "exceeded",
        "min_interval_days": "exceeded",
    }
    assert report.blocked


def test_deoxycholic_acid_within_its_label_passes() -> None:
    course = Course(
        sessions=6, min_interval_days=28, volume_per_point_ml=D("0.2"), points_per_session=50
    )
    report = dose_report([Line("Kybella", KYBELLA, D(10))], SPECS, course=course)
    assert not report.blocked
    assert not report.warnings


def test_deoxycholic_acid_is_never_mixed() -> None:
    mixed_product = (KYBELLA[0], LIDO_2[0])
    inside = dose_report([Line("DC + lidocaine", mixed_product, D(2))], SPECS, weight_kg=D(70))
    assert inside.blocked
    beside = dose_report([Line("Kybella", KYBELLA, D(2)), lido("1")], SPECS, weight_kg=D(70))
    assert not beside.blocked
    assert [n.kind for n in beside.warnings] == ["do_not_mix"]


def test_hyaluronidase_warns_about_anaesthetic_absorption() -> None:
    hyal = (Component("hyaluronidase", D(150), "units/mL"),)
    report = dose_report([Line("Hyal", hyal, D(1)), lido("2")], SPECS, weight_kg=D(70))
    assert any(n.kind == "interaction" and "Lidocaine" in n.message for n in report.notes)
    assert not report.blocked


def test_unsourced_limits_warn_but_never_block() -> None:
    hyal = (Component("hyaluronidase", D(150), "units/mL"),)
    report = dose_report([Line("Hyal", hyal, D(3))], SPECS)
    check = _check(report, "units_per_session", "hyaluronidase")
    assert check.status == "exceeded"
    assert not check.hard
    assert not report.blocked
    assert report.warnings


def test_an_ingredient_without_a_sourced_limit_is_totalled_only() -> None:
    report = dose_report([Line("HA", HA, D(2))], SPECS)
    assert [(t.ingredient, t.amount) for t in report.totals] == [("hyaluronic_acid", D(30))]
    assert report.checks == ()


def test_units_must_match_the_ingredient() -> None:
    with pytest.raises(DoseInputError, match="measured in units"):
        dose_report([Line("Bad", (Component("hyaluronidase", D(1), "mg/mL"),), D(1))], SPECS)


# --- Properties -------------------------------------------------------------------------

VOLUMES = st.decimals(min_value=D("0.01"), max_value=D(40), places=2)
PRODUCTS = [
    LIDO_2,
    LIDO_EPI,
    KYBELLA,
    HA,
    (Component("hyaluronidase", D(150), "units/mL"),),
    (Component("vitamin_c", D(100), "mg/mL"),),
]
lines = st.lists(
    st.builds(Line, product=st.just("P"), components=st.sampled_from(PRODUCTS), volume_ml=VOLUMES),
    min_size=1,
    max_size=5,
)
weights = st.none() | st.decimals(min_value=D(40), max_value=D(150), places=1)
small_volumes = st.decimals(min_value=D("0.01"), max_value=D(3), places=2)
small_lines = st.lists(
    st.builds(
        Line, product=st.just("P"), components=st.sampled_from(PRODUCTS), volume_ml=small_volumes
    ),
    min_size=2,
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(mix=lines, factor=st.decimals(min_value=D("0.1"), max_value=D(10), places=2), weight=weights)
def test_scaling_every_volume_scales_every_total(
    mix: list[Line], factor: Decimal, weight: Decimal | None
) -> None:
    base = {t.ingredient: t.amount for t in dose_report(mix, SPECS, weight_kg=weight).totals}
    scaled = dose_report(scale_lines(mix, factor), SPECS, weight_kg=weight)
    assert {t.ingredient: t.amount for t in scaled.totals} == {
        code: amount * factor for code, amount in base.items()
    }


@settings(max_examples=300, deadline=None)
@given(
    mix=small_lines,
    weight=st.decimals(min_value=D(40), max_value=D(150), places=1),
    drop=st.integers(min_value=0, max_value=4),
)
def test_a_mix_under_every_limit_stays_under_them_without_a_line(
    mix: list[Line], weight: Decimal, drop: int
) -> None:
    report = dose_report(mix, SPECS, weight_kg=weight)
    assume(not report.blocked and not report.warnings and len(mix) >= 2)
    smaller = [line for index, line in enumerate(mix) if index != drop % len(mix)]
    after = dose_report(smaller, SPECS, weight_kg=weight)
    assert not after.blocked
    assert not after.warnings
