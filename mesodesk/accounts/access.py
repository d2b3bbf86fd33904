"""View helpers: the acting clinic member of a request, and capability checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponseBase

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.core.errors import PermissionDenied as ServicePermissionDenied

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def request_actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    if not isinstance(actor, Actor):
        raise DjangoPermissionDenied("No active clinic.")
    return actor


def clinic_view(
    *capabilities: Capability,
) -> Callable[[Callable[Concatenate[HttpRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]]:
    """A page for logged-in clinic members holding every named capability (else 403)."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
            actor = request_actor(request)
            for capability in capabilities:
                if not actor.can(capability):
                    raise DjangoPermissionDenied(f"Your role may not {capability.value}.")
            try:
                return view(request, *args, **kwargs)
            except ServicePermissionDenied as exc:
                # A service refused the actor's role: the page answers 403, never 500.
                raise DjangoPermissionDenied(str(exc)) from exc

        return login_required(wrapper)  # type: ignore[return-value]

    return decorator
