"""Aftercare follows what was done: areas, ingredients, the clinic's durations; it renders as
a page, a PDF and an e-mail whose send is recorded and retried when it fails."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.test import override_settings
from pypdf import PdfReader

from mesodesk.core.errors import FieldErrors
from mesodesk.core.pdf import render_pdf
from mesodesk.core.testing import Personas
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.knowledge.services import knowledge_change_record
from mesodesk.notifications.models import OutboundEmail
from mesodesk.notifications.services import email_retry
from mesodesk.notifications.tests.test_services import UNREACHABLE_SMTP
from mesodesk.sessions import services
from mesodesk.sessions.aftercare import aftercare_content, aftercare_document
from mesodesk.sessions.models import AftercareSheet

pytestmark = pytest.mark.django_db


def _content(areas: set[str], ingredients: set[str]) -> object:
    return aftercare_content(
        knowledge(),
        areas=areas,
        ingredients=ingredients,
        contact="Clinic A · 0123",
        next_appointment="Next: in 2 weeks.",
    )


def test_the_face_gets_face_advice_and_the_eyes_take_longer() -> None:
    content = _content({"periocular"}, {"hyaluronic_acid"})
    assert any("make-up" in a for a in content.avoid)  # type: ignore[attr-defined]
    assert not any("wash your hair" in a for a in content.avoid)  # type: ignore[attr-defined]
    assert any("Around the eyes it can take longer" in e for e in content.expect)  # type: ignore[attr-defined]
    assert any("weeks after treatment" in w for w in content.warnings)  # type: ignore[attr-defined]


def test_the_scalp_gets_hair_advice_and_no_face_advice() -> None:
    content = _content({"scalp"}, {"dutasteride"})
    assert any("wash your hair" in a for a in content.avoid)  # type: ignore[attr-defined]
    assert not any("make-up" in a for a in content.avoid)  # type: ignore[attr-defined]
    assert not any("eyes" in e for e in content.expect)  # type: ignore[attr-defined]


def test_deoxycholic_acid_adds_its_label_warnings() -> None:
    with_dc = _content({"submental"}, {"deoxycholic_acid"})
    without = _content({"submental"}, {"hyaluronic_acid"})
    assert any("uneven" in w and "swallowing" in w for w in with_dc.warnings)  # type: ignore[attr-defined]
    assert not any("swallowing" in w for w in without.warnings)  # type: ignore[attr-defined]
    assert any("cold pack" in c for c in with_dc.care)  # type: ignore[attr-defined]


def test_the_clinic_configures_the_durations(personas: Personas) -> None:
    before = _content({"thighs"}, set())
    assert "Avoid strenuous exercise and heavy sweating for 24 hours." in before.avoid  # type: ignore[attr-defined]
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="aftercare",
        target_code="avoid_exercise",
        change={"hours": 48},
        reason="Our physicians prefer two days",
    )
    kb = clinic_knowledge(personas.clinic_a)
    after = aftercare_content(
        kb, areas={"thighs"}, ingredients=set(), contact="", next_appointment=""
    )
    assert "Avoid strenuous exercise and heavy sweating for 2 days." in after.avoid
    with pytest.raises(FieldErrors):
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="aftercare",
            target_code="warn_allergy",
            change={"hours": 1},
            reason="x" * 20,
        )


@pytest.fixture
def sheet(personas: Personas) -> AftercareSheet:
    from mesodesk.sessions.tests.helpers import chart, consented_plan, started

    session = started(personas, consented_plan(personas))
    chart(personas, session, "HA-1", 5, region="periocular", side="left")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    return AftercareSheet.objects.get(session=session)


def test_completion_generates_the_sheet_with_the_next_appointment(sheet: AftercareSheet) -> None:
    content = sheet.content
    assert content["treated"] == "Around the eyes"
    assert content["next_appointment"].startswith("Your next session can be on ")
    assert sheet.knowledge_version == knowledge().version


def test_the_pdf_holds_the_key_statements(sheet: AftercareSheet) -> None:
    pdf = render_pdf(aftercare_document(sheet, "Anna Smith"))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "For the next days",
        "Avoid sauna",
        "What to expect",
        "Call the clinic",
        "even weeks after treatment",
        "Your next appointment",
        "Anna Smith",
    ):
        assert expected in text, expected


def test_a_failed_send_is_visible_and_can_be_retried(
    personas: Personas, sheet: AftercareSheet, django_capture_on_commit_callbacks: object
) -> None:
    with override_settings(**UNREACHABLE_SMTP), django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        email = services.aftercare_send(actor=personas.nurse, session_id=sheet.session_id)
    email.refresh_from_db()
    assert email.status == "failed"
    # The e-mail is linked to the version of the sheet it carried.
    assert email.related_id == sheet.versions.get(version=sheet.version).pk
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        email_retry(actor=personas.nurse, email_id=email.pk)
    assert OutboundEmail.objects.get(pk=email.pk).status == "sent"
    assert "Avoid sauna" in mail.outbox[0].body


def test_an_address_is_needed(personas: Personas, sheet: AftercareSheet) -> None:
    with pytest.raises(FieldErrors):
        services.aftercare_send(
            actor=personas.nurse, session_id=sheet.session_id, to="not an address"
        )


def test_the_delayed_infection_watch_follows_the_clinics_setting(personas: Personas) -> None:
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="setting",
        target_code="delayed_infection_watch_weeks",
        change={"value": 16},
        reason="Our infection lead asks for sixteen weeks",
    )
    kb = clinic_knowledge(personas.clinic_a)
    content = aftercare_content(
        kb, areas={"cheeks"}, ingredients=set(), contact="", next_appointment=""
    )
    assert "Keep watching the injection sites for 16 weeks after your last session." in (
        content.warnings
    )
    shipped = _content({"cheeks"}, set())
    weeks = knowledge().setting("delayed_infection_watch_weeks")
    assert f"for {weeks} weeks after your last session." in shipped.warnings[-1]  # type: ignore[attr-defined]
