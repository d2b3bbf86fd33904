"""The protocol page: a cloned draft saves and publishes as shown, and bad numbers get field
errors in words (never a database constraint's name)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mesodesk.catalog.forms import ProtocolForm
from mesodesk.catalog.models import Protocol
from mesodesk.catalog.services.protocols import protocol_clone, protocol_update
from mesodesk.core.errors import FieldErrors
from mesodesk.core.htmx import field_words
from mesodesk.core.testing import Personas, logged_in_client

pytestmark = pytest.mark.django_db


def _form_data(protocol: Protocol, **changes: Any) -> dict[str, Any]:
    """What the browser sends back for the page as shown, with some fields changed."""
    form = ProtocolForm(instance=protocol)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def _post(client: Client, protocol: Protocol, data: dict[str, Any]) -> Any:
    return client.post(reverse("catalog:protocol", kwargs={"protocol_id": protocol.pk}), data)


def test_a_cloned_protocol_without_a_fixed_schedule_saves_and_publishes_as_shown(
    personas: Personas,
) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    assert draft.schedule_days == []
    client = logged_in_client(personas.practitioner)
    page = client.get(reverse("catalog:protocol", kwargs={"protocol_id": draft.pk}))
    assert 'value="[]"' not in page.content.decode()
    response = _post(client, draft, _form_data(draft, publish="1"))
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.schedule_days) == ("published", [])


def test_a_fixed_schedule_round_trips_through_the_page(personas: Personas) -> None:
    draft = protocol_clone(
        actor=personas.practitioner, template_code="low_back_pain_costantino_2011"
    )
    data = _form_data(draft, save="1")
    assert data["schedule_days"] == "0, 3, 6, 9, 12"
    response = _post(logged_in_client(personas.practitioner), draft, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.schedule_days == [0, 3, 6, 9, 12]


def test_zero_sessions_is_a_field_error_in_words_not_a_constraint_message(
    personas: Personas,
) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    response = _post(logged_in_client(personas.practitioner), draft, _form_data(draft, sessions=0))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Constraint" not in html
    assert "protocol_sessions_positive" not in html
    assert response.context["form"].errors["sessions"] == ["Enter a whole number from 1 to 60."]
    with pytest.raises(FieldErrors) as caught:
        protocol_update(actor=personas.practitioner, protocol_id=draft.pk, data={"sessions": 0})
    assert set(caught.value.errors) == {"sessions"}


def test_it_refuses_a_shortest_interval_above_the_longest(personas: Personas) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    response = _post(
        logged_in_client(personas.practitioner),
        draft,
        _form_data(draft, interval_min_days=30, interval_max_days=10, publish="1"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["interval_max_days"] == [
        "The longest interval is shorter than the shortest."
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.interval_min_days) == ("draft", 15)
    with pytest.raises(FieldErrors) as caught:
        protocol_update(
            actor=personas.practitioner,
            protocol_id=draft.pk,
            data={"interval_min_days": 30, "interval_max_days": 10},
        )
    assert set(caught.value.errors) == {"interval_max_days"}


def test_service_field_keys_reach_the_page_in_words() -> None:
    assert field_words("protocol_id") == "Protocol"
    assert field_words("lines.0.volume_ml") == "Line 1, volume ml"
    assert field_words("screening") == "Screening"
