"""The audit trail is append-only and HMAC-chained; audit_verify finds every broken link."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mesodesk.audit.models import AuditEvent, AuditTamperError
from mesodesk.audit.services import audit_event_record
from mesodesk.audit.verify import verify_all
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.patients.services import patient_create, patient_update

pytestmark = pytest.mark.django_db


def _some_history(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    for phone in ("0123 456 789", "0987 654 321", "0111 222 333"):
        patient_update(actor=personas.practitioner, patient_id=patient.pk, data={"phone": phone})
    patient_create(actor=personas.foreign_practitioner, data=adult_patient_data())


def _verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as exc:
        return "broken", err.getvalue() + str(exc)
    return "ok", out.getvalue()


def test_each_clinic_has_its_own_unbroken_chain(personas: Personas) -> None:
    _some_history(personas)
    chain_a = list(AuditEvent.objects.filter(clinic=personas.clinic_a).order_by("seq"))
    assert [e.seq for e in chain_a] == list(range(1, len(chain_a) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(chain_a))
    assert _verify()[0] == "ok"


def test_audit_verify_reports_an_edited_row(personas: Personas) -> None:
    _some_history(personas)
    victim = AuditEvent.objects.filter(clinic=personas.clinic_a, action="update").order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE id = %s",
            ["someone-else@example.test", victim.pk],
        )

    status, report = _verify()

    assert status == "broken"
    assert f"event #{victim.seq}" in report
    assert "altered" in report


def test_audit_verify_reports_a_deleted_row(personas: Personas) -> None:
    _some_history(personas)
    victim = AuditEvent.objects.filter(clinic=personas.clinic_a, action="update").order_by("seq")[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])

    status, report = _verify()

    assert status == "broken"
    assert f"event #{victim.seq}" in report
    assert "deleted" in report


def test_audit_verify_notices_that_the_newest_row_was_deleted(personas: Personas) -> None:
    _some_history(personas)
    newest = AuditEvent.objects.filter(clinic=personas.clinic_a).order_by("-seq")[0]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
    _, breaks = verify_all()
    assert len(breaks) == 1
    assert "latest events deleted" in breaks[0].reason


def test_the_orm_refuses_to_change_or_delete_an_event(personas: Personas) -> None:
    event = audit_event_record(actor=personas.practitioner, action="read", summary="x")
    event.summary = "y"
    with pytest.raises(AuditTamperError):
        event.save()
    with pytest.raises(AuditTamperError):
        event.delete()
    with pytest.raises(AuditTamperError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="z")
    with pytest.raises(AuditTamperError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_event_records_who_where_and_from_which_address(personas: Personas) -> None:
    event = audit_event_record(actor=personas.nurse, action="read", summary="chart")
    assert event.actor == personas.nurse.user
    assert event.actor_role == "nurse"
    assert event.clinic == personas.clinic_a
    assert event.ip == "127.0.0.1"
    assert event.user_agent == "pytest"
