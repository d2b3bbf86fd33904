"""Catalog pages and API: what was typed is what is published, the page and the API refuse
the same values, a lot shows one status everywhere, and another clinic gets 404."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.catalog.forms import ProtocolForm
from mesodesk.catalog.models import Lot, Protocol
from mesodesk.catalog.services.protocols import protocol_clone
from mesodesk.catalog.tests.helpers import lidocaine_2, published, receive
from mesodesk.core.testing import Personas, api_client, logged_in_client, today

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _page_form(protocol: Protocol, **changes: Any) -> dict[str, Any]:
    """What the protocol page's edit form sends as it stands, with some fields retyped."""
    data: dict[str, Any] = {}
    for field in ProtocolForm(instance=protocol):
        value = field.value()
        if isinstance(value, list):
            data[field.name] = [str(v) for v in value]
        else:
            data[field.name] = "" if value is None else str(value)
    return data | changes


def _draft(personas: Personas) -> Protocol:
    return protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")


def _updates_of(protocol: Protocol) -> int:
    return AuditEvent.objects.filter(object_id=protocol.pk, action="update").count()


def test_publishing_from_the_page_keeps_the_edits_typed_before(personas: Personas) -> None:
    draft = _draft(personas)
    response = logged_in_client(personas.practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]),
        _page_form(draft, name="Face — our protocol", points_per_area="90", publish="1"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.name, draft.points_per_area) == (
        "published",
        "Face — our protocol",
        90,
    )


def test_publishing_an_unchanged_form_records_only_the_publication(personas: Personas) -> None:
    draft = _draft(personas)
    logged_in_client(personas.practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]), _page_form(draft, publish="1")
    )
    draft.refresh_from_db()
    assert draft.status == "published"
    assert _updates_of(draft) == 1  # the status change, no empty edit


def test_publishing_with_a_bad_edit_is_refused_and_nothing_changes(personas: Personas) -> None:
    draft = _draft(personas)
    name = draft.name
    response = logged_in_client(personas.practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]),
        _page_form(draft, name="Changed", sessions="", publish="1"),
    )
    assert response.status_code == 400
    assert "sessions" in response.context["form"].errors
    assert any("Not published" in str(m) for m in response.context["messages"])
    draft.refresh_from_db()
    assert (draft.status, draft.name, draft.sessions) == ("draft", name, 4)


def test_publishing_with_an_out_of_range_edit_is_refused_and_nothing_changes(
    personas: Personas,
) -> None:
    draft = _draft(personas)
    response = logged_in_client(personas.practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]),
        _page_form(draft, interval_min_days="5000", interval_max_days="", publish="1"),
    )
    assert response.status_code == 400
    assert "interval_min_days" in response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.status, draft.interval_min_days) == ("draft", 15)


def test_the_page_refuses_a_5000_day_interval_with_a_field_error(personas: Personas) -> None:
    draft = _draft(personas)
    response = logged_in_client(personas.practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]),
        _page_form(draft, interval_min_days="5000", interval_max_days="", save="1"),
    )
    assert response.status_code == 400
    assert "interval_min_days" in response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.interval_min_days, draft.interval_max_days) == (15, 15)
    assert _updates_of(draft) == 0


def test_the_api_refuses_the_same_interval_as_the_page(personas: Personas) -> None:
    draft = _draft(personas)
    response = api_client(personas.practitioner).patch(
        f"{API}/protocols/{draft.pk}",
        data=json.dumps({"interval_min_days": 5000, "interval_max_days": None}),
        content_type="application/json",
    )
    assert response.status_code == 422
    draft.refresh_from_db()
    assert draft.interval_min_days == 15


