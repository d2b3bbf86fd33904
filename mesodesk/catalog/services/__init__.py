"""Writes of the catalog: products, lots and stock (`stock`), and protocols (`protocols`).

Every public service is importable from `mesodesk.catalog.services`.
"""

from __future__ import annotations

from mesodesk.catalog.services.protocols import (
    protocol_clone,
    protocol_create,
    protocol_new_version,
    protocol_publish,
    protocol_update,
    protocol_update_and_publish,
)
from mesodesk.catalog.services.stock import (
    LotReceipt,
    ingredients_sync,
    lot_adjust,
    lot_consume,
    lot_receive,
    lot_status_set,
    lots_mark_expired,
    product_create,
)

__all__ = [
    "LotReceipt",
    "ingredients_sync",
    "lot_adjust",
    "lot_consume",
    "lot_receive",
    "lot_status_set",
    "lots_mark_expired",
    "product_create",
    "protocol_clone",
    "protocol_create",
    "protocol_new_version",
    "protocol_publish",
    "protocol_update",
    "protocol_update_and_publish",
]
