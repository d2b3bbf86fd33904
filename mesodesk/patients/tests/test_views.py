"""Patient pages: live search, registration with field errors, chart, history, intake."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mesodesk.audit.models import AuditEvent
from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client, today
from mesodesk.patients import selectors
from mesodesk.patients.models import Condition, IntakeLink, IntakeSubmission, Patient
from mesodesk.patients.services import (
    allergy_record,
    condition_record,
    medication_record,
    patient_create,
)
from mesodesk.patients.services import intake as intake_services
from mesodesk.patients.tests.intake_helpers import answers, form_post, future

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return patient_create(actor=personas.practitioner, data=adult_patient_data())


def _registration(**overrides: str) -> dict[str, str]:
    data = {
        "d-given_name": "Anna",
        "d-family_name": "Smith",
        "d-date_of_birth": "1985-03-02",
        "d-sex": "female",
        "d-email": "anna@example.org",
        "d-phone": "07700 900123",
    }
    data.update(overrides)
    return data


def test_pages_need_a_login(patient: Patient) -> None:
    for url in (reverse("patients:list"), reverse("patients:chart", args=[patient.pk])):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_list_answers_htmx_with_just_the_rows(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.front_desk)
    full = client.get(reverse("patients:list"), {"q": "smi"})
    partial = client.get(reverse("patients:list"), {"q": "smi"}, headers={"HX-Request": "true"})
    assert b"<html" in full.content
    assert b"Smith, Anna" in full.content
    assert b"<html" not in partial.content
    assert b"Smith, Anna" in partial.content


def test_front_desk_registers_a_patient(personas: Personas) -> None:
    response = logged_in_client(personas.front_desk).post(
        reverse("patients:create"), _registration()
    )
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", args=[patient.pk])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("d-date_of_birth", (today() + dt.timedelta(days=2)).isoformat()),
        ("d-email", "anna@"),
        ("d-given_name", ""),
        ("d-address", "a" * (10 * 1024 * 1024)),
        ("c-weight_kg", "-60"),
        ("c-fitzpatrick", "VIII"),
        ("c-concerns", "c" * 10_000),
    ],
)
def test_bad_input_shows_field_errors_and_saves_nothing(
    personas: Personas, field: str, value: str
) -> None:
    response = logged_in_client(personas.practitioner).post(
        reverse("patients:create"), _registration(**{field: value})
    )
    assert response.status_code == 400
    form = (
        response.context["clinical"] if field.startswith("c-") else response.context["demographics"]
    )
    assert field[2:] in form.errors
    assert b'class="errorlist"' in response.content
    assert not Patient.objects.exists()


def test_front_desk_sees_no_clinical_fields_or_history(
    personas: Personas, patient: Patient
) -> None:
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "pregnancy", "note": "secret clinical note"},
    )
    client = logged_in_client(personas.front_desk)
    chart = client.get(reverse("patients:chart", args=[patient.pk]))
    assert chart.status_code == 200
    assert b"Medical history" not in chart.content
    assert b"secret clinical note" not in chart.content
    assert b"Clinical profile" not in chart.content
    form = client.get(reverse("patients:edit", args=[patient.pk]))
    assert form.context["clinical"] is None
    assert (
        client.get(reverse("patients:history_add", args=[patient.pk, "condition"])).status_code
        == 403
    )


def test_the_practitioner_chart_shows_history_allergies_and_medications(
    personas: Personas, patient: Patient
) -> None:
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "pregnancy", "expected_date": today() + dt.timedelta(days=60)},
    )
    medication_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"name": "Warfarin", "medication_class": "anticoagulant"},
    )
    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"substance": "Lidocaine", "allergy_group": "amide_local_anaesthetic"},
    )
    content = (
        logged_in_client(personas.practitioner)
        .get(reverse("patients:chart", args=[patient.pk]))
        .content.decode()
    )
    for text in ("Pregnancy", "Warfarin", "Anticoagulant", "Lidocaine", "Amide local anaesthetics"):
        assert text in content


def test_a_condition_is_recorded_inline_with_htmx(personas: Personas, patient: Patient) -> None:
    client = logged_in_client(personas.nurse)
    url = reverse("patients:history_add", args=[patient.pk, "condition"])
    bad = client.post(
        url,
        {"code": "other", "verification_status": "confirmed", "clinical_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 200
    assert b"Describe the condition" in bad.content
    assert not Condition.objects.exists()
    good = client.post(
        url,
        {
            "code": "keloid_tendency",
            "verification_status": "confirmed",
            "clinical_status": "active",
        },
        headers={"HX-Request": "true"},
    )
    assert good["HX-Retarget"] == "#history"
    assert b"Keloid" in good.content
    assert Condition.objects.get().recorded_by == personas.nurse.user


@pytest.mark.parametrize("name", ["chart", "edit"])
def test_pages_of_another_clinics_patient_answer_404(
    personas: Personas, patient: Patient, name: str
) -> None:
    client = logged_in_client(personas.foreign_practitioner)
    assert client.get(reverse(f"patients:{name}", args=[patient.pk])).status_code == 404


def test_history_forms_of_another_clinic_answer_404(personas: Personas, patient: Patient) -> None:
    condition = condition_record(
        actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"}
    )
    client = logged_in_client(personas.foreign_practitioner)
    assert (
        client.get(reverse("patients:history_add", args=[patient.pk, "allergy"])).status_code == 404
    )
    url = reverse("patients:history_edit", args=[patient.pk, "condition", condition.pk])
    assert client.post(url, {"note": "x"}).status_code == 404
    assert (
        client.post(
            reverse("patients:intake_link_create", args=[patient.pk]), {"ttl_hours": "24"}
        ).status_code
        == 404
    )


def test_the_list_page_query_count_is_constant(personas: Personas) -> None:
    client = logged_in_client(personas.front_desk)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("patients:list")).status_code == 200
        return len(ctx.captured_queries)

    patient_create(actor=personas.practitioner, data=adult_patient_data())
    client.get(reverse("patients:list"))  # the first request of a session refreshes its idle clock
    small = count()
    for i in range(25):
        patient_create(actor=personas.practitioner, data=adult_patient_data(family_name=f"F{i}"))
    # session, user, the device that verified the session (django-otp), membership, one page
    assert count() == small == 5


def test_the_chart_page_query_count_is_constant(personas: Personas) -> None:
    lean = patient_create(actor=personas.practitioner, data=adult_patient_data())
    rich = patient_create(actor=personas.practitioner, data=adult_patient_data(family_name="Rich"))
    for i in range(6):
        medication_record(
            actor=personas.practitioner,
            patient_id=rich.pk,
            data={"name": f"M{i}", "medication_class": "other"},
        )
        allergy_record(actor=personas.practitioner, patient_id=rich.pk, data={"substance": f"A{i}"})
    for code in ("urticaria", "cancer", "keloid_tendency"):
        condition_record(actor=personas.practitioner, patient_id=rich.pk, data={"code": code})
    intake_services.intake_link_create(actor=personas.practitioner, patient_id=rich.pk)
    client = logged_in_client(personas.practitioner)
    client.get(reverse("patients:list"))  # the first request of a session refreshes its idle clock

    def count(patient: Patient) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("patients:chart", args=[patient.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert count(lean) == count(rich) <= 20


# --- Intake links from the chart, and the patient's side ----------------------------------


def test_front_desk_creates_a_link_to_copy_or_open(personas: Personas, patient: Patient) -> None:
    response = logged_in_client(personas.front_desk).post(
        reverse("patients:intake_link_create", args=[patient.pk]),
        {"ttl_hours": "24"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    link = IntakeLink.objects.get()
    assert selectors.intake_url(link, "http://testserver/").encode() in response.content


def _link_path(personas: Personas, patient: Patient) -> str:
    issued = intake_services.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    return issued.url.removeprefix("http://127.0.0.1:8000")


def test_the_patient_answers_through_the_link_once(personas: Personas, patient: Patient) -> None:
    path = _link_path(personas, patient)
    browser = Client()
    page = browser.get(path)
    assert page.status_code == 200
    assert b"Are you pregnant" in page.content
    assert b"Smith" not in page.content  # the questionnaire does not show who it is for

    done = browser.post(path, form_post(c_pregnancy="yes", c_pregnancy_date=future(100)))
    assert done.status_code == 200
    assert b"Thank you" in done.content
    submission = IntakeSubmission.objects.get()
    assert submission.answers["conditions"]["pregnancy"]["answer"] == "yes"
    assert AuditEvent.objects.filter(action="submit", actor__isnull=True).exists()

    again = browser.get(path)
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert b"Anna" not in again.content
    assert b"Smith" not in again.content


def test_an_incomplete_questionnaire_shows_what_is_missing(
    personas: Personas, patient: Patient
) -> None:
    path = _link_path(personas, patient)
    data = form_post()
    del data["c_pregnancy"]
    del data["no_allergies"]
    response = Client().post(path, data)
    assert response.status_code == 400
    assert "c_pregnancy" in response.context["form"].errors
    assert "no_allergies" in response.context["form"].errors
    assert not IntakeSubmission.objects.exists()
    assert IntakeLink.objects.get().used_at is None


def test_an_expired_or_tampered_link_shows_a_clear_page(
    personas: Personas, patient: Patient
) -> None:
    path = _link_path(personas, patient)
    IntakeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    expired = Client().get(path)
    assert expired.status_code == 410
    assert b"expired" in expired.content
    tampered = Client().get(path[:-3] + "xyz/")
    assert tampered.status_code == 404
    assert b"not valid" in tampered.content
    assert b"Smith" not in expired.content + tampered.content


def test_a_practitioner_accepts_an_intake_on_the_review_page(
    personas: Personas, patient: Patient
) -> None:
    issued = intake_services.intake_link_create(actor=personas.front_desk, patient_id=patient.pk)
    submission = intake_services.intake_submit(
        token=issued.url.rstrip("/").rsplit("/", 1)[1], answers=answers(), actor=personas.front_desk
    )
    client = logged_in_client(personas.practitioner)
    listing = client.get(reverse("patients:intake_list"))
    assert b"Smith, Anna" in listing.content
    review = client.get(reverse("patients:intake_review", args=[submission.pk]))
    assert b"Apixaban" in review.content
    done = client.post(
        reverse("patients:intake_review", args=[submission.pk]),
        {"fact": ["medication:0", "condition:pregnancy"], "accept": "1"},
    )
    assert done.status_code == 302
    chart = client.get(done["Location"]).content
    assert b"Apixaban" in chart
    assert b"Accepted" in chart
    assert (
        logged_in_client(personas.front_desk)
        .get(reverse("patients:intake_review", args=[submission.pk]))
        .status_code
        == 403
    )
    assert (
        logged_in_client(personas.foreign_practitioner)
        .get(reverse("patients:intake_review", args=[submission.pk]))
        .status_code
        == 404
    )


def test_a_clinician_confirms_the_allergy_list_complete(
    personas: Personas, patient: Patient
) -> None:
    client = logged_in_client(personas.nurse)
    response = client.post(
        reverse("patients:list_review", args=[patient.pk, "allergies"]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"List confirmed complete on" in response.content
    patient.refresh_from_db()
    assert patient.allergies_reviewed_on == today()
    assert (
        client.post(reverse("patients:list_review", args=[patient.pk, "pets"])).status_code == 404
    )
    assert (
        logged_in_client(personas.front_desk)
        .post(reverse("patients:list_review", args=[patient.pk, "allergies"]))
        .status_code
        == 403
    )
    assert (
        logged_in_client(personas.foreign_practitioner)
        .post(reverse("patients:list_review", args=[patient.pk, "allergies"]))
        .status_code
        == 404
    )


def test_the_allergy_form_suggests_vocabulary_entries_as_the_person_types(
    personas: Personas, patient: Patient
) -> None:
    client = logged_in_client(personas.practitioner)
    form = client.get(reverse("patients:history_add", args=[patient.pk, "allergy"]))
    suggest = reverse("patients:allergen_suggest", args=[patient.pk])
    html = form.content.decode()
    assert f'hx-get="{suggest}"' in html
    assert 'list="allergen-options"' in html
    assert '<datalist id="allergen-options">' in html
    options = client.get(suggest, {"substance": "xylo"}, headers={"HX-Request": "true"})
    assert options.status_code == 200
    assert '<option value="Xylocaine">Lidocaine</option>' in options.content.decode()
    assert "Bee or wasp stings" in client.get(suggest, {"q": "wasp"}).content.decode()


def test_allergen_suggestions_need_a_login_and_the_patients_clinic(
    personas: Personas, patient: Patient
) -> None:
    suggest = reverse("patients:allergen_suggest", args=[patient.pk])
    assert Client().get(suggest, {"q": "lido"}).status_code == 302
    assert logged_in_client(personas.foreign_practitioner).get(suggest).status_code == 404
    assert logged_in_client(personas.front_desk).get(suggest).status_code == 403


def test_the_chart_says_what_each_allergy_was_recognised_as(
    personas: Personas, patient: Patient
) -> None:
    for text in ("EMLA cream", "Carbocaine"):
        allergy_record(actor=personas.practitioner, patient_id=patient.pk, data={"substance": text})
    html = (
        logged_in_client(personas.practitioner)
        .get(reverse("patients:chart", args=[patient.pk]))
        .content.decode()
    )
    assert "recognised as EMLA cream (lidocaine + prilocaine)" in html
    assert "not recognised" in html


def test_the_intake_suggests_allergens_through_its_link_only(
    personas: Personas, patient: Patient
) -> None:
    path = _link_path(personas, patient)
    page = Client().get(path).content.decode()
    suggest = path + "allergens/"
    assert f'hx-get="{suggest}"' in page
    options = Client().get(suggest, {"all_0_substance": "novoc"})
    assert options.status_code == 200
    assert "Procaine" in options.content.decode()
    assert Client().get(path[:-3] + "xyz/allergens/", {"q": "lido"}).status_code == 404
    IntakeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert Client().get(suggest, {"q": "lido"}).status_code == 410
