"""The record always says what was done (issue 9, items 8 to 10): a lot recalled after it was
injected stays on the record and is flagged; dose limits are checked as each point is charted,
and a hard limit really exceeded is signed with its reason and an incident; the aftercare is
regenerated from the signed record and versioned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from mesodesk.audit.models import AuditEvent
from mesodesk.catalog.models import Lot, StockMovement
from mesodesk.catalog.services import lot_status_set
from mesodesk.core.errors import FieldErrors, PermissionDenied
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client, pdf_text
from mesodesk.notifications.models import OutboundEmail
from mesodesk.sessions import selectors, services
from mesodesk.sessions.models import (
    AftercareSheet,
    AftercareVersion,
    InjectionPoint,
    SessionIncident,
    TreatmentSession,
)
from mesodesk.sessions.tests.helpers import chart, consented_plan, lot, started
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    return consented_plan(personas)


def _point(session: TreatmentSession, **overrides: str) -> dict[str, str]:
    return {
        "kind": "point",
        "lot": str(lot("HA-1").pk),
        "volume_ml": "0.05",
        "depth_mm": "1.5",
        "technique": "papule",
        "view": "face_front",
        "region": "cheeks",
        "side": "left",
        "x": "250",
        "y": "300",
        **overrides,
    }


def _fresh(session: TreatmentSession) -> TreatmentSession:
    return TreatmentSession.objects.get(pk=session.pk)


# Item 8: a lot that became unusable after it was injected


@pytest.mark.parametrize("state", ["recalled", "expired", "quarantined"])
def test_a_lot_that_became_unusable_after_injection_is_signed_flagged_and_kept(
    personas: Personas, plan: TreatmentPlan, state: str
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 10, volume="0.1")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    target = lot("HA-1")
    if state == "expired":
        Lot.objects.filter(pk=target.pk).update(expiry_date=dt.date(2020, 1, 1))
    else:
        lot_status_set(actor=personas.nurse, lot_id=target.pk, status=state, reason="supplier")
    page = logged_in_client(personas.practitioner).get(
        reverse("sessions:session", args=[session.pk])
    )
    assert 'id="record-flags"' in page.content.decode()  # flagged before signing too
    signed = services.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )
    assert signed.status == "signed"
    # The points stay on the record, with their lot.
    assert InjectionPoint.objects.filter(session=session, lot=target).count() == 10
    assert signed.lot_flags == [
        {
            "lot": str(target.pk),
            "lot_number": "HA-1",
            "product": target.product.name,
            "state": state,
        }
    ]
    # What was injected left the vial: the stock says so whatever the lot's state now.
    assert lot("HA-1").quantity_remaining_ml == Decimal("19.00")
    assert StockMovement.objects.filter(lot=target, kind="use").count() == 1
    page = logged_in_client(personas.practitioner).get(
        reverse("sessions:session", args=[session.pk])
    )
    text = page.content.decode()
    assert 'id="record-flags"' in text
    assert f"Lot HA-1 ({target.product.name}) is {state}" in text


def test_a_lot_that_is_still_usable_raises_no_flag(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    signed = services.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )
    assert signed.lot_flags == []
    page = logged_in_client(personas.practitioner).get(
        reverse("sessions:session", args=[session.pk])
    )
    assert 'id="record-flags"' not in page.content.decode()


def test_the_recall_search_finds_every_session_that_used_the_lot_and_no_other(
    personas: Personas, plan: TreatmentPlan
) -> None:
    # Session 1 used HA-1 and LI-1 and is signed; session 2 (still open) used LI-1 only.
    first = started(personas, plan)
    chart(personas, first, "HA-1", 3)
    chart(personas, first, "LI-1", 1, region="forehead", side="")
    services.session_complete(actor=personas.practitioner, session_id=first.pk)
    services.session_sign(actor=personas.practitioner, session_id=first.pk, secret=PASSWORD)
    second = started(personas, plan)
    chart(personas, second, "LI-1", 2, region="forehead", side="")
    # LI-1 is recalled after both injections.
    lot_status_set(actor=personas.nurse, lot_id=lot("LI-1").pk, status="recalled", reason="x")

    found = selectors.sessions_with_lot(actor=personas.practitioner, lot_id=lot("LI-1").pk)
    assert {s.pk for s in found} == {first.pk, second.pk}
    only_first = selectors.sessions_with_lot(actor=personas.practitioner, lot_id=lot("HA-1").pk)
    assert [s.pk for s in only_first] == [first.pk]
    # Another clinic finds nothing; front desk may not search.
    assert (
        selectors.sessions_with_lot(actor=personas.foreign_practitioner, lot_id=lot("LI-1").pk)
        == []
    )
    with pytest.raises(PermissionDenied):
        selectors.sessions_with_lot(actor=personas.front_desk, lot_id=lot("LI-1").pk)

    client = logged_in_client(personas.practitioner)
    page = client.get(reverse("catalog:lot", args=[lot("LI-1").pk])).content.decode()
    assert reverse("sessions:lot_recipients", args=[lot("LI-1").pk]) in page
    text = client.get(reverse("sessions:lot_recipients", args=[lot("LI-1").pk])).content.decode()
    assert "Patients who received this lot" in text
    assert f'data-session="{first.pk}"' in text
    assert f'data-session="{second.pk}"' in text
    text = client.get(reverse("sessions:lot_recipients", args=[lot("HA-1").pk])).content.decode()
    assert f'data-session="{first.pk}"' in text
    assert f'data-session="{second.pk}"' not in text


def test_another_clinic_gets_404_for_the_lot_page(personas: Personas, plan: TreatmentPlan) -> None:
    client = logged_in_client(personas.foreign_practitioner)
    for name in ("catalog:lot", "sessions:lot_recipients"):
        assert client.get(reverse(name, args=[lot("HA-1").pk])).status_code == 404


# Item 9: dose limits at the moment of charting


def test_a_point_outside_the_plausible_volume_asks_for_confirmation(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    data = {**_point(session, volume_ml="2"), "lot_id": lot("HA-1").pk}
    data.pop("lot")
    with pytest.raises(FieldErrors) as caught:
        services.point_add(actor=personas.practitioner, session_id=session.pk, data=data)
    assert set(caught.value.errors) == {"confirm_volume"}
    assert not InjectionPoint.objects.exists()
    point = services.point_add(
        actor=personas.practitioner,
        session_id=session.pk,
        data={**data, "confirm_volume": True},
    )
    assert point.volume_confirmed
    # A zone (nappage over a region) is not one injection: no question.
    zone = {**data, "kind": "zone", "x": None, "y": None}
    assert services.point_add(actor=personas.practitioner, session_id=session.pk, data=zone)


def test_the_page_rerenders_the_volume_warning_with_a_confirm_checkbox(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    client = logged_in_client(personas.practitioner)
    url = reverse("sessions:point_add", args=[session.pk])
    asked = client.post(url, _point(session, volume_ml="2"), HTTP_HX_REQUEST="true")
    text = asked.content.decode()
    assert 'id="dose-alert-ask"' in text
    assert 'name="confirm_volume"' in text
    assert "outside the usual" in text
    assert not InjectionPoint.objects.exists()
    client.post(url, _point(session, volume_ml="2", confirm_volume="on"), HTTP_HX_REQUEST="true")
    assert InjectionPoint.objects.get().volume_confirmed


def test_a_point_over_a_hard_limit_needs_a_reason_and_the_alert_is_at_the_top(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    # 10 x 1.25 mL of 2 % lidocaine = 250 mg; the limit for this patient is 270 mg.
    chart(personas, session, "LI-1", 10, volume="1.25", confirm_volume=True)
    client = logged_in_client(personas.practitioner)
    url = reverse("sessions:point_add", args=[session.pk])
    over = _point(session, lot=str(lot("LI-1").pk), volume_ml="1.25", confirm_volume="on")
    # Without HTMX the whole page comes back with the alert before the chart.
    page = client.post(url, over)
    text = page.content.decode()
    assert page.status_code == 422
    assert InjectionPoint.objects.filter(session=session).count() == 10
    alert = text.index('id="dose-alert-ask"')
    assert alert < text.index('id="procedure"') < text.index('id="chart"')
    assert "Hard limit" in text
    assert 'name="over_limit_reason"' in text
    # Over HTMX the alert is swapped into the top of the page (out of band).
    htmx = client.post(url, over, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="dose-alert" hx-swap-oob="true"' in htmx
    assert 'id="dose-alert-ask"' in htmx
    client.post(url, {**over, "over_limit_reason": "Patient weighed 70 kg today"})
    assert InjectionPoint.objects.filter(session=session).count() == 11
    point = InjectionPoint.objects.filter(session=session).latest("created_at")
    assert point.over_limit_reason == "Patient weighed 70 kg today"


def test_an_exceeded_hard_limit_is_signed_with_its_reason_a_flag_and_an_incident(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "LI-1", 10, volume="1.25", confirm_volume=True)
    with pytest.raises(FieldErrors) as caught:
        chart(personas, session, "LI-1", 1, volume="1.25", confirm_volume=True)
    assert set(caught.value.errors) == {"over_limit_reason"}
    chart(
        personas,
        session,
        "LI-1",
        1,
        volume="1.25",
        confirm_volume=True,
        over_limit_reason="Wider area than planned",
    )
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    signed = services.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )
    assert signed.status == "signed"
    incident = SessionIncident.objects.get(session=session)
    assert incident.kind == "dose_limit_exceeded"
    assert incident.ingredient == "lidocaine"
    assert incident.reason == "Wider area than planned"
    assert incident.total.startswith("275")
    assert incident.recorded_by == personas.practitioner.user
    assert AuditEvent.objects.filter(object_id=incident.pk, action="create").exists()
    # The signed record shows the flag and the incident at the top of the page.
    text = (
        logged_in_client(personas.practitioner)
        .get(reverse("sessions:session", args=[session.pk]))
        .content.decode()
    )
    flags = text.index('id="record-flags"')
    assert flags < text.index('id="procedure"')
    assert "Hard limit exceeded" in text
    assert "Wider area than planned" in text
    assert "Incident opened" in text


def test_an_exceeded_limit_charted_without_a_reason_still_blocks_signing(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "LI-1", 10, volume="1.25", confirm_volume=True)
    # A point written before the check existed (no reason on record).
    assert personas.practitioner.user is not None
    InjectionPoint.objects.create(
        clinic=personas.clinic_a,
        session=session,
        view="face_front",
        region="cheeks",
        product=lot("LI-1").product,
        lot=lot("LI-1"),
        volume_ml=Decimal("1.25"),
        created_by=personas.practitioner.user,
    )
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    with pytest.raises(FieldErrors) as caught:
        services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    assert "dose" in caught.value.errors
    assert not SessionIncident.objects.exists()


# Item 10: the aftercare matches the signed record


def test_the_aftercare_is_regenerated_from_the_signed_record_and_versioned(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3)
    chart(personas, session, "LI-1", 1, region="forehead", side="")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    sheet = AftercareSheet.objects.get(session=session)
    assert sheet.version == 1
    assert "Forehead" in sheet.content["treated"]
    # Send version 1, then remove the forehead point (the session is completed, not signed).
    services.aftercare_send(actor=personas.nurse, session_id=session.pk)
    forehead = InjectionPoint.objects.get(session=session, region="forehead")
    services.point_remove(actor=personas.practitioner, point_id=forehead.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert "Forehead" not in sheet.content["treated"]
    versions = list(AftercareVersion.objects.filter(sheet=sheet).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert "Forehead" in versions[0].content["treated"]  # the earlier version is kept
    assert versions[1].from_signed_record
    services.aftercare_send(actor=personas.nurse, session_id=session.pk)
    latest = OutboundEmail.objects.order_by("-created_at").first()
    assert latest is not None
    assert latest.related_id == versions[1].pk
    assert "(version 2)" in latest.body_text
    assert "Forehead" not in latest.body_text

    client = logged_in_client(personas.nurse)
    page = client.get(reverse("sessions:aftercare", args=[session.pk])).content.decode()
    assert "version 2" in page
    assert "Forehead" not in page.split('id="aftercare"')[1].split("</article>")[0]
    assert 'data-version="2"' in page
    assert 'data-version="1"' in page  # the first e-mail carried version 1
    pdf = pdf_text(client.get(reverse("sessions:aftercare_pdf", args=[session.pk])).content)
    assert "version 2" in pdf
    assert "Forehead" not in pdf


def test_signing_without_changes_keeps_the_aftercare_version(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    sheet = AftercareSheet.objects.get(session=session)
    assert sheet.version == 1
    assert AftercareVersion.objects.get(sheet=sheet).from_signed_record
