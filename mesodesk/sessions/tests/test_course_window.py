"""The course's window is enforced when the next session starts: earlier than the window needs a
written reason that stays on the record; later than the window is flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from mesodesk.consent.tests.helpers import consented_plan
from mesodesk.core.errors import FieldErrors
from mesodesk.core.testing import PASSWORD, Personas, api_client, logged_in_client
from mesodesk.sessions import services
from mesodesk.sessions.models import TreatmentSession
from mesodesk.sessions.tests.helpers import chart, started
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    return consented_plan(personas)  # facial protocol: the next session 15 days after the last


def _first_signed(personas: Personas, plan: TreatmentPlan, days_ago: int = 0) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    signed = services.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )
    assert signed.ended_at is not None
    if days_ago:
        moment = signed.ended_at - dt.timedelta(days=days_ago)
        TreatmentSession.objects.filter(pk=session.pk).update(ended_at=moment)


def test_the_next_session_before_its_window_needs_a_reason(
    personas: Personas, plan: TreatmentPlan
) -> None:
    _first_signed(personas, plan)
    with pytest.raises(FieldErrors) as refused:
        services.session_create(actor=personas.nurse, plan_id=plan.pk)
    assert set(refused.value.errors) == {"early_reason"}
    assert "allowed on" in refused.value.errors["early_reason"][0]
    assert TreatmentSession.objects.filter(plan=plan).count() == 1
    second = services.session_create(
        actor=personas.nurse, plan_id=plan.pk, early_reason="The patient travels next month."
    )
    assert second.timing == "early"
    assert second.timing_reason == "The patient travels next month."
    assert second.window_earliest is not None
    assert second.window_earliest > personas.nurse.today()


def test_an_early_session_shows_its_reason_on_the_record(
    personas: Personas, plan: TreatmentPlan
) -> None:
    _first_signed(personas, plan)
    client = logged_in_client(personas.nurse)
    panel = client.get(reverse("sessions:plan_panel", args=[plan.pk])).content.decode()
    assert 'name="early_reason"' in panel
    refused = client.post(reverse("sessions:session_new", args=[plan.pk]))
    assert refused["Location"] == reverse("treatments:plan", args=[plan.pk])
    assert TreatmentSession.objects.filter(plan=plan).count() == 1
    client.post(
        reverse("sessions:session_new", args=[plan.pk]), {"early_reason": "Travel next month"}
    )
    second = TreatmentSession.objects.get(plan=plan, number=2)
    page = client.get(reverse("sessions:session", args=[second.pk])).content.decode()
    assert "Earlier than the course window" in page
    assert "Travel next month" in page


def test_a_session_after_its_window_is_flagged_late(
    personas: Personas, plan: TreatmentPlan
) -> None:
    _first_signed(personas, plan, days_ago=40)
    second = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    assert second.timing == "late"
    assert second.timing_reason == ""
    page = (
        logged_in_client(personas.nurse)
        .get(reverse("sessions:session", args=[second.pk]))
        .content.decode()
    )
    assert "Later than the course window" in page


def test_a_session_inside_its_window_is_on_time(personas: Personas, plan: TreatmentPlan) -> None:
    _first_signed(personas, plan, days_ago=15)
    second = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    assert second.timing == "on_time"
    first = TreatmentSession.objects.get(plan=plan, number=1)
    assert first.timing == "on_time"  # the first session of a course has no window
    assert first.window_earliest is None


def test_the_api_names_the_missing_reason_and_records_the_given_one(
    personas: Personas, plan: TreatmentPlan
) -> None:
    _first_signed(personas, plan)
    client = api_client(personas.nurse)
    url = f"/api/v1/plans/{plan.pk}/sessions"
    refused = client.post(url, data="{}", content_type="application/json")
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"early_reason"}
    created = client.post(
        url, data='{"early_reason": "Travel next month"}', content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["timing"] == "early"
    assert created.json()["timing_reason"] == "Travel next month"
