"""The session workflow: gates at each step, charting with lots, signing once, addenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from mesodesk.audit.models import AuditEvent
from mesodesk.catalog.models import Lot, StockMovement
from mesodesk.catalog.services import lot_status_set
from mesodesk.catalog.tests.helpers import kybella, receive
from mesodesk.consent.selectors import consent_latest
from mesodesk.consent.services import consent_withdraw
from mesodesk.consent.tests.helpers import active_plan, sign_all, template
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import PASSWORD, Personas
from mesodesk.sessions import checklist, selectors, services
from mesodesk.sessions.models import ImmutableSessionError, InjectionPoint, TreatmentSession
from mesodesk.sessions.tests.helpers import (
    ANSWERS,
    chart,
    consented_kybella_plan,
    consented_plan,
    lot,
    prepared,
    started,
)
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    return consented_plan(personas)


def test_a_session_runs_from_check_in_to_signature(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    assert session.status == "in_procedure"
    assert session.consent_id is not None
    chart(personas, session, "HA-1", 30, volume="0.05")
    chart(personas, session, "LI-1", 10, volume="0.1", region="forehead", side="")
    services.session_complete(
        actor=personas.practitioner, session_id=session.pk, immediate_reactions="Mild erythema"
    )
    signed = services.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )
    assert signed.status == "signed"
    assert signed.signed_by == personas.practitioner.user
    assert lot("HA-1").quantity_remaining_ml == Decimal("18.50")
    assert lot("LI-1").quantity_remaining_ml == Decimal("19.00")
    totals = {t["ingredient"]: t["amount"] for t in signed.totals}
    assert Decimal(totals["lidocaine"]) == Decimal(20)  # 1 mL of 2 % = 20 mg


def test_the_checklist_gates_the_procedure(personas: Personas, plan: TreatmentPlan) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    services.session_prepare(actor=personas.nurse, session_id=session.pk)
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert {
        "checklist_facts",
        "checklist_screening",
        "checklist_photos",
        "checklist_antisepsis",
    } <= set(caught.value.errors)
    with pytest.raises(FieldErrors) as caught:
        services.session_reconfirm(
            actor=personas.nurse,
            session_id=session.pk,
            answers={"pregnancy": "absent"},
            medicines_unchanged=False,
        )
    assert {"answer_breastfeeding", "medicines_unchanged"} <= set(caught.value.errors)


def test_a_same_day_contraindication_blocks_the_procedure(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    services.session_prepare(actor=personas.nurse, session_id=session.pk)
    screening = services.session_reconfirm(
        actor=personas.nurse,
        session_id=session.pk,
        answers={**ANSWERS, "active_skin_infection": "present"},
        sites={"active_skin_infection": "cheeks"},
        medicines_unchanged=True,
    )
    assert screening.verdict == "contraindicated"
    assert screening.reason == "check_in"
    services.session_confirm_photos(actor=personas.nurse, session_id=session.pk)
    services.session_record_antisepsis(
        actor=personas.nurse, session_id=session.pk, agent="chlorhexidine_alcohol"
    )
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert set(caught.value.errors) == {"checklist_screening"}


def test_without_a_valid_consent_there_is_no_procedure(personas: Personas) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    session = prepared(personas, plan)
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert "No consent has been signed" in caught.value.errors["checklist_consent"][0]
    sign_all(personas.nurse, plan)  # signed by the patient, not yet countersigned
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert "countersignature" in caught.value.errors["checklist_consent"][0]


def test_a_withdrawn_consent_blocks_further_sessions(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    consent = consent_latest(plan)
    assert consent is not None
    consent_withdraw(
        actor=personas.nurse, consent_id=consent.pk, reason="Patient wrote to withdraw"
    )
    with pytest.raises(Conflict, match="withdrew"):
        services.session_create(actor=personas.nurse, plan_id=plan.pk)


def test_the_anaesthetic_timer_warns_before_the_minimum_time(personas: Personas) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    from mesodesk.catalog.models import Protocol

    assert plan.protocol_id is not None
    Protocol.objects.filter(pk=plan.protocol_id).update(
        anaesthesia="topical", anaesthesia_minutes=60
    )
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    session = prepared(personas, plan)
    assert session.anaesthetic_minutes_required == 60
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert "Record when the topical anaesthetic" in caught.value.errors["checklist_anaesthetic"][0]
    services.session_record_anaesthetic(
        actor=personas.nurse,
        session_id=session.pk,
        product="EMLA 5 g",
        applied_at=timezone.now() - dt.timedelta(minutes=25),
    )
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=session.pk)
    assert "Only 25 of 60 minutes" in caught.value.errors["checklist_anaesthetic"][0]
    early = services.session_start(
        actor=personas.practitioner, session_id=session.pk, start_early=True
    )
    assert early.anaesthetic_minutes_at_start == 25
    event = AuditEvent.objects.filter(object_id=session.pk, action="update").latest("seq")
    assert event.changes["started_early"] == [None, True]


def test_charted_totals_equal_the_sum_of_the_points_and_respect_limits(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(  # 15 mL of 2 % = 300 mg > 270 mg: charted only with a confirmation and a reason
        personas,
        session,
        "LI-1",
        12,
        volume="1.25",
        confirm_volume=True,
        over_limit_reason="Large area, discussed with the patient",
    )
    report = selectors.session_dose_report(
        actor=personas.practitioner, session=TreatmentSession.objects.get(pk=session.pk)
    )
    [total] = [t for t in report.totals if t.ingredient == "lidocaine"]
    points = InjectionPoint.objects.filter(session=session)
    assert total.volume_ml == sum(p.volume_ml for p in points) == Decimal(15)
    assert total.amount == Decimal(300)
    assert report.blocked


def test_deoxycholic_acid_injections_are_counted_per_session(personas: Personas) -> None:
    plan = consented_kybella_plan(personas, "10")
    session = started(personas, plan)
    chart(personas, session, "DC-1", 50, volume="0.2", region="submental", side="")
    chart(
        personas,
        session,
        "DC-1",
        1,
        volume="0.2",
        region="submental",
        side="",
        over_limit_reason="One more point for symmetry",
    )
    report = selectors.session_dose_report(
        actor=personas.practitioner, session=TreatmentSession.objects.get(pk=session.pk)
    )
    statuses = {c.kind: c.status for c in report.checks}
    assert statuses["injections_per_session"] == "exceeded"
    assert statuses["ml_per_session"] == "exceeded"  # 10.2 mL
    assert statuses["ml_per_injection"] == "ok"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"view": "hand"}, "view"),
        ({"region": "scalp"}, "region"),
        ({"x": "-5"}, "x"),
        ({"volume_ml": "0"}, "volume_ml"),
        ({"volume_ml": "abc"}, "volume_ml"),
        ({"depth_mm": "40"}, "depth_mm"),
        ({"technique": "tattoo"}, "technique"),
        ({"lot_id": "nope"}, "lot_id"),
    ],
)
def test_a_bad_point_is_a_field_error(
    personas: Personas, plan: TreatmentPlan, changes: dict[str, str], field: str
) -> None:
    session = started(personas, plan)
    data = {
        "view": "face_front",
        "region": "cheeks",
        "side": "left",
        "x": "250",
        "y": "300",
        "lot_id": str(lot("HA-1").pk),
        "volume_ml": "0.1",
    } | changes
    with pytest.raises(FieldErrors) as caught:
        services.point_add(actor=personas.practitioner, session_id=session.pk, data=data)
    assert field in caught.value.errors
    assert not InjectionPoint.objects.exists()


@pytest.mark.parametrize("state", ["recalled", "expired", "foreign_product"])
def test_unusable_or_unplanned_lots_cannot_be_charted(
    personas: Personas, plan: TreatmentPlan, state: str
) -> None:
    session = started(personas, plan)
    target = lot("HA-1")
    if state == "recalled":
        lot_status_set(actor=personas.nurse, lot_id=target.pk, status="recalled", reason="x")
    elif state == "expired":
        Lot.objects.filter(pk=target.pk).update(expiry_date=dt.date(2020, 1, 1))
    else:
        target = receive(personas.nurse, kybella(personas.clinic_admin), number="K9")
    with pytest.raises(FieldErrors) as caught:
        services.point_add(
            actor=personas.practitioner,
            session_id=session.pk,
            data={
                "view": "face_front",
                "region": "cheeks",
                "x": "250",
                "y": "300",
                "lot_id": str(target.pk),
                "volume_ml": "0.1",
            },
        )
    assert "lot_id" in caught.value.errors


def _refused_fields(service: Callable[..., object], **arguments: Any) -> set[str]:
    """The fields a service names when it refuses (none when it accepts)."""
    try:
        service(**arguments)
    except FieldErrors as exc:
        return set(exc.errors)
    return set()


def test_the_chart_and_the_lot_list_agree_on_which_lots_are_usable(
    personas: Personas, plan: TreatmentPlan
) -> None:
    from mesodesk.catalog.selectors import lot_usable, lots_usable

    session = started(personas, plan)
    product = lot("HA-1").product
    states = {
        "fresh": receive(personas.nurse, product, number="OK-1"),
        "recalled": receive(personas.nurse, product, number="RC-1"),
        "expired": receive(personas.nurse, product, number="EX-1"),
        "quarantined": receive(personas.nurse, product, number="QU-1"),
        "empty": receive(personas.nurse, product, number="EM-1"),
    }
    lot_status_set(
        actor=personas.nurse, lot_id=states["recalled"].pk, status="recalled", reason="x"
    )
    lot_status_set(
        actor=personas.nurse, lot_id=states["quarantined"].pk, status="quarantined", reason="x"
    )
    Lot.objects.filter(pk=states["expired"].pk).update(expiry_date=dt.date(2020, 1, 1))
    Lot.objects.filter(pk=states["empty"].pk).update(quantity_remaining_ml=0)
    listed = set(lots_usable(actor=personas.practitioner).values_list("lot_number", flat=True))
    today = personas.practitioner.today()
    for name, row in states.items():
        fresh = Lot.objects.get(pk=row.pk)
        assert lot_usable(fresh, today) == (fresh.lot_number in listed), name
        refused = _refused_fields(
            services.point_add,
            actor=personas.practitioner,
            session_id=session.pk,
            data={
                "view": "face_front",
                "region": "cheeks",
                "x": "250",
                "y": "300",
                "lot_id": str(fresh.pk),
                "volume_ml": "0.05",
            },
        )
        assert refused == (set() if name == "fresh" else {"lot_id"}), name


def test_a_signed_session_refuses_edits_and_accepts_addenda(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    point = InjectionPoint.objects.filter(session=session).first()
    assert point is not None
    with pytest.raises(Conflict):
        services.point_add(actor=personas.practitioner, session_id=session.pk, data={})
    with pytest.raises(Conflict):
        services.point_remove(actor=personas.practitioner, point_id=point.pk)
    point.volume_ml = Decimal(9)
    with pytest.raises(ImmutableSessionError):
        point.save()
    stored = TreatmentSession.objects.get(pk=session.pk)
    stored.notes = "rewritten"
    with pytest.raises(ImmutableSessionError):
        stored.save()
    addendum = services.session_addendum_add(
        actor=personas.practitioner,
        session_id=session.pk,
        text="Lot HA-1 volume was 0.06 mL at point 2.",
        secret=PASSWORD,
    )
    assert addendum.signed_by == personas.practitioner.user
    assert TreatmentSession.objects.get(pk=session.pk).notes == ""


def test_stock_decrements_exactly_once_when_signing_is_sent_twice(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 10, volume="0.1")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    with pytest.raises(Conflict):
        services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    assert lot("HA-1").quantity_remaining_ml == Decimal(19)
    assert StockMovement.objects.filter(kind="use").count() == 1


def test_the_previous_map_can_be_copied(personas: Personas, plan: TreatmentPlan) -> None:
    first = started(personas, plan)
    chart(personas, first, "HA-1", 4)
    services.session_complete(actor=personas.practitioner, session_id=first.pk)
    services.session_sign(actor=personas.practitioner, session_id=first.pk, secret=PASSWORD)
    second = started(personas, plan)
    assert second.number == 2
    assert (
        services.session_copy_previous_map(actor=personas.practitioner, session_id=second.pk) == 4
    )
    with pytest.raises(Conflict):
        services.session_copy_previous_map(actor=personas.practitioner, session_id=second.pk)


def test_the_course_has_an_end(personas: Personas, plan: TreatmentPlan) -> None:
    TreatmentPlan.objects.filter(pk=plan.pk).update(sessions_planned=1)
    session = started(personas, plan)
    chart(personas, session, "HA-1", 1)
    with pytest.raises(Conflict, match="still open"):
        services.session_create(actor=personas.nurse, plan_id=plan.pk)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    with pytest.raises(Conflict, match="All 1 sessions"):
        services.session_create(actor=personas.nurse, plan_id=plan.pk)


def test_cancelling_and_did_not_attend(personas: Personas, plan: TreatmentPlan) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    with pytest.raises(FieldErrors):
        services.session_end(actor=personas.front_desk, session_id=session.pk, reason="")
    ended = services.session_end(
        actor=personas.front_desk, session_id=session.pk, reason="No show", did_not_attend=True
    )
    assert ended.status == "did_not_attend"
    with pytest.raises(Conflict):
        services.session_prepare(actor=personas.nurse, session_id=session.pk)


def test_roles(personas: Personas, plan: TreatmentPlan) -> None:
    with pytest.raises(PermissionDenied):
        services.session_create(actor=personas.front_desk, plan_id=plan.pk)
    session = prepared(personas, plan)
    with pytest.raises(PermissionDenied):
        services.session_start(actor=personas.nurse, session_id=session.pk)
    with pytest.raises(NotFound):
        services.session_start(actor=personas.foreign_practitioner, session_id=session.pk)


def _signed(personas: Personas, plan: TreatmentPlan, lot_number: str, **chart_args: str) -> None:
    session = started(personas, plan)
    chart(personas, session, lot_number, 5, **chart_args)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)


def test_a_session_before_the_protocol_window_is_a_warning_not_a_block(
    personas: Personas, plan: TreatmentPlan
) -> None:
    _signed(personas, plan, "HA-1")
    second = prepared(personas, plan)
    [item] = [i for i in checklist.session_checklist(personas.nurse, second) if i.key == "interval"]
    assert not item.done
    assert not item.required
    assert "earlier than the protocol" in item.detail
    started_ = services.session_start(actor=personas.practitioner, session_id=second.pk)
    assert started_.status == "in_procedure"


def test_the_label_interval_of_deoxycholic_acid_blocks_an_early_session(
    personas: Personas,
) -> None:
    plan = consented_kybella_plan(personas, "2")
    _signed(personas, plan, "DC-1", volume="0.2", region="submental", side="")
    second = prepared(personas, plan)
    with pytest.raises(FieldErrors) as caught:
        services.session_start(actor=personas.practitioner, session_id=second.pk)
    assert "At least 28 days" in caught.value.errors["checklist_interval"][0]
    assert "S18" in caught.value.errors["checklist_interval"][0]
    TreatmentSession.objects.filter(plan=plan, number=1).update(
        ended_at=timezone.now() - dt.timedelta(days=29)
    )
    started_ = services.session_start(actor=personas.practitioner, session_id=second.pk)
    assert started_.status == "in_procedure"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sign_requests_take_the_stock_once(personas: Personas) -> None:
    import threading

    from django.db import close_old_connections, connection

    plan = consented_plan(personas)
    session = started(personas, plan)
    chart(personas, session, "HA-1", 10, volume="0.1")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def sign() -> None:
        close_old_connections()
        try:
            barrier.wait()
            services.session_sign(
                actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
            )
            outcomes.append("signed")
        except Conflict:
            outcomes.append("refused")
        except Exception as exc:  # any other outcome is the failure this test reports
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["signed"]
    assert lot("HA-1").quantity_remaining_ml == Decimal(19)
    assert StockMovement.objects.filter(kind="use", reference_id=session.pk).count() == 1


def test_today_a_man_is_not_asked_about_pregnancy_or_breastfeeding(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = services.session_create(actor=personas.nurse, plan_id=plan.pk)
    asked = {code for code, _, _ in checklist.time_sensitive_questions(personas.nurse, session)}
    assert {"pregnancy", "breastfeeding", "active_skin_infection"} <= asked
    from mesodesk.patients.models import Patient

    Patient.objects.filter(pk=plan.patient_id).update(sex="male")
    session.patient.refresh_from_db()
    asked = {code for code, _, _ in checklist.time_sensitive_questions(personas.nurse, session)}
    assert "pregnancy" not in asked
    assert "breastfeeding" not in asked
    assert "active_skin_infection" in asked


def test_the_session_checks_a_fixed_schedule_against_an_ingredients_interval(
    personas: Personas,
) -> None:
    plan = consented_kybella_plan(personas, "2")
    session = started(personas, plan)
    chart(personas, session, "DC-1", 5, volume="0.2", region="submental", side="")
    # The clinic's protocol moves to a fixed schedule three days apart (a draft edit would be
    # refused once active; the schedule is what the check reads).
    from mesodesk.catalog.models import Protocol

    assert plan.protocol_id is not None
    Protocol.objects.filter(pk=plan.protocol_id).update(
        schedule_days=[0, 3], interval_min_days=None
    )
    session = TreatmentSession.objects.select_related("plan__protocol", "patient").get(
        pk=session.pk
    )
    report = selectors.session_dose_report(actor=personas.practitioner, session=session)
    [interval] = [c for c in report.checks if c.kind == "min_interval_days"]
    assert interval.status == "exceeded"
    assert interval.hard


def test_session_events_keep_the_audit_names_they_had_before_the_move(
    personas: Personas, plan: TreatmentPlan
) -> None:
    from mesodesk.audit.selectors import AuditFilter, audit_events
    from mesodesk.audit.services import audit_event_record

    session = started(personas, plan)
    # An event as the trail held it before the sessions app existed.
    audit_event_record(
        actor=personas.practitioner,
        action="update",
        object_type="treatments.TreatmentSession",
        object_id=session.pk,
        patient_id=session.patient_id,
        summary="written before the move",
    )
    chart(personas, session, "HA-1", 1)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    services.session_addendum_add(
        actor=personas.practitioner, session_id=session.pk, text="x", secret=PASSWORD
    )
    types = set(
        audit_events(
            actor=personas.clinic_admin, filters=AuditFilter(patient_id=session.patient_id)
        ).values_list("object_type", flat=True)
    )
    assert {
        "treatments.TreatmentSession",
        "treatments.InjectionPoint",
        "treatments.AftercareSheet",
        "treatments.SessionAddendum",
    } <= types
    assert not any(t.startswith("treatment_sessions.") for t in types)
    history = audit_events(
        actor=personas.clinic_admin, filters=AuditFilter(patient_id=session.patient_id)
    ).filter(object_id=session.pk, object_type="treatments.TreatmentSession")
    summaries = set(history.values_list("summary", flat=True))
    assert "written before the move" in summaries
    assert history.filter(action="create").exists()  # written by today's session_create
