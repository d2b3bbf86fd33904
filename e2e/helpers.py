"""Logging in through the real form, second step included, as a person would."""

from __future__ import annotations

import time
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from mesodesk.accounts.models import User
from mesodesk.accounts.tests.helpers import totp_device, totp_now
from mesodesk.core.testing import PASSWORD


def log_in(page: Any, base_url: str, email: str) -> None:
    """Password, then the code of the user's authenticator app (one is set up if needed).

    The user gets an app like any member of an enforced role (or a volunteer at front desk),
    so the journeys pass the same second step a clinic's staff do.
    """
    user = User.objects.get(email=email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("#id_token", _fresh_code(device))
    page.click("button:has-text('Verify')")
    page.wait_for_url(lambda url: "/accounts/mfa/" not in url)


def _fresh_code(device: TOTPDevice) -> str:
    """A code django-otp accepts: a code is refused once used, so take the next step's if so."""
    device.refresh_from_db()
    while True:
        step_now = (int(time.time()) - device.t0) // device.step
        ahead = max(0, device.last_t + 1 - step_now)
        if ahead <= device.tolerance:
            return totp_now(device, offset_steps=ahead)
        time.sleep(1)
