"""Panels higher apps add to a lot's page (sessions: the patients who received it), each
loaded as its own HTMX request so catalog never imports them."""

from __future__ import annotations

from mesodesk.patients.panels import ChartPanel

_panels: dict[str, ChartPanel] = {}


def register_lot_panel(panel: ChartPanel) -> None:
    _panels[panel.key] = panel


def lot_panels() -> list[ChartPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))
