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

# Higher apps may widen what an actor sees of one patient (break-glass lives in the staff app,
# above patients); accounts cannot import them, so they register here.
ChartElevation = Callable[[HttpRequest, Actor, str], Actor | None]
_chart_elevations: list[ChartElevation] = []


def register_chart_elevation(elevation: ChartElevation) -> None:
    if elevation not in _chart_elevations:
        _chart_elevations.append(elevation)


def elevated_actor(request: HttpRequest, actor: Actor, patient_id: str) -> Actor:
    """The actor a read of this patient's pages runs as: itself, or a registered elevation
    (an open break-glass grant). Only reads are elevated, so elevated access is read-only."""
    if request.method not in ("GET", "HEAD"):
        return actor
    for elevation in _chart_elevations:
        elevated = elevation(request, actor, patient_id)
        if elevated is not None:
            request.actor = elevated  # type: ignore[attr-defined]
            return elevated
    return actor


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
            if "patient_id" in kwargs:
                actor = elevated_actor(request, actor, str(kwargs["patient_id"]))
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
