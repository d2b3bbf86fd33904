"""Shared pieces of the JSON API: error shapes and exception handlers.

Token authentication lives in `accounts.api_auth`: core imports nothing of the apps above it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


# The error answers every endpoint may give, for the OpenAPI description.
ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form"}:
        source = parts.pop(0)
        # ninja nests a body under the parameter's name; the client never sees that name.
        if source == "body" and len(parts) > 1:
            parts.pop(0)
        elif source == "body" and len(parts) == 1 and parts[0] == "payload":
            parts = []
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    def validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"field": _field_path(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors
        ]
        return api.create_response(
            request, {"detail": "Invalid input; nothing was saved.", "errors": errors}, status=422
        )

    def field_errors(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [{"field": f, "message": m} for f, msgs in exc.errors.items() for m in msgs]
        return api.create_response(
            request, {"detail": "Invalid input; nothing was saved.", "errors": errors}, status=422
        )

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=403)

    def conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=409)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": "A valid API token is required (Authorization: Bearer …)."},
            status=401,
        )

    api.add_exception_handler(NinjaValidationError, validation)
    api.add_exception_handler(FieldErrors, field_errors)
    api.add_exception_handler(NotFound, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Conflict, conflict)
    api.add_exception_handler(AuthenticationError, unauthenticated)
