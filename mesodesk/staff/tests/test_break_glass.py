"""Break-glass: emergency read access to one chart with a reason, for a limited time, flagged
in the audit trail, alerted to the clinic admins, reviewed by an auditor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.choices import Role
from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import Conflict, PermissionDenied
from mesodesk.core.testing import (
    ClinicFactory,
    Personas,
    adult_patient_data,
    api_client,
    logged_in_client,
    member,
)
from mesodesk.notifications.models import OutboundEmail
from mesodesk.patients.models import Patient
from mesodesk.patients.services import allergy_record, patient_create
from mesodesk.staff import breakglass
from mesodesk.staff.models import AccessPolicy, BreakGlassGrant

pytestmark = pytest.mark.django_db
REASON = "Patient collapsed at reception; paramedics ask for allergies."


@pytest.fixture
def patient(personas: Personas) -> Patient:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"substance": "Lidocaine", "allergy_group": "amide_local_anaesthetic"},
    )
    return patient


def _open_here(client: Client, patient: Patient, reason: str = REASON) -> Any:
    return client.post(reverse("staff:break_glass_here", args=[patient.pk]), {"reason": reason})


def _find(client: Client, personas: Personas, family: str = "Smith", reason: str = REASON) -> Any:
    return client.post(
        reverse("staff:break_glass_find"),
        {
            "clinic": personas.clinic_a.pk,
            "family_name": family,
            "date_of_birth": "1985-03-02",
            "reason": reason,
        },
    )


def _lasts(grant: BreakGlassGrant) -> dt.timedelta:
    return dt.timedelta(seconds=round((grant.expires_at - grant.created_at).total_seconds()))


def test_front_desk_sees_the_history_only_after_stating_a_reason(
    personas: Personas, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in_client(personas.front_desk)
    before = client.get(reverse("patients:chart", args=[patient.pk]))
    assert before.context["chart"].shows_clinical is False
    assert b"Lidocaine" not in before.content
    assert reverse("staff:break_glass_here", args=[patient.pk]).encode() in before.content

    refused = _open_here(client, patient, reason="urgent")
    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"]
    assert not BreakGlassGrant.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        opened = _open_here(client, patient)
    assert opened.status_code == 302
    after = client.get(reverse("patients:chart", args=[patient.pk]))
    assert after.status_code == 200
    assert after.context["chart"].shows_clinical is True
    assert b"Lidocaine" in after.content
    assert b"Emergency (break-glass) access" in after.content
    # The chart's panels (their own HTMX requests) open under the grant too.
    assert client.get(reverse("screening:panel", args=[patient.pk])).status_code == 200
    assert client.get(reverse("treatments:panel", args=[patient.pk])).status_code == 200

    grant = BreakGlassGrant.objects.get()
    assert grant.reason == REASON
    flagged = AuditEvent.objects.get(action="break_glass", summary__contains="opened")
    assert flagged.changes["reason"] == [None, REASON]
    assert flagged.patient_id == patient.pk
    assert "[break-glass]" in flagged.actor_label
    reads = AuditEvent.objects.filter(action="read", patient_id=patient.pk, actor_role="front_desk")
    flagged_reads = {e.summary for e in reads if "[break-glass]" in e.actor_label}
    assert {"chart with history", "screening panel"} <= flagged_reads


def test_the_clinic_admins_are_alerted_at_once(
    personas: Personas, patient: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _open_here(logged_in_client(personas.front_desk), patient)
    alert = OutboundEmail.objects.get(purpose="break_glass_alert")
    assert alert.to == "admin@a.test"
    assert alert.status == "sent"
    assert REASON in alert.body_text
    assert [m.to for m in mail.outbox] == [["admin@a.test"]]
    header = logged_in_client(personas.clinic_admin).get(reverse("patients:list"))
    assert b'Break-glass <span class="badge bad">1</span>' in header.content
    listing = logged_in_client(personas.clinic_admin).get(reverse("staff:break_glass_list"))
    assert [g.reason for g in listing.context["pending"]] == [REASON]


def test_break_glass_access_is_read_only(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.front_desk)
    _open_here(client, patient)
    add = reverse("patients:history_add", args=[patient.pk, "allergy"])
    assert client.get(add).status_code in (403, 404)
    assert client.post(add, {"substance": "Latex"}).status_code in (403, 404)
    assert b"Latex" not in client.get(reverse("patients:chart", args=[patient.pk])).content


def test_break_glass_access_ends_when_its_time_is_up(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.front_desk)
    _open_here(client, patient)
    grant = BreakGlassGrant.objects.get()
    assert _lasts(grant) == dt.timedelta(minutes=60)
    BreakGlassGrant.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    chart = client.get(reverse("patients:chart", args=[patient.pk]))
    assert chart.context["chart"].shows_clinical is False
    assert b"Lidocaine" not in chart.content


def test_the_clinic_sets_how_long_break_glass_lasts(personas: Personas, patient: Patient) -> None:
    admin = logged_in_client(personas.clinic_admin)
    assert (
        admin.post(reverse("staff:break_glass_policy"), {"break_glass_minutes": "15"}).status_code
        == 302
    )
    assert AccessPolicy.objects.get(clinic=personas.clinic_a).break_glass_minutes == 15
    _open_here(logged_in_client(personas.front_desk), patient)
    grant = BreakGlassGrant.objects.get()
    assert _lasts(grant) == dt.timedelta(minutes=15)
    with pytest.raises(PermissionDenied):
        breakglass.access_policy_set(actor=personas.front_desk, break_glass_minutes=600)


def test_a_practitioner_of_another_clinic_of_the_organization_opens_the_chart(
    personas: Personas, patient: Patient
) -> None:
    other = patient_create(
        actor=personas.practitioner, data=adult_patient_data(family_name="Jones")
    )
    client = logged_in_client(personas.foreign_practitioner)
    assert client.get(reverse("patients:chart", args=[patient.pk])).status_code == 404
    assert _find(client, personas, reason="short").status_code == 400
    assert _find(client, personas, family="Smyth").status_code == 400  # no such patient
    miss = AuditEvent.objects.get(action="break_glass", summary__contains="no single patient")
    assert miss.clinic == personas.clinic_a
    assert _find(client, personas).status_code == 302

    chart = client.get(reverse("patients:chart", args=[patient.pk]))
    assert chart.status_code == 200
    assert b"Lidocaine" in chart.content
    assert chart.context["actor"].clinic == personas.clinic_a
    # Only that patient, only reading, and the rest of clinic A stays closed.
    assert client.get(reverse("patients:chart", args=[other.pk])).status_code == 404
    listing = client.get(reverse("patients:list"))
    assert listing.context["actor"].clinic == personas.clinic_b
    assert not listing.context["result"].patients
    assert client.get(reverse("patients:edit", args=[patient.pk])).status_code == 403
    event = AuditEvent.objects.get(action="break_glass", summary__contains="opened")
    assert event.clinic == personas.clinic_a  # recorded in the chain of the patient's clinic
    assert event.changes["home_clinic"] == [None, "Clinic B"]


def test_break_glass_reaches_no_clinic_of_another_organization(
    personas: Personas, patient: Patient
) -> None:
    outsider = member(ClinicFactory.create(name="Elsewhere"), Role.PRACTITIONER)
    response = logged_in_client(outsider).post(
        reverse("staff:break_glass_find"),
        {
            "clinic": personas.clinic_a.pk,
            "family_name": "Smith",
            "date_of_birth": "1985-03-02",
            "reason": REASON,
        },
    )
    assert response.status_code == 400
    assert not BreakGlassGrant.objects.exists()
    with pytest.raises(PermissionDenied):
        breakglass.break_glass_open(actor=outsider, patient=patient, reason=REASON)


@pytest.mark.parametrize("role", ["practitioner", "nurse", "clinic_admin", "auditor"])
def test_roles_other_than_front_desk_do_not_break_glass_in_their_own_clinic(
    personas: Personas, patient: Patient, role: str
) -> None:
    assert _open_here(logged_in_client(getattr(personas, role)), patient).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_front_desk_cannot_break_glass_into_another_clinic(
    personas: Personas, patient: Patient
) -> None:
    client = logged_in_client(personas.front_desk)
    assert client.get(reverse("staff:break_glass_find")).status_code == 403
    foreign_patient = patient_create(
        actor=personas.foreign_practitioner, data=adult_patient_data(family_name="Bernard")
    )
    assert _open_here(client, foreign_patient).status_code == 404


def test_an_auditor_signs_off_and_the_access_leaves_the_review_list(
    personas: Personas, patient: Patient
) -> None:
    _open_here(logged_in_client(personas.front_desk), patient)
    grant = BreakGlassGrant.objects.get()
    admin = logged_in_client(personas.clinic_admin)
    admin.post(reverse("staff:break_glass_review", args=[grant.pk]), {"note": "ok"})
    grant.refresh_from_db()
    assert grant.reviewed_at is None  # clinic admins are alerted; auditors sign off
    auditor = logged_in_client(personas.auditor)
    response = auditor.post(
        reverse("staff:break_glass_review", args=[grant.pk]),
        {"note": "Confirmed with the paramedics' report."},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == personas.auditor.user
    assert grant.review_note == "Confirmed with the paramedics' report."
    listing = auditor.get(reverse("staff:break_glass_list"))
    assert listing.context["pending"] == []
    assert [g.pk for g in listing.context["recent"]] == [grant.pk]
    assert AuditEvent.objects.filter(action="break_glass_review", object_id=grant.pk).exists()
    with pytest.raises(Conflict):
        breakglass.break_glass_review(actor=personas.auditor, grant_id=grant.pk, note="again")


def test_a_review_needs_a_note(personas: Personas, patient: Patient) -> None:
    _open_here(logged_in_client(personas.front_desk), patient)
    grant = BreakGlassGrant.objects.get()
    logged_in_client(personas.auditor).post(
        reverse("staff:break_glass_review", args=[grant.pk]), {"note": " "}
    )
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_an_auditor_of_another_clinic_cannot_see_or_sign_off(
    personas: Personas, patient: Patient
) -> None:
    _open_here(logged_in_client(personas.front_desk), patient)
    grant = BreakGlassGrant.objects.get()
    auditor_b = member(personas.clinic_b, Role.AUDITOR)
    client = logged_in_client(auditor_b)
    assert client.get(reverse("staff:break_glass_list")).context["pending"] == []
    response = client.post(reverse("staff:break_glass_review", args=[grant.pk]), {"note": "x"})
    assert response.status_code == 404
    api = api_client(auditor_b)
    assert api.get("/api/v1/staff/break-glass").json() == []
    assert (
        api.post(
            f"/api/v1/staff/break-glass/{grant.pk}/review",
            {"note": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    grant.refresh_from_db()
    assert grant.reviewed_at is None


def test_auditors_sign_off_through_the_api(personas: Personas, patient: Patient) -> None:
    _open_here(logged_in_client(personas.front_desk), patient)
    grant = BreakGlassGrant.objects.get()
    api = api_client(personas.auditor)
    [listed] = api.get("/api/v1/staff/break-glass").json()
    assert listed["reason"] == REASON
    bad = api.post(
        f"/api/v1/staff/break-glass/{grant.pk}/review",
        {"note": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422
    done = api.post(
        f"/api/v1/staff/break-glass/{grant.pk}/review",
        {"note": "Reviewed."},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["review_note"] == "Reviewed."
    assert api.get("/api/v1/staff/break-glass").json() == []


def test_the_review_list_renders_in_constant_queries(personas: Personas, patient: Patient) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    desk = logged_in_client(personas.front_desk)
    _open_here(desk, patient)
    auditor = logged_in_client(personas.auditor)
    auditor.get(reverse("staff:break_glass_list"))
    with CaptureQueriesContext(connection) as one:
        auditor.get(reverse("staff:break_glass_list"))
    for n in range(8):
        other = patient_create(
            actor=personas.practitioner, data=adult_patient_data(family_name=f"Other{n}")
        )
        _open_here(desk, other)
    with CaptureQueriesContext(connection) as nine:
        page = auditor.get(reverse("staff:break_glass_list"))
    assert len(page.context["pending"]) == 9
    assert len(nine) == len(one)
