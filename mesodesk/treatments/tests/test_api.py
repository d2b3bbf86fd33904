"""Catalog, stock, protocols and plans over the API: 4xx for bad input, 404 across clinics."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from mesodesk.catalog.models import Lot, Product
from mesodesk.catalog.tests.helpers import lidocaine_2, published, receive, skin_booster
from mesodesk.core.testing import Personas, api_client, today
from mesodesk.treatments import services
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _call(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(API + path)
    return getattr(client, method)(
        API + path, data=json.dumps(body or {}, default=str), content_type="application/json"
    )


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_products_are_created_and_listed(personas: Personas) -> None:
    client = api_client(personas.clinic_admin)
    created = _call(
        client,
        "post",
        "/products",
        {
            "name": "Lido 1 %",
            "kind": "brand",
            "components": [{"ingredient": "lidocaine", "amount": "1", "unit": "%"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["components"] == [
        {"ingredient": "lidocaine", "amount": "1.0000", "unit": "%"}
    ]
    assert [p["name"] for p in _call(client, "get", "/products").json()] == ["Lido 1 %"]


def test_bad_units_and_amounts_answer_422(personas: Personas) -> None:
    response = _call(
        api_client(personas.clinic_admin),
        "post",
        "/products",
        {
            "name": "Bad",
            "kind": "brand",
            "components": [
                {"ingredient": "lidocaine", "amount": "-1", "unit": "%"},
                {"ingredient": "caffeine", "amount": "5", "unit": "spoons"},
            ],
        },
    )
    assert response.status_code == 422
    assert _fields(response) == {"components.0.amount", "components.1.unit"}
    assert not Product.objects.exists()


def test_stock_is_received_adjusted_and_listed(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    client = api_client(personas.nurse)
    received = _call(
        client,
        "post",
        "/lots",
        {
            "product_id": str(product.pk),
            "lot_number": "B7",
            "expiry_date": (today() + dt.timedelta(days=30)).isoformat(),
            "quantity_ml": "12",
        },
    )
    assert received.status_code == 201
    lot_id = received.json()["id"]
    adjusted = _call(
        client, "post", f"/lots/{lot_id}/adjust", {"delta_ml": "-2", "reason": "spilled"}
    )
    assert adjusted.json()["quantity_remaining_ml"] == "10.00"
    assert [lot["id"] for lot in _call(client, "get", "/lots?near_expiry=true").json()] == [lot_id]
    assert _call(client, "get", "/stock").json()[0]["usable_ml"] == "10.00"


def test_an_expired_lot_cannot_be_received(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    response = _call(
        api_client(personas.nurse),
        "post",
        "/lots",
        {
            "product_id": str(product.pk),
            "lot_number": "OLD",
            "expiry_date": (today() - dt.timedelta(days=1)).isoformat(),
            "quantity_ml": "5",
        },
    )
    assert response.status_code == 422
    assert _fields(response) == {"expiry_date"}
    assert not Lot.objects.exists()


def test_a_protocol_is_cloned_edited_and_published(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    assert any(
        t["code"] == "kybella_label" for t in _call(client, "get", "/protocol-templates").json()
    )
    draft = _call(client, "post", "/protocols", {"template_code": "facial_ha_savoia_2013"}).json()
    edited = _call(client, "patch", f"/protocols/{draft['id']}", {"technique": "papule"})
    assert edited.json()["technique"] == "papule"
    assert (
        _call(client, "patch", f"/protocols/{draft['id']}", {"technique": "voodoo"}).status_code
        == 422
    )
    assert (
        _call(client, "post", f"/protocols/{draft['id']}/publish").json()["status"] == "published"
    )
    assert _call(client, "patch", f"/protocols/{draft['id']}", {"sessions": 3}).status_code == 409
    nxt = _call(client, "post", f"/protocols/{draft['id']}/new-version")
    assert nxt.status_code == 201
    assert nxt.json()["version"] == 2


def test_a_plan_is_built_and_activated_over_the_api(personas: Personas) -> None:
    patient = screened_patient(personas.practitioner)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    booster = skin_booster(personas.clinic_admin)
    lido = lidocaine_2(personas.clinic_admin)
    client = api_client(personas.practitioner)
    plan = _call(
        client,
        "post",
        f"/patients/{patient.pk}/plans",
        {
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": str(protocol.pk),
        },
    ).json()
    _call(
        client,
        "post",
        f"/plans/{plan['id']}/lines",
        {"product_id": str(booster.pk), "volume_ml": "2"},
    )
    body = _call(
        client,
        "post",
        f"/plans/{plan['id']}/lines",
        {"product_id": str(lido.pk), "volume_ml": "15"},
    ).json()
    assert body["dose"]["blocked"] is True
    lido_line = next(line for line in body["lines"] if line["product_name"] == lido.name)
    blocked = _call(client, "post", f"/plans/{plan['id']}/activate")
    assert blocked.status_code == 422
    assert _fields(blocked) == {"lines"}
    fixed = _call(client, "patch", f"/plan-lines/{lido_line['id']}", {"volume_ml": "10"}).json()
    assert fixed["dose"]["blocked"] is False
    assert [t["amount"] for t in fixed["dose"]["totals"]] == ["30.00", "200.00"]
    active = _call(client, "post", f"/plans/{plan['id']}/activate").json()
    assert active["status"] == "active"
    assert active["screening_verdict"] == "eligible"
    pdf = client.get(f"{API}/plans/{plan['id']}/summary.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(("volume", "field"), [("0", "volume_ml"), ("-3", "volume_ml")])
def test_zero_and_negative_volumes_answer_422(personas: Personas, volume: str, field: str) -> None:
    patient = screened_patient(personas.practitioner)
    plan = services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"indication": "cellulite", "areas": ["thighs"]},
    )
    response = _call(
        api_client(personas.practitioner),
        "post",
        f"/plans/{plan.pk}/lines",
        {"product_id": str(skin_booster(personas.clinic_admin).pk), "volume_ml": volume},
    )
    assert response.status_code == 422
    assert field in _fields(response)


@pytest.fixture
def clinic_a(personas: Personas) -> dict[str, str]:
    patient = screened_patient(personas.practitioner)
    product = skin_booster(personas.clinic_admin)
    lot = receive(personas.nurse, product)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    plan = services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": protocol.pk,
        },
    )
    line = services.mixline_add(
        actor=personas.practitioner, plan_id=plan.pk, product_id=product.pk, volume_ml="1"
    )
    return {
        "patient": str(patient.pk),
        "product": str(product.pk),
        "lot": str(lot.pk),
        "protocol": str(protocol.pk),
        "plan": str(plan.pk),
        "line": str(line.pk),
    }


FOREIGN: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/products/{product}", None),
    (
        "post",
        "/lots",
        {
            "product_id": "{product}",
            "lot_number": "X",
            "quantity_ml": "1",
            "expiry_date": "2099-01-01",
        },
    ),
    ("post", "/lots/{lot}/adjust", {"delta_ml": "-1", "reason": "x"}),
    ("post", "/lots/{lot}/status", {"status": "quarantined", "reason": "x"}),
    ("get", "/protocols/{protocol}", None),
    ("patch", "/protocols/{protocol}", {"notes": "x"}),
    ("post", "/protocols/{protocol}/publish", None),
    ("post", "/protocols/{protocol}/new-version", None),
    ("get", "/patients/{patient}/plans", None),
    ("post", "/patients/{patient}/plans", {"indication": "cellulite", "areas": ["thighs"]}),
    ("get", "/plans/{plan}", None),
    ("patch", "/plans/{plan}", {"notes": "x"}),
    ("post", "/plans/{plan}/lines", {"product_id": "{product}", "volume_ml": "1"}),
    ("patch", "/plan-lines/{line}", {"volume_ml": "2"}),
    ("delete", "/plan-lines/{line}", None),
    ("post", "/plans/{plan}/activate", None),
    ("post", "/plans/{plan}/complete", None),
    ("post", "/plans/{plan}/cancel", {"reason": "x"}),
    ("get", "/plans/{plan}/summary.pdf", None),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN)
def test_every_catalog_and_plan_endpoint_answers_404_to_another_clinic(
    personas: Personas,
    clinic_a: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    filled = (
        {k: v.format(**clinic_a) if isinstance(v, str) else v for k, v in body.items()}
        if body
        else None
    )
    response = _call(
        api_client(personas.foreign_practitioner), method, path.format(**clinic_a), filled
    )
    assert response.status_code in (404, 422), response.content
    if response.status_code == 422:  # a foreign id inside a body is an unknown choice
        assert _fields(response) & {"product_id"}
    assert TreatmentPlan.objects.filter(clinic=personas.clinic_b).count() == 0


def test_lists_show_nothing_of_another_clinic(personas: Personas, clinic_a: dict[str, str]) -> None:
    client = api_client(personas.foreign_practitioner)
    for path in ("/products", "/lots", "/protocols", "/stock"):
        assert _call(client, "get", path).json() == [], path


def test_a_patients_plan_list_keeps_a_constant_query_count(personas: Personas) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    patient = screened_patient(personas.practitioner)
    booster = skin_booster(personas.clinic_admin)
    client = api_client(personas.practitioner)

    def add_plan() -> None:
        plan = services.plan_create(
            actor=personas.practitioner,
            patient_id=patient.pk,
            data={"indication": "facial_rejuvenation", "areas": ["full_face"]},
        )
        services.mixline_add(
            actor=personas.practitioner, plan_id=plan.pk, product_id=booster.pk, volume_ml=1
        )

    def list_queries() -> tuple[int, list[Any]]:
        with CaptureQueriesContext(connection) as queries:
            body = _call(client, "get", f"/patients/{patient.pk}/plans").json()
        return len(queries), body

    add_plan()
    _call(client, "get", f"/patients/{patient.pk}/plans")
    one, _ = list_queries()
    for _ in range(4):
        add_plan()
    five, body = list_queries()
    assert len(body) == 5
    assert all(plan["screening_verdict"] == "eligible" for plan in body)
    assert five == one
