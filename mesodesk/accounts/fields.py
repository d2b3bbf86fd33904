"""The input bounds of accounts, defined once (see `core.fields`)."""

from __future__ import annotations

from mesodesk.core.fields import plain_bound

# How long an API token may live: a security choice, not clinical data.
TOKEN_DAYS = plain_bound(1, 365, "days")
