"""API shapes of staff management and break-glass review."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

RoleValue = Literal["practitioner", "nurse", "front_desk", "clinic_admin", "auditor"]


class MemberOut(Schema):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    full_name: str
    clinic_id: uuid.UUID
    clinic_name: str
    role: str
    role_label: str
    is_active: bool
    last_login: dt.datetime | None


class InviteIn(Schema):
    email: str = Field(max_length=254)
    full_name: str = Field(max_length=200)
    role: RoleValue
    clinic_id: uuid.UUID | None = None


class InviteOut(Schema):
    invitation_id: uuid.UUID | None
    membership_id: uuid.UUID | None
    expires_at: dt.datetime | None
    detail: str


class RoleIn(Schema):
    role: RoleValue


class GrantOut(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    user_email: str
    role: str
    home_clinic_name: str
    patient_id: uuid.UUID
    reason: str
    expires_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str


class ReviewIn(Schema):
    note: str = Field(min_length=1, max_length=2000)
