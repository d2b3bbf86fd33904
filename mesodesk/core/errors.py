"""Errors that services raise and that pages and the API turn into clear answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError as DjangoValidationError

NON_FIELD = "__all__"

# An object's public identifier as callers hand it over: a UUID, or its text from a URL.
ObjectId = uuid.UUID | str


class ServiceError(Exception):
    """Base class of every error a service raises on purpose."""


class NotFound(ServiceError):
    """The object does not exist for this actor (other clinics' objects do not exist)."""


class PermissionDenied(ServiceError):
    """The actor's role does not allow this action."""


class Conflict(ServiceError):
    """The object is in a state that forbids the action (for example it is signed).
    `details` adds named facts to the API's 409 body (the possible duplicates of a patient)."""

    def __init__(self, message: str = "", *, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.details: dict[str, object] = dict(details or {})


class FieldErrors(ServiceError):
    """Input was rejected; `errors` maps each bad field to its messages. Nothing was saved."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {key: list(msgs) for key, msgs in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))

    @classmethod
    def single(cls, field: str, message: str) -> FieldErrors:
        return cls({field: [message]})

    @classmethod
    def from_django(cls, exc: DjangoValidationError, prefix: str = "") -> FieldErrors:
        if hasattr(exc, "error_dict"):
            return cls(
                {
                    (f"{prefix}{key}" if key != NON_FIELD else (prefix.rstrip(".") or NON_FIELD)): [
                        str(m) for e in errs for m in e.messages
                    ]
                    for key, errs in exc.error_dict.items()
                }
            )
        return cls({prefix.rstrip(".") or NON_FIELD: [str(m) for m in exc.messages]})
