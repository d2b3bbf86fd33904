from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from mesodesk.core.schemas import InSchema


class ScreeningIn(InSchema):
    patient_id: uuid.UUID
    indication: str = Field("", max_length=40)
    areas: list[str] = Field(default_factory=list, max_length=30)
    ingredients: list[str] = Field(default_factory=list, max_length=40)


class SourceOut(Schema):
    id: str
    citation: str
    quality: str
    url: str


class FindingOut(Schema):
    rule_ids: list[str]
    kind: str
    severity: str
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
    verdict: str
    findings: list[FindingOut]
    engine_version: str
    knowledge_version: str
    override: OverrideOut | None = None


class OverrideIn(InSchema):
    reason: str = Field(max_length=4000)
