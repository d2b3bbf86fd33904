"""The client's address, told apart from the addresses a client may claim.

`X-Forwarded-For` is written by the client first and then appended to by every proxy, so only
the entries the trusted proxies appended can be believed. With `TRUSTED_PROXY_COUNT = n` the
client is the n-th address from the right; with 0 (the default) no proxy is trusted and the
header is ignored. Audit events, django-axes and the rate limits all use this one function, so
a spoofed header can neither frame another address nor escape a limit.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _parsed(raw: str) -> str | None:
    try:
        return ipaddress.ip_address(raw.strip()).compressed
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client as the nearest trusted party saw it (None if unreadable)."""
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if trusted > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            return _parsed(hops[-trusted])
    return _parsed(str(request.META.get("REMOTE_ADDR", "")))