def test_an_out_of_date_lot_reads_as_expired_from_every_lot_endpoint(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    lot = receive(personas.nurse, product, ml="10")
    Lot.objects.filter(pk=lot.pk).update(expiry_date=today() - dt.timedelta(days=2))
    client = api_client(personas.nurse)

    [listed] = client.get(f"{API}/lots").json()
    [by_product] = client.get(f"{API}/lots", {"product_id": str(product.pk)}).json()
    adjusted = client.post(
        f"{API}/lots/{lot.pk}/adjust",
        data=json.dumps({"delta_ml": "-1", "reason": "count"}),
        content_type="application/json",
    )
    status_change = client.post(
        f"{API}/lots/{lot.pk}/status",
        data=json.dumps({"status": "quarantined", "reason": "check"}),
        content_type="application/json",
    )
    page = logged_in_client(personas.nurse).get(reverse("catalog:stock"))

    assert listed["status"] == by_product["status"] == "expired"
    assert adjusted.status_code == 200
    assert adjusted.json()["status"] == "expired"
    assert status_change.status_code == 409  # an expired lot stays expired
    assert "expired" in status_change.content.decode()
    assert [status for _, status in page.context["lots"]] == ["expired"]
    assert client.get(f"{API}/lots", {"usable": "true"}).json() == []
    lot.refresh_from_db()
    assert (lot.status, lot.quantity_remaining_ml) == ("available", Decimal(9))


def test_another_clinic_cannot_change_a_lots_status_on_the_page(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    response = logged_in_client(personas.foreign_practitioner).post(
        reverse("catalog:lot_status", args=[lot.pk]),
        {"status": "quarantined", "reason": "not ours"},
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert (lot.status, lot.status_reason) == ("available", "")


@pytest.mark.parametrize("button", ["save", "publish"])
def test_another_clinic_cannot_save_or_publish_a_draft_on_the_page(
    personas: Personas, button: str
) -> None:
    draft = _draft(personas)
    name = draft.name
    response = logged_in_client(personas.foreign_practitioner).post(
        reverse("catalog:protocol", args=[draft.pk]),
        _page_form(draft, name="Taken over", **{button: "1"}),
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert (draft.status, draft.name) == ("draft", name)
    assert _updates_of(draft) == 0


def test_another_clinic_cannot_start_a_new_version_on_the_page(personas: Personas) -> None:
    protocol = published(personas.practitioner, "kybella_label")
    response = logged_in_client(personas.foreign_practitioner).post(
        reverse("catalog:protocol", args=[protocol.pk]), {"new_version": "1"}
    )
    assert response.status_code == 404
    assert Protocol.objects.filter(family=protocol.family).count() == 1
    assert not Protocol.objects.filter(clinic=personas.clinic_b).exists()


@pytest.mark.parametrize("page", ["catalog:products", "catalog:stock", "catalog:protocols"])
def test_the_catalog_list_pages_show_nothing_of_another_clinic(
    personas: Personas, page: str
) -> None:
    product = lidocaine_2(personas.clinic_admin, name="Lidocaine of clinic A")
    receive(personas.nurse, product, number="LOT-OF-A")
    draft = _draft(personas)
    draft_name = "Protocol of clinic A"
    Protocol.objects.filter(pk=draft.pk).update(name=draft_name)

    response = logged_in_client(personas.foreign_practitioner).get(reverse(page))

    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Lidocaine of clinic A", "LOT-OF-A", draft_name, str(draft.pk)):
        assert text not in body
    # The same page in clinic A does show them (the assertion above could fail).
    own = logged_in_client(personas.practitioner).get(reverse(page)).content.decode()
    assert any(t in own for t in ("Lidocaine of clinic A", "LOT-OF-A", draft_name))


def test_another_clinics_protocol_page_answers_404(personas: Personas) -> None:
    draft = _draft(personas)
    client = logged_in_client(personas.foreign_practitioner)
    assert client.get(reverse("catalog:protocol", args=[draft.pk])).status_code == 404


def test_another_clinic_cannot_adjust_a_lot_on_the_page(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    response = logged_in_client(personas.foreign_practitioner).post(
        reverse("catalog:lot_adjust", args=[lot.pk]), {"delta_ml": "-1", "reason": "not ours"}
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert lot.quantity_remaining_ml == Decimal(20)
