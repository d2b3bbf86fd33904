"""A nurse logs in for the first time, sets up an authenticator app from the QR page, keeps the
recovery codes, and later logs in with one of them."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from mesodesk.accounts.tests.helpers import totp_now
from mesodesk.audit.models import AuditEvent
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

    page.click("header .account > summary")
    page.click("header button:has-text('Log out')")
    _password(page, live_server.url, "nurse@a.test")
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("#id_token", codes[3])
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/patients/**")
    assert "You used a recovery code; 9 left" in page.locator(".messages").inner_text()


@override_settings(MFA_PASSKEYS_ENABLED=True, OTP_WEBAUTHN_RP_ID="localhost")
def test_a_practitioner_sets_up_a_passkey_and_logs_in_with_it(
    live_server: Any, personas: Personas, new_page: Any, settings: Any
) -> None:
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    page = new_page()
    # Chromium's virtual authenticator stands in for a fingerprint reader (WebAuthn over CDP).
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    _password(page, live_server.url, "practitioner@a.test")
    page.wait_for_url("**/accounts/mfa/enrol/**")
    page.click("#passkey-register-button")
    page.wait_for_url("**/accounts/mfa/?passkey=1")
    assert WebAuthnCredential.objects.filter(user=personas.practitioner.user).count() == 1

    page.click("header .account > summary")
    page.click("header button:has-text('Log out')")
    _password(page, live_server.url, "practitioner@a.test")
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.click("#passkey-verification-button")
    page.wait_for_url("**/patients/**")
    assert AuditEvent.objects.filter(
        action="mfa_verify", actor=personas.practitioner.user, summary__contains="passkey"
    ).exists()
