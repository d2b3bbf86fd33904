"""The one way to find an object of the actor's clinic by its public id."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from mesodesk.core.errors import NotFound, ObjectId

M = TypeVar("M", bound=Model)


def parse_id(object_id: ObjectId | None) -> uuid.UUID | None:
    """The UUID in `object_id`, or None when it is missing or malformed."""
    if isinstance(object_id, uuid.UUID):
        return object_id
    if not object_id:
        return None
    try:
        return uuid.UUID(str(object_id))
    except (ValueError, TypeError, AttributeError):
        return None


def get_in_clinic(
    queryset: QuerySet[M], object_id: ObjectId | None, *, message: str = "", by: str = "pk"
) -> M:
    """The object with this id in `queryset`, or `NotFound`.

    `by` names the id's field when it is not the object's own (`"session_id"` for the aftercare
    sheet of a session, `"user_id"` for a user's membership).

    `queryset` must already be scoped to the actor's clinic (a selector's answer), so another
    clinic's object, a missing one and a malformed id all answer the same `NotFound`: nothing
    tells a caller that the object exists elsewhere. Pages and the API turn `NotFound` into a
    404 in one place each (`core.middleware`, `core.api`).
    """
    pk = parse_id(object_id)
    if pk is not None:
        try:
            return queryset.get(**{by: pk})
        except ObjectDoesNotExist:
            pass
    name = queryset.model._meta.verbose_name
    raise NotFound(message or f"No such {name} in this clinic.")
