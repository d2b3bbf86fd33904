"""Named test personas: a clinic A with one member per role, and a practitioner of clinic B
who must see nothing of A. Tests build on these instead of ad-hoc users.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import factory
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from pypdf import PdfReader

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY
from mesodesk.accounts.models import Clinic, Membership, Organization, User
from mesodesk.accounts.services import api_token_issue

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the test personas' password


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class ClinicFactory(factory.django.DjangoModelFactory[Clinic]):
    class Meta:
        model = Clinic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Europe/London"
    email = factory.Sequence(lambda n: f"clinic{n}@example.test")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


def member(clinic: Clinic, role: Role, **user_fields: Any) -> Actor:
    user: User = UserFactory.create(**user_fields)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    return Actor(clinic=clinic, role=role, user=user, ip="127.0.0.1", user_agent="pytest")


@dataclass(frozen=True)
class Personas:
    clinic_a: Clinic
    clinic_b: Clinic
    practitioner: Actor
    nurse: Actor
    front_desk: Actor
    clinic_admin: Actor
    auditor: Actor
    foreign_practitioner: Actor

    def all_in_a(self) -> list[Actor]:
        return [self.practitioner, self.nurse, self.front_desk, self.clinic_admin, self.auditor]


def build_personas() -> Personas:
    org: Organization = OrganizationFactory.create(name="Chain")
    clinic_a: Clinic = ClinicFactory.create(organization=org, name="Clinic A")
    clinic_b: Clinic = ClinicFactory.create(
        organization=org, name="Clinic B", time_zone="Europe/Paris"
    )
    return Personas(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        practitioner=member(clinic_a, Role.PRACTITIONER, email="practitioner@a.test"),
        nurse=member(clinic_a, Role.NURSE, email="nurse@a.test"),
        front_desk=member(clinic_a, Role.FRONT_DESK, email="frontdesk@a.test"),
        clinic_admin=member(clinic_a, Role.CLINIC_ADMIN, email="admin@a.test"),
        auditor=member(clinic_a, Role.AUDITOR, email="auditor@a.test"),
        foreign_practitioner=member(clinic_b, Role.PRACTITIONER, email="practitioner@b.test"),
    )


def mark_mfa_verified(client: Client, user: User) -> None:
    """Marks the client's session as having passed the second log-in step, as a code would.

    `force_login` skips the log-in form and so the second step; most roles must pass it
    (accounts/mfa.py). django-otp trusts a session that names one of the user's confirmed
    devices, so the user gets a recovery-code device without codes, and the session names it.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Test session", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def logged_in_client(actor: Actor, *, verified: bool = True) -> Client:
    """A browser-like client logged in as the actor, with the actor's clinic active.

    The session has passed the second log-in step unless `verified=False`.
    """
    assert actor.user is not None
    client = Client()
    client.force_login(actor.user)
    session = client.session
    session[ACTIVE_CLINIC_KEY] = str(actor.clinic.pk)
    session.save()
    if verified:
        mark_mfa_verified(client, actor.user)
    return client


def api_client(actor: Actor) -> Client:
    """A client that sends a real bearer token issued to the actor."""
    issued = api_token_issue(actor=actor, name="tests", days=1)
    return Client(headers={"Authorization": f"Bearer {issued.raw_key}"})


def today() -> dt.date:
    """Today's date in UTC, the clock the tests' clinics share (London in winter)."""
    return timezone.now().date()


def adult_patient_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "given_name": "Anna",
        "family_name": "Smith",
        "date_of_birth": dt.date(1985, 3, 2),
        "sex": "female",
        "email": "anna.smith@example.org",
        "phone": "+44 7700 900123",
    }
    data.update(overrides)
    return data


def pdf_text(pdf: bytes) -> str:
    """The text of a rendered PDF with whitespace collapsed, for asserting what it says."""
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
