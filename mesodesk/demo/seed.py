"""Builds the demo chain: an organization, clinics, one user per role, synthetic patients."""

from __future__ import annotations

import datetime as dt
import time
from base64 import b32encode
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.mfa import totp_device_with_key
from mesodesk.accounts.models import Clinic, User, mfa_default_roles
from mesodesk.accounts.selectors import organizations_exist
from mesodesk.accounts.services import (
    clinic_create,
    membership_grant,
    organization_create,
    user_create,
)
from mesodesk.demo.catalog_seed import seed_catalog
from mesodesk.demo.synthetic import synthetic_patients
from mesodesk.patients.services import patient_import
from mesodesk.screening.services import screening_refresh

DEMO_PASSWORD = "mesodesk-demo"  # noqa: S105 - a published demo password for local use only
DEMO_DOMAIN = "demo.mesodesk.test"
# Two-step verification stays on in the demo, as a clinic runs it (every role but front desk):
# the demo users share this published authenticator key, so an evaluator adds it to any app
# once, or reads the current code from `manage.py demo_totp`. Never use it outside the demo.
DEMO_TOTP_KEY = b"mesodesk-demo-totp!!".hex()
CLINICS = [
    ("Riverside Clinic", "Europe/London"),
    ("Old Town Clinic", "Europe/Paris"),
    ("Harbour Clinic", "Europe/Berlin"),
    ("Hillside Clinic", "Europe/Rome"),
    ("Parkview Clinic", "Europe/Madrid"),
]
ROLE_USERS = [
    (Role.PRACTITIONER, "practitioner", "Dr Alice Moreau"),
    (Role.NURSE, "nurse", "Ben Carter"),
    (Role.FRONT_DESK, "frontdesk", "Chloe Davies"),
    (Role.CLINIC_ADMIN, "admin", "Dan Evans"),
    (Role.AUDITOR, "auditor", "Eve Fischer"),
]
BATCH = 2000


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    clinics: list[str]
    two_step: bool = True


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin(f"{slug}@{DEMO_DOMAIN}", role.label, [CLINICS[0][0]], role in mfa_default_roles())
        for role, slug, _ in ROLE_USERS
    ]


def demo_totp_secret() -> str:
    """The demo key as an authenticator app asks for it (base32, groups of four)."""
    secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def demo_totp_code(*, offset_steps: int = 0) -> str:
    """The code an app holding the demo key shows now (or `offset_steps` periods later)."""
    clock = TOTP(bytes.fromhex(DEMO_TOTP_KEY))
    clock.time = time.time() + offset_steps * clock.step
    return f"{clock.token():06d}"


@transaction.atomic
def seed_demo(*, patients: int, clinics: int, seed: int = 1, screen: bool = True) -> list[Clinic]:
    """Creates the demo chain (all or nothing); patients are spread evenly over the clinics."""
    clinics = max(1, min(clinics, len(CLINICS)))
    org = organization_create(name="Demo Aesthetics Group")
    created: list[Clinic] = []
    for index, (name, zone) in enumerate(CLINICS[:clinics]):
        created.append(
            clinic_create(
                organization=org,
                name=name,
                time_zone=zone,
                email=f"hello-{index + 1}@{DEMO_DOMAIN}",
                phone="+44 20 7946 0000",
                address=f"{index + 1} High Street",
            )
        )
    users: dict[str, User] = {}
    for role, slug, full_name in ROLE_USERS:
        user = user_create(
            email=f"{slug}@{DEMO_DOMAIN}",
            full_name=full_name,
            password=DEMO_PASSWORD,
            is_staff=role == Role.CLINIC_ADMIN,
        )
        users[slug] = user
        membership_grant(user=user, clinic=created[0], role=role)
        if role in mfa_default_roles():
            totp_device_with_key(user=user, key_hex=DEMO_TOTP_KEY)
    for clinic in created[1:]:
        # The admin and the practitioner work across the chain: they pick the active clinic.
        membership_grant(user=users["admin"], clinic=clinic, role=Role.CLINIC_ADMIN)
        membership_grant(user=users["practitioner"], clinic=clinic, role=Role.PRACTITIONER)
    today = timezone.now().date()
    for clinic in created:
        seed_catalog(
            actor=Actor(
                clinic=clinic, role=Role.CLINIC_ADMIN, user=users["admin"], label="seed_demo"
            ),
            today=today,
        )
    per_clinic = [
        patients // clinics + (1 if i < patients % clinics else 0) for i in range(clinics)
    ]
    for index, (clinic, count) in enumerate(zip(created, per_clinic, strict=True)):
        actor = Actor(
            clinic=clinic, role=Role.PRACTITIONER, user=users["practitioner"], label="seed_demo"
        )
        records = synthetic_patients(count, seed=seed * 1000 + index, today=today)
        for start in range(0, len(records), BATCH):
            patient_import(actor=actor, records=records[start : start + BATCH])
        if screen:
            for record in records:
                if record.id is not None:
                    screening_refresh(actor=actor, patient_id=record.id)
    return created


def demo_exists() -> bool:
    return organizations_exist()


def today_utc() -> dt.date:
    return timezone.now().date()
