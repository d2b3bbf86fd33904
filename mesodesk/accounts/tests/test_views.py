"""Log-in, lockout, idle log-out, choosing the active clinic, CSRF, API tokens."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from mesodesk.accounts.choices import Role
from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY, LAST_SEEN_KEY
from mesodesk.accounts.models import ApiToken, Membership
from mesodesk.accounts.services import api_token_issue
from mesodesk.accounts.tests.helpers import totp_device, totp_now
from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client, mark_mfa_verified

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str) -> int:
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR="10.0.0.7"
    )
    return response.status_code


def test_a_member_logs_in_with_email_and_password(personas: Personas) -> None:
    assert personas.practitioner.user is not None
    device = totp_device(personas.practitioner.user)
    client = Client()
    assert _login(client, "practitioner@a.test", PASSWORD) == 302
    client.post(reverse("accounts:mfa_verify"), {"token": totp_now(device)})
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=personas.practitioner.user).exists()


def test_repeated_failures_lock_the_account_out(personas: Personas) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, "practitioner@a.test", "wrong password") == 200
    assert _login(client, "practitioner@a.test", "wrong password") == 429  # the fifth locks
    assert _login(client, "practitioner@a.test", PASSWORD) == 429  # even the right password
    assert AuditEvent.objects.filter(action="login_failed").count() >= 5


def test_a_session_ends_after_the_idle_timeout(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get(reverse("patients:list")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 16 * 60
    session.save()
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert "idle=1" in response["Location"]
    assert client.get(reverse("patients:list")).status_code == 302


@override_settings(SESSION_IDLE_TIMEOUT=120)
def test_the_idle_timeout_is_configurable(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("patients:list"))
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 121
    session.save()
    assert client.get(reverse("patients:list")).status_code == 302


def test_a_user_of_several_clinics_chooses_the_active_one(personas: Personas) -> None:
    user = personas.practitioner.user
    assert user is not None
    Membership.objects.create(user=user, clinic=personas.clinic_b, role=Role.NURSE)
    client = Client()
    client.force_login(user)
    mark_mfa_verified(client, user)
    assert client.get(reverse("patients:list"))["Location"] == reverse("accounts:select_clinic")

    client.post(reverse("accounts:select_clinic"), {"clinic": str(personas.clinic_b.pk)})
    assert client.session[ACTIVE_CLINIC_KEY] == str(personas.clinic_b.pk)
    page = client.get(reverse("patients:list"))
    assert page.context["actor"].clinic == personas.clinic_b
    assert page.context["actor"].role == "nurse"
    assert AuditEvent.objects.filter(action="select_clinic", clinic=personas.clinic_b).exists()


def test_a_user_cannot_pick_a_clinic_they_do_not_belong_to(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    client.post(reverse("accounts:select_clinic"), {"clinic": str(personas.clinic_b.pk)})
    assert client.session[ACTIVE_CLINIC_KEY] == str(personas.clinic_a.pk)


def test_forms_refuse_posts_without_a_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(reverse("accounts:login"), {"username": "x", "password": "y"}).status_code
        == 403
    )
    user = personas.front_desk.user
    assert user is not None
    client.force_login(user)
    response = client.post(reverse("patients:create"), {"d-given_name": "A"})
    assert response.status_code == 403


def test_a_member_issues_and_revokes_an_api_token(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    page = client.post(reverse("accounts:tokens"), {"name": "Reporting", "days": "30"})
    raw = page.context["issued"].raw_key
    assert raw.startswith("mdk_")
    assert raw.encode() in page.content
    token = ApiToken.objects.get()
    assert token.key_hash != raw
    assert raw not in token.prefix + token.name
    assert (
        Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/patients").status_code
        == 200
    )
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert (
        Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/patients").status_code
        == 401
    )


def test_revoking_another_users_api_token_answers_404_and_leaves_it_working(
    personas: Personas,
) -> None:
    issued = api_token_issue(actor=personas.nurse, name="Nurse's", days=1)
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("accounts:token_revoke", args=[issued.token.pk]))
    assert response.status_code == 404
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None


def test_a_token_form_with_bad_input_shows_errors(personas: Personas) -> None:
    page = logged_in_client(personas.practitioner).post(
        reverse("accounts:tokens"), {"name": "", "days": "999"}
    )
    assert {"name", "days"} <= set(page.context["form"].errors)
    assert not ApiToken.objects.exists()


def test_logout_is_a_post_and_ends_the_session(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("patients:list")).status_code == 302
