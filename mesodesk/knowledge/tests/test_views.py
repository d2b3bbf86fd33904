"""The knowledge pages: every member reads them, clinic admins change them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesodesk.core.testing import Personas, logged_in_client
from mesodesk.knowledge.models import ClinicKnowledgeChange
from mesodesk.knowledge.selectors import clinic_knowledge

pytestmark = pytest.mark.django_db


def test_every_member_reads_the_rules_and_their_sources(personas: Personas) -> None:
    for actor in personas.all_in_a():
        html = logged_in_client(actor).get(reverse("knowledge:overview")).content.decode()
        assert "CI-PREGNANCY" in html
        assert "configurable" in html
    sources = logged_in_client(personas.front_desk).get(reverse("knowledge:sources"))
    assert b"KYBELLA" in sources.content


def test_the_admin_loosens_a_rule_with_a_reason_through_the_page(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    url = reverse("knowledge:rule_edit", args=["CI-BREASTFEEDING"])
    refused = client.post(url, {"severity": "relative", "overridable": "on", "enabled": "on"})
    assert refused.status_code == 400
    assert "reason" in refused.context["form"].errors
    assert not ClinicKnowledgeChange.objects.exists()
    client.post(
        url,
        {
            "severity": "relative",
            "overridable": "on",
            "enabled": "on",
            "reason": "Agreed by the medical director",
        },
    )
    assert clinic_knowledge(personas.clinic_a).rules["CI-BREASTFEEDING"].severity == "relative"


def test_the_admin_adds_a_rule_through_the_page(personas: Personas) -> None:
    response = logged_in_client(personas.clinic_admin).post(
        reverse("knowledge:rule_add"),
        {
            "title": "Under 21 for lipolysis",
            "trigger_kind": "age_below",
            "years": "21",
            "severity": "absolute",
            "overridable": "on",
            "indications": ["localised_fat"],
            "explanation": "Clinic policy.",
            "resolution": "Do not treat.",
        },
    )
    assert response.status_code == 302
    rule = clinic_knowledge(personas.clinic_a).rules["CLINIC-1"]
    assert rule.scope.indications == ("localised_fat",)
    assert rule.configurable


def test_a_default_changes_through_the_page(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    url = reverse("knowledge:value_edit", args=["condition", "pregnancy"])
    assert client.post(url, {"value": "999", "reason": "x" * 20}).status_code == 400
    client.post(url, {"value": "2", "reason": "Same-week confirmation policy"})
    assert clinic_knowledge(personas.clinic_a).conditions["pregnancy"].stale_after_days == 2


@pytest.mark.parametrize("role", ["practitioner", "nurse", "front_desk", "auditor"])
def test_only_admins_reach_the_edit_pages(personas: Personas, role: str) -> None:
    client = logged_in_client(getattr(personas, role))
    assert client.get(reverse("knowledge:rule_edit", args=["CI-KELOID"])).status_code == 403
    assert client.get(reverse("knowledge:rule_add")).status_code == 403


def test_one_clinics_change_is_invisible_to_another(personas: Personas) -> None:
    response = logged_in_client(personas.clinic_admin).post(
        reverse("knowledge:rule_edit", args=["CI-KELOID"]),
        {"severity": "absolute", "overridable": "on", "enabled": "on"},
    )
    assert response.status_code == 302
    saved = ClinicKnowledgeChange.objects.get()
    assert (saved.clinic, saved.target_code, saved.change) == (
        personas.clinic_a,
        "CI-KELOID",
        {"severity": "absolute"},
    )
    assert clinic_knowledge(personas.clinic_a).rules["CI-KELOID"].severity == "absolute"
    assert clinic_knowledge(personas.clinic_b).rules["CI-KELOID"].severity == "relative"
    html = (
        logged_in_client(personas.foreign_practitioner)
        .get(reverse("knowledge:overview"))
        .content.decode()
    )
    assert "None: the clinic uses the shipped knowledge base." in html


def test_the_admin_switches_a_rule_off_and_back_on_through_the_page(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    url = reverse("knowledge:rule_edit", args=["CI-KELOID"])
    off = client.post(
        url, {"severity": "relative", "overridable": "on", "reason": "Not relevant to our work"}
    )
    assert off.status_code == 302
    assert "CI-KELOID" not in clinic_knowledge(personas.clinic_a).rules
    overview = client.get(reverse("knowledge:overview")).content.decode()
    assert 'id="rule-off-CI-KELOID"' in overview
    assert "switched off for this clinic" in overview
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["enabled"] is False

    on = client.post(url, {"severity": "relative", "overridable": "on", "enabled": "on"})

    assert on.status_code == 302
    assert "CI-KELOID" in clinic_knowledge(personas.clinic_a).rules
    assert ClinicKnowledgeChange.objects.latest("revision").change == {"enabled": True}


def test_leaving_a_switched_off_rule_off_records_nothing(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    url = reverse("knowledge:rule_edit", args=["CI-KELOID"])
    client.post(url, {"severity": "relative", "overridable": "on", "reason": "x" * 20})
    assert client.post(url, {"severity": "relative", "overridable": "on"}).status_code == 302
    assert ClinicKnowledgeChange.objects.count() == 1


def test_a_clinic_rule_is_switched_off_and_back_on_through_the_page(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    client.post(
        reverse("knowledge:rule_add"),
        {
            "title": "Under 21",
            "trigger_kind": "age_below",
            "years": "21",
            "severity": "absolute",
            "explanation": "Clinic policy.",
            "resolution": "Do not treat.",
        },
    )
    url = reverse("knowledge:rule_edit", args=["CLINIC-1"])
    settings = {"severity": "absolute", "param_years": "21"}
    client.post(url, {**settings, "reason": "Policy withdrawn for now"})
    assert "CLINIC-1" not in clinic_knowledge(personas.clinic_a).rules
    assert client.get(url).status_code == 200
    assert client.post(url, {**settings, "enabled": "on"}).status_code == 302
    assert "CLINIC-1" in clinic_knowledge(personas.clinic_a).rules


def test_an_unknown_rule_is_a_404_not_an_error(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    url = reverse("knowledge:rule_edit", args=["CI-NOPE"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"severity": "absolute", "enabled": "on"}).status_code == 404
