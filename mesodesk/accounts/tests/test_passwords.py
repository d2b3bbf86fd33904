"""Changing and resetting passwords, and the offline breached-password check."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from mesodesk.accounts.models import User
from mesodesk.accounts.passwords import (
    BreachedPasswordValidator,
    breached_passwords,
    password_is_breached,
)
from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client

NEW_PASSWORD = "quiet-lantern-orchard-47"


def _user(personas: Personas) -> User:
    user = personas.practitioner.user
    assert user is not None
    return user


# --- The breached-password validator (no database, no network) -------------------------------


def test_the_bundled_list_extends_djangos_common_passwords() -> None:
    import gzip
    from pathlib import Path

    import django

    django_list = Path(django.__file__).parent / "contrib" / "auth" / "common-passwords.txt.gz"
    with gzip.open(django_list, "rt") as handle:
        common = {line.strip() for line in handle if line.strip()}
    listed = breached_passwords()
    assert common <= listed
    assert len(listed) > 40_000


@pytest.mark.parametrize(
    "password",
    ["password123", "PASSWORD123", "P@ssw0rd2024!", "iloveyou", "qwertyuiop", "Sunshine2025!"],
)
def test_the_validator_refuses_a_breached_password_and_its_disguises(password: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BreachedPasswordValidator().validate(password)
    assert caught.value.error_list[0].code == "password_breached"


@pytest.mark.parametrize("password", [PASSWORD, NEW_PASSWORD, "Tq8!vLw2#pZr"])
def test_the_validator_accepts_a_password_not_in_the_list(password: str) -> None:
    BreachedPasswordValidator().validate(password)


def test_the_check_makes_no_network_call(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the breached-password check tried the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    breached_passwords.cache_clear()
    assert password_is_breached("letmein123")


@given(st.text(min_size=1, max_size=40))
def test_the_check_answers_for_any_text(password: str) -> None:
    assert password_is_breached(password) in {True, False}


@pytest.mark.django_db
def test_the_settings_validators_refuse_a_breached_password_of_sufficient_length() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password("baseball1234")
    assert "password_breached" in {error.code for error in caught.value.error_list}


# --- Changing one's own password ------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_changes_their_password_and_it_is_audited(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    user = _user(personas)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("patients:list")).status_code == 200  # this session goes on
    event = AuditEvent.objects.get(action="password_change")
    assert event.actor == user
    assert event.clinic == personas.clinic_a


@pytest.mark.django_db
def test_a_password_change_refuses_a_breached_password(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Football2024",
            "new_password2": "Football2024",
        },
    )
    assert response.status_code == 200
    assert "data breaches" in response.content.decode()
    assert _user(personas).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="password_change").exists()


@pytest.mark.django_db
def test_the_password_change_page_needs_the_second_step_first(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner, verified=False)
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_enrol"))


# --- Resetting a forgotten password ---------------------------------------------------------


def _reset_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", body)
    assert match is not None, body
    return match.group(1)


@pytest.mark.django_db
def test_the_reset_e_mail_flow_sets_a_new_password_once(personas: Personas) -> None:
    client = Client()
    assert "Forgot your password?" in client.get(reverse("accounts:login")).content.decode()
    response = client.post(reverse("accounts:password_reset"), {"email": "practitioner@a.test"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["practitioner@a.test"]
    assert message.subject == "Reset your mesodesk password"

    link = _reset_link(str(message.body))
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    user = _user(personas)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_reset", actor=user).exists()

    again = Client().get(link, follow=True)
    assert "does not work any more" in again.content.decode()


@pytest.mark.django_db
def test_the_reset_page_does_not_tell_whether_an_account_exists(personas: Personas) -> None:
    known = Client().post(reverse("accounts:password_reset"), {"email": "practitioner@a.test"})
    unknown = Client().post(reverse("accounts:password_reset"), {"email": "nobody@a.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1  # only the real account's own address receives anything
    done = Client().get(known["Location"]).content.decode()
    assert "If an account uses that address" in done


@pytest.mark.django_db
def test_the_reset_link_uses_the_site_url_not_the_request_host(personas: Personas) -> None:
    Client().post(
        reverse("accounts:password_reset"),
        {"email": "practitioner@a.test"},
        headers={"host": "localhost"},
    )
    from django.conf import settings

    assert settings.SITE_URL in mail.outbox[0].body


@pytest.mark.django_db
def test_the_reset_refuses_a_breached_new_password(personas: Personas) -> None:
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "practitioner@a.test"})
    form_page = client.get(_reset_link(str(mail.outbox[0].body)), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Password12345", "new_password2": "Password12345"},
    )
    assert response.status_code == 200
    assert _user(personas).check_password(PASSWORD)


@pytest.mark.django_db
def test_a_reset_does_not_skip_the_second_step(personas: Personas) -> None:
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "practitioner@a.test"})
    form_page = client.get(_reset_link(str(mail.outbox[0].body)), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    login = client.post(
        reverse("accounts:login"), {"username": "practitioner@a.test", "password": NEW_PASSWORD}
    )
    assert login["Location"].startswith(reverse("accounts:mfa_enrol"))
