"""Staff management over the API, and a foreign-clinic 404 for every new endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import ApiToken, Membership
from mesodesk.core.testing import Personas, api_client, logged_in_client, member
from mesodesk.staff import services
from mesodesk.staff.models import Invitation

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _membership(actor: Any) -> Membership:
    return Membership.objects.get(user=actor.user, clinic=actor.clinic)


def test_the_api_lists_who_has_access_with_their_last_sign_in(personas: Personas) -> None:
    answer = api_client(personas.clinic_admin).get("/api/v1/staff/members")
    assert answer.status_code == 200
    rows = {row["email"]: row for row in answer.json()}
    assert set(rows) == {
        "practitioner@a.test",
        "nurse@a.test",
        "frontdesk@a.test",
        "admin@a.test",
        "auditor@a.test",
    }
    assert rows["nurse@a.test"]["role_label"] == "Nurse / assistant"
    assert "last_login" in rows["nurse@a.test"]


def test_the_api_invites_changes_a_role_and_ends_access(personas: Personas) -> None:
    api = api_client(personas.clinic_admin)
    invited = api.post(
        "/api/v1/staff/invitations",
        {"email": "Nina@A.test", "full_name": "Nina", "role": "front_desk"},
        content_type=JSON,
    )
    assert invited.status_code == 201
    assert Invitation.objects.get(pk=invited.json()["invitation_id"]).email == "nina@a.test"

    nurse = _membership(personas.nurse)
    changed = api.patch(f"/api/v1/staff/members/{nurse.pk}", {"role": "practitioner"}, JSON)
    assert changed.status_code == 200
    assert changed.json()["role"] == "practitioner"

    nurse_api = api_client(personas.nurse)
    ended = api.post(f"/api/v1/staff/members/{nurse.pk}/deactivate")
    assert ended.status_code == 200
    assert ended.json()["is_active"] is False
    assert nurse_api.get("/api/v1/patients").status_code == 401


def test_the_api_names_each_bad_field(personas: Personas) -> None:
    api = api_client(personas.clinic_admin)
    answer = api.post(
        "/api/v1/staff/invitations", {"email": "x", "full_name": "", "role": "boss"}, JSON
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "role" in fields
    answer = api.post(
        "/api/v1/staff/invitations", {"email": "x", "full_name": " ", "role": "nurse"}, JSON
    )
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"email", "full_name"}


def test_the_api_refuses_the_last_clinic_admin_change_with_409(personas: Personas) -> None:
    owner = member(personas.clinic_b, Role.PRACTITIONER)
    assert owner.user is not None
    services.organization_admin_set(
        organization=personas.clinic_a.organization, user=owner.user, active=True, by="tests"
    )
    admin = _membership(personas.clinic_admin)
    answer = api_client(owner).patch(f"/api/v1/staff/members/{admin.pk}", {"role": "nurse"}, JSON)
    assert answer.status_code == 409


@pytest.mark.parametrize("role", ["practitioner", "nurse", "front_desk", "auditor"])
def test_the_api_refuses_roles_that_do_not_manage_staff(personas: Personas, role: str) -> None:
    api = api_client(getattr(personas, role))
    assert api.get("/api/v1/staff/members").status_code == 403
    nurse = _membership(personas.nurse)
    assert (
        api.patch(f"/api/v1/staff/members/{nurse.pk}", {"role": "clinic_admin"}, JSON).status_code
        == 404
    )


@pytest.fixture
def foreign(personas: Personas) -> dict[str, Any]:
    """Objects of clinic B, which clinic A's admin must not reach."""
    admin_b = member(personas.clinic_b, Role.CLINIC_ADMIN)
    invitation = services.staff_invite(
        actor=admin_b,
        clinic_id=personas.clinic_b.pk,
        email="someone@b.test",
        full_name="Someone",
        role="nurse",
    ).invitation
    assert invitation is not None
    return {
        "membership": _membership(personas.foreign_practitioner),
        "invitation": invitation,
        "clinic": personas.clinic_b,
    }


def test_every_staff_page_answers_404_for_another_clinic(
    personas: Personas, foreign: dict[str, Any]
) -> None:
    client = logged_in_client(personas.clinic_admin)
    membership, invitation = foreign["membership"], foreign["invitation"]
    answers = [
        client.get(reverse("staff:list") + f"?clinic={foreign['clinic'].pk}"),
        client.post(reverse("staff:role_change", args=[membership.pk]), {"role": "nurse"}),
        client.post(reverse("staff:deactivate", args=[membership.pk])),
        client.post(reverse("staff:invitation_revoke", args=[invitation.pk])),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    _assert_untouched(foreign)


def test_every_staff_endpoint_answers_404_for_another_clinic(
    personas: Personas, foreign: dict[str, Any]
) -> None:
    api = api_client(personas.clinic_admin)
    membership, invitation = foreign["membership"], foreign["invitation"]
    answers = [
        api.get(f"/api/v1/staff/members?clinic_id={foreign['clinic'].pk}"),
        api.post(
            "/api/v1/staff/invitations",
            {
                "email": "x@b.test",
                "full_name": "X",
                "role": "nurse",
                "clinic_id": str(foreign["clinic"].pk),
            },
            JSON,
        ),
        api.post(f"/api/v1/staff/invitations/{invitation.pk}/revoke"),
        api.patch(f"/api/v1/staff/members/{membership.pk}", {"role": "nurse"}, JSON),
        api.post(f"/api/v1/staff/members/{membership.pk}/deactivate"),
    ]
    assert [a.status_code for a in answers] == [404] * 5
    assert all("detail" in a.json() for a in answers)
    _assert_untouched(foreign)
    assert not Invitation.objects.filter(email="x@b.test").exists()


def _assert_untouched(foreign: dict[str, Any]) -> None:
    membership, invitation = foreign["membership"], foreign["invitation"]
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.role == "practitioner"
    assert membership.is_active
    assert invitation.revoked_at is None
    assert not ApiToken.objects.filter(membership=membership, revoked_at__isnull=False).exists()


def test_an_unknown_or_malformed_id_answers_404_not_500(personas: Personas) -> None:
    api = api_client(personas.clinic_admin)
    assert api.post("/api/v1/staff/members/not-a-uuid/deactivate").status_code == 404
    assert api.post("/api/v1/staff/invitations/not-a-uuid/revoke").status_code == 404
    client = logged_in_client(personas.clinic_admin)
    assert client.get(reverse("staff:list") + "?clinic=not-a-uuid").status_code == 404
    assert Client().get(reverse("staff:accept", args=["x" * 500])).status_code == 410
