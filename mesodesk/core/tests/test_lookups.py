"""The one lookup helper: missing, foreign and malformed ids all answer NotFound."""

from __future__ import annotations

import uuid

import pytest

from mesodesk.core.errors import NotFound
from mesodesk.core.lookups import get_in_clinic, parse_id
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.patients.models import Patient
from mesodesk.patients.services import patient_create


def test_it_finds_an_object_of_the_clinic_by_its_id_or_its_text(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    clinic_a = Patient.objects.filter(clinic=personas.clinic_a)
    assert get_in_clinic(clinic_a, patient.pk) == patient
    assert get_in_clinic(clinic_a, str(patient.pk)) == patient


@pytest.mark.parametrize("bad_id", ["", "not-a-uuid", "123", None, str(uuid.uuid4())])
def test_it_answers_not_found_for_missing_or_malformed_ids(
    personas: Personas, bad_id: str | None
) -> None:
    with pytest.raises(NotFound, match="No such patient in this clinic"):
        get_in_clinic(Patient.objects.filter(clinic=personas.clinic_a), bad_id)


def test_it_answers_not_found_for_another_clinics_object(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    with pytest.raises(NotFound):
        get_in_clinic(Patient.objects.filter(clinic=personas.clinic_b), patient.pk)


def test_it_uses_the_message_it_is_given(personas: Personas) -> None:
    with pytest.raises(NotFound, match=r"^No such token\.$"):
        get_in_clinic(Patient.objects.none(), uuid.uuid4(), message="No such token.")


def test_parse_id_reads_only_uuids() -> None:
    pk = uuid.uuid4()
    assert parse_id(pk) == pk
    assert parse_id(str(pk).upper()) == pk
    assert parse_id("x") is None
    assert parse_id("") is None
