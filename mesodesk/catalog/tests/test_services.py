"""Products, lots and stock: validation, lot status rules, consistent quantities."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import close_old_connections, connection

from mesodesk.audit.models import AuditEvent
from mesodesk.catalog import selectors
from mesodesk.catalog.models import Ingredient, Lot, Product, StockMovement
from mesodesk.catalog.services import (
    LotReceipt,
    lot_adjust,
    lot_consume,
    lot_receive,
    lot_status_set,
    lots_mark_expired,
    product_create,
)
from mesodesk.catalog.tests.helpers import lidocaine_2, receive
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas, today
from mesodesk.knowledge.loader import knowledge

pytestmark = pytest.mark.django_db


def test_every_knowledge_ingredient_is_in_the_catalog() -> None:
    assert set(Ingredient.objects.values_list("code", flat=True)) == set(knowledge().ingredients)


def test_a_product_is_created_with_its_composition_and_audited(personas: Personas) -> None:
    product = product_create(
        actor=personas.clinic_admin,
        data={"name": "Lido-Epi", "kind": "brand"},
        components=[
            {"ingredient": "lidocaine", "amount": Decimal(10), "unit": "mg/mL"},
            {"ingredient": "epinephrine", "amount": Decimal("0.01"), "unit": "mg/mL"},
        ],
    )
    assert sorted(c.ingredient.code for c in product.components.all()) == [
        "epinephrine",
        "lidocaine",
    ]
    assert AuditEvent.objects.filter(object_id=product.pk, action="create").exists()


@pytest.mark.parametrize(
    ("components", "field"),
    [
        ([], "components"),
        ([{"ingredient": "unicorn", "amount": 1, "unit": "%"}], "components.0.ingredient"),
        ([{"ingredient": "lidocaine", "amount": 1, "unit": "ppm"}], "components.0.unit"),
        ([{"ingredient": "lidocaine", "amount": 0, "unit": "%"}], "components.0.amount"),
        ([{"ingredient": "lidocaine", "amount": -2, "unit": "%"}], "components.0.amount"),
        ([{"ingredient": "lidocaine", "amount": "abc", "unit": "%"}], "components.0.amount"),
        ([{"ingredient": "lidocaine", "amount": 120, "unit": "%"}], "components.0.amount"),
        ([{"ingredient": "hyaluronidase", "amount": 10, "unit": "mg/mL"}], "components.0.unit"),
        (
            [
                {"ingredient": "lidocaine", "amount": 1, "unit": "%"},
                {"ingredient": "lidocaine", "amount": 2, "unit": "%"},
            ],
            "components.1.ingredient",
        ),
    ],
)
def test_a_bad_composition_is_refused_and_nothing_is_saved(
    personas: Personas, components: list[dict[str, object]], field: str
) -> None:
    with pytest.raises(FieldErrors) as caught:
        product_create(
            actor=personas.clinic_admin, data={"name": "X", "kind": "brand"}, components=components
        )
    assert field in caught.value.errors
    assert not Product.objects.exists()


def test_product_names_are_unique_per_clinic(personas: Personas) -> None:
    lidocaine_2(personas.clinic_admin)
    with pytest.raises(FieldErrors) as caught:
        lidocaine_2(personas.clinic_admin)
    assert "name" in caught.value.errors
    lidocaine_2(personas.foreign_practitioner)  # another clinic may use the same name


def test_a_name_taken_by_a_concurrent_request_is_a_field_error_not_a_crash(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rival_saves_first() -> object:
        # Runs after the duplicate check: the other request's insert lands in between.
        Product.objects.create(clinic=personas.clinic_a, name="Lidocaine 2 %", kind="brand")
        return knowledge()

    monkeypatch.setattr("mesodesk.catalog.services.stock.knowledge", rival_saves_first)
    with pytest.raises(FieldErrors) as caught:
        lidocaine_2(personas.clinic_admin)
    assert caught.value.errors == {"name": ["A product with this name already exists."]}
    assert Product.objects.count() == 1
    assert not AuditEvent.objects.filter(action="create", object_type__icontains="product").exists()


def test_front_desk_and_nurses_cannot_create_products(personas: Personas) -> None:
    for actor in (personas.front_desk, personas.nurse, personas.auditor):
        with pytest.raises(PermissionDenied):
            lidocaine_2(actor)


def test_receiving_stock_records_a_movement(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin), ml="25")
    assert lot.quantity_remaining_ml == Decimal(25)
    movement = StockMovement.objects.get(lot=lot)
    assert (movement.kind, movement.quantity_ml) == ("receive", Decimal(25))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expiry_date": today() - dt.timedelta(days=1)}, "expiry_date"),
        ({"quantity_ml": Decimal(0)}, "quantity_ml"),
        ({"quantity_ml": Decimal(-5)}, "quantity_ml"),
        ({"lot_number": "  "}, "lot_number"),
        ({"received_on": today() + dt.timedelta(days=3)}, "received_on"),
        ({"product_id": "00000000-0000-0000-0000-000000000000"}, "product_id"),
    ],
)
def test_bad_receipts_are_refused(
    personas: Personas, changes: dict[str, object], field: str
) -> None:
    product = lidocaine_2(personas.clinic_admin)
    data: dict[str, Any] = {
        "product_id": product.pk,
        "lot_number": "X1",
        "expiry_date": today() + dt.timedelta(days=90),
        "quantity_ml": Decimal(10),
    } | changes
    with pytest.raises(FieldErrors) as caught:
        lot_receive(actor=personas.nurse, receipt=LotReceipt(**data))
    assert field in caught.value.errors
    assert not Lot.objects.exists()


def test_a_lot_number_is_recorded_once_per_product(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    receive(personas.nurse, product, number="DUP")
    with pytest.raises(FieldErrors) as caught:
        receive(personas.nurse, product, number="DUP")
    assert "lot_number" in caught.value.errors
    assert Lot.objects.count() == 1


def test_an_adjustment_needs_a_reason_and_cannot_go_negative(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin), ml="10")
    with pytest.raises(FieldErrors) as caught:
        lot_adjust(actor=personas.nurse, lot_id=lot.pk, delta_ml=Decimal(-11), reason="broken")
    assert "delta_ml" in caught.value.errors
    with pytest.raises(FieldErrors):
        lot_adjust(actor=personas.nurse, lot_id=lot.pk, delta_ml=Decimal(-1), reason=" ")
    adjusted = lot_adjust(
        actor=personas.nurse, lot_id=lot.pk, delta_ml=Decimal("-2.5"), reason="ampoule broke"
    )
    assert adjusted.quantity_remaining_ml == Decimal("7.5")


def test_lot_status_rules(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="quarantined", reason="cold chain")
    lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="available", reason="checked ok")
    lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="recalled", reason="supplier")
    with pytest.raises(Conflict):
        lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="available", reason="oops")
    with pytest.raises(Conflict):
        lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="expired", reason="manual")


@pytest.mark.parametrize("state", ["quarantined", "recalled", "expired", "empty"])
def test_unusable_lots_cannot_be_chosen_or_used(personas: Personas, state: str) -> None:
    product = lidocaine_2(personas.clinic_admin)
    lot = receive(personas.nurse, product)
    if state in ("quarantined", "recalled"):
        lot_status_set(actor=personas.nurse, lot_id=lot.pk, status=state, reason="test")
    elif state == "expired":
        Lot.objects.filter(pk=lot.pk).update(expiry_date=today() - dt.timedelta(days=1))
    else:
        lot_adjust(actor=personas.nurse, lot_id=lot.pk, delta_ml=Decimal(-20), reason="used up")
    assert list(selectors.lots_usable(actor=personas.nurse)) == []
    with pytest.raises(Conflict):
        lot_consume(
            actor=personas.practitioner,
            lot_id=lot.pk,
            volume_ml=Decimal(1),
            reference_type="test",
            reference_id=product.pk,
        )


def test_consuming_twice_for_the_same_record_takes_stock_once(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    lot = receive(personas.nurse, product, ml="10")
    for _ in range(2):
        lot_consume(
            actor=personas.practitioner,
            lot_id=lot.pk,
            volume_ml=Decimal(3),
            reference_type="session",
            reference_id=product.pk,
        )
    lot.refresh_from_db()
    assert lot.quantity_remaining_ml == Decimal(7)


def test_more_than_is_left_cannot_be_used(personas: Personas) -> None:
    product = lidocaine_2(personas.clinic_admin)
    lot = receive(personas.nurse, product, ml="2")
    with pytest.raises(Conflict, match="only 2"):
        lot_consume(
            actor=personas.practitioner,
            lot_id=lot.pk,
            volume_ml=Decimal(3),
            reference_type="session",
            reference_id=product.pk,
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_uses_never_drive_stock_below_zero(personas: Personas) -> None:
    import uuid

    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin), ml="10")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        close_old_connections()
        try:
            barrier.wait()
            lot_consume(
                actor=personas.practitioner,
                lot_id=lot.pk,
                volume_ml=Decimal(3),
                reference_type="session",
                reference_id=uuid.uuid4(),
            )
            outcomes.append("used")
        except Conflict:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lot.refresh_from_db()
    assert sorted(outcomes) == ["refused"] * 5 + ["used"] * 3
    assert lot.quantity_remaining_ml == Decimal(1)
    assert StockMovement.objects.filter(lot=lot, kind="use").count() == 3


def test_near_expiry_and_low_stock_lists(personas: Personas) -> None:
    product = product_create(
        actor=personas.clinic_admin,
        data={"name": "Booster", "kind": "brand", "reorder_level_ml": Decimal(30)},
        components=[{"ingredient": "hyaluronic_acid", "amount": Decimal(1), "unit": "%"}],
    )
    soon = receive(personas.nurse, product, number="SOON", ml="5", days=10)
    receive(personas.nurse, product, number="LATER", ml="10", days=400)
    assert list(selectors.lots_near_expiry(actor=personas.nurse)) == [soon]
    [level] = selectors.stock_levels(actor=personas.nurse)
    assert level.usable_ml == Decimal(15)
    assert level.low


def test_the_daily_job_marks_expired_lots_and_audits_it(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    Lot.objects.filter(pk=lot.pk).update(expiry_date=today() - dt.timedelta(days=2))
    assert lots_mark_expired() == 1
    lot.refresh_from_db()
    assert lot.status == "expired"
    assert AuditEvent.objects.filter(object_id=lot.pk, actor_label="expiry job").exists()


def test_another_clinics_lot_is_not_found(personas: Personas) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    with pytest.raises(NotFound):
        lot_adjust(
            actor=personas.foreign_practitioner, lot_id=lot.pk, delta_ml=Decimal(-1), reason="x"
        )
    with pytest.raises(NotFound):
        lot_consume(
            actor=personas.foreign_practitioner,
            lot_id=lot.pk,
            volume_ml=Decimal(1),
            reference_type="s",
            reference_id=lot.pk,
        )


def test_the_daily_job_expires_lots_by_each_clinics_own_calendar(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    london = receive(personas.nurse, lidocaine_2(personas.clinic_admin), number="LON")
    paris = receive(
        personas.foreign_practitioner, lidocaine_2(personas.foreign_practitioner), number="PAR"
    )
    Lot.objects.filter(pk__in=[london.pk, paris.pk]).update(expiry_date=dt.date(2026, 11, 21))
    # 23:30 UTC on the 21st: still the 21st in London, already the 22nd in Paris.
    late = dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    assert lots_mark_expired() == 1
    london.refresh_from_db()
    paris.refresh_from_db()
    assert (london.status, paris.status) == ("available", "expired")


def test_an_out_of_date_lot_cannot_change_status_before_the_daily_job(
    personas: Personas,
) -> None:
    lot = receive(personas.nurse, lidocaine_2(personas.clinic_admin))
    Lot.objects.filter(pk=lot.pk).update(expiry_date=today() - dt.timedelta(days=2))
    with pytest.raises(Conflict, match="expired"):
        lot_status_set(actor=personas.nurse, lot_id=lot.pk, status="quarantined", reason="check")
    lot.refresh_from_db()
    assert lot.status == "available"
