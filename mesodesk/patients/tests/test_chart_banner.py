"""The chart says first what matters most: age beside the date of birth, allergies and present
contraindications in a banner at the top; edit forms open in a dialog (no inline script)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from mesodesk.core.testing import Personas, adult_patient_data, logged_in_client
from mesodesk.patients.alerts import age_years
from mesodesk.patients.services import allergy_record, condition_record, patient_create


def test_age_counts_whole_years_and_the_birthday_itself() -> None:
    born = dt.date(1985, 3, 2)
    assert age_years(born, dt.date(2026, 3, 1)) == 40
    assert age_years(born, dt.date(2026, 3, 2)) == 41
    assert age_years(dt.date(2000, 2, 29), dt.date(2021, 2, 28)) == 20
    assert age_years(dt.date(2000, 2, 29), dt.date(2021, 3, 1)) == 21


@given(st.dates(max_value=dt.date(2100, 1, 1)), st.integers(min_value=0, max_value=40000))
def test_age_never_decreases_and_is_never_negative(born: dt.date, days: int) -> None:
    today = born + dt.timedelta(days=days) if days < (dt.date.max - born).days else born
    later = today + dt.timedelta(days=1) if today < dt.date.max else today
    assert 0 <= age_years(born, today) <= age_years(born, later)


@pytest.mark.django_db
def test_the_banner_shows_age_allergies_and_contraindications_above_everything(
    personas: Personas,
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"substance": "Lidocaine", "severity": "severe", "reaction": "hives"},
    )
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "pregnancy"})
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "breastfeeding", "verification_status": "refuted"},
    )
    html = (
        logged_in_client(personas.practitioner)
        .get(reverse("patients:chart", args=[patient.pk]))
        .content.decode()
    )
    age = age_years(patient.date_of_birth, personas.practitioner.today())
    assert f"born 2 Mar 1985 · {age} years" in html
    banner = html[
        html.index('id="chart-alerts"') : html.index("</section>", html.index('id="chart-alerts"'))
    ]
    assert html.index('id="chart-alerts"') < html.index('id="demo-h"')
    assert "Lidocaine" in banner
    assert "severe, hives" in banner
    assert "Pregnancy" in banner
    assert "contraindication" in banner
    assert "Breastfeeding" not in banner  # checked and absent


@pytest.mark.django_db
def test_the_banner_says_no_known_allergies_only_when_confirmed(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    client = logged_in_client(personas.practitioner)
    url = reverse("patients:chart", args=[patient.pk])
    assert "Not yet asked" in client.get(url).content.decode()
    client.post(reverse("patients:list_review", args=[patient.pk, "allergies"]))
    assert "No known allergies" in client.get(url).content.decode()


@pytest.mark.django_db
def test_front_desk_sees_age_but_no_clinical_banner(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    allergy_record(actor=personas.practitioner, patient_id=patient.pk, data={"substance": "Latex"})
    html = (
        logged_in_client(personas.front_desk)
        .get(reverse("patients:chart", args=[patient.pk]))
        .content.decode()
    )
    assert "years" in html
    assert 'id="chart-alerts"' not in html
    assert "Latex" not in html


@pytest.mark.django_db
def test_history_forms_open_in_a_dialog_driven_by_a_static_script(personas: Personas) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    html = (
        logged_in_client(personas.practitioner)
        .get(reverse("patients:chart", args=[patient.pk]))
        .content.decode()
    )
    assert '<dialog id="history-form" class="edit-dialog"' in html
    assert 'hx-target="#history-form"' in html
    assert "js/chart" in html
