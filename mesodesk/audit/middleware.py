"""Records refused access (403 and 404 answers to a signed-in clinic member) in the trail."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase

from mesodesk.accounts.actor import Actor
from mesodesk.audit.refusals import refusal_record

logger = logging.getLogger(__name__)

REFUSALS = frozenset({403, 404})


class RefusalAuditMiddleware:
    """After the view: a 403 or 404 for an actor with an account becomes a refusal record
    (aggregated per user and path, see refusals.py). Pages get `request.actor` from the
    clinic middleware, the API from its token; the path carries no query string."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code in REFUSALS:
            actor = getattr(request, "actor", None)
            if isinstance(actor, Actor) and actor.user is not None:
                try:
                    refusal_record(actor=actor, path=request.path, status=response.status_code)
                except DatabaseError:
                    # Never turn a refusal into a 500; the log names no patient.
                    logger.warning("could not record a refusal", exc_info=True)
        return response
