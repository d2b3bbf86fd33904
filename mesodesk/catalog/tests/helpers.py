"""Catalog objects for tests, made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mesodesk.accounts.actor import Actor
from mesodesk.catalog.models import Lot, Product, Protocol
from mesodesk.catalog.services import LotReceipt, lot_receive, product_create
from mesodesk.catalog.services.protocols import protocol_clone, protocol_publish
from mesodesk.core.testing import today


def lidocaine_2(actor: Actor, name: str = "Lidocaine 2 %") -> Product:
    return product_create(
        actor=actor,
        data={"name": name, "kind": "brand"},
        components=[{"ingredient": "lidocaine", "amount": Decimal(2), "unit": "%"}],
    )


def skin_booster(actor: Actor) -> Product:
    return product_create(
        actor=actor,
        data={"name": "HA booster", "kind": "brand"},
        components=[{"ingredient": "hyaluronic_acid", "amount": Decimal("1.5"), "unit": "%"}],
    )


def kybella(actor: Actor) -> Product:
    return product_create(
        actor=actor,
        data={"name": "Kybella", "kind": "brand"},
        components=[{"ingredient": "deoxycholic_acid", "amount": Decimal(10), "unit": "mg/mL"}],
    )


def receive(
    actor: Actor, product: Product, *, number: str = "A1", ml: str = "20", days: int = 200
) -> Lot:
    return lot_receive(
        actor=actor,
        receipt=LotReceipt(
            product_id=product.pk,
            lot_number=number,
            expiry_date=today() + dt.timedelta(days=days),
            quantity_ml=Decimal(ml),
        ),
    )


def published(actor: Actor, template: str) -> Protocol:
    protocol = protocol_clone(actor=actor, template_code=template)
    return protocol_publish(actor=actor, protocol_id=protocol.pk)
