"""The injection maps (`sessions/static/maps/*.svg`, drawn for this project): their regions
and markup.

Pages inline a map's SVG so points can be drawn in its own coordinates; services use the
region list to refuse a point placed on an area the view does not show.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from mesodesk.knowledge.loader import KnowledgeBase

MAP_DIR = Path(__file__).resolve().parent / "static" / "maps"
SVG_NS = "{http://www.w3.org/2000/svg}"
VIEWS = {
    "face_front": "Face, front",
    "face_left": "Face, left profile",
    "face_right": "Face, right profile",
    "scalp_top": "Scalp, from above",
    "body_front": "Body, front",
    "body_back": "Body, back",
}


@dataclass(frozen=True)
class Region:
    id: str
    area: str
    label: str
    side: str


@dataclass(frozen=True)
class MapView:
    code: str
    label: str
    width: float
    height: float
    inner_svg: str
    regions: tuple[Region, ...]

    @property
    def areas(self) -> frozenset[str]:
        return frozenset(r.area for r in self.regions)

    def region_label(self, area: str, side: str) -> str:
        for region in self.regions:
            if region.area == area and region.side == side:
                return region.label
        return next((r.label for r in self.regions if r.area == area), area)


@functools.cache
def map_views() -> dict[str, MapView]:
    views: dict[str, MapView] = {}
    for code, label in VIEWS.items():
        text = (MAP_DIR / f"{code}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(text)  # noqa: S314 - the project's own packaged SVG files
        _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
        regions = tuple(
            Region(
                el.attrib["id"],
                el.attrib["data-area"],
                el.attrib.get("data-label", ""),
                el.attrib.get("data-side", ""),
            )
            for el in root.iter()
            if "region" in el.attrib.get("class", "").split()
        )
        inner = re.sub(r"^.*?<svg[^>]*>", "", text, count=1, flags=re.S)
        inner = re.sub(r"</svg>\s*$", "", inner, flags=re.S)
        views[code] = MapView(code, label, width, height, inner, regions)
    return views


def views_for_areas(areas: set[str], kb: KnowledgeBase) -> list[str]:
    """The views that show any of the plan's areas, or an area inside one of them (the
    knowledge base says which areas lie within the full face)."""
    wanted = set(areas) | {a.code for a in kb.body_areas.values() if a.within in areas}
    return [code for code, view in map_views().items() if view.areas & wanted] or list(VIEWS)
