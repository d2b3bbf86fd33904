"""The clinic tablet as a kiosk: the patient signs consent and the tablet offers nothing else
(no staff navigation, no Countersign, every staff URL answers with the unlock page) until the
practitioner unlocks it with their password and countersigns."""

from __future__ import annotations

import os
from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.consent.models import Consent
from mesodesk.consent.tests.helpers import active_plan, template
from mesodesk.core.testing import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draw_signature(page: Any) -> None:
    page.locator("#signature-canvas").scroll_into_view_if_needed()
    box = page.locator("#signature-canvas").bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + 20 + step * 25, y + (25 if step % 2 else -25), steps=4)
    page.mouse.up()


def test_a_patient_signs_on_the_kiosk_and_only_the_practitioner_unlocks_it(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    page = new_page()
    log_in(page, live_server.url, "practitioner@a.test")
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("#consent-sign")
    page.wait_for_selector("#consent-form")
    assert page.locator("nav[aria-label=Main]").count() == 0

    # The patient signs.
    for box in page.locator("#consent-form input[name^=statement_]").all():
        box.check()
    page.check("input[name=photo_consent][value=no]")
    page.fill("#id_signer_name", "Anna Smith")
    _draw_signature(page)
    page.click("#consent-form button[type=submit]")
    page.wait_for_selector("#kiosk-done")
    consent = Consent.objects.get()
    if os.environ.get("MESODESK_SCREENSHOTS"):
        page.screenshot(path="docs/screenshots/kiosk.png", full_page=False)

    # The page offers nothing else: no Countersign, no navigation, no links at all.
    assert page.locator("#countersign").count() == 0
    assert page.locator("nav").count() == 0
    assert page.locator("main a, header a").count() == 0

    # Typing a staff address answers with the unlock page, not the chart.
    response = page.goto(f"{live_server.url}/patients/{plan.patient_id}/")
    assert response is not None
    assert response.status == 423
    page.wait_for_selector("#kiosk-unlock")
    assert page.locator("#countersign").count() == 0
    if os.environ.get("MESODESK_SCREENSHOTS"):
        page.screenshot(path="docs/screenshots/kiosk-unlock.png", full_page=False)
    page.goto(f"{live_server.url}/consent/{consent.pk}/")
    page.wait_for_selector("#kiosk-unlock")

    # A wrong password is refused; the practitioner's own password unlocks and countersigns.
    page.fill("#id_secret", "not-my-password")
    page.click("#kiosk-unlock-submit")
    page.wait_for_selector(".errorlist[data-field='secret']")
    page.fill("#id_secret", PASSWORD)
    page.click("#kiosk-unlock-submit")
    page.wait_for_selector("#countersign")
    page.fill("#countersign-form input[name=password]", PASSWORD)
    page.click("#countersign")
    page.wait_for_selector("#consent-badge:has-text('Signed')")
    consent.refresh_from_db()
    assert consent.status == "signed"
    assert consent.reauthenticated_at is not None
    # The plan no longer offers a second consent.
    assert page.locator("#consent-sign").count() == 0
