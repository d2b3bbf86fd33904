"""The frozen PDF copy of a signed consent: the exact text, the signature, who and when."""

from __future__ import annotations

from mesodesk.consent.models import Consent
from mesodesk.core.pdf import Block, Document, render_pdf


def consent_pdf(consent: Consent, *, clinic_name: str) -> bytes:
    blocks: list[Block] = []
    for chunk in consent.rendered_text.split("\n\n"):
        lines = chunk.split("\n")
        if not lines or not lines[0]:
            continue
        heading, *rest = lines
        blocks.append(Block("heading", heading.title() if heading.isupper() else heading))
        bullets = [line[2:] for line in rest if line.startswith("- ")]
        for line in rest:
            if not line.startswith("- "):
                blocks.append(Block("paragraph", line))
        if bullets:
            blocks.append(Block("bullets", items=bullets))
    accepted = ", ".join(consent.accepted)
    blocks += [
        Block("heading", "Signatures"),
        Block(
            "rows",
            rows=[
                ("Patient", f"{consent.signer_name}, {consent.signed_at:%Y-%m-%d %H:%M} UTC"),
                ("Statements ticked", accepted),
                ("Photographs", "agreed" if consent.photo_consent else "refused"),
                ("Presented by", str(consent.presented_by)),
                (
                    "Countersigned by",
                    f"{consent.countersigned_by}, {consent.countersigned_at:%Y-%m-%d %H:%M} UTC"
                    if consent.countersigned_at
                    else "—",
                ),
                ("Text SHA-256", consent.text_sha256),
            ],
        ),
        Block("image", image_png=bytes(consent.signature_png), image_width_mm=70),
    ]
    return render_pdf(
        Document(
            title=consent.rendered_text.split("\n", 1)[0],
            subtitle=f"{consent.patient.full_name} · {clinic_name}",
            blocks=blocks,
            footer=f"mesodesk consent {consent.pk} · knowledge {consent.knowledge_version}",
        )
    )
