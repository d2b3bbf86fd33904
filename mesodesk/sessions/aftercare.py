"""The content of an aftercare sheet (pure: knowledge base in, text out): the instructions
for the areas and ingredients of the session, with the clinic's configured durations, the
warning signs, the clinic's contact and the next appointment window. `services.aftercare`
stores and sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mesodesk.core.pdf import Block, Document
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.sessions.models import AftercareSheet
from mesodesk.treatments.summary import duration


@dataclass
class AftercareContent:
    avoid: list[str] = field(default_factory=list)
    care: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    contact: str = ""
    next_appointment: str = ""
    treated: str = ""


def aftercare_content(
    kb: KnowledgeBase,
    *,
    areas: set[str],
    ingredients: set[str],
    contact: str,
    next_appointment: str,
) -> AftercareContent:
    regions = {kb.body_areas[a].region for a in areas if a in kb.body_areas}
    periocular = any(kb.body_areas[a].periocular for a in areas if a in kb.body_areas)
    content = AftercareContent(
        contact=contact,
        next_appointment=next_appointment,
        treated=", ".join(sorted(kb.body_areas[a].label for a in areas if a in kb.body_areas)),
    )
    for item in kb.aftercare.values():
        if item.regions and not set(item.regions) & regions:
            continue
        if item.areas and not set(item.areas) & areas:
            continue
        if item.ingredients and not set(item.ingredients) & ingredients:
            continue
        if item.kind == "avoid" and item.hours is not None:
            content.avoid.append(f"{item.text} for {duration(item.hours)}.")
        elif item.kind == "expect":
            text = item.text
            if periocular and item.periocular_hours:
                text += " " + kb.text("periocular_longer", duration=duration(item.periocular_hours))
            content.expect.append(text)
        elif item.kind == "warning":
            content.warnings.append(item.text)
        else:
            content.care.append(item.text)
    weeks = kb.setting("delayed_infection_watch_weeks")
    content.warnings.append(kb.text("delayed_infection_watch", weeks=weeks))
    return content


def aftercare_text(sheet: AftercareSheet, patient_name: str) -> str:
    c = sheet.content
    parts = [
        f"Aftercare for {patient_name} (version {sheet.version})",
        f"Treated: {c['treated']}",
        "",
        "For the next days:",
        *[f"- {x}" for x in c["avoid"] + c["care"]],
        "",
        "What to expect:",
        *[f"- {x}" for x in c["expect"]],
        "",
        "Call the clinic:",
        *[f"- {x}" for x in c["warnings"]],
        "",
        c["next_appointment"],
        "",
        c["contact"],
    ]
    return "\n".join(parts)


def aftercare_document(sheet: AftercareSheet, patient_name: str) -> Document:
    c: dict[str, Any] = sheet.content
    return Document(
        title="Aftercare after your mesotherapy session",
        subtitle=f"{patient_name} · treated: {c['treated']} · version {sheet.version}",
        blocks=[
            Block("heading", "For the next days"),
            Block("bullets", items=c["avoid"] + c["care"]),
            Block("heading", "What to expect"),
            Block("bullets", items=c["expect"]),
            Block("heading", "Call the clinic"),
            Block("bullets", items=c["warnings"]),
            Block("heading", "Your next appointment"),
            Block("paragraph", c["next_appointment"]),
            Block("heading", "Contact"),
            Block("paragraph", c["contact"]),
        ],
        footer="mesodesk aftercare",
    )
