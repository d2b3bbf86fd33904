"""A practitioner builds a plan with two products and sees the dose panel turn red when a
volume is raised past a limit."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.catalog.tests.helpers import lidocaine_2, published, skin_booster
from mesodesk.core.testing import Personas
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_raising_lidocaine_past_its_ceiling_turns_the_dose_panel_red(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    patient = screened_patient(personas.practitioner, weight="60")
    published(personas.practitioner, "facial_ha_savoia_2013")
    skin_booster(personas.clinic_admin)
    lidocaine_2(personas.clinic_admin)

    page = new_page()
    log_in(page, live_server.url, "practitioner@a.test")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")

    panel = page.locator("#plans-panel")
    panel.locator("summary:has-text('Draft a new plan')").click()
    panel.locator("#id_indication").select_option("facial_rejuvenation")
    panel.locator("#id_protocol").select_option(
        label="Facial rejuvenation — 4 sessions at 15-day intervals (Savoia 2013) v1"
    )
    panel.locator("input[name=areas][value=full_face]").check()
    panel.locator("button:has-text('Draft plan')").click()
    page.wait_for_selector("#mix")

    for product, volume in (("HA booster", "2"), ("Lidocaine 2 %", "10")):
        page.select_option("#add-line #id_product", label=product)
        page.fill("#add-line #id_volume_ml", volume)
        page.click("#add-line button:has-text('Add to mix')")
        page.wait_for_selector(f"tr[data-line='{product}']")
    page.wait_for_selector("#dose-panel[data-blocked='false']")
    assert "Lidocaine: 200 mg within" in page.locator("#dose-panel").inner_text()

    volume = page.locator("tr[data-line='Lidocaine 2 %'] input[name=volume_ml]")
    volume.fill("15")
    volume.press("Tab")
    # htmx settles the class 20 ms after the swap: wait for the class, not just the attribute.
    page.wait_for_selector("#dose-panel.dose-blocked[data-blocked='true']")
    dose = page.locator("#dose-panel")
    assert "exceeds" in dose.inner_text()
    assert "270" in dose.inner_text()
    border = dose.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(179, 38, 30)"  # the app's "bad" red

    page.click("#activate")
    page.wait_for_selector(".messages .error")
    assert "Draft" in page.locator("#plan-status").inner_text()
