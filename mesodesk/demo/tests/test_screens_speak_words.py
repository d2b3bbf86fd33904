"""Screens speak the user's words: every page and document of the demo workflow, from the
chart to the signed session's aftercare sheet, rendered and read as a person sees it (tags,
scripts and attributes stripped; PDFs as extracted text). No knowledge-base code (`full_face`,
`chlorhexidine_alcohol`, `face_front`), raw field name (`protocol_id:`) or internal tag
(`[procedure]`) may be visible; patient-facing documents carry no version identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from mesodesk.catalog.models import Protocol
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.tests import helpers as consent_helpers
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client, pdf_text
from mesodesk.knowledge.loader import KnowledgeBase, knowledge
from mesodesk.patients.models import Patient
from mesodesk.patients.services import intake as intake_services
from mesodesk.patients.tests.intake_helpers import answers
from mesodesk.screening.models import Screening
from mesodesk.sessions import services as sessions
from mesodesk.sessions.models import TreatmentSession
from mesodesk.sessions.tests.helpers import chart, started
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db

_INVISIBLE = {"script", "style", "template", "head"}
# A snake_case word (`full_face`, `protocol_id`) or a bracketed tag (`[procedure]`).
_SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-])")
_TAG = re.compile(r"\[[a-z_]+\]")
_HEX_VERSION = re.compile(r"\b[0-9a-f]{12,64}\b")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def knowledge_codes(kb: KnowledgeBase) -> set[str]:
    """Every code of the knowledge base that could not be mistaken for an ordinary word
    (those with an underscore, and the rule identifiers)."""
    mappings = (
        kb.conditions,
        kb.medication_classes,
        kb.allergy_groups,
        kb.body_areas,
        kb.scales,
        kb.ingredients,
        kb.indications,
        kb.settings,
        kb.aftercare,
        kb.adverse_event_terms,
        kb.techniques,
        kb.photo_views,
        kb.protocols,
        kb.antiseptics,
        kb.patient_texts,
    )
    codes = {str(code) for mapping in mappings for code in mapping if "_" in str(code)}
    return codes | set(kb.rules)


@dataclass
class Document:
    name: str
    text: str
    patient_facing: bool = False


def _page(client: Client, name: str, url: str, *, patient_facing: bool = False) -> Document:
    response = client.get(url)
    assert response.status_code == 200, (name, url, response.status_code)
    if response["Content-Type"].startswith("application/pdf"):
        return Document(name, pdf_text(response.content), patient_facing)
    return Document(name, visible_text(response.content.decode()), patient_facing)


def _signed_session(personas: Personas, plan: TreatmentPlan) -> TreatmentSession:
    session = started(personas, plan)
    chart(personas, session, "HA-1", 3, volume="0.05")
    chart(personas, session, "LI-1", 1, volume="0.05", region="forehead", side="")
    sessions.session_complete(actor=personas.practitioner, session_id=session.pk)
    return sessions.session_sign(
        actor=personas.practitioner, session_id=session.pk, secret=PASSWORD
    )


def demo_workflow_documents(personas: Personas) -> list[Document]:
    # The patient's consent page is read before they sign: once a valid consent covers the
    # plan, the tablet is no longer offered it (issue 9, item 15).
    consent_helpers.template(personas.practitioner)
    plan = consent_helpers.active_plan(personas)
    to_sign = _page(
        logged_in_client(personas.practitioner),
        "consent to sign",
        reverse("consent:sign", args=[plan.pk]),
        patient_facing=True,
    )
    consent_helpers.sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    session = _signed_session(personas, plan)
    patient = Patient.objects.get(pk=plan.patient_id)
    consent = Consent.objects.get(plan=plan)
    issued = intake_services.intake_link_create(actor=personas.practitioner, patient_id=patient.pk)
    token = issued.url.rstrip("/").rsplit("/", 1)[1]
    staff = logged_in_client(personas.practitioner)
    intake_page = _page(
        Client(),
        "intake questionnaire",
        reverse("intake:answer", args=[token]),
        patient_facing=True,
    )
    submission = intake_services.intake_submit(
        token=token, answers=answers(), actor=personas.practitioner
    )
    protocol = Protocol.objects.filter(clinic=personas.clinic_a).first()
    template = ConsentTemplate.objects.filter(clinic=personas.clinic_a).first()
    assert protocol is not None
    assert template is not None
    assert Screening.objects.filter(patient=patient).exists()
    admin = logged_in_client(personas.clinic_admin)
    return [
        _page(staff, "patient chart", reverse("patients:chart", args=[patient.pk])),
        _page(staff, "patient list", reverse("patients:list") + "?q=Smith"),
        _page(
            staff,
            "history form",
            reverse("patients:history_add", args=[patient.pk, "condition"]),
        ),
        intake_page,
        _page(staff, "intake review", reverse("patients:intake_review", args=[submission.pk])),
        _page(staff, "screening panel", reverse("screening:panel", args=[patient.pk])),
        _page(staff, "plans panel", reverse("treatments:panel", args=[patient.pk])),
        _page(staff, "plan", reverse("treatments:plan", args=[plan.pk])),
        _page(
            staff,
            "plan summary",
            reverse("treatments:summary", args=[plan.pk]),
            patient_facing=True,
        ),
        _page(
            staff,
            "plan summary PDF",
            reverse("treatments:summary_pdf", args=[plan.pk]),
            patient_facing=True,
        ),
        _page(staff, "consent panel", reverse("consent:plan_panel", args=[plan.pk])),
        to_sign,
        _page(staff, "signed consent", reverse("consent:detail", args=[consent.pk])),
        # The frozen record copy: its identifiers (text SHA-256, versions) sit in the footer.
        _page(staff, "consent PDF", reverse("consent:pdf", args=[consent.pk])),
        _page(staff, "session", reverse("sessions:session", args=[session.pk])),
        _page(
            staff,
            "aftercare",
            reverse("sessions:aftercare", args=[session.pk]),
            patient_facing=True,
        ),
        _page(
            staff,
            "aftercare PDF",
            reverse("sessions:aftercare_pdf", args=[session.pk]),
            patient_facing=True,
        ),
        _page(admin, "products", reverse("catalog:products")),
        _page(admin, "stock", reverse("catalog:stock")),
        _page(admin, "ingredients", reverse("catalog:ingredients")),
        _page(admin, "protocols", reverse("catalog:protocols")),
        _page(admin, "protocol", reverse("catalog:protocol", args=[protocol.pk])),
        _page(admin, "consent templates", reverse("consent:templates")),
        _page(admin, "consent template", reverse("consent:template", args=[template.pk])),
        _page(admin, "knowledge", reverse("knowledge:overview")),
    ]


def test_no_page_or_document_of_the_workflow_shows_a_code_or_a_field_name(
    personas: Personas,
) -> None:
    codes = knowledge_codes(knowledge())
    code_pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(c) for c in sorted(codes, key=len)[::-1])
        + r")(?![\w-])"
    )
    found: dict[str, list[str]] = {}
    for document in demo_workflow_documents(personas):
        problems = set(code_pattern.findall(document.text))
        problems |= set(_SNAKE.findall(document.text)) | set(_TAG.findall(document.text))
        if document.patient_facing:
            problems |= set(_HEX_VERSION.findall(document.text))
            problems |= {w for w in ("unsourced", "Regulatory class") if w in document.text}
        if problems:
            found[document.name] = sorted(problems)
    assert found == {}, "\n".join(f"{name}: {words}" for name, words in found.items())


def test_the_visible_text_reader_sees_what_a_person_sees() -> None:
    html = (
        '<p title="full_face" data-x="face_front">Full face <b>and</b> neck</p>'
        "<script>var protocol_id = 1;</script><option>Chlorhexidine</option>"
    )
    assert visible_text(html) == "Full face and neck Chlorhexidine"
    assert _SNAKE.findall("protocol_id: required; lines: bad; full_face") == [
        "protocol_id",
        "full_face",
    ]
