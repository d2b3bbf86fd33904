"""Sessions over the API: the checklist gates, charting with live totals, signing once, a
signed session refusing edits, addenda, aftercare, roles and foreign-clinic 404s."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from mesodesk.catalog.models import StockMovement
from mesodesk.core.testing import PASSWORD, Personas, api_client, pdf_text
from mesodesk.notifications.models import OutboundEmail
from mesodesk.sessions import services
from mesodesk.sessions.models import InjectionPoint, SessionAddendum, TreatmentSession
from mesodesk.sessions.tests.helpers import (
    ANSWERS,
    chart,
    consented_plan,
    lot,
    prepared,
    started,
)
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _call(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(API + path)
    return getattr(client, method)(
        API + path, data=json.dumps(body or {}, default=str), content_type="application/json"
    )


def _fields(response: Any) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    return consented_plan(personas)


def _point(**overrides: Any) -> dict[str, Any]:
    return {
        "view": "face_front",
        "region": "cheeks",
        "side": "right",
        "x": "150",
        "y": "280",
        "lot_id": str(lot("HA-1").pk),
        "volume_ml": "0.05",
        "depth_mm": "1",
        "technique": "papule",
        **overrides,
    }


def test_a_session_runs_through_the_api_from_creation_to_signature(
    personas: Personas, plan: TreatmentPlan
) -> None:
    front = api_client(personas.front_desk)
    nurse = api_client(personas.nurse)
    doctor = api_client(personas.practitioner)
    created = _call(nurse, "post", f"/plans/{plan.pk}/sessions")
    assert created.status_code == 201
    session = created.json()
    sid = session["id"]
    assert session["progress"] == {
        "number": 1,
        "planned": 4,
        "signed": 0,
        "next_earliest": None,
        "next_latest": None,
    }
    checked_in = _call(front, "post", f"/sessions/{sid}/check-in")
    assert checked_in.json()["status"] == "checked_in"
    assert "checklist" not in checked_in.json()
    assert _call(front, "get", f"/sessions/{sid}").status_code == 403
    _call(nurse, "post", f"/sessions/{sid}/prepare")
    refused = _call(doctor, "post", f"/sessions/{sid}/start", {})
    assert refused.status_code == 422
    assert {"checklist_facts", "checklist_antisepsis"} <= _fields(refused)
    reconfirmed = _call(
        nurse,
        "post",
        f"/sessions/{sid}/reconfirm",
        {"answers": ANSWERS, "medicines_unchanged": True},
    ).json()
    assert {i["key"]: i["done"] for i in reconfirmed["checklist"]}["screening"] is True
    _call(nurse, "post", f"/sessions/{sid}/photos")
    _call(nurse, "post", f"/sessions/{sid}/antisepsis", {"agent": "chlorhexidine_alcohol"})
    assistant = str(personas.nurse.user.pk) if personas.nurse.user else None
    started_ = _call(doctor, "post", f"/sessions/{sid}/start", {"assistant_id": assistant})
    assert started_.json()["status"] == "in_procedure"
    assert started_.json()["assistant"] == personas.nurse.user.full_name  # type: ignore[union-attr]
    for _ in range(4):
        charted = _call(doctor, "post", f"/sessions/{sid}/points", _point())
    body = charted.json()
    assert charted.status_code == 201
    assert body["regions"] == [
        {"region": "Right cheek & temple", "injections": 4, "volume_ml": "0.200"}
    ]
    assert Decimal(body["dose"]["totals"][0]["amount"]) == Decimal("3.00")  # 0.2 mL of 15 mg/mL
    _call(doctor, "post", f"/sessions/{sid}/complete", {"immediate_reactions": "none"})
    signed = _call(doctor, "post", f"/sessions/{sid}/sign", {"password": PASSWORD}).json()
    assert signed["status"] == "signed"
    assert signed["signed_by"] == personas.practitioner.user.full_name  # type: ignore[union-attr]
    assert signed["progress"]["signed"] == 1
    assert signed["progress"]["next_earliest"] is not None
    assert lot("HA-1").quantity_remaining_ml == Decimal("19.80")


def test_a_bad_point_answers_422_naming_each_field(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    response = _call(
        api_client(personas.practitioner),
        "post",
        f"/sessions/{session.pk}/points",
        _point(volume_ml="0", region="elbow", view="sole_of_foot", side="middle"),
    )
    assert response.status_code == 422
    assert {"side"} <= _fields(response)
    response = _call(
        api_client(personas.practitioner),
        "post",
        f"/sessions/{session.pk}/points",
        _point(volume_ml="0", region="elbow", view="sole_of_foot"),
    )
    assert response.status_code == 422
    assert {"volume_ml", "view"} <= _fields(response)
    assert not InjectionPoint.objects.exists()


def test_a_signed_session_refuses_every_edit_through_the_api_and_accepts_an_addendum(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = api_client(personas.practitioner)
    early = _call(
        client,
        "post",
        f"/sessions/{session.pk}/addenda",
        {"text": "too early", "password": PASSWORD},
    )
    assert early.status_code == 409
    _call(client, "post", f"/sessions/{session.pk}/sign", {"password": PASSWORD})
    point = InjectionPoint.objects.first()
    assert point is not None
    for method, path, body in (
        ("post", f"/sessions/{session.pk}/points", _point()),
        ("delete", f"/injection-points/{point.pk}", None),
        ("post", f"/sessions/{session.pk}/copy-previous", None),
        ("post", f"/sessions/{session.pk}/complete", {"notes": "rewrite"}),
        ("post", f"/sessions/{session.pk}/antisepsis", {"agent": "chlorhexidine_alcohol"}),
        ("post", f"/sessions/{session.pk}/end", {"reason": "x"}),
    ):
        response = _call(client, method, path, body)
        assert response.status_code == 409, (path, response.content)
    assert InjectionPoint.objects.count() == 3
    added = _call(
        client,
        "post",
        f"/sessions/{session.pk}/addenda",
        {"text": "Bruise at day 2.", "password": PASSWORD},
    )
    assert added.status_code == 201
    read = _call(client, "get", f"/sessions/{session.pk}").json()
    assert [a["text"] for a in read["addenda"]] == ["Bruise at day 2."]
    assert read["notes"] == ""


def test_signing_twice_takes_the_stock_once(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 10, volume="0.1")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = api_client(personas.practitioner)
    first = _call(client, "post", f"/sessions/{session.pk}/sign", {"password": PASSWORD})
    second = _call(client, "post", f"/sessions/{session.pk}/sign", {"password": PASSWORD})
    assert (first.status_code, second.status_code) == (200, 409)
    assert lot("HA-1").quantity_remaining_ml == Decimal("19.00")
    assert StockMovement.objects.filter(reference_id=session.pk).count() == 1


def test_the_aftercare_is_read_rendered_and_sent(personas: Personas, plan: TreatmentPlan) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    client = api_client(personas.nurse)
    assert _call(client, "get", f"/sessions/{session.pk}/aftercare").status_code == 404
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    sheet = _call(client, "get", f"/sessions/{session.pk}/aftercare").json()
    assert sheet["warnings"]
    assert any("weeks" in w for w in sheet["warnings"])
    pdf = client.get(f"{API}/sessions/{session.pk}/aftercare.pdf")
    assert "What to expect" in pdf_text(pdf.content)
    bad = _call(client, "post", f"/sessions/{session.pk}/aftercare/send", {"to": "nope"})
    assert bad.status_code == 422
    assert _fields(bad) == {"to"}
    sent = _call(client, "post", f"/sessions/{session.pk}/aftercare/send", {"to": "p@example.test"})
    assert sent.status_code == 202
    assert OutboundEmail.objects.get().to == "p@example.test"
    listed = _call(client, "get", f"/sessions/{session.pk}/aftercare").json()
    assert [e["to"] for e in listed["emails"]] == ["p@example.test"]


def test_an_assistant_from_another_clinic_is_refused(
    personas: Personas, plan: TreatmentPlan
) -> None:

    session = prepared(personas, plan)
    foreign = personas.foreign_practitioner.user
    assert foreign is not None
    response = _call(
        api_client(personas.practitioner),
        "post",
        f"/sessions/{session.pk}/start",
        {"assistant_id": str(foreign.pk)},
    )
    assert response.status_code == 422
    assert _fields(response) == {"assistant_id"}


def test_a_front_desk_member_cannot_be_named_assistant_through_the_api(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = prepared(personas, plan)
    front_desk = personas.front_desk.user
    assert front_desk is not None
    response = _call(
        api_client(personas.practitioner),
        "post",
        f"/sessions/{session.pk}/start",
        {"assistant_id": str(front_desk.pk)},
    )
    assert response.status_code == 422
    assert _fields(response) == {"assistant_id"}
    session.refresh_from_db()
    assert session.status == "preparation"
    assert session.assistant_id is None


def test_the_page_the_form_the_api_and_the_service_agree_on_who_may_assist(
    personas: Personas, plan: TreatmentPlan
) -> None:
    from mesodesk.accounts.selectors import assistants_for
    from mesodesk.core.errors import FieldErrors
    from mesodesk.sessions import services
    from mesodesk.sessions.forms import StartForm

    allowed = set(assistants_for(personas.clinic_a))
    assert personas.nurse.user in allowed
    assert personas.practitioner.user in allowed
    assert personas.front_desk.user not in allowed
    assert personas.clinic_admin.user not in allowed
    session = prepared(personas, plan)
    front_desk = personas.front_desk.user
    assert front_desk is not None
    form = StartForm({"assistant": str(front_desk.pk)}, staff=assistants_for(personas.clinic_a))
    assert not form.is_valid()
    assert "assistant" in form.errors
    with pytest.raises(FieldErrors) as refused:
        services.session_start(
            actor=personas.practitioner, session_id=session.pk, assistant=front_desk
        )
    assert set(refused.value.errors) == {"assistant"}


def test_a_nurse_cannot_chart_or_sign_through_the_api(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    client = api_client(personas.nurse)
    assert _call(client, "post", f"/sessions/{session.pk}/points", _point()).status_code == 403
    assert _call(client, "post", f"/sessions/{session.pk}/sign").status_code == 403


@pytest.fixture
def clinic_a(personas: Personas, plan: TreatmentPlan) -> dict[str, str]:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 1)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    return {
        "plan": str(plan.pk),
        "session": str(session.pk),
        "point": str(InjectionPoint.objects.get().pk),
    }


FOREIGN: list[tuple[str, str, dict[str, Any] | str | None]] = [
    ("get", "/plans/{plan}/sessions", None),
    ("post", "/plans/{plan}/sessions", None),
    ("get", "/sessions/{session}", None),
    ("post", "/sessions/{session}/check-in", None),
    ("post", "/sessions/{session}/end", {"reason": "x"}),
    ("post", "/sessions/{session}/prepare", None),
    ("post", "/sessions/{session}/reconfirm", {"answers": {}, "medicines_unchanged": True}),
    ("post", "/sessions/{session}/photos", None),
    ("post", "/sessions/{session}/antisepsis", {"agent": "chlorhexidine_alcohol"}),
    ("post", "/sessions/{session}/anaesthetic", {"product": "EMLA"}),
    ("post", "/sessions/{session}/start", {}),
    ("post", "/sessions/{session}/points", "point"),
    ("delete", "/injection-points/{point}", None),
    ("post", "/sessions/{session}/copy-previous", None),
    ("post", "/sessions/{session}/complete", {}),
    ("post", "/sessions/{session}/sign", None),
    ("post", "/sessions/{session}/addenda", {"text": "x"}),
    ("get", "/sessions/{session}/aftercare", None),
    ("get", "/sessions/{session}/aftercare.pdf", None),
    ("post", "/sessions/{session}/aftercare/send", {"to": "x@example.test"}),
]


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN)
def test_every_session_endpoint_answers_404_to_another_clinic(
    personas: Personas,
    clinic_a: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | str | None,
) -> None:
    payload = _point() if body == "point" else body
    response = _call(
        api_client(personas.foreign_practitioner), method, path.format(**clinic_a), payload
    )
    assert response.status_code == 404, response.content
    session = TreatmentSession.objects.get()
    assert session.status == "completed"
    assert InjectionPoint.objects.count() == 1
    assert not OutboundEmail.objects.exists()


def test_the_api_asks_to_confirm_a_volume_and_to_give_a_reason_over_a_hard_limit(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "LI-1", 10, volume="1.25", confirm_volume=True)  # 250 mg of 270
    doctor = api_client(personas.practitioner)
    url = f"/sessions/{session.pk}/points"
    over = _point(lot_id=str(lot("LI-1").pk), volume_ml="1.25")
    asked = _call(doctor, "post", url, over)
    assert asked.status_code == 422
    assert _fields(asked) == {"confirm_volume"}
    refused = _call(doctor, "post", url, {**over, "confirm_volume": True})
    assert refused.status_code == 422
    assert _fields(refused) == {"over_limit_reason"}
    assert InjectionPoint.objects.filter(session=session).count() == 10
    charted = _call(
        doctor, "post", url, {**over, "confirm_volume": True, "over_limit_reason": "Wider area"}
    )
    assert charted.status_code == 201
    assert InjectionPoint.objects.filter(session=session).count() == 11


def test_signing_and_addenda_through_the_api_need_the_signers_password(
    personas: Personas, plan: TreatmentPlan
) -> None:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 2)
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    client = api_client(personas.practitioner)
    for body in (None, {"password": "guess"}):
        refused = _call(client, "post", f"/sessions/{session.pk}/sign", body)
        assert refused.status_code == 422
        assert _fields(refused) == {"password"}
    session.refresh_from_db()
    assert session.status == "completed"
    signed = _call(client, "post", f"/sessions/{session.pk}/sign", {"password": PASSWORD})
    assert signed.status_code == 200
    session.refresh_from_db()
    assert session.reauthenticated_at is not None
    path = f"/sessions/{session.pk}/addenda"
    no_password = _call(client, "post", path, {"text": "Bruise at day 2."})
    assert no_password.status_code == 422
    assert _fields(no_password) == {"password"}
    added = _call(client, "post", path, {"text": "Bruise at day 2.", "password": PASSWORD})
    assert added.status_code == 201
    assert SessionAddendum.objects.get().reauthenticated_at is not None
