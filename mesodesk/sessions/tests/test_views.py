"""Session pages: the checklist in the page, charting through HTMX, a signed session that refuses
edits, addenda, the aftercare page, PDF and e-mail, roles, foreign-clinic 404s, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from mesodesk.catalog.models import Protocol
from mesodesk.consent.tests.helpers import active_plan, sign_all, template
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client, pdf_text
from mesodesk.notifications.models import OutboundEmail
from mesodesk.sessions import services
from mesodesk.sessions.models import InjectionPoint, TreatmentSession
from mesodesk.sessions.tests.helpers import chart, consented_plan, lot, prepared, started
from mesodesk.sessions.views import STEPS
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    return consented_plan(personas)


def _action(session: TreatmentSession, name: str) -> str:
    return reverse("sessions:session_action", args=[session.pk, name])


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


def test_a_session_is_prepared_started_charted_and_signed_through_the_pages(
    personas: Personas, plan: TreatmentPlan
) -> None:
    nurse = logged_in_client(personas.nurse)
    created = nurse.post(reverse("sessions:session_new", args=[plan.pk]))
    session = TreatmentSession.objects.get()
    assert created["Location"] == reverse("sessions:session", args=[session.pk])
    nurse.post(_action(session, "check_in"))
    nurse.post(_action(session, "prepare"))
    nurse.post(
        _action(session, "reconfirm"),
        {
            "answer_pregnancy": "absent",
            "answer_breastfeeding": "absent",
            "answer_active_skin_infection": "absent",
            "medicines_unchanged": "on",
        },
    )
    nurse.post(_action(session, "photos"))
    nurse.post(_action(session, "antisepsis"), {"agent": "chlorhexidine_alcohol"})
    page = nurse.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert page.count('class="ok"') >= 4
    doctor = logged_in_client(personas.practitioner)
    doctor.post(_action(session, "start"), {})
    session.refresh_from_db()
    assert session.status == "in_procedure"
    for _ in range(3):
        doctor.post(
            reverse("sessions:point_add", args=[session.pk]),
            _point(session),
            headers={"HX-Request": "true"},
        )
    doctor.post(_action(session, "complete"), {"notes": "", "immediate_reactions": "None"})
    doctor.post(_action(session, "sign"), {"password": PASSWORD})
    session.refresh_from_db()
    assert session.status == "signed"
    assert lot("HA-1").quantity_remaining_ml == Decimal("19.85")


def test_the_page_shows_which_checklist_item_blocks_the_start(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    services.session_prepare(actor=personas.nurse, session_id=session.pk)
    response = logged_in_client(personas.practitioner).post(
        _action(session, "start"), {}, follow=True
    )
    html = response.content.decode()
    assert "antisepsis" in html.lower()
    session.refresh_from_db()
    assert session.status == "preparation"


def test_an_unanswered_reconfirmation_names_each_missing_answer(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    services.session_prepare(actor=personas.nurse, session_id=session.pk)
    html = (
        logged_in_client(personas.nurse)
        .post(_action(session, "reconfirm"), {"answer_pregnancy": "absent"}, follow=True)
        .content.decode()
    )
    assert "Answer" in html
    assert "medicines" in html.lower()
    session.refresh_from_db()
    assert session.facts_reconfirmed_at is None


def test_the_anaesthetic_timer_is_visible_with_its_warning(personas: Personas) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    assert plan.protocol_id is not None
    Protocol.objects.filter(pk=plan.protocol_id).update(
        anaesthesia="topical", anaesthesia_minutes=60
    )
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    session = prepared(personas, plan)
    client = logged_in_client(personas.nurse)
    client.post(_action(session, "anaesthetic"), {"product": "EMLA cream", "minutes_ago": "5"})
    page = client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert 'class="anaesthetic-timer notice warn"' in page
    assert 'data-required="60"' in page
    assert "Wait 55 more minutes before injecting." in page
    doctor = logged_in_client(personas.practitioner)
    refused = doctor.post(_action(session, "start"), {}, follow=True).content.decode()
    assert "Only 5 of 60 minutes" in refused
    session.refresh_from_db()
    assert session.status == "preparation"


def test_charting_through_htmx_returns_the_chart_with_live_totals(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    client = logged_in_client(personas.practitioner)
    response = client.post(
        reverse("sessions:point_add", args=[session.pk]),
        _point(session, lot=str(lot("LI-1").pk), volume_ml="0.5"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.startswith('<div id="chart" data-points="1">')
    assert "10 mg" in html  # 0.5 mL of 2 % lidocaine
    assert 'data-count="1"' in html


def test_a_bad_point_shows_field_errors_in_the_chart_and_saves_nothing(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    response = logged_in_client(personas.practitioner).post(
        reverse("sessions:point_add", args=[session.pk]),
        _point(session, volume_ml="-1", lot="not-a-lot"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 0.001" in html
    assert '<ul class="errorlist" data-field="lot">' in html
    assert '<ul class="errorlist" data-field="volume_ml">' in html
    assert not InjectionPoint.objects.exists()


def test_a_signed_session_refuses_edits_through_the_page_and_accepts_an_addendum(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    client = logged_in_client(personas.practitioner)
    added = client.post(
        reverse("sessions:point_add", args=[session.pk]),
        _point(session),
        headers={"HX-Request": "true"},
    )
    assert "signed" in added.content.decode()
    point = InjectionPoint.objects.first()
    assert point is not None
    client.post(reverse("sessions:point_remove", args=[session.pk]), {"point": str(point.pk)})
    client.post(_action(session, "copy"))
    client.post(_action(session, "complete"), {"notes": "changed"})
    assert InjectionPoint.objects.count() == 2
    session.refresh_from_db()
    assert session.notes == ""
    client.post(
        _action(session, "addendum"),
        {"text": "Bruise noted at the left cheek.", "password": PASSWORD},
    )
    page = client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert "Bruise noted at the left cheek." in page
    assert "point-form" not in page


def test_the_aftercare_page_pdf_and_email(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = logged_in_client(personas.nurse)
    page = client.get(reverse("sessions:aftercare", args=[session.pk])).content.decode()
    assert "Call the clinic" in page or "call the clinic" in page.lower()
    pdf = client.get(reverse("sessions:aftercare_pdf", args=[session.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "weeks" in pdf_text(pdf.content)
    client.post(reverse("sessions:aftercare_send", args=[session.pk]), {"to": "a@example.test"})
    email = OutboundEmail.objects.get()
    assert email.to == "a@example.test"
    shown = client.get(reverse("sessions:aftercare", args=[session.pk])).content.decode()
    assert email.get_status_display().lower() in shown.lower()
    bad = client.post(
        reverse("sessions:aftercare_send", args=[session.pk]),
        {"to": "not an address"},
        follow=True,
    )
    assert "e-mail" in bad.content.decode().lower()
    assert OutboundEmail.objects.count() == 1


def test_front_desk_checks_in_without_seeing_the_clinical_record(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 1)
    client = logged_in_client(personas.front_desk)
    page = client.get(reverse("sessions:session", args=[session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "HA-1" not in html
    assert "checklist" not in html
    assert client.post(reverse("sessions:point_add", args=[session.pk]), {}).status_code == 403
    assert client.get(reverse("sessions:aftercare", args=[session.pk])).status_code == 403


def test_a_nurse_prepares_but_cannot_chart_or_sign(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    client = logged_in_client(personas.nurse)
    assert (
        client.post(reverse("sessions:point_add", args=[session.pk]), _point(session)).status_code
        == 403
    )
    client.post(_action(session, "sign"), {"password": PASSWORD})
    session.refresh_from_db()
    assert session.status == "in_procedure"


def test_another_clinic_gets_404_for_every_session_page(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 1)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    point = InjectionPoint.objects.get()
    client = logged_in_client(personas.foreign_practitioner)
    for url in (
        reverse("sessions:session", args=[session.pk]),
        reverse("sessions:aftercare", args=[session.pk]),
        reverse("sessions:aftercare_pdf", args=[session.pk]),
        reverse("sessions:plan_panel", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("sessions:session_new", args=[plan.pk]),
        reverse("sessions:point_add", args=[session.pk]),
        reverse("sessions:point_remove", args=[session.pk]),
        reverse("sessions:aftercare_send", args=[session.pk]),
        _action(session, "sign"),
        _action(session, "addendum"),
    ):
        assert client.post(url, {"text": "x", "point": str(point.pk)}).status_code == 404, url
    session.refresh_from_db()
    assert session.status == "completed"
    assert InjectionPoint.objects.count() == 1


def test_the_sessions_panel_keeps_a_constant_query_count_as_sessions_grow(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.nurse)
    url = reverse("sessions:plan_panel", args=[plan.pk])
    first = started(personas, plan)
    client.get(url)  # the first request of a log-in stamps the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    chart(personas, first, "HA-1", 1)
    services.session_complete(actor=personas.practitioner, session_id=first.pk)
    services.session_sign(actor=personas.practitioner, session_id=first.pk, secret=PASSWORD)
    services.session_create(actor=personas.nurse, plan_id=plan.pk, early_reason="In a test.")
    with CaptureQueriesContext(connection) as two:
        page = client.get(url).content.decode()
    assert "Session 2" in page
    assert len(two) == len(one)


def test_front_desk_sees_the_sessions_panel_only_with_the_plan_capability(
    personas: Personas, plan: TreatmentPlan
) -> None:
    url = reverse("sessions:plan_panel", args=[plan.pk])
    assert logged_in_client(personas.front_desk).get(url).status_code == 403


def test_the_session_page_keeps_a_constant_query_count_as_points_grow(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    client = logged_in_client(personas.practitioner)
    url = reverse("sessions:session", args=[session.pk])
    chart(personas, session, "HA-1", 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    chart(personas, session, "HA-1", 25)
    chart(personas, session, "LI-1", 5, region="forehead", side="")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_point_form_starts_from_the_protocols_technique_and_volume(
    personas: Personas, plan: TreatmentPlan
) -> None:
    assert plan.protocol_id is not None
    Protocol.objects.filter(pk=plan.protocol_id).update(
        technique="papule", volume_per_point_ml=Decimal("0.02"), needle="30G 4 mm"
    )
    session = started(personas, plan)
    html = (
        logged_in_client(personas.practitioner)
        .get(reverse("sessions:session", args=[session.pk]))
        .content.decode()
    )
    assert '<option value="papule" selected>' in html
    assert 'name="volume_ml" value="0.020"' in html
    assert 'value="30G 4 mm"' in html


def test_the_pressed_remove_button_removes_only_its_point(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3)
    first, second, _ = InjectionPoint.objects.order_by("created_at")
    client = logged_in_client(personas.practitioner)
    response = client.post(
        reverse("sessions:point_remove", args=[session.pk]),
        {"point": str(second.pk), "view": "face_front", "lot": str(lot("LI-1").pk)},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.startswith('<div id="chart" data-points="2">')
    assert f'<option value="{lot("LI-1").pk}" selected>' in html  # the chosen lot is kept
    assert not InjectionPoint.objects.filter(pk=second.pk).exists()
    for bad in ("", "not-a-uuid", str(session.pk)):
        refused = client.post(reverse("sessions:point_remove", args=[session.pk]), {"point": bad})
        assert refused.status_code == 404
    assert InjectionPoint.objects.filter(pk=first.pk).exists()


def test_removing_a_point_does_not_wait_for_the_charting_form_to_be_valid(
    personas: Personas, plan: TreatmentPlan
) -> None:
    """htmx validates what a form includes unless the form is `novalidate`: the remove
    buttons include the charting form's lot (required), so without it "Remove" did nothing
    until a lot was chosen. The server needs no lot either."""
    import re

    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    client = logged_in_client(personas.practitioner)
    page = client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    [remove_form] = re.findall(r"<form [^>]*id=\"points-remove\"[^>]*>", page)
    assert "novalidate" in remove_form
    point = InjectionPoint.objects.first()
    assert point is not None
    response = client.post(
        reverse("sessions:point_remove", args=[session.pk]),
        {"point": str(point.pk), "view": "face_front", "lot": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert InjectionPoint.objects.filter(session=session).count() == 1


def test_the_plan_page_shows_the_course_and_offers_a_session_only_when_none_is_open(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.nurse)
    plan_page = client.get(reverse("treatments:plan", args=[plan.pk])).content.decode()
    url = reverse("sessions:plan_panel", args=[plan.pk])
    assert f'hx-get="{url}"' in plan_page  # the plan page loads the sessions panel
    assert 'id="session-new"' in client.get(url).content.decode()
    session = started(personas, plan)
    page = client.get(url).content.decode()
    assert 'id="session-new"' not in page
    assert "session 1 is open" in page
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    page = client.get(url).content.decode()
    assert "1 of 4 signed" in page
    assert "the next session is allowed on" in page  # 15 to 15 days: one date
    assert 'id="session-new"' in page


def test_the_signed_record_shows_who_when_how_long_and_what_was_observed(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(
        actor=personas.practitioner, session_id=session.pk, immediate_reactions="Mild erythema"
    )
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    page = (
        logged_in_client(personas.nurse)
        .get(reverse("sessions:session", args=[session.pk]))
        .content.decode()
    )
    assert personas.practitioner.user is not None
    assert escape(personas.practitioner.user.full_name) in page
    assert "(0 min)" in page
    assert "2 % chlorhexidine in 70 % alcohol" in page
    assert "Mild erythema" in page


def test_a_bad_step_form_names_its_field_and_records_nothing(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = prepared(personas, plan)
    client = logged_in_client(personas.nurse)
    page = client.post(
        _action(session, "anaesthetic"), {"product": "EMLA", "minutes_ago": "-5"}, follow=True
    ).content.decode()
    assert "Applied how many minutes ago: Ensure this value is greater than or equal to 0." in page
    session.refresh_from_db()
    assert session.anaesthetic_applied_at is None
    page = client.post(_action(session, "end"), {"reason": ""}, follow=True).content.decode()
    assert "Reason: This field is required." in page
    session.refresh_from_db()
    assert session.status == "preparation"


@pytest.mark.parametrize("step", sorted(STEPS))
def test_another_clinic_gets_404_for_every_step_of_the_session_page(
    personas: Personas, plan: TreatmentPlan, step: str
) -> None:
    session = prepared(personas, plan)
    before = TreatmentSession.objects.values().get(pk=session.pk)
    response = logged_in_client(personas.foreign_practitioner).post(
        _action(session, step),
        {
            "text": "x",
            "reason": "x",
            "agent": "chlorhexidine_alcohol",
            "product": "EMLA",
            "minutes_ago": "0",
            "answer_pregnancy": "absent",
        },
    )
    assert response.status_code == 404
    assert TreatmentSession.objects.values().get(pk=session.pk) == before


def test_a_failed_aftercare_email_is_retried_from_its_page(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = logged_in_client(personas.nurse)
    client.post(reverse("sessions:aftercare_send", args=[session.pk]), {"to": "a@example.test"})
    email = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=email.pk).update(status="failed", last_error="refused")
    page = client.get(reverse("sessions:aftercare", args=[session.pk])).content.decode()
    retry = reverse("sessions:aftercare_retry", args=[session.pk, email.pk])
    assert retry in page
    foreign = logged_in_client(personas.foreign_practitioner).post(retry)
    assert foreign.status_code == 404
    assert OutboundEmail.objects.get(pk=email.pk).status == "failed"
    done = client.post(retry, follow=True)
    assert "Queued again." in done.content.decode()
    assert OutboundEmail.objects.get(pk=email.pk).status == "queued"  # sent after commit


def test_the_page_keeps_a_constant_query_count_after_earlier_sessions(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)

    def sign_one(points: int) -> None:
        session = started(personas, plan)
        chart(personas, session, "HA-1", points)
        services.session_complete(actor=personas.practitioner, session_id=session.pk)
        services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)

    def preparation_page_queries() -> int:
        session = prepared(personas, plan)
        url = reverse("sessions:session", args=[session.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        services.session_end(actor=personas.nurse, session_id=session.pk, reason="measured")
        return len(queries)

    sign_one(2)
    after_one = preparation_page_queries()
    sign_one(10)
    sign_one(10)
    assert preparation_page_queries() == after_one


def test_signing_the_session_in_the_page_asks_for_the_password(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 1)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = logged_in_client(personas.practitioner)
    page = client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert 'name="password"' in page
    wrong = client.post(_action(session, "sign"), {"password": "guess"}, follow=True)
    assert "not right" in wrong.content.decode()
    session.refresh_from_db()
    assert session.status == "completed"
    client.post(_action(session, "sign"), {"password": PASSWORD})
    session.refresh_from_db()
    assert session.status == "signed"
    assert session.reauthenticated_at is not None
    client.post(_action(session, "addendum"), {"text": "Bruise noted."})
    assert not session.addenda.exists()
    client.post(_action(session, "addendum"), {"text": "Bruise noted.", "password": PASSWORD})
    assert session.addenda.get().reauthenticated_at is not None
