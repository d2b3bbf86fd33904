"""Bearer-token authentication of the JSON API: a token is bound to one membership."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.selectors import api_token_lookup
from mesodesk.accounts.services import api_token_touch


class TokenAuth(HttpBearer):
    """Bearer tokens bound to one membership; sets `request.actor` for the services."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_lookup(raw_key=token)
        if found is None:
            return None
        api_token_touch(token=found)
        actor = actor_for_membership(found.membership, request)
        request.actor = actor  # type: ignore[attr-defined]
        return actor
