"""Panels other apps add to the patient chart (screening, plans …), loaded with HTMX.

Each panel is its own request, so the patients app never imports the apps above it, and a
panel refreshes itself when the history changes (the `history-changed` event).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPanel:
    key: str
    title: str
    url_name: str  # takes the patient id
    order: int = 100


_panels: dict[str, ChartPanel] = {}


def register_chart_panel(panel: ChartPanel) -> None:
    _panels[panel.key] = panel


def chart_panels() -> list[ChartPanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))
