"""Idle and absolute session time-outs: the middleware's clocks, not the session store, end a
session; HTMX requests are sent to the log-in page; short time-outs work for active users."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from mesodesk.accounts import middleware
from mesodesk.accounts.middleware import LAST_SEEN_KEY, STARTED_KEY, last_seen_resolution
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(middleware, "time", fake)
    return fake


def _age(client: Client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_an_htmx_request_after_the_idle_timeout_is_sent_to_the_login_page(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("patients:list"))
    _age(client, LAST_SEEN_KEY, settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("patients:list") + "?q=smi", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:login") + "?idle=1"
    assert client.get(reverse("patients:list")).status_code == 302


def test_an_htmx_request_without_a_session_is_sent_to_the_login_page(personas: Personas) -> None:
    response = Client().get(reverse("patients:list") + "?q=smi", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_a_page_request_after_the_idle_timeout_returns_to_the_page_after_login(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("patients:list"))
    _age(client, LAST_SEEN_KEY, settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("patients:list") + "?q=smi")
    assert response.status_code == 302
    assert "idle=1" in response["Location"]
    assert "next=%2Fpatients%2F%3Fq%3Dsmi" in response["Location"]


def test_the_session_store_outlives_both_time_outs(personas: Personas) -> None:
    assert settings.SESSION_COOKIE_AGE > settings.SESSION_IDLE_TIMEOUT
    assert settings.SESSION_COOKIE_AGE > settings.SESSION_ABSOLUTE_LIFETIME
    client = Client()
    client.post(reverse("accounts:login"), {"username": "nurse@a.test", "password": PASSWORD})
    assert client.session.get_expiry_age() > settings.SESSION_ABSOLUTE_LIFETIME


def test_the_absolute_lifetime_defaults_to_twelve_hours() -> None:
    assert settings.SESSION_ABSOLUTE_LIFETIME == 12 * 60 * 60


def test_a_session_ends_after_the_absolute_lifetime_even_while_active(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get(reverse("patients:list")).status_code == 200
    _age(client, STARTED_KEY, settings.SESSION_ABSOLUTE_LIFETIME + 1)
    _age(client, LAST_SEEN_KEY, 1)  # active a second ago
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert "expired=1" in response["Location"]
    htmx = logged_in_client(personas.practitioner)
    htmx.get(reverse("patients:list"))
    _age(htmx, STARTED_KEY, settings.SESSION_ABSOLUTE_LIFETIME + 1)
    answer = htmx.get(reverse("patients:list"), HTTP_HX_REQUEST="true")
    assert answer["HX-Redirect"] == reverse("accounts:login") + "?expired=1"


@override_settings(SESSION_ABSOLUTE_LIFETIME=3600)
def test_the_absolute_lifetime_is_configurable(personas: Personas, clock: FakeClock) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get(reverse("patients:list")).status_code == 200
    for _ in range(6):  # an active user, a request every ten minutes
        clock.now += 600
        assert client.get(reverse("patients:list")).status_code == 200
    clock.now += 60
    assert client.get(reverse("patients:list")).status_code == 302


@override_settings(SESSION_IDLE_TIMEOUT=20)
def test_a_time_out_under_a_minute_keeps_an_active_user_logged_in(
    personas: Personas, clock: FakeClock
) -> None:
    client = logged_in_client(personas.practitioner)
    assert client.get(reverse("patients:list")).status_code == 200
    for _ in range(10):  # a request every 15 seconds for two and a half minutes
        clock.now += 15
        assert client.get(reverse("patients:list")).status_code == 200
    clock.now += 21
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert "idle=1" in response["Location"]


def test_the_last_seen_stamp_is_written_at_most_once_a_minute_for_long_time_outs() -> None:
    assert last_seen_resolution(15 * 60) == 60
    assert last_seen_resolution(20) == 2
    assert last_seen_resolution(5) == 1


def test_the_login_page_says_why_the_session_ended() -> None:
    page = Client().get(reverse("accounts:login") + "?expired=1")
    assert b"Your session has ended" in page.content
