"""Headers on every answer (issue 10, item 13): no caching of anything the app renders, and a
Content-Security-Policy that allows no inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mesodesk.catalog.tests.helpers import lidocaine_2, published
from mesodesk.core.testing import Personas, api_client, logged_in_client
from mesodesk.treatments import services
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "mesodesk"


def _no_store(response: Any) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives
    assert response["Expires"]


def _csp(response: Any) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def test_a_page_is_not_stored_and_allows_only_own_scripts(personas: Personas) -> None:
    response = logged_in_client(personas.practitioner).get(reverse("patients:list"))
    assert response.status_code == 200
    _no_store(response)
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "<script>" not in response.content.decode()


def test_a_pdf_is_not_stored(personas: Personas) -> None:
    actor = personas.practitioner
    patient = screened_patient(actor)
    protocol = published(actor, "periocular_el_domyati_2012")
    plan = services.plan_create(
        actor=actor,
        patient_id=patient.pk,
        data={
            "indication": "periocular_rejuvenation",
            "areas": ["periocular"],
            "protocol_id": protocol.pk,
        },
    )
    services.mixline_add(
        actor=actor, plan_id=plan.pk, product_id=lidocaine_2(actor).pk, volume_ml="0.5"
    )
    response = logged_in_client(actor).get(reverse("treatments:summary_pdf", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    _no_store(response)


def test_an_api_answer_and_an_api_error_are_not_stored(personas: Personas) -> None:
    answer = api_client(personas.practitioner).get("/api/v1/patients")
    assert answer.status_code == 200
    _no_store(answer)
    refused = Client().get("/api/v1/patients")
    assert refused.status_code == 401
    _no_store(refused)


def test_the_login_page_carries_the_policy_too() -> None:
    response = Client().get(reverse("accounts:login"))
    _no_store(response)
    assert _csp(response)["script-src"] == ["'self'"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
EVALUATED = re.compile(r"\bhx-on|javascript:", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    templates = list(TEMPLATE_ROOT.glob("**/templates/**/*.html"))
    assert len(templates) > 20
    offenders = [
        str(path.relative_to(TEMPLATE_ROOT))
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, EVALUATED)
        if pattern.search(path.read_text())
    ]
    assert offenders == []
