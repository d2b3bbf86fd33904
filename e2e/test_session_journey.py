"""The treatment room in a real browser: the patient signs consent with a drawn signature, the
practitioner countersigns, prepares the session, places 30 points on the face map with the
mouse, completes and signs, and opens the aftercare PDF."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.catalog.models import Lot
from mesodesk.consent.models import Consent
from mesodesk.consent.tests.helpers import active_plan, template
from mesodesk.core.testing import PASSWORD, Personas, pdf_text
from mesodesk.sessions.models import InjectionPoint, TreatmentSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Points spread over a region's painted shape, in screen coordinates: walks a grid over the
# region's bounding box and keeps points inside the fill where the region receives the click.
POINTS_IN_REGION = """([selector, wanted]) => {
  const region = document.querySelector(selector);
  const svg = region.ownerSVGElement;
  const box = region.getBBox();
  const matrix = region.getScreenCTM();
  const inside = [];
  for (let row = 1; row < 12; row++) {
    for (let col = 1; col < 12; col++) {
      const p = svg.createSVGPoint();
      p.x = box.x + (box.width * col) / 12;
      p.y = box.y + (box.height * row) / 12;
      const s = p.matrixTransform(matrix);
      // Inside the shape and on top where a finger would land (not under an outline).
      if (region.isPointInFill(p) && document.elementFromPoint(s.x, s.y) === region) {
        inside.push([s.x, s.y]);
      }
    }
  }
  const step = inside.length / wanted;
  return Array.from({length: Math.min(wanted, inside.length)},
                    (_, i) => inside[Math.floor(i * step)]);
}"""


def _log_in(page: Any, url: str, email: str) -> None:
    log_in(page, url, email)


def _draw_signature(page: Any) -> None:
    box = page.locator("#signature-canvas").bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + 20 + step * 25, y + (25 if step % 2 else -25), steps=4)
    page.mouse.up()


def test_consent_preparation_thirty_points_signature_and_aftercare_pdf(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    page = new_page()
    _log_in(page, live_server.url, "practitioner@a.test")

    # The patient reads, ticks every statement, chooses about photographs and signs.
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    page.click("#consent-sign")
    page.wait_for_selector("#consent-form")
    page.click("#consent-form button[type=submit]")  # nothing ticked, nothing drawn
    page.wait_for_selector(".errorlist[data-field='signature']")
    assert not Consent.objects.exists()
    for box in page.locator("#consent-form input[name^=statement_]").all():
        box.check()
    page.check("input[name=photo_consent][value=yes]")
    page.fill("#id_signer_name", "Anna Smith")
    _draw_signature(page)
    page.click("#consent-form button[type=submit]")
    # The tablet is locked in the kiosk: the practitioner unlocks it, then countersigns.
    page.wait_for_selector("#kiosk-done")
    page.goto(f"{live_server.url}/accounts/kiosk/unlock/")
    page.fill("#id_secret", PASSWORD)
    page.click("#kiosk-unlock-submit")
    page.wait_for_selector("#countersign")
    page.fill("#countersign-form input[name=password]", PASSWORD)
    page.click("#countersign")
    page.wait_for_selector("#consent-badge:has-text('Signed')")
    consent = Consent.objects.get()
    assert consent.status == "signed"
    assert len(bytes(consent.signature_png)) > 500  # a real drawing, not an empty canvas

    # The session: check-in, today's answers, photographs, antisepsis, start.
    page.click("#session-new")
    page.wait_for_selector("#check-in")
    page.click("#check-in")
    page.click("#prepare")
    page.wait_for_selector("#reconfirm-form")
    for radio in page.locator("#reconfirm-form input[type=radio][value=absent]").all():
        radio.check()
    page.check("#id_medicines_unchanged")
    page.click("#reconfirm-form button[type=submit]")
    page.wait_for_selector("li[data-item='screening'].ok")
    if page.locator("#photos-done").count():
        page.click("#photos-done")
    page.click("#antisepsis-done")
    page.wait_for_selector("li[data-item='antisepsis'].ok")
    page.click("#start-procedure")
    page.wait_for_selector("#session-status:has-text('In procedure')")

    # Thirty injections placed with the mouse on the face map.
    page.select_option(
        "#point-form #id_lot",
        label=page.locator("#point-form #id_lot option:has-text('HA-1')").inner_text(),
    )
    page.fill("#point-form #id_volume_ml", "0.05")
    page.fill("#point-form #id_depth_mm", "1.5")
    placed = 0
    for selector in (
        "#face_front-forehead",
        "#face_front-cheeks-left",
        "#face_front-cheeks-right",
    ):
        assert len(page.evaluate(POINTS_IN_REGION, [selector, 10])) == 10, selector
        for index in range(10):
            # Measured before each click: the page may have moved after the last swap.
            x, y = page.evaluate(POINTS_IN_REGION, [selector, 10])[index]
            page.mouse.click(x, y)
            placed += 1
            try:
                page.wait_for_selector(f"#chart[data-points='{placed}']")
            except Exception:
                page.screenshot(path="var/e2e-failure.png", full_page=True)
                raise
    assert InjectionPoint.objects.count() == 30
    # A misplaced injection is removed (only that one) and placed again.
    last = InjectionPoint.objects.order_by("-created_at").first()
    assert last is not None
    page.click(f"#points-remove button[value='{last.pk}']")
    page.wait_for_selector("#chart[data-points='29']")
    assert not InjectionPoint.objects.filter(pk=last.pk).exists()
    page.locator(".injection-map svg").scroll_into_view_if_needed()
    x, y = page.evaluate(POINTS_IN_REGION, ["#face_front-cheeks-right", 10])[9]
    page.mouse.click(x, y)  # the lot, volume and depth chosen before are kept
    page.wait_for_selector("#chart[data-points='30']")
    # Removing needs no lot chosen in the charting form (htmx validated what it included).
    page.select_option("#point-form #id_lot", "")
    extra = InjectionPoint.objects.order_by("-created_at").first()
    assert extra is not None
    page.click(f"#points-remove button[value='{extra.pk}']")
    page.wait_for_selector("#chart[data-points='29']")
    page.select_option(
        "#point-form #id_lot",
        label=page.locator("#point-form #id_lot option:has-text('HA-1')").inner_text(),
    )
    page.locator(".injection-map svg").scroll_into_view_if_needed()
    x, y = page.evaluate(POINTS_IN_REGION, ["#face_front-cheeks-right", 10])[9]
    page.mouse.click(x, y)
    page.wait_for_selector("#chart[data-points='30']")
    counts = page.locator(".region-counts").inner_text()
    assert "Forehead" in counts
    assert "10 injections" in counts
    assert "22.50 mg in 1.500 mL" in page.locator("#session-dose").inner_text()  # 1.5 % HA

    if os.environ.get("MESODESK_SCREENSHOTS"):  # refreshes the README's picture on demand
        page.screenshot(path="docs/screenshots/session.png", full_page=False)
    page.fill("#id_immediate_reactions", "Mild erythema")
    page.click("#complete")
    page.wait_for_selector("#sign")
    page.fill("form:has(#sign) input[name=password]", PASSWORD)
    page.click("#sign")
    page.wait_for_selector("#session-status:has-text('Signed')")
    session = TreatmentSession.objects.get()
    assert session.status == "signed"
    assert Lot.objects.get(lot_number="HA-1").quantity_remaining_ml == Decimal("18.50")
    assert page.locator("#point-form").count() == 0  # the signed record offers no edits

    # The aftercare PDF opens from the session page.
    href = page.locator("#aftercare-pdf").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "Call the clinic" in text
    assert "weeks" in text
