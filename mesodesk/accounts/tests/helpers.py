"""Helpers for tests of log-in's second step."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mesodesk.accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=confirmed
    )
    return device


def totp_now(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the user's app would show now (django-otp's own RFC 6238 arithmetic)."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() + offset_steps * device.step
    return f"{clock.token():0{device.digits}d}"
