"""Shared pieces of the JSON API: error shapes and exception handlers.

Token authentication lives in `accounts.api_auth`: core imports nothing of the apps above it.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import MinLen
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.schemas import InSchema


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


# The error answers every endpoint may give, for the OpenAPI description.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,  # a body that is not JSON at all
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,  # over the rate limit (mesodesk.core.middleware), with Retry-After
}


NOT_CLEARABLE = "This field cannot be cleared; leave it out to keep its value."


def _cleared_value(annotation: Any) -> Any:
    """What `null` means for a field of this type in a PATCH: "" for text, [] for lists, or
    None when null passes on unchanged (numbers, dates, ids: the service decides)."""
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        annotation = kinds[0] if len(kinds) == 1 else None
    origin = get_origin(annotation)
    if annotation is str or (origin is Literal and "" in get_args(annotation)):
        return ""
    if origin is list:
        return []
    return None


class PatchSchema(InSchema):
    """Base of every PATCH body. Leaving a field out keeps its value; `null` clears a text field
    (to "") or a list (to []) where the field may be empty, and a field that must not be empty
    (min_length >= 1) answers 422 naming it. Services then validate "" and [] as they would
    if the client had sent them, so null never reaches a NOT NULL column."""

    @field_validator("*", mode="before")
    @classmethod
    def _null_clears(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None or info.field_name is None:
            return value
        field = cls.model_fields[info.field_name]
        cleared = _cleared_value(field.annotation)
        if cleared is None:
            return None
        if any(isinstance(m, MinLen) and m.min_length > 0 for m in field.metadata):
            raise PydanticCustomError("not_clearable", NOT_CLEARABLE)
        return cleared


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


# PostgreSQL's deadlock and serialization failures, and SQLite's busy timeout: the transaction
# was rolled back whole, so the request may simply run again.
RETRYABLE_SQLSTATES = {"40P01", "40001"}
RETRYABLE = "mesodesk_retryable"


def is_retryable(exc: BaseException) -> bool:
    """True for a database error that rolled everything back and may succeed on a retry."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES or "database is locked" in str(
        exc
    )


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        # Every request body forbids unknown fields (core.schemas.InSchema).
        return "Unknown field: this request does not take it, so nothing was saved."
    return str(error.get("msg", "invalid"))


def install_error_handlers(api: NinjaAPI) -> None:
    def validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"field": _field_path(e.get("loc", ())), "message": _message(e)} for e in exc.errors
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
        body = {**getattr(exc, "details", {}), "detail": str(exc)}
        return api.create_response(request, body, status=409)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": "A valid API token is required (Authorization: Bearer …)."},
            status=401,
        )

    def busy(request: HttpRequest, exc: Any) -> HttpResponse:
        if not is_retryable(exc):
            raise exc
        response = api.create_response(
            request,
            {"detail": "A concurrent change to the same records won; nothing was saved. Retry."},
            status=409,
        )
        response["Retry-After"] = "1"
        setattr(response, RETRYABLE, True)  # RetryConflictMiddleware runs the request again
        return response

    api.add_exception_handler(OperationalError, busy)
    api.add_exception_handler(NinjaValidationError, validation)
    api.add_exception_handler(FieldErrors, field_errors)
    api.add_exception_handler(NotFound, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Conflict, conflict)
    api.add_exception_handler(AuthenticationError, unauthenticated)
