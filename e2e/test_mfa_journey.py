"""A nurse logs in for the first time, sets up an authenticator app from the QR page, keeps the
recovery codes, and later logs in with one of them."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from mesodesk.accounts.tests.helpers import totp_now
from mesodesk.core.testing import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _password(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_a_nurse_sets_up_an_authenticator_and_later_uses_a_recovery_code(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    page = new_page()
    _password(page, live_server.url, "nurse@a.test")
    page.wait_for_url("**/accounts/mfa/enrol/**")
    qr = page.locator(".mfa-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 200  # large enough for a phone camera at arm's length
    if os.environ.get("MESODESK_SCREENSHOTS"):  # refreshes the README's picture on demand
        page.screenshot(path="docs/screenshots/mfa-enrol.png", full_page=False)

    device = TOTPDevice.objects.get(user=personas.nurse.user, confirmed=False)
    page.fill("#id_token", totp_now(device))
    page.click("button:has-text('Confirm and continue')")
    page.wait_for_selector("#recovery-codes")
    codes = [code.strip() for code in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    page.click("text=I have saved them")
    page.wait_for_url("**/patients/**")

    page.click("header button:has-text('Log out')")
    _password(page, live_server.url, "nurse@a.test")
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("#id_token", codes[3])
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/patients/**")
    assert "You used a recovery code; 9 left" in page.locator(".messages").inner_text()
