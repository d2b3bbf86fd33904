"""Patient reads: search, chart, clinic scoping, audited reads, constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import NotFound, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.patients import selectors, services
from mesodesk.patients.models import Patient

pytestmark = pytest.mark.django_db


def _register(personas: Personas, **fields: object) -> Patient:
    return services.patient_create(actor=personas.practitioner, data=adult_patient_data(**fields))


@pytest.fixture
def registry(personas: Personas) -> Personas:
    _register(
        personas,
        given_name="Anna",
        family_name="Smith",
        phone="07700 900123",
        date_of_birth=dt.date(1985, 3, 2),
    )
    _register(
        personas,
        given_name="Smita",
        family_name="Patel",
        phone="07700 111222",
        date_of_birth=dt.date(1990, 1, 1),
    )
    _register(
        personas,
        given_name="Seán",
        family_name="O'Brien",
        phone="+353 87 1234567",
        date_of_birth=dt.date(1970, 12, 24),
    )
    _register(
        personas,
        given_name="Zoë",
        family_name="Smythe",
        phone="020 7946 0000",
        date_of_birth=dt.date(2001, 6, 30),
    )
    services.patient_create(
        actor=personas.foreign_practitioner,
        data=adult_patient_data(given_name="Anna", family_name="Smith"),
    )
    return personas


def _names(personas: Personas, query: str) -> list[str]:
    result = selectors.patient_search(actor=personas.front_desk, query=query)
    return [p.full_name for p in result.patients]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smi", ["Smita Patel", "Anna Smith"]),
        ("SMITH", ["Anna Smith"]),
        ("sm", ["Smita Patel", "Anna Smith", "Zoë Smythe"]),
        ("s", ["Anna Smith", "Zoë Smythe"]),  # one letter: family names only
        ("obrien", ["Seán O'Brien"]),
        ("o'bri", ["Seán O'Brien"]),
        ("sean", ["Seán O'Brien"]),
        ("zoe smy", ["Zoë Smythe"]),
        ("smythe zo", ["Zoë Smythe"]),
        ("1985-03-02", ["Anna Smith"]),
        ("24.12.1970", ["Seán O'Brien"]),
        ("07700", ["Smita Patel", "Anna Smith"]),
        ("+353 87", ["Seán O'Brien"]),
        ("nobody", []),
        ("", ["Seán O'Brien", "Smita Patel", "Anna Smith", "Zoë Smythe"]),
    ],
)
def test_search_finds_by_name_prefix_birth_date_or_phone(
    registry: Personas, query: str, expected: list[str]
) -> None:
    assert _names(registry, query) == expected


def test_search_never_shows_another_clinics_patients(registry: Personas) -> None:
    result = selectors.patient_search(actor=registry.foreign_practitioner, query="")
    assert [p.full_name for p in result.patients] == ["Anna Smith"]
    assert all(p.clinic_id == registry.clinic_b.pk for p in result.patients)


def test_search_pages_through_results(personas: Personas) -> None:
    for i in range(7):
        _register(personas, family_name=f"Page{i}")
    first = selectors.patient_search(actor=personas.practitioner, query="page", page_size=3)
    third = selectors.patient_search(actor=personas.practitioner, query="page", page=3, page_size=3)
    assert first.has_next
    assert not first.has_previous
    assert [p.family_name for p in third.patients] == ["Page6"]
    assert not third.has_next


def test_the_search_query_count_does_not_grow_with_the_clinic(personas: Personas) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.patient_search(actor=personas.practitioner, query="sm")
        return len(ctx.captured_queries)

    _register(personas)
    small = count()
    for i in range(30):
        _register(personas, family_name=f"Smith{i}")
    assert count() == small == 3  # two index-ordered branches and one fetch of the page


def test_the_chart_is_audited_as_a_read(personas: Personas) -> None:
    patient = _register(personas)
    selectors.patient_chart(actor=personas.nurse, patient_id=patient.pk)
    event = AuditEvent.objects.get(action="read")
    assert event.patient_id == patient.pk
    assert event.actor == personas.nurse.user
    assert event.summary == "chart with history"


def test_front_desk_gets_a_chart_without_history(personas: Personas) -> None:
    patient = _register(personas)
    services.condition_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"code": "pregnancy"}
    )
    chart = selectors.patient_chart(actor=personas.front_desk, patient_id=patient.pk)
    assert not chart.shows_clinical
    assert chart.conditions == []
    with pytest.raises(PermissionDenied):
        selectors.conditions_for(actor=personas.front_desk, patient_id=patient.pk)
    assert AuditEvent.objects.get(action="read").summary == "chart (demographics)"


def test_another_clinics_patient_is_not_found(personas: Personas) -> None:
    patient = _register(personas)
    with pytest.raises(NotFound):
        selectors.patient_chart(actor=personas.foreign_practitioner, patient_id=patient.pk)
    with pytest.raises(NotFound):
        selectors.patient_get(actor=personas.practitioner, patient_id="not-a-uuid")
    assert not AuditEvent.objects.filter(action="read").exists()


def test_the_chart_query_count_does_not_depend_on_the_amount_of_history(
    personas: Personas,
) -> None:
    lean = _register(personas, family_name="Lean")
    rich = _register(personas, family_name="Rich")
    for code in ("urticaria", "keloid_tendency", "cardiac_disease", "breastfeeding"):
        services.condition_record(actor=personas.nurse, patient_id=rich.pk, data={"code": code})
    for i in range(8):
        services.medication_record(
            actor=personas.nurse,
            patient_id=rich.pk,
            data={"name": f"Med {i}", "medication_class": "other"},
        )
        services.allergy_record(
            actor=personas.nurse, patient_id=rich.pk, data={"substance": f"Thing {i}"}
        )

    def count(patient: Patient) -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.patient_chart(actor=personas.practitioner, patient_id=patient.pk)
        return len(ctx.captured_queries)

    assert count(lean) == count(rich)
