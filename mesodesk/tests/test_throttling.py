"""Throttling behind a proxy (issue 10, item 11): the real client address, lockouts per user
name and address, and rate limits in the shared cache answering 429 with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import reverse

from mesodesk.core.clientip import client_ip
from mesodesk.core.ratelimit import Rate, parse_rate, rate_hit
from mesodesk.core.testing import PASSWORD, Personas, api_client, logged_in_client

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
VICTIM = "203.0.113.9"
ATTACKER = "198.51.100.7"


def _request(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def _login(email: str, password: str, *, forwarded: str, **extra: Any) -> Any:
    """A log-in through one trusted proxy, which appends the address it saw."""
    return Client().post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
        **extra,
    )


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored() -> None:
    assert client_ip(_request(ATTACKER, f"{VICTIM}")) == ATTACKER


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appended_is_the_client() -> None:
    # The client wrote the first entry itself; only the proxy's last entry can be believed.
    assert client_ip(_request(PROXY, f"{VICTIM}, {ATTACKER}")) == ATTACKER
    assert client_ip(_request(PROXY, ATTACKER)) == ATTACKER
    assert client_ip(_request(PROXY)) == PROXY  # not through the proxy: its own address


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client() -> None:
    assert client_ip(_request(PROXY, f"{VICTIM}, {ATTACKER}, 10.0.0.2")) == ATTACKER
    assert client_ip(_request(PROXY, "not-an-address, 10.0.0.2")) is None


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_spoofed_forwarded_for_cannot_lock_a_known_account_from_another_address(
    personas: Personas,
) -> None:
    email = "practitioner@a.test"
    for attempt in range(5):
        # The attacker claims to be the victim's address (and a new one each time).
        spoofed = f"{VICTIM}, 192.0.2.{attempt}, {ATTACKER}"
        _login(email, "wrong password", forwarded=spoofed)
    assert _login(email, PASSWORD, forwarded=f"{VICTIM}, {ATTACKER}").status_code == 429
    # The practitioner, at their own address, still logs in.
    assert _login(email, PASSWORD, forwarded=VICTIM).status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_RATE="5/m")
def test_password_spraying_across_user_names_is_slowed_per_address(personas: Personas) -> None:
    for n in range(5):
        response = _login(f"user{n}@a.test", "Spring2026!", forwarded=f"192.0.2.{n}, {ATTACKER}")
        assert response.status_code == 200
    refused = _login("nurse@a.test", "Spring2026!", forwarded=f"192.0.2.99, {ATTACKER}")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another address is not slowed by the attacker.
    assert _login("nurse@a.test", PASSWORD, forwarded=VICTIM).status_code == 302


@override_settings(API_RATE="3/m")
def test_the_api_is_limited_per_token_with_retry_after(personas: Personas) -> None:
    client = api_client(personas.practitioner)
    for _ in range(3):
        assert client.get("/api/v1/patients").status_code == 200
    refused = client.get("/api/v1/patients", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many requests" in refused.json()["detail"]
    assert api_client(personas.nurse).get("/api/v1/patients").status_code == 200


@override_settings(API_RATE="2/m")
def test_requests_without_a_token_are_limited_per_address(personas: Personas) -> None:
    client = Client(REMOTE_ADDR=ATTACKER)
    assert client.get("/api/v1/patients").status_code == 401
    assert client.get("/api/v1/patients").status_code == 401
    assert client.get("/api/v1/patients", HTTP_X_FORWARDED_FOR=VICTIM).status_code == 429


@override_settings(INTAKE_RATE="2/m")
def test_public_intake_links_are_limited_per_address(personas: Personas) -> None:
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(2):
        assert client.get("/intake/guessed-token/").status_code in (400, 404, 410)
    refused = client.get("/intake/another-guess/")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert Client(REMOTE_ADDR=VICTIM).get("/intake/guessed-token/").status_code != 429


@override_settings(LOGIN_RATE="1/m", API_RATE="1/m")
def test_pages_of_a_logged_in_user_are_not_rate_limited(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    for _ in range(5):
        assert client.get(reverse("patients:list")).status_code == 200


def test_a_rate_is_a_count_per_period() -> None:
    assert parse_rate("120/m") == Rate(count=120, seconds=60)
    assert parse_rate("20/10m") == Rate(count=20, seconds=600)
    assert parse_rate("5/h") == Rate(count=5, seconds=3600)
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate("lots")


def test_the_window_resets_and_retry_after_counts_down_to_it(db: None) -> None:
    rate = Rate(count=2, seconds=60)
    start = 6_000_000.0  # the start of a window
    assert rate_hit("t", "x", rate, now=start) is None
    assert rate_hit("t", "x", rate, now=start + 1) is None
    assert rate_hit("t", "x", rate, now=start + 20) == 40
    assert rate_hit("t", "x", rate, now=start + 60) is None  # the next window
