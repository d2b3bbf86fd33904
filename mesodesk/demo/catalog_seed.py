"""A demo catalog: products a mesotherapy clinic stocks, two lots of each, published protocols.

Concentrations are those of the products named in the reference where it gives one
(deoxycholic acid 10 mg/mL, S18; dutasteride 0.01 %, S38; phosphatidylcholine 50 mg/mL, S48;
lidocaine 1 and 2 %); the others are plausible demo values for synthetic data only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mesodesk.accounts.actor import Actor
from mesodesk.catalog.services import LotReceipt, lot_receive, product_create
from mesodesk.catalog.services.protocols import protocol_clone, protocol_publish
from mesodesk.consent.services import consent_template_create, consent_template_publish

PRODUCTS: list[tuple[str, str, list[tuple[str, str, str]], str]] = [
    ("Lidocaine 2 %", "brand", [("lidocaine", "2", "%")], "20 mg/mL, ampoule 5 mL"),
    (
        "Lidocaine 1 % with epinephrine",
        "brand",
        [("lidocaine", "10", "mg/mL"), ("epinephrine", "0.01", "mg/mL")],
        "vial 20 mL",
    ),
    ("Skin booster HA 1.5 %", "brand", [("hyaluronic_acid", "1.5", "%")], "syringe 2 mL"),
    (
        "Kybella (deoxycholic acid 10 mg/mL)",
        "brand",
        [("deoxycholic_acid", "10", "mg/mL")],
        "vial 2 mL",
    ),
    ("Dutasteride 0.01 %", "compounded", [("dutasteride", "0.01", "%")], "vial 2 mL"),
    ("Vitamin C 100 mg/mL", "compounded", [("vitamin_c", "100", "mg/mL")], "ampoule 5 mL"),
    (
        "Phosphatidylcholine 50 mg/mL",
        "compounded",
        [("phosphatidylcholine", "50", "mg/mL")],
        "vial 5 mL",
    ),
    ("Hyaluronidase 150 units/mL", "brand", [("hyaluronidase", "150", "units/mL")], "vial 1 mL"),
]
PROTOCOLS = [
    "facial_ha_savoia_2013",
    "kybella_label",
    "dutasteride_quarterly_saceda_2022",
    "low_back_pain_costantino_2011",
    "periocular_el_domyati_2012",
]


def seed_catalog(*, actor: Actor, today: dt.date) -> None:
    for index, (name, kind, components, presentation) in enumerate(PRODUCTS):
        product = product_create(
            actor=actor,
            data={
                "name": name,
                "kind": kind,
                "presentation": presentation,
                "reorder_level_ml": Decimal(10),
            },
            components=[
                {"ingredient": c, "amount": Decimal(a), "unit": u} for c, a, u in components
            ],
        )
        lot_receive(
            actor=actor,
            receipt=LotReceipt(
                product_id=product.pk,
                lot_number=f"L{24000 + index * 7}",
                expiry_date=today + dt.timedelta(days=20 + index * 5),
                supplier="Demo Pharma",
                quantity_ml=Decimal(8),
            ),
        )
        lot_receive(
            actor=actor,
            receipt=LotReceipt(
                product_id=product.pk,
                lot_number=f"L{25000 + index * 11}",
                expiry_date=today + dt.timedelta(days=300 + index * 30),
                supplier="Demo Pharma",
                quantity_ml=Decimal(50),
            ),
        )
    indications: list[str] = []
    for code in PROTOCOLS:
        protocol = protocol_clone(actor=actor, template_code=code)
        protocol_publish(actor=actor, protocol_id=protocol.pk)
        if protocol.indication not in indications:
            indications.append(protocol.indication)
    # One published consent template per indication: its text is assembled from the
    # knowledge base, so the demo can sign consent without writing any clinical text.
    for indication in indications:
        draft = consent_template_create(actor=actor, indication=indication, data={})
        consent_template_publish(actor=actor, template_id=draft.pk)
