"""Consent over the API: templates versioned, consent refused blank or partial, countersigned,
withdrawn; every endpoint answers 404 to another clinic."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.tests.helpers import active_plan, blank_signature, sign_all, signature
from mesodesk.consent.tests.helpers import template as published_template
from mesodesk.core.testing import PASSWORD, Personas, api_client, pdf_text
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _call(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(API + path)
    return getattr(client, method)(
        API + path, data=json.dumps(body or {}), content_type="application/json"
    )


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    plan = active_plan(personas)
    published_template(personas.practitioner, plan.indication)
    return plan


def _signing(client: Client, plan: TreatmentPlan, **overrides: Any) -> dict[str, Any]:
    document = _call(client, "get", f"/plans/{plan.pk}/consent-document").json()
    return {
        "accepted": [s["key"] for s in document["statements"]],
        "photo_consent": False,
        "signer_name": "Anna Smith",
        "signature": signature(),
        "text_sha256": document["sha256"],
        **overrides,
    }


def test_the_consent_document_names_the_evidence_and_the_off_label_use(
    personas: Personas, plan: TreatmentPlan
) -> None:
    document = _call(api_client(personas.nurse), "get", f"/plans/{plan.pk}/consent-document")
    body = document.json()
    assert document.status_code == 200
    assert len(body["sha256"]) == 64
    assert "off-label" in body["text"].lower()
    assert "weeks" in body["text"]  # delayed infection weeks later
    assert {s["key"] for s in body["statements"]} >= {"risks", "withdraw"}


def test_a_partial_or_blank_consent_answers_422_naming_each_field(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = api_client(personas.nurse)
    body = _signing(client, plan)
    partial = _call(
        client,
        "post",
        f"/plans/{plan.pk}/consents",
        {
            **body,
            "accepted": body["accepted"][:1],
            "signature": blank_signature(),
            "photo_consent": None,
            "signer_name": " ",
        },
    )
    assert partial.status_code == 422
    fields = _fields(partial)
    assert {"signature", "photo_consent", "signer_name"} <= fields
    assert all(f"statement_{k}" in fields for k in body["accepted"][1:])
    assert not Consent.objects.exists()


def test_a_consent_is_signed_countersigned_and_its_pdf_served(
    personas: Personas, plan: TreatmentPlan
) -> None:
    nurse = api_client(personas.nurse)
    signed = _call(nurse, "post", f"/plans/{plan.pk}/consents", _signing(nurse, plan))
    assert signed.status_code == 201, signed.content
    consent = signed.json()
    assert consent["status"] == "awaiting"
    assert consent["signature_png_base64"]
    assert _call(nurse, "post", f"/consents/{consent['id']}/countersign").status_code == 403
    doctor = api_client(personas.practitioner)
    done = _call(
        doctor, "post", f"/consents/{consent['id']}/countersign", {"password": PASSWORD}
    ).json()
    assert done["status"] == "signed"
    assert done["valid_for_current_plan"] is True
    pdf = doctor.get(f"{API}/consents/{consent['id']}/consent.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "Anna Smith" in pdf_text(pdf.content)
    listed = _call(doctor, "get", f"/plans/{plan.pk}/consents").json()
    assert [c["id"] for c in listed] == [consent["id"]]


def test_a_text_that_changed_while_open_is_refused(personas: Personas, plan: TreatmentPlan) -> None:
    client = api_client(personas.nurse)
    response = _call(
        client, "post", f"/plans/{plan.pk}/consents", _signing(client, plan, text_sha256="0" * 64)
    )
    assert response.status_code == 422
    assert "changed" in response.json()["errors"][0]["message"]


def test_withdrawal_needs_a_reason_and_is_final(personas: Personas, plan: TreatmentPlan) -> None:
    consent = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    client = api_client(personas.nurse)
    assert _call(client, "post", f"/consents/{consent.pk}/withdraw", {}).status_code == 422
    done = _call(client, "post", f"/consents/{consent.pk}/withdraw", {"reason": "By phone"})
    assert done.json()["status"] == "withdrawn"
    again = _call(client, "post", f"/consents/{consent.pk}/withdraw", {"reason": "Again"})
    assert again.status_code == 409


def test_templates_are_drafted_published_frozen_and_versioned(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    draft = _call(
        client,
        "post",
        "/consent-templates",
        {"indication": "stretch_marks", "extra_statements": ["I have read the leaflet."]},
    ).json()
    assert draft["version"] == 1
    assert draft["status"] == "draft"
    edited = _call(client, "patch", f"/consent-templates/{draft['id']}", {"introduction": "Hi"})
    assert edited.json()["introduction"] == "Hi"
    _call(client, "post", f"/consent-templates/{draft['id']}/publish")
    frozen = _call(client, "patch", f"/consent-templates/{draft['id']}", {"introduction": "No"})
    assert frozen.status_code == 409
    second = _call(client, "post", f"/consent-templates/{draft['id']}/versions")
    assert second.status_code == 201
    assert second.json()["version"] == 2
    assert second.json()["introduction"] == "Hi"
    unknown = _call(client, "post", "/consent-templates", {"indication": "hair_growth_magic"})
    assert unknown.status_code == 422
    assert _fields(unknown) == {"indication"}


@pytest.fixture
def clinic_a(personas: Personas, plan: TreatmentPlan) -> dict[str, str]:
    consent = sign_all(personas.nurse, plan)
    return {
        "plan": str(plan.pk),
        "consent": str(consent.pk),
        "template": str(ConsentTemplate.objects.get(clinic=personas.clinic_a).pk),
    }


FOREIGN: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/consent-templates/{template}", None),
    ("patch", "/consent-templates/{template}", {"introduction": "x"}),
    ("post", "/consent-templates/{template}/publish", None),
    ("post", "/consent-templates/{template}/versions", None),
    ("get", "/plans/{plan}/consent-document", None),
    ("get", "/plans/{plan}/consents", None),
    (
        "post",
        "/plans/{plan}/consents",
        {
            "accepted": [],
            "photo_consent": True,
            "signer_name": "X",
            "signature": "x",
            "text_sha256": "x",
        },
    ),
    ("get", "/consents/{consent}", None),
    ("post", "/consents/{consent}/countersign", None),
    ("post", "/consents/{consent}/withdraw", {"reason": "x"}),
    ("get", "/consents/{consent}/consent.pdf", None),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN)
def test_every_consent_endpoint_answers_404_to_another_clinic(
    personas: Personas,
    clinic_a: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = _call(
        api_client(personas.foreign_practitioner), method, path.format(**clinic_a), body
    )
    assert response.status_code == 404, response.content
    consent = Consent.objects.get()
    assert consent.status == "awaiting"
    assert ConsentTemplate.objects.filter(clinic=personas.clinic_b).count() == 0


def test_another_clinic_lists_none_of_this_clinics_templates(
    personas: Personas, clinic_a: dict[str, str]
) -> None:
    own = _call(api_client(personas.practitioner), "get", "/consent-templates").json()
    assert [t["id"] for t in own] == [clinic_a["template"]]
    foreign = _call(api_client(personas.foreign_practitioner), "get", "/consent-templates")
    assert foreign.status_code == 200
    assert foreign.json() == []


def test_countersigning_through_the_api_needs_the_password(
    personas: Personas, plan: TreatmentPlan
) -> None:
    consent = sign_all(personas.nurse, plan)
    doctor = api_client(personas.practitioner)
    missing = _call(doctor, "post", f"/consents/{consent.pk}/countersign")
    assert missing.status_code == 422
    assert _fields(missing) == {"password"}
    wrong = _call(doctor, "post", f"/consents/{consent.pk}/countersign", {"password": "guess"})
    assert wrong.status_code == 422
    assert _fields(wrong) == {"password"}
    consent.refresh_from_db()
    assert consent.countersigned_at is None
    done = _call(doctor, "post", f"/consents/{consent.pk}/countersign", {"password": PASSWORD})
    assert done.status_code == 200
    assert done.json()["reauthenticated_at"] is not None


def test_a_second_consent_for_the_same_plan_version_is_refused_with_409(
    personas: Personas, plan: TreatmentPlan
) -> None:
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    nurse = api_client(personas.nurse)
    again = _call(nurse, "post", f"/plans/{plan.pk}/consents", _signing(nurse, plan))
    assert again.status_code == 409
    assert "already has a consent" in again.content.decode()
    assert Consent.objects.count() == 1
