"""The patient-facing plan summary: what will be done, how often, how good the evidence is,
which medicines are used off-label, what reactions to expect. Every sentence comes from the
knowledge base or the plan; none is written here as free clinical text."""

from __future__ import annotations

from dataclasses import dataclass, field

from mesodesk.core.pdf import Block, Document, render_pdf
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_ingredients


def duration(hours: int) -> str:
    """Hours in the words a patient reads: "48 hours", "3 days", "2 weeks"."""
    if hours % 24 == 0 and hours >= 48:
        days = hours // 24
        return f"{days} days" if days % 7 else f"{days // 7} week{'s' if days > 7 else ''}"
    return f"{hours} hours"


@dataclass(frozen=True)
class PlanSummary:
    title: str
    what: str
    areas: list[str]
    schedule: str
    evidence_level: str
    evidence: str
    approved: str
    ingredients: list[tuple[str, str]]  # (name, regulatory note incl. off-label)
    reactions: list[str]
    warnings: list[str]
    sources: list[str] = field(default_factory=list)


def _schedule(plan: TreatmentPlan) -> str:
    protocol = plan.protocol
    if protocol is None:
        return "The schedule will be set when the protocol is chosen."
    sessions = plan.planned_sessions
    if protocol.schedule_days:
        days = ", ".join(f"day {d + 1}" for d in protocol.schedule_days)
        return f"{sessions} sessions, on {days} of the course."
    low, high = protocol.interval_min_days, protocol.interval_max_days
    if sessions == 1 or not low:
        gap = ""
    elif high and high != low:
        gap = f", {low} to {high} days apart"
    elif high:
        gap = f", {low} days apart"
    else:
        gap = f", at least {low} days apart"
    follow = (
        f" A follow-up visit about {protocol.follow_up_weeks} weeks after the last session."
        if protocol.follow_up_weeks
        else ""
    )
    return f"{sessions} session{'s' if sessions != 1 else ''}{gap}.{follow}"


def evidence_sentence(kb: KnowledgeBase, level: str) -> str:
    """ "The studies behind this treatment are …" in plain words for an evidence level."""
    return kb.text("evidence_level", words=kb.text(f"evidence.{level}"))


def plan_summary(plan: TreatmentPlan, kb: KnowledgeBase) -> PlanSummary:
    indication = kb.indications[plan.indication]
    codes = plan_ingredients(plan)
    ingredients = []
    for code in codes:
        entry = kb.ingredients[code]
        note = entry.regulatory_note
        if entry.off_label and "off-label" not in note.lower():
            note += " " + kb.text("off_label_here")
        ingredients.append((entry.name, note))
    regions = {kb.body_areas[a].region for a in plan.areas if a in kb.body_areas}
    periocular = any(kb.body_areas[a].periocular for a in plan.areas if a in kb.body_areas)
    reactions: list[str] = []
    warnings: list[str] = []
    for item in kb.aftercare.values():
        if item.regions and not (set(item.regions) & regions):
            continue
        if item.ingredients and not (set(item.ingredients) & set(codes)):
            continue
        if item.kind == "expect":
            text = item.text
            if periocular and item.periocular_hours:
                text += " " + kb.text(
                    "periocular_longer_plan", duration=duration(item.periocular_hours)
                )
            reactions.append(text)
        elif item.kind == "warning":
            warnings.append(item.text)
    reactions += [
        kb.ingredients[c].common_reactions for c in codes if kb.ingredients[c].common_reactions
    ]
    sources = sorted({*indication.sources, *(s for c in codes for s in kb.ingredients[c].sources)})
    return PlanSummary(
        title=f"Your treatment plan: {indication.patient_label}",
        what=f"A course of mesotherapy for {indication.patient_label.lower()}: small injections "
        "of the products listed below into the skin of the treated areas.",
        areas=[kb.body_areas[a].label for a in plan.areas if a in kb.body_areas],
        schedule=_schedule(plan),
        evidence_level=evidence_sentence(kb, indication.evidence_level),
        evidence=indication.patient_evidence,
        approved=indication.approved_products,
        ingredients=ingredients,
        reactions=reactions,
        warnings=warnings,
        sources=[f"{s} — {kb.sources[s].citation}" for s in sources if s in kb.sources],
    )


def summary_document(
    summary: PlanSummary, *, patient_name: str, clinic_name: str, knowledge_version: str
) -> Document:
    blocks = [
        Block("heading", "What will be done"),
        Block("paragraph", summary.what),
        Block(
            "rows",
            rows=[("Areas", ", ".join(summary.areas) or "—"), ("Sessions", summary.schedule)],
        ),
        Block("heading", "How good is the evidence?"),
        Block("paragraph", summary.evidence_level),
        Block("paragraph", summary.evidence),
    ]
    if summary.approved:
        blocks.append(Block("paragraph", f"Approved products: {summary.approved}"))
    blocks += [
        Block("heading", "The medicines in your mix"),
        Block(
            "bullets",
            items=[f"{name}: {note}" for name, note in summary.ingredients]
            or ["The mix has not been chosen yet."],
        ),
        Block("heading", "What to expect afterwards"),
        Block(
            "bullets", items=summary.reactions or ["Your clinician will explain what to expect."]
        ),
        Block("heading", "When to call the clinic"),
        Block("bullets", items=summary.warnings),
        Block("heading", "Sources"),
        Block("small", "; ".join(summary.sources)),
    ]
    return Document(
        title=summary.title,
        subtitle=f"{patient_name} · {clinic_name}",
        blocks=blocks,
        footer=f"mesodesk · knowledge {knowledge_version}",
    )


def plan_summary_pdf(plan: TreatmentPlan, kb: KnowledgeBase, clinic_name: str) -> bytes:
    """The patient-facing summary of a plan, rendered as PDF."""
    return render_pdf(
        summary_document(
            plan_summary(plan, kb),
            patient_name=plan.patient.full_name,
            clinic_name=clinic_name,
            knowledge_version=kb.version,
        )
    )
