"""Panels sibling apps add to the plan page (consent), each loaded as its own HTMX request so
treatments never imports them."""

from __future__ import annotations

from mesodesk.patients.panels import ChartPanel

_panels: dict[str, ChartPanel] = {}


def register_plan_panel(panel: ChartPanel) -> None:
    _panels[panel.key] = panel


def plan_panels() -> list[ChartPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))
