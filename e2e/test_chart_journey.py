"""On a 1024-px tablet the chart shows age, allergies and contraindications first, and an
edit form opens in a dialog in view (not far below the lists); saving updates the banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.patients.services import allergy_record, condition_record, patient_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_the_chart_banner_and_an_edit_dialog_in_view_on_a_tablet(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"substance": "Lidocaine", "severity": "severe", "reaction": "hives"},
    )
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "pregnancy"})
    page = new_page()
    log_in(page, live_server.url, "practitioner@a.test")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    banner = page.locator("#chart-alerts")
    assert "Lidocaine" in banner.inner_text()
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] < 300  # at the top, without scrolling
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOTS / "chart.png"))

    page.click("text=Add allergy")
    dialog = page.locator("dialog#history-form[open]")
    dialog.wait_for()
    form_box = dialog.bounding_box()
    assert form_box is not None
    assert form_box["y"] >= 0
    assert form_box["y"] + 100 < 900
    page.screenshot(path=str(SCREENSHOTS / "chart-edit-dialog.png"))
    dialog.locator("#id_substance").fill("Latex")
    dialog.locator("button:has-text('Save')").click()
    page.wait_for_selector("dialog#history-form[open]", state="detached")
    page.wait_for_function("document.querySelector('#chart-alerts').innerText.includes('Latex')")
