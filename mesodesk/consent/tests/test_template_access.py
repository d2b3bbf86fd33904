"""Consent templates are kept by whoever may run their services (catalog managers, the clinic
admin among them), reachable from the main menu."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesodesk.consent.models import ConsentTemplate
from mesodesk.core.testing import Personas, logged_in_client

pytestmark = pytest.mark.django_db


def test_the_clinic_admin_drafts_and_publishes_a_template_from_the_menu(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.clinic_admin)
    home = client.get(reverse("catalog:products")).content.decode()
    assert f'href="{reverse("consent:templates")}"' in home
    assert client.get(reverse("consent:templates")).status_code == 200
    created = client.post(
        reverse("consent:templates"),
        {
            "indication": "submental_fat",
            "alternatives": "Surgery, or no treatment.",
            "withdrawal_text": "You may stop at any time.",
            "photo_text": "Photographs are optional.",
        },
    )
    assert created.status_code == 302
    draft = ConsentTemplate.objects.get(indication="submental_fat")
    url = reverse("consent:template", args=[draft.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"publish": "1"})
    draft.refresh_from_db()
    assert draft.status == "published"


def test_roles_that_cannot_keep_templates_get_neither_the_page_nor_the_menu_entry(
    personas: Personas,
) -> None:
    for actor in (personas.nurse, personas.front_desk, personas.auditor):
        client = logged_in_client(actor)
        assert client.get(reverse("consent:templates")).status_code == 403
        page = client.get(reverse("knowledge:overview")).content.decode()
        assert reverse("consent:templates") not in page
