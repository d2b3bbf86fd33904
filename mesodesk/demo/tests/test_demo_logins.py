"""The logins the demo prints work, second step included."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from mesodesk.demo.seed import DEMO_PASSWORD, demo_logins

pytestmark = pytest.mark.django_db


def _password(client: Client, email: str) -> str:
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return str(response["Location"])


def test_every_printed_demo_login_reaches_the_patient_list() -> None:
    out = io.StringIO()
    call_command("seed_demo", "--patients", "3", "--clinics", "1", "--no-screen", stdout=out)
    assert "python manage.py demo_totp" in out.getvalue()
    for login in demo_logins():
        client = Client()
        location = _password(client, login.email)
        if login.two_step:
            assert location.startswith(reverse("accounts:mfa_verify"))
            code_out = io.StringIO()
            call_command("demo_totp", stdout=code_out)
            code = code_out.getvalue().split("now: ", 1)[1][:6]
            client.post(reverse("accounts:mfa_verify"), {"token": code})
        else:
            assert location == reverse("patients:list")
        assert client.get(reverse("patients:list")).status_code == 200, login.email


def test_front_desk_is_the_one_demo_login_without_a_second_step() -> None:
    assert [login.email for login in demo_logins() if not login.two_step] == [
        "frontdesk@demo.mesodesk.test"
    ]
