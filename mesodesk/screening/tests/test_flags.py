"""Ingredient flags, and rule sets other than the shipped one."""

from __future__ import annotations

import dataclasses

from mesodesk.screening.engine import IngredientInfo, screen
from mesodesk.screening.tests.factories import ON, healthy, plan, shipped_rules


def test_an_alcohol_based_product_is_an_absolute_non_overridable_stop() -> None:
    rules = shipped_rules()
    oily = IngredientInfo(
        "oily_extract", "Oily extract", ("oily extract",), flags=frozenset({"alcohol_or_oil_based"})
    )
    custom = dataclasses.replace(rules, ingredients={**rules.ingredients, "oily_extract": oily})
    result = screen(healthy(), plan("cellulite", ("thighs",), ("oily_extract",)), custom, ON)
    [finding] = result.findings
    assert finding.rule_ids == ("CI-ALCOHOL-OIL",)
    assert result.verdict == "contraindicated"
    assert not finding.overridable


def test_an_unknown_ingredient_code_is_ignored_by_the_engine() -> None:
    # The services refuse unknown codes with a field error before the engine runs.
    result = screen(healthy(), plan(ingredients=("unobtainium",)), shipped_rules(), ON)
    assert result.verdict == "eligible"
