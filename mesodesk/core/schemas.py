"""The base of every API request body."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class InSchema(Schema):
    """A request body: a field the endpoint does not know is a 422 naming it, never silently
    ignored (a misspelt `allergies_reviewed_on` must not answer 200 and save nothing)."""

    model_config = ConfigDict(extra="forbid")
