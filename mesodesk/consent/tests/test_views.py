"""Consent pages: the tablet signing page refuses blank or partial consent, countersigning,
withdrawal, the PDF, templates, permissions and foreign-clinic 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesodesk.accounts.kiosk import MAX_UNLOCK_ATTEMPTS
from mesodesk.audit.models import AuditEvent
from mesodesk.consent.document import consent_document
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.tests.helpers import active_plan, blank_signature, sign_all, signature
from mesodesk.consent.tests.helpers import template as published_template
from mesodesk.core.testing import PASSWORD, Personas, logged_in_client, pdf_text
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    plan = active_plan(personas)
    published_template(personas.practitioner, plan.indication)
    return plan


def _form(
    personas: Personas, plan: TreatmentPlan, *, tick: int | None = None, drawn: str | None = None
) -> dict[str, str]:
    tpl = ConsentTemplate.objects.get(clinic=plan.clinic, status="published")
    document = consent_document(plan, tpl, clinic_knowledge(personas.clinic_a))
    statements = document.statements if tick is None else document.statements[:tick]
    return {
        **{f"statement_{s.key}": "on" for s in statements},
        "photo_consent": "no",
        "signer_name": "Anna Smith",
        "signature": signature() if drawn is None else drawn,
        "text_sha256": document.sha256,
    }


def test_the_signing_page_shows_every_statement_and_the_evidence_level(
    personas: Personas, plan: TreatmentPlan
) -> None:
    page = logged_in_client(personas.practitioner).get(reverse("consent:sign", args=[plan.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="statement_') == len(_form(personas, plan)) - 4
    assert "off-label" in html.lower()
    assert "signature-pad" in html


def test_a_partially_ticked_consent_is_refused_in_the_page_and_nothing_is_saved(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("consent:sign", args=[plan.pk]), _form(personas, plan, tick=1))
    assert response.status_code == 400
    assert "Tick this statement to consent" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_blank_signature_is_refused_in_the_page(personas: Personas, plan: TreatmentPlan) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(
        reverse("consent:sign", args=[plan.pk]), _form(personas, plan, drawn=blank_signature())
    )
    assert response.status_code == 400
    assert "signature" in response.content.decode().lower()
    assert not Consent.objects.exists()


def test_a_complete_consent_is_signed_then_countersigned_by_the_practitioner(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("consent:sign", args=[plan.pk]), _form(personas, plan))
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:kiosk_done", args=[consent.pk])
    assert consent.signer_name == "Anna Smith"
    assert consent.ip == "127.0.0.1"
    unlocked = client.post(reverse("accounts:kiosk_unlock"), {"secret": PASSWORD})
    assert unlocked["Location"] == reverse("consent:detail", args=[consent.pk])
    client.post(reverse("consent:countersign", args=[consent.pk]), {"password": PASSWORD})
    consent.refresh_from_db()
    assert consent.countersigned_by == personas.practitioner.user
    assert consent.reauthenticated_at is not None
    pdf = client.get(reverse("consent:pdf", args=[consent.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "Anna Smith" in pdf_text(pdf.content)


def test_a_nurse_cannot_countersign(personas: Personas, plan: TreatmentPlan) -> None:
    consent = sign_all(personas.nurse, plan)
    response = logged_in_client(personas.nurse).post(
        reverse("consent:countersign", args=[consent.pk])
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.countersigned_by is None


def test_withdrawal_through_the_page_requires_a_reason_and_is_shown_on_the_plan(
    personas: Personas, plan: TreatmentPlan
) -> None:
    consent = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    client = logged_in_client(personas.practitioner)
    client.post(reverse("consent:withdraw", args=[consent.pk]), {"reason": ""})
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    client.post(reverse("consent:withdraw", args=[consent.pk]), {"reason": "Phoned to cancel"})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    panel = client.get(reverse("consent:plan_panel", args=[plan.pk])).content.decode()
    assert "withdrawn" in panel.lower()


def test_front_desk_cannot_open_consent_pages(personas: Personas, plan: TreatmentPlan) -> None:
    consent = sign_all(personas.nurse, plan)
    client = logged_in_client(personas.front_desk)
    for url in (
        reverse("consent:sign", args=[plan.pk]),
        reverse("consent:detail", args=[consent.pk]),
        reverse("consent:pdf", args=[consent.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_another_clinic_gets_404_for_every_consent_page(
    personas: Personas, plan: TreatmentPlan
) -> None:
    consent = sign_all(personas.nurse, plan)
    tpl = ConsentTemplate.objects.get(clinic=plan.clinic)
    client = logged_in_client(personas.foreign_practitioner)
    for url in (
        reverse("consent:sign", args=[plan.pk]),
        reverse("consent:plan_panel", args=[plan.pk]),
        reverse("consent:detail", args=[consent.pk]),
        reverse("consent:pdf", args=[consent.pk]),
        reverse("consent:template", args=[tpl.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("consent:countersign", args=[consent.pk]),
        reverse("consent:withdraw", args=[consent.pk]),
    ):
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert consent.countersigned_by is None


def test_a_template_is_drafted_published_frozen_and_versioned_through_the_pages(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.practitioner)
    created = client.post(
        reverse("consent:templates"),
        {
            "indication": "submental_fat",
            "alternatives": "Surgery, or no treatment.",
            "withdrawal_text": "You may stop at any time.",
            "photo_text": "Photographs are optional.",
            "extra_statements": "I will not drive myself home.",
        },
    )
    draft = ConsentTemplate.objects.get(indication="submental_fat")
    assert created.status_code == 302
    assert draft.extra_statements == ["I will not drive myself home."]
    url = reverse("consent:template", args=[draft.pk])
    client.post(url, {"publish": "1"})
    draft.refresh_from_db()
    assert draft.status == "published"
    edited = client.post(
        url,
        {
            "indication": "submental_fat",
            "alternatives": "Changed after publishing",
            "withdrawal_text": "x",
            "photo_text": "y",
        },
        follow=True,
    )
    assert "frozen" in edited.content.decode()
    draft.refresh_from_db()
    assert draft.alternatives == "Surgery, or no treatment."
    client.post(url, {"new_version": "1"})
    assert ConsentTemplate.objects.filter(family=draft.family).count() == 2
    assert ConsentTemplate.objects.get(family=draft.family, status="draft").version == 2


def test_a_template_form_names_each_bad_field(personas: Personas) -> None:
    response = logged_in_client(personas.practitioner).post(
        reverse("consent:templates"), {"indication": "not_an_indication", "alternatives": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in html
    assert "This field is required" in html
    assert not ConsentTemplate.objects.exists()


def test_the_tablet_signing_page_shows_no_staff_navigation(
    personas: Personas, plan: TreatmentPlan
) -> None:
    html = (
        logged_in_client(personas.practitioner)
        .get(reverse("consent:sign", args=[plan.pk]))
        .content.decode()
    )
    assert reverse("patients:list") not in html
    assert "Log out" not in html
    assert personas.clinic_a.name in html


def test_another_clinic_sees_none_of_this_clinics_templates(
    personas: Personas, plan: TreatmentPlan
) -> None:
    tpl = ConsentTemplate.objects.get(clinic=plan.clinic)
    url = reverse("consent:templates")
    assert reverse("consent:template", args=[tpl.pk]) in (
        logged_in_client(personas.practitioner).get(url).content.decode()
    )
    foreign = logged_in_client(personas.foreign_practitioner).get(url)
    assert foreign.status_code == 200
    assert str(tpl.pk) not in foreign.content.decode()


def test_after_the_patient_signs_the_tablet_shows_only_the_thank_you_page(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    done = client.post(reverse("consent:sign", args=[plan.pk]), _form(personas, plan), follow=True)
    consent = Consent.objects.get()
    html = done.content.decode()
    assert "Thank you, Anna Smith" in html
    assert 'id="countersign"' not in html
    assert reverse("patients:list") not in html  # no staff navigation
    assert 'aria-label="Main"' not in html
    for url in (
        reverse("consent:detail", args=[consent.pk]),
        reverse("treatments:plan", args=[plan.pk]),
        reverse("patients:chart", args=[plan.patient_id]),
        reverse("patients:list"),
    ):
        locked = client.get(url)
        assert locked.status_code == 423, url
        assert "This device is locked" in locked.content.decode()
    refused = client.post(reverse("consent:countersign", args=[consent.pk]), {"password": PASSWORD})
    assert refused.status_code == 423
    consent.refresh_from_db()
    assert consent.countersigned_by is None


def test_unlocking_the_kiosk_needs_the_password_of_the_user_who_locked_it(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("consent:sign", args=[plan.pk]))
    wrong = client.post(reverse("accounts:kiosk_unlock"), {"secret": "not-the-password"})
    assert wrong.status_code == 400
    assert "attempts left" in wrong.content.decode()
    assert client.get(reverse("patients:list")).status_code == 423
    assert AuditEvent.objects.filter(summary__startswith="kiosk unlock failed").count() == 1
    right = client.post(reverse("accounts:kiosk_unlock"), {"secret": PASSWORD})
    assert right["Location"] == reverse("treatments:plan", args=[plan.pk])
    assert client.get(reverse("patients:list")).status_code == 200


def test_too_many_wrong_unlock_attempts_end_the_staff_session(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("consent:sign", args=[plan.pk]))
    for _ in range(MAX_UNLOCK_ATTEMPTS - 1):
        assert client.post(reverse("accounts:kiosk_unlock"), {"secret": "1234"}).status_code == 400
    last = client.post(reverse("accounts:kiosk_unlock"), {"secret": "1234"})
    assert last["Location"] == reverse("accounts:login")
    after = client.get(reverse("patients:list"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("accounts:login"))


def test_countersigning_in_the_page_asks_for_the_password(
    personas: Personas, plan: TreatmentPlan
) -> None:
    consent = sign_all(personas.nurse, plan)
    client = logged_in_client(personas.practitioner)
    page = client.get(reverse("consent:detail", args=[consent.pk])).content.decode()
    assert 'name="password"' in page
    wrong = client.post(reverse("consent:countersign", args=[consent.pk]), {"password": "nope"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    consent.refresh_from_db()
    assert consent.countersigned_by is None


def test_the_plan_offers_no_second_consent_once_one_covers_it(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    panel = reverse("consent:plan_panel", args=[plan.pk])
    first = client.get(panel).content.decode()
    assert 'id="consent-sign"' in first
    assert "No consent has been signed for this plan." in first
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    html = client.get(panel).content.decode()
    assert 'id="consent-sign"' not in html
    assert "no new one is needed" in html
    again = client.get(reverse("consent:sign", args=[plan.pk]))
    assert again.status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200  # not locked either


def test_signing_again_in_the_page_creates_no_second_consent(
    personas: Personas, plan: TreatmentPlan
) -> None:
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("consent:sign", args=[plan.pk]), _form(personas, plan))
    assert response.status_code == 400
    assert "already has a consent" in response.content.decode()
    assert Consent.objects.count() == 1
