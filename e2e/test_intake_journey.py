"""Front desk registers a patient and sends an intake link; the patient answers it; a
practitioner reviews and accepts it; the chart shows the history."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from e2e.helpers import log_in
from mesodesk.core.testing import Personas
from mesodesk.patients.models import Condition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, email: str) -> None:
    log_in(page, base, email)
    page.wait_for_url(f"{base}/patients/")


def test_intake_from_registration_to_accepted_history(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    base = live_server.url

    desk = new_page()
    _log_in(desk, base, "frontdesk@a.test")
    desk.click("text=Register patient")
    desk.fill("#id_d-given_name", "Maria")
    desk.fill("#id_d-family_name", "Lopez")
    desk.fill("#id_d-date_of_birth", "1988-04-12")
    desk.select_option("#id_d-sex", "female")
    desk.fill("#id_d-email", "maria.lopez@example.org")
    desk.fill("#id_d-phone", "07700 900555")
    desk.click("button:has-text('Register')")
    desk.wait_for_selector("h1:has-text('Lopez, Maria')")
    assert desk.locator("text=Medical history").count() == 0  # front desk sees no history

    desk.fill("#id_send_to", "maria.lopez@example.org")
    desk.click("button:has-text('Create intake link')")
    url = desk.locator("#intake-url").input_value()
    assert "/intake/" in url
    assert any(url in message.body for message in mail.outbox)

    patient = new_page()
    patient.goto(url)
    patient.wait_for_selector("text=Your health questionnaire")
    for question in patient.locator("[data-question]").all():
        code = question.get_attribute("data-question")
        answer = "yes" if code == "keloid_tendency" else "no"
        question.locator(f"input[value='{answer}']").check()
    patient.fill("#id_med_0_name", "Apixaban")
    patient.select_option("#id_med_0_class", "anticoagulant")
    patient.fill("#id_all_0_substance", "Lidocaine")
    patient.fill("#id_weight_kg", "63")
    patient.click("button:has-text('Send my answers')")
    patient.wait_for_selector("text=Thank you")
    patient.goto(url)
    patient.wait_for_selector("text=already been used")

    doctor = new_page()
    _log_in(doctor, base, "practitioner@a.test")
    doctor.click("nav >> text=Intakes")
    doctor.click("a.btn:has-text('Review')")
    doctor.wait_for_selector("text=Apixaban")
    doctor.click("button:has-text('Accept ticked facts')")
    doctor.wait_for_selector("h1:has-text('Lopez, Maria')")
    history = doctor.locator("#history")
    assert history.locator("text=Keloid or raised-scar tendency").count() == 1
    assert history.locator("text=Apixaban").count() == 1
    assert history.locator("strong:text-is('Lidocaine')").count() == 1
    assert history.locator("text=recognised as Lidocaine").count() == 1
    assert doctor.locator("text=63.0 kg").count() == 1
    keloid = Condition.objects.get(code="keloid_tendency")
    assert keloid.confirmed_by == personas.practitioner.user
    assert keloid.source == "intake"
