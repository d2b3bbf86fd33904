"""The demo chain is realistic, deterministic for a seed, and loads only into an empty database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from mesodesk.accounts.models import Clinic, Membership, User
from mesodesk.audit.verify import verify_all
from mesodesk.catalog.models import Protocol
from mesodesk.consent.models import ConsentTemplate
from mesodesk.demo.synthetic import synthetic_patients
from mesodesk.patients.models import Condition, Patient
from mesodesk.screening.models import Screening

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 21)


def test_the_same_seed_gives_the_same_patients() -> None:
    first = synthetic_patients(50, seed=7, today=TODAY)
    second = synthetic_patients(50, seed=7, today=TODAY)
    other = synthetic_patients(50, seed=8, today=TODAY)
    assert [(r.id, r.patient) for r in first] == [(r.id, r.patient) for r in second]
    assert [r.patient["family_name"] for r in first] != [r.patient["family_name"] for r in other]


def test_the_synthetic_population_has_adults_a_few_minors_and_contraindications() -> None:
    records = synthetic_patients(2000, seed=1, today=TODAY)
    ages = [(TODAY - r.patient["date_of_birth"]).days // 365 for r in records]
    minors = sum(age < 18 for age in ages)
    assert 0 < minors < 60
    assert max(ages) <= 80
    pregnant = [
        r
        for r in records
        for c in r.conditions
        if c["code"] == "pregnancy" and c["verification_status"] == "confirmed"
    ]
    anticoagulated = [
        r for r in records for m in r.medications if m["medication_class"] == "anticoagulant"
    ]
    assert pregnant
    assert anticoagulated


def test_seed_demo_builds_a_chain_with_one_login_per_role() -> None:
    out = io.StringIO()
    call_command("seed_demo", "--patients", "30", "--clinics", "2", "--seed", "3", stdout=out)
    assert Patient.objects.count() == 30
    assert {m.role for m in Membership.objects.all()} == {
        "practitioner",
        "nurse",
        "front_desk",
        "clinic_admin",
        "auditor",
    }
    assert User.objects.get(email="admin@demo.mesodesk.test").memberships.count() == 2
    assert Condition.objects.exists()
    assert Screening.objects.count() == 30  # every demo patient has a general screening
    assert "frontdesk@demo.mesodesk.test" in out.getvalue()
    assert verify_all()[1] == []


def test_seed_demo_with_no_screen_stores_patients_but_no_screenings() -> None:
    call_command(
        "seed_demo", "--patients", "4", "--clinics", "1", "--no-screen", stdout=io.StringIO()
    )
    assert Patient.objects.count() == 4
    assert not Screening.objects.exists()


def test_seed_demo_if_empty_leaves_existing_data_alone() -> None:
    call_command("seed_demo", "--patients", "5", "--clinics", "1", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--patients", "5", "--if-empty", stdout=out)
    assert Patient.objects.count() == 5
    assert "already has data" in out.getvalue()
    assert "practitioner@" in out.getvalue()


def test_every_demo_protocol_has_a_published_consent_template_for_its_indication() -> None:
    call_command("seed_demo", "--patients", "2", "--clinics", "1", stdout=io.StringIO())
    clinic = Clinic.objects.get()
    indications = set(Protocol.objects.filter(clinic=clinic).values_list("indication", flat=True))
    published = set(
        ConsentTemplate.objects.filter(clinic=clinic, status="published").values_list(
            "indication", flat=True
        )
    )
    assert indications
    assert published == indications
