"""Two-step verification: enrolment, log-in with a code, recovery codes, policy, admin reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.mfa import mfa_required_for_user
from mesodesk.accounts.models import ClinicMfaPolicy, User
from mesodesk.accounts.tests.helpers import totp_device, totp_now
from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import PASSWORD, Personas, api_client, logged_in_client

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


def _user(actor: Actor) -> User:
    assert actor.user is not None
    return actor.user


def _password_login(email: str) -> tuple[Client, Any]:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    return client, response


def _enrol(client: Client, user: User) -> list[str]:
    """Goes through the enrolment page as a person with a phone would; returns the codes."""
    page = client.get(reverse("accounts:mfa_enrol"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(reverse("accounts:mfa_enrol"), {"token": totp_now(device)})
    assert done.status_code == 200
    return CODE_PATTERN.findall(done.content.decode())


def test_an_enforced_role_without_a_device_is_sent_to_enrolment(personas: Personas) -> None:
    client, response = _password_login("practitioner@a.test")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_enrol"))
    page = client.get(reverse("patients:list"))
    assert page["Location"] == f"{reverse('accounts:mfa_enrol')}?next=%2Fpatients%2F"


def test_an_htmx_request_of_an_unverified_user_gets_an_htmx_redirect(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.nurse, verified=False)
    response = client.get(reverse("patients:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:mfa_enrol"))


def test_front_desk_is_not_enforced_by_default(personas: Personas) -> None:
    client, response = _password_login("frontdesk@a.test")
    assert response["Location"] == reverse("patients:list")
    assert client.get(reverse("patients:list")).status_code == 200
    assert not mfa_required_for_user(user=_user(personas.front_desk))


def test_every_role_but_front_desk_is_enforced_by_default(personas: Personas) -> None:
    for actor in personas.all_in_a():
        assert mfa_required_for_user(user=_user(actor)) is (actor.role != Role.FRONT_DESK)


def test_enrolment_shows_a_server_drawn_qr_code_and_confirms_with_a_code(
    personas: Personas,
) -> None:
    user = _user(personas.practitioner)
    client, _ = _password_login(user.email)
    page = client.get(reverse("accounts:mfa_enrol"))
    html = page.content.decode()
    assert "<svg" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # no external image service
    assert "cdn" not in html.lower()

    codes = _enrol(client, user)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=user).confirmed
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa_enrol", actor=user).exists()


def test_a_wrong_code_does_not_confirm_enrolment(personas: Personas) -> None:
    user = _user(personas.practitioner)
    client, _ = _password_login(user.email)
    client.get(reverse("accounts:mfa_enrol"))
    response = client.post(reverse("accounts:mfa_enrol"), {"token": "000000x"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_login_with_totp_passes_the_second_step(personas: Personas) -> None:
    user = _user(personas.practitioner)
    device = totp_device(user)
    client, response = _password_login(user.email)
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert client.get(reverse("patients:list")).status_code == 302

    wrong = client.post(reverse("accounts:mfa_verify"), {"token": "123456"})
    assert wrong.status_code == 200
    assert AuditEvent.objects.filter(action="mfa_verify_failed", actor=user).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above slowed the next try by a second
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(
        reverse("accounts:mfa_verify"), {"token": totp_now(device), "next": "/patients/"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/patients/"
    assert client.get(reverse("patients:list")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa_verify", actor=user).exists()


def test_the_second_step_refuses_an_outside_next_url(personas: Personas) -> None:
    user = _user(personas.practitioner)
    device = totp_device(user)
    client, _ = _password_login(user.email)
    response = client.post(
        reverse("accounts:mfa_verify"),
        {"token": totp_now(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("patients:list")


def test_a_recovery_code_works_once(personas: Personas) -> None:
    user = _user(personas.nurse)
    client, _ = _password_login(user.email)
    codes = _enrol(client, user)
    client.post(reverse("accounts:logout"))

    client, _ = _password_login(user.email)
    ok = client.post(reverse("accounts:mfa_verify"), {"token": codes[0].upper()})
    assert ok.status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.post(reverse("accounts:logout"))

    client, _ = _password_login(user.email)
    again = client.post(reverse("accounts:mfa_verify"), {"token": codes[0]})
    assert again.status_code == 200
    assert "already used" in again.content.decode()
    assert client.get(reverse("patients:list")).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(personas: Personas) -> None:
    user = _user(personas.nurse)
    client, _ = _password_login(user.email)
    old = _enrol(client, user)
    page = client.post(reverse("accounts:mfa_recovery_codes"))
    new = CODE_PATTERN.findall(page.content.decode())
    assert len(new) == 10
    assert not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert AuditEvent.objects.filter(action="mfa_recovery_codes", actor=user).exists()


def test_a_user_with_a_device_cannot_add_another_before_the_second_step(
    personas: Personas,
) -> None:
    user = _user(personas.practitioner)
    totp_device(user)
    client, _ = _password_login(user.email)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 403


def test_api_bearer_tokens_are_not_asked_for_a_second_step(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    assert client.get("/api/v1/patients").status_code == 200


def test_a_verified_session_passes_and_an_unverified_one_does_not(personas: Personas) -> None:
    assert logged_in_client(personas.practitioner).get("/patients/").status_code == 200
    unverified = logged_in_client(personas.practitioner, verified=False)
    assert unverified.get("/patients/").status_code == 302


def test_a_passkey_registration_can_begin_for_a_user_enrolling(personas: Personas) -> None:
    client, _ = _password_login("practitioner@a.test")
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["name"] == "mesodesk"
    assert options["user"]["name"] == "practitioner@a.test"


def test_passkeys_are_never_a_way_around_the_password(personas: Personas) -> None:
    response = Client().post(reverse("otp_webauthn:credential-authentication-begin"))
    assert response.status_code in {401, 403}


# --- The clinic's policy ----------------------------------------------------------------------


def test_the_clinic_admin_sets_which_roles_must_use_it(personas: Personas) -> None:
    admin = logged_in_client(personas.clinic_admin)
    page = admin.get(reverse("accounts:mfa_policy"))
    assert page.status_code == 200
    assert "Front desk" in page.content.decode()
    response = admin.post(
        reverse("accounts:mfa_policy"), {"required_roles": [Role.FRONT_DESK, Role.PRACTITIONER]}
    )
    assert response.status_code == 302
    policy = ClinicMfaPolicy.objects.get(clinic=personas.clinic_a)
    assert sorted(policy.required_roles) == [Role.FRONT_DESK, Role.PRACTITIONER]
    assert mfa_required_for_user(user=_user(personas.front_desk))
    assert not mfa_required_for_user(user=_user(personas.nurse))
    assert AuditEvent.objects.filter(action="mfa_policy", clinic=personas.clinic_a).exists()

    _, login = _password_login("frontdesk@a.test")
    assert login["Location"].startswith(reverse("accounts:mfa_enrol"))


def test_a_clinic_policy_does_not_reach_another_clinic(personas: Personas) -> None:
    admin = logged_in_client(personas.clinic_admin)
    admin.post(reverse("accounts:mfa_policy"), {"required_roles": []})
    assert not mfa_required_for_user(user=_user(personas.practitioner))
    assert mfa_required_for_user(user=_user(personas.foreign_practitioner))


def test_the_policy_page_refuses_an_unknown_role(personas: Personas) -> None:
    admin = logged_in_client(personas.clinic_admin)
    response = admin.post(reverse("accounts:mfa_policy"), {"required_roles": ["janitor"]})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize("role", ["practitioner", "nurse", "front_desk", "auditor"])
def test_only_a_clinic_admin_may_open_the_policy_page(personas: Personas, role: str) -> None:
    client = logged_in_client(getattr(personas, role))
    assert client.get(reverse("accounts:mfa_policy")).status_code == 403


def test_the_policy_page_lists_members_in_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    admin = logged_in_client(personas.clinic_admin)
    for actor in personas.all_in_a():
        totp_device(_user(actor))
    with django_assert_max_num_queries(16):
        page = admin.get(reverse("accounts:mfa_policy"))
    assert page.content.decode().count("data-member=") == 5


# --- Admin reset of a lost device -------------------------------------------------------------


def test_the_admin_reset_removes_every_factor_is_audited_and_asks_to_enrol_again(
    personas: Personas,
) -> None:
    user = _user(personas.practitioner)
    client, _ = _password_login(user.email)
    _enrol(client, user)
    assert client.get(reverse("patients:list")).status_code == 200

    admin = logged_in_client(personas.clinic_admin)
    response = admin.post(reverse("accounts:mfa_member_reset", args=[user.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="mfa_reset")
    assert event.clinic == personas.clinic_a
    assert event.actor == personas.clinic_admin.user
    assert event.object_id == user.pk

    # The lost phone's session is over; the next log-in sets up a new device.
    assert client.get(reverse("patients:list"))["Location"].startswith(reverse("accounts:login"))
    _, login = _password_login(user.email)
    assert login["Location"].startswith(reverse("accounts:mfa_enrol"))


def test_the_admin_reset_of_another_clinics_member_is_not_found(personas: Personas) -> None:
    foreign = _user(personas.foreign_practitioner)
    totp_device(foreign)
    admin = logged_in_client(personas.clinic_admin)
    response = admin.post(reverse("accounts:mfa_member_reset", args=[foreign.pk]))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=foreign).exists()
    assert not AuditEvent.objects.filter(action="mfa_reset").exists()


def test_a_foreign_clinic_admin_cannot_reset_a_member_of_clinic_a(personas: Personas) -> None:
    from mesodesk.core.testing import member

    foreign_admin = member(personas.clinic_b, Role.CLINIC_ADMIN, email="admin@b.test")
    target = _user(personas.nurse)
    totp_device(target)
    response = logged_in_client(foreign_admin).post(
        reverse("accounts:mfa_member_reset", args=[target.pk])
    )
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_admin_reset_answers_404_for_an_unknown_user(personas: Personas) -> None:
    admin = logged_in_client(personas.clinic_admin)
    response = admin.post(
        reverse("accounts:mfa_member_reset", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_a_practitioner_cannot_reset_a_colleague(personas: Personas) -> None:
    target = _user(personas.nurse)
    totp_device(target)
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("accounts:mfa_member_reset", args=[target.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_reset_refuses_a_get(personas: Personas) -> None:
    admin = logged_in_client(personas.clinic_admin)
    user = _user(personas.nurse)
    assert admin.get(reverse("accounts:mfa_member_reset", args=[user.pk])).status_code == 405
