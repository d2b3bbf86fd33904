"""The consent text: assembled from the knowledge base, the plan and the clinic's template.

Deterministic: the same plan, template and knowledge give the same text and the same
SHA-256, which is what the patient signs and what the PDF freezes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mesodesk.consent.models import ConsentTemplate
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_ingredients
from mesodesk.treatments.summary import evidence_sentence, patient_regulatory_note, plan_summary


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    key: str
    text: str


@dataclass(frozen=True)
class ConsentDocument:
    title: str
    sections: tuple[Section, ...]
    statements: tuple[Statement, ...]
    photo_question: str

    @property
    def text(self) -> str:
        lines = [self.title, ""]
        for section in self.sections:
            lines.append(section.heading.upper())
            lines.extend(section.paragraphs)
            lines.extend(f"- {bullet}" for bullet in section.bullets)
            lines.append("")
        lines.append("STATEMENTS")
        lines.extend(f"- {s.text}" for s in self.statements)
        lines.append("")
        lines.append(f"PHOTOGRAPHS (separate choice): {self.photo_question}")
        return "\n".join(lines)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _mix(plan: TreatmentPlan, kb: KnowledgeBase) -> list[str]:
    rows = []
    for line in plan.lines.all():
        parts = ", ".join(
            f"{c.ingredient.name} {c.amount.normalize():f} {c.unit}"
            for c in line.product.components.all()
        )
        known = kb.body_areas.get(line.area) if line.area else None
        area = f" ({known.label if known else line.area})" if line.area else ""
        rows.append(
            f"{line.product.name}: {line.volume_ml.normalize():f} mL per session{area} — {parts}"
        )
    return rows


def consent_document(
    plan: TreatmentPlan, template: ConsentTemplate, kb: KnowledgeBase
) -> ConsentDocument:
    summary = plan_summary(plan, kb)
    indication = kb.indications[plan.indication]
    codes = set(plan_ingredients(plan))
    off_label = [
        kb.ingredients[c]
        for c in sorted(codes)
        if kb.ingredients[c].off_label or kb.ingredients[c].flags
    ]
    serious = [
        term.patient_text or term.label
        for term in kb.adverse_event_terms.values()
        if term.category in ("serious", "delayed")
        and (not term.ingredients or codes & set(term.ingredients))
    ]
    weeks = kb.setting("delayed_infection_watch_weeks")
    sections = [
        Section(
            "The procedure",
            paragraphs=tuple(
                p
                for p in (
                    template.introduction,
                    kb.text("mesotherapy_definition"),
                    f"Treatment of {indication.patient_label.lower()}: {', '.join(summary.areas)}. "
                    f"{summary.schedule}",
                )
                if p
            ),
            bullets=tuple(_mix(plan, kb)),
        ),
        Section(
            "Approval and off-label use",
            paragraphs=(kb.text("mesotherapy_not_approved"),)
            if off_label
            else tuple(p for p in (indication.approved_products,) if p),
            bullets=tuple(f"{i.name}: {patient_regulatory_note(kb, i)}" for i in off_label),
        ),
        Section(
            "How good is the evidence",
            paragraphs=(
                evidence_sentence(kb, indication.evidence_level),
                indication.patient_evidence,
            ),
        ),
        Section("Common reactions", bullets=tuple(summary.reactions)),
        Section(
            "Serious risks",
            paragraphs=(kb.text("delayed_infection_tell", weeks=weeks),),
            bullets=tuple(serious),
        ),
        Section(
            "Alternatives",
            paragraphs=tuple(p for p in (template.alternatives, indication.approved_products) if p),
        ),
        Section("Your right to withdraw", paragraphs=(template.withdrawal_text,)),
    ]
    statements = [
        Statement(
            "procedure",
            "I have read what will be done, in which areas, how often, and "
            "which medicines are in the mix.",
        ),
    ]
    if off_label:
        statements.append(
            Statement("off_label", "I understand that medicines in my mix are used off-label.")
        )
    statements += [
        Statement(
            "risks",
            "I understand the common reactions and the serious risks, including "
            "infection that can appear weeks later.",
        ),
        Statement(
            "evidence",
            "I understand how strong (or weak) the evidence for this "
            "treatment is, and that results are not guaranteed.",
        ),
        Statement(
            "alternatives", "I have been told about the alternatives, including no treatment."
        ),
        Statement("withdraw", "I know I can withdraw my consent at any time."),
    ]
    statements += [
        Statement(f"clinic_{i + 1}", str(text))
        for i, text in enumerate(template.extra_statements or [])
    ]
    return ConsentDocument(
        title=template.title,
        sections=tuple(sections),
        statements=tuple(statements),
        photo_question=template.photo_text,
    )
