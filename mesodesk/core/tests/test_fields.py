"""Field specs: one bound answers the form, the schema and the service alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from mesodesk.catalog.fields import PROTOCOL_BOUNDS
from mesodesk.core.fields import Bound, bound
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.fields import WEIGHT_KG

SESSIONS = PROTOCOL_BOUNDS["sessions"]


def test_it_reads_its_numbers_from_the_knowledge_base() -> None:
    entry = knowledge().bounds["catalog.protocol.sessions"]
    assert (SESSIONS.low, SESSIONS.high) == (int(entry.low), int(entry.high))
    assert bound("patients.weight_kg") == WEIGHT_KG
    assert not WEIGHT_KG.whole
    assert isinstance(WEIGHT_KG.low, Decimal)


@pytest.mark.parametrize("value", [0, 61, -1, True, "5", 2.5, None])
def test_it_refuses_values_out_of_range_or_of_the_wrong_kind(value: object) -> None:
    assert SESSIONS.error(value) == "Enter a whole number from 1 to 60."


def test_an_optional_value_may_be_left_out() -> None:
    assert SESSIONS.error(None, optional=True) is None


@given(st.integers())
def test_the_form_the_schema_and_the_service_agree(value: int) -> None:
    class Form(forms.Form):
        n = forms.IntegerField(**SESSIONS.form_kwargs())

    class Schema(BaseModel):
        n: int | None = SESSIONS.pydantic_field()

    service_ok = SESSIONS.error(value) is None
    form_ok = Form({"n": str(value)}).is_valid()
    try:
        Schema(n=value)
        schema_ok = True
    except ValidationError:
        schema_ok = False
    assert service_ok == form_ok == schema_ok


def test_a_decimal_bound_accepts_fractions() -> None:
    spec = Bound(Decimal(2), Decimal(400), whole=False, unit="kg")
    assert spec.error(Decimal("72.5")) is None
    assert spec.error(Decimal("1.9")) == "Enter a number from 2 to 400 kg."
