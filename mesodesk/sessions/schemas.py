"""The request and response bodies of the sessions API."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from mesodesk.core.schemas import InSchema
from mesodesk.treatments.schemas import DoseOut


class ProgressOut(Schema):
    number: int
    planned: int
    signed: int
    next_earliest: dt.date | None
    next_latest: dt.date | None


class ChecklistOut(Schema):
    key: str
    label: str
    done: bool
    required: bool
    detail: str


class PointOut(Schema):
    id: uuid.UUID
    kind: str
    view: str
    region: str
    region_label: str
    side: str
    x: Decimal | None
    y: Decimal | None
    product_id: uuid.UUID
    product_name: str
    lot_id: uuid.UUID | None
    lot_number: str | None
    volume_ml: Decimal
    depth_mm: Decimal | None
    technique: str
    needle: str


class RegionCountOut(Schema):
    region: str
    injections: int
    volume_ml: Decimal


class AddendumOut(Schema):
    id: uuid.UUID
    text: str
    signed_by: str
    created_at: dt.datetime


class SessionBriefOut(Schema):
    id: uuid.UUID
    plan_id: uuid.UUID
    patient_id: uuid.UUID
    number: int
    status: str
    checked_in_at: dt.datetime | None


class SessionOut(SessionBriefOut):
    progress: ProgressOut
    checklist: list[ChecklistOut]
    consent_id: uuid.UUID | None
    screening_id: uuid.UUID | None
    facts_reconfirmed_at: dt.datetime | None
    photos_confirmed_at: dt.datetime | None
    antisepsis_agent: str
    anaesthetic_product: str
    anaesthetic_applied_at: dt.datetime | None
    anaesthetic_minutes_required: int | None
    anaesthetic_minutes_elapsed: int | None
    practitioner: str | None
    assistant: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    notes: str
    immediate_reactions: str
    signed_at: dt.datetime | None
    signed_by: str | None
    end_reason: str
    timing: Literal["on_time", "early", "late"]
    timing_reason: str
    window_earliest: dt.date | None
    window_latest: dt.date | None
    points: list[PointOut]
    regions: list[RegionCountOut]
    dose: DoseOut
    addenda: list[AddendumOut]
    aftercare: bool


class SessionNewIn(InSchema):
    early_reason: str = Field(
        "",
        max_length=2000,
        description="Why the session starts before the course's window (required then).",
    )


class ReconfirmIn(InSchema):
    answers: dict[str, Literal["present", "absent"]] = Field(
        description="Today's answer to every time-sensitive question (see `checklist`)."
    )
    sites: dict[str, str] = Field({}, description="Where a present site-bound fact is.")
    medicines_unchanged: bool


class AntisepsisIn(InSchema):
    agent: str = Field(max_length=40)


class AnaestheticIn(InSchema):
    product: str = Field(max_length=120)
    applied_at: dt.datetime | None = Field(None, description="Defaults to now.")


class StartIn(InSchema):
    assistant_id: uuid.UUID | None = None
    start_early: bool = False


class CompleteIn(InSchema):
    notes: str = Field("", max_length=4000)
    immediate_reactions: str = Field("", max_length=2000)


class EndIn(InSchema):
    reason: str = Field(max_length=2000)
    did_not_attend: bool = False


class PointIn(InSchema):
    kind: Literal["point", "zone"] = "point"
    view: str = Field(max_length=20)
    region: str = Field(max_length=40)
    side: Literal["", "left", "right"] = ""
    x: Decimal | None = None
    y: Decimal | None = None
    lot_id: uuid.UUID
    volume_ml: Decimal
    depth_mm: Decimal | None = None
    technique: str = Field("", max_length=40)
    needle: str = Field("", max_length=80)
    confirm_volume: bool = Field(
        False, description="Confirms a volume outside the plausible range per injection."
    )
    over_limit_reason: str = Field(
        "",
        max_length=2000,
        description="Why charting goes on when this point takes a total over a hard limit.",
    )


class AddendumIn(InSchema):
    text: str = Field(max_length=4000)
    password: str = Field("", max_length=256, description="The signer's password or signing PIN.")


class SessionSignIn(InSchema):
    password: str = Field("", max_length=256, description="The signer's password or signing PIN.")


class SendIn(InSchema):
    to: str = Field("", max_length=254, description="Defaults to the patient's address.")


class EmailOut(Schema):
    id: uuid.UUID
    to: str
    status: str
    attempts: int
    last_error: str
    version: int | None = None


class AftercareOut(Schema):
    session_id: uuid.UUID
    knowledge_version: str
    version: int
    treated: str
    avoid: list[str]
    care: list[str]
    expect: list[str]
    warnings: list[str]
    next_appointment: str
    contact: str
    emails: list[EmailOut]
