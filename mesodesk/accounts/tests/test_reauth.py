"""Re-authentication to sign: the password or a 4-8 digit signing PIN, stored hashed."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.accounts.reauth import secret_matches, signer_reauthenticate, signing_pin_set
from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import FieldErrors
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client

pytestmark = pytest.mark.django_db


def _user(personas: Personas) -> User:
    assert personas.practitioner.user is not None
    return personas.practitioner.user


def test_a_signing_pin_is_stored_hashed_and_accepted_in_place_of_the_password(
    personas: Personas,
) -> None:
    signing_pin_set(actor=personas.practitioner, pin="482913", password=PASSWORD)
    user = User.objects.get(pk=_user(personas).pk)
    assert "482913" not in user.signing_pin
    assert identify_hasher(user.signing_pin) is not None
    assert secret_matches(user, "482913")
    assert secret_matches(user, PASSWORD)
    assert not secret_matches(user, "482914")
    assert not secret_matches(user, "")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "12 34", "\uff11\uff12\uff13\uff14"])
def test_it_refuses_a_pin_that_is_not_4_to_8_digits(personas: Personas, pin: str) -> None:
    with pytest.raises(FieldErrors) as caught:
        signing_pin_set(actor=personas.practitioner, pin=pin, password=PASSWORD)
    assert set(caught.value.errors) == {"pin"}
    assert User.objects.get(pk=_user(personas).pk).signing_pin == ""


def test_it_refuses_to_set_a_pin_without_the_current_password(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as caught:
        signing_pin_set(actor=personas.practitioner, pin="4321", password="wrong")
    assert set(caught.value.errors) == {"password"}


def test_a_user_without_a_pin_is_not_let_in_by_an_empty_hash(personas: Personas) -> None:
    assert not secret_matches(_user(personas), "0000")


def test_a_wrong_secret_is_refused_naming_the_field_and_audited(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as missing:
        signer_reauthenticate(actor=personas.practitioner, secret="")
    assert set(missing.value.errors) == {"password"}
    with pytest.raises(FieldErrors):
        signer_reauthenticate(actor=personas.practitioner, secret="guess")
    assert AuditEvent.objects.filter(summary="re-authentication to sign failed").count() == 1
    assert signer_reauthenticate(actor=personas.practitioner, secret=PASSWORD) is not None


def test_the_account_page_sets_the_pin(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    url = reverse("accounts:signing_pin")
    assert url in client.get(reverse("accounts:mfa_manage")).content.decode()
    assert "no signing PIN yet" in client.get(url).content.decode()
    bad = client.post(url, {"pin": "12", "password": PASSWORD})
    assert bad.status_code == 400
    assert "4 to 8 digits" in bad.content.decode()
    client.post(url, {"pin": "2468", "password": PASSWORD})
    assert secret_matches(User.objects.get(pk=_user(personas).pk), "2468")
    assert "You have a signing PIN." in client.get(url).content.decode()


def test_opening_the_intake_on_the_tablet_locks_the_kiosk_to_the_intake_form(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.front_desk)
    chart = "/patients/00000000-0000-0000-0000-000000000000/"
    opened = client.post(
        reverse("accounts:kiosk_open"),
        {"url": "http://clinic.example/intake/some-token/", "return_to": chart},
    )
    assert opened["Location"] == "/intake/some-token/"
    assert client.get(reverse("patients:list")).status_code == 423
    assert client.get("/intake/some-token/").status_code != 423
    unlocked = client.post(reverse("accounts:kiosk_unlock"), {"secret": PASSWORD})
    assert unlocked["Location"] == chart
    assert client.get(reverse("patients:list")).status_code == 200


def test_only_a_patient_facing_page_opens_in_the_kiosk(personas: Personas) -> None:
    client = logged_in_client(personas.front_desk)
    refused = client.post(reverse("accounts:kiosk_open"), {"url": "https://evil.example/x"})
    assert refused.status_code == 400
    assert client.get(reverse("patients:list")).status_code == 200


def test_another_user_cannot_unlock_a_kiosk_they_did_not_lock(personas: Personas) -> None:
    client = logged_in_client(personas.front_desk)
    client.post(reverse("accounts:kiosk_open"), {"url": "/intake/t/"})
    session = client.session
    session["mesodesk_kiosk"] = {**session["mesodesk_kiosk"], "user_id": "someone-else"}
    session.save()
    assert client.post(reverse("accounts:kiosk_unlock"), {"secret": PASSWORD}).status_code == 400
    assert client.get(reverse("patients:list")).status_code == 423
