"""Catalog and plan pages: permissions, the live dose panel, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesodesk.catalog.models import Lot, Product, Protocol
from mesodesk.catalog.tests.helpers import kybella, lidocaine_2, published, receive, skin_booster
from mesodesk.core.testing import Personas, logged_in_client, today
from mesodesk.treatments import services
from mesodesk.treatments.models import MixLine, TreatmentPlan
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    patient = screened_patient(personas.practitioner)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    return services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": protocol.pk,
        },
    )


def test_raising_a_volume_past_a_limit_turns_the_dose_panel_red(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    product = lidocaine_2(personas.clinic_admin)
    added = client.post(
        reverse("treatments:line_add", args=[plan.pk]),
        {"product": product.pk, "volume_ml": "10"},
        headers={"HX-Request": "true"},
    )
    assert 'data-blocked="false"' in added.content.decode()
    line = MixLine.objects.get(plan=plan)
    raised = client.post(
        reverse("treatments:line_update", args=[line.pk]),
        {"volume_ml": "15"},
        headers={"HX-Request": "true"},
    )
    html = raised.content.decode()
    assert 'data-blocked="true"' in html
    assert "exceeds" in html
    assert "270" in html


def test_a_bad_volume_shows_an_error_in_the_mix(personas: Personas, plan: TreatmentPlan) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(
        reverse("treatments:line_add", args=[plan.pk]),
        {"product": skin_booster(personas.clinic_admin).pk, "volume_ml": "0"},
        headers={"HX-Request": "true"},
    )
    assert b'class="errorlist"' in response.content
    assert not MixLine.objects.exists()


def test_the_plan_page_query_count_does_not_grow_with_the_mix(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    client.get(reverse("patients:list"))
    services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=skin_booster(personas.clinic_admin).pk,
        volume_ml="1",
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("treatments:plan", args=[plan.pk])).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for index in range(4):
        services.mixline_add(
            actor=personas.practitioner,
            plan_id=plan.pk,
            product_id=lidocaine_2(personas.clinic_admin, f"Lido {index}").pk,
            volume_ml="1",
        )
    assert count() == small


def test_the_chart_lists_the_plans_and_front_desk_sees_none(
    personas: Personas, plan: TreatmentPlan
) -> None:
    url = reverse("treatments:panel", args=[plan.patient_id])
    assert b"Facial rejuvenation" in logged_in_client(personas.nurse).get(url).content
    assert b"Facial rejuvenation" not in logged_in_client(personas.front_desk).get(url).content


def test_nurses_view_but_cannot_edit_plans(personas: Personas, plan: TreatmentPlan) -> None:
    client = logged_in_client(personas.nurse)
    assert client.get(reverse("treatments:plan", args=[plan.pk])).status_code == 200
    assert (
        client.post(reverse("treatments:transition", args=[plan.pk, "activate"])).status_code == 403
    )


def test_plan_pages_of_another_clinic_answer_404(personas: Personas, plan: TreatmentPlan) -> None:
    client = logged_in_client(personas.foreign_practitioner)
    for name in ("plan", "summary", "summary_pdf"):
        assert client.get(reverse(f"treatments:{name}", args=[plan.pk])).status_code == 404
    assert client.get(reverse("treatments:panel", args=[plan.patient_id])).status_code == 404
    assert (
        client.post(
            reverse("treatments:transition", args=[plan.pk, "cancel"]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_the_summary_pdf_is_served(personas: Personas, plan: TreatmentPlan) -> None:
    response = logged_in_client(personas.practitioner).get(
        reverse("treatments:summary_pdf", args=[plan.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_admin_adds_a_product_and_receives_stock_on_the_pages(personas: Personas) -> None:
    client = logged_in_client(personas.clinic_admin)
    response = client.post(
        reverse("catalog:products"),
        {
            "name": "Vit C",
            "kind": "compounded",
            "reorder_level_ml": "5",
            "c0_ingredient": "vitamin_c",
            "c0_amount": "100",
            "c0_unit": "mg/mL",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get()
    bad = client.post(
        reverse("catalog:stock"),
        {
            "product_id": product.pk,
            "lot_number": "V1",
            "quantity_ml": "10",
            "expiry_date": (today() - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert bad.status_code == 400
    assert "expiry_date" in bad.context["form"].errors
    client.post(
        reverse("catalog:stock"),
        {
            "product_id": product.pk,
            "lot_number": "V1",
            "quantity_ml": "10",
            "expiry_date": (today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert Lot.objects.get().quantity_remaining_ml == Decimal(10)


def test_a_product_form_maps_composition_errors_to_their_row(personas: Personas) -> None:
    response = logged_in_client(personas.clinic_admin).post(
        reverse("catalog:products"),
        {
            "name": "Bad",
            "kind": "brand",
            "reorder_level_ml": "0",
            "c0_ingredient": "hyaluronidase",
            "c0_amount": "5",
            "c0_unit": "mg/mL",
        },
    )
    assert response.status_code == 400
    assert "c0_unit" in response.context["form"].errors
    assert not Product.objects.exists()


def test_front_desk_has_no_catalog(personas: Personas) -> None:
    client = logged_in_client(personas.front_desk)
    for name in ("products", "stock", "protocols", "ingredients"):
        assert client.get(reverse(f"catalog:{name}")).status_code == 403


def test_a_lot_of_another_clinic_cannot_be_adjusted(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    response = logged_in_client(personas.foreign_practitioner).post(
        reverse("catalog:lot_adjust", args=[lot.pk]), {"delta_ml": "-1", "reason": "x"}
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert lot.quantity_remaining_ml == Decimal(20)


def test_a_protocol_is_cloned_and_published_from_the_pages(personas: Personas) -> None:
    client = logged_in_client(personas.practitioner)
    response = client.post(reverse("catalog:protocol_clone"), {"template_code": "kybella_label"})
    protocol = Protocol.objects.get()
    assert response["Location"] == reverse("catalog:protocol", args=[protocol.pk])
    client.post(reverse("catalog:protocol", args=[protocol.pk]), {"publish": "1"})
    protocol.refresh_from_db()
    assert protocol.status == "published"
    assert (
        logged_in_client(personas.foreign_practitioner)
        .get(reverse("catalog:protocol", args=[protocol.pk]))
        .status_code
        == 404
    )


def test_plan_editing_pages_of_another_clinic_answer_404_and_change_nothing(
    personas: Personas, plan: TreatmentPlan
) -> None:
    services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=skin_booster(personas.clinic_admin).pk,
        volume_ml=Decimal(2),
    )
    line = MixLine.objects.get(plan=plan)
    client = logged_in_client(personas.foreign_practitioner)
    product = lidocaine_2(personas.clinic_admin)
    for url, data in (
        (reverse("treatments:plan_new", args=[plan.patient_id]), {"indication": "cellulite"}),
        (reverse("treatments:plan_edit", args=[plan.pk]), {"notes": "changed"}),
        (reverse("treatments:line_add", args=[plan.pk]), {"product": product.pk, "volume_ml": 1}),
        (reverse("treatments:line_update", args=[line.pk]), {"volume_ml": "9"}),
        (reverse("treatments:line_remove", args=[line.pk]), {}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert TreatmentPlan.objects.count() == 1
    assert list(MixLine.objects.values_list("volume_ml", flat=True)) == [Decimal("2.00")]
    plan.refresh_from_db()
    assert plan.notes == ""


def test_every_change_of_the_mix_refreshes_the_dose_and_screening_panels_together(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    added = client.post(
        reverse("treatments:line_add", args=[plan.pk]),
        {"product": kybella(personas.clinic_admin).pk, "volume_ml": "2"},
        headers={"HX-Request": "true"},
    )
    html = added.content.decode()
    assert 'id="dose-panel"' in html
    assert 'id="plan-screening" data-verdict="contraindicated" hx-swap-oob="true"' in html
    assert "Deoxycholic acid outside the submental area" in html
    line = MixLine.objects.get(plan=plan)
    removed = client.post(
        reverse("treatments:line_remove", args=[line.pk]), headers={"HX-Request": "true"}
    )
    html = removed.content.decode()
    assert 'id="dose-panel"' in html
    assert 'id="plan-screening" data-verdict="eligible" hx-swap-oob="true"' in html
    updated = client.post(
        reverse("treatments:line_add", args=[plan.pk]),
        {"product": lidocaine_2(personas.clinic_admin).pk, "volume_ml": "1"},
        headers={"HX-Request": "true"},
    )
    line = MixLine.objects.get(plan=plan)
    changed = client.post(
        reverse("treatments:line_update", args=[line.pk]),
        {"volume_ml": "2"},
        headers={"HX-Request": "true"},
    )
    for response in (updated, changed):
        assert 'id="dose-panel"' in response.content.decode()
        assert 'hx-swap-oob="true"' in response.content.decode()


def test_a_change_of_areas_or_indication_shows_both_panels_anew(
    personas: Personas, plan: TreatmentPlan
) -> None:
    client = logged_in_client(personas.practitioner)
    services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=kybella(personas.clinic_admin).pk,
        volume_ml=Decimal("2"),
    )
    changed = client.post(
        reverse("treatments:plan_edit", args=[plan.pk]),
        {
            "indication": "submental_fat",
            "areas": ["submental"],
            "protocol": "",
            "sessions_planned": "4",
        },
        follow=True,
    )
    html = changed.content.decode()
    assert 'id="dose-panel"' in html
    assert 'id="plan-screening" data-verdict="eligible"' in html
