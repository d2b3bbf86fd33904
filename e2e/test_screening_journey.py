"""A practitioner records a pregnancy in the history and watches the chart's screening panel
turn to contraindicated, with its source."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.services import condition_record, history_list_review, patient_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recording_pregnancy_turns_the_panel_contraindicated(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=personas.practitioner,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    for which in ("medications", "allergies"):
        history_list_review(actor=personas.practitioner, patient_id=patient.pk, which=which)

    page = new_page()
    log_in(page, live_server.url, "practitioner@a.test")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.wait_for_selector("#screening-panel[data-verdict='eligible']")

    page.click("#absent-conditions a:has-text('Pregnancy')")
    page.wait_for_selector("#history-form-card")
    page.select_option("#id_verification_status", "confirmed")
    page.click("#history-form-card button:has-text('Save')")

    page.wait_for_selector("#screening-panel[data-verdict='contraindicated']")
    finding = page.locator(".finding[data-rules='CI-PREGNANCY']")
    assert "Pregnancy" in finding.inner_text()
    # A general screening plans no deoxycholic acid: the Kybella label is cited by analogy.
    source = finding.locator("a:has-text('S18 (C, by analogy)')")
    assert source.get_attribute("href", timeout=2000).startswith("http")
    assert "pregnancy status today" in finding.inner_text()
