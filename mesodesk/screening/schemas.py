from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema


class ScreeningIn(Schema):
    patient_id: uuid.UUID
    indication: str = Field("", max_length=40)
    areas: list[str] = Field(default_factory=list, max_length=30)
    ingredients: list[str] = Field(default_factory=list, max_length=40)


class SourceOut(Schema):
    id: str
    citation: str
    quality: str  # the weakest tag ("C") when the source is cited by analogy
    url: str
    by_analogy: bool = False  # a product's label cited for a plan without that product


class FindingOut(Schema):
    rule_ids: list[str]
    kind: Literal["triggered", "missing", "stale", "unconfirmed", "unrecognised"]
    severity: Literal["absolute", "relative"]
    title: str
    facts: list[str]
    explanation: str
    resolution: str
    sources: list[SourceOut]
    overridable: bool
    question: str


class OverrideOut(Schema):
    reason: str
    overridden_by: str
    created_at: dt.datetime
    rule_ids: list[str]


class ScreeningOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    performed_at: dt.datetime
    screened_on: dt.date
    reason: str
    indication: str
    areas: list[str]
    ingredients: list[str]
    verdict: Literal["eligible", "caution", "incomplete", "contraindicated"] = Field(
        description="incomplete: a blocking question is unanswered, unconfirmed or an allergy "
        "is not recognised; it blocks activation like contraindicated until answered."
    )
    findings: list[FindingOut]
    engine_version: str
    knowledge_version: str
    override: OverrideOut | None = None


class OverrideIn(Schema):
    reason: str = Field(max_length=4000)
