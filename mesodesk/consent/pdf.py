"""The frozen PDF copy of a signed consent: the exact text, the signature, who and when."""

from __future__ import annotations

from mesodesk.consent.models import Consent
from mesodesk.core.pdf import Block, Document, render_pdf


def consent_pdf(consent: Consent, *, clinic_name: str) -> bytes:
    """The signed text line by line, word for word (section headings are the text's own
    upper-case lines, only set in heading type), then the signatures."""
    title, _, body = consent.rendered_text.partition("\n")
    blocks: list[Block] = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        heading = line.isupper() and any(ch.isalpha() for ch in line)
        blocks.append(Block("heading" if heading else "paragraph", line))
    ticked = len(consent.accepted)
    accepted = f"all {ticked} statements above" if ticked else "none"
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
            ],
        ),
        Block("image", image_png=bytes(consent.signature_png), image_width_mm=70),
    ]
    return render_pdf(
        Document(
            title=title,
            subtitle=f"{consent.patient.full_name} · {clinic_name}",
            blocks=blocks,
            # Identifiers for staff checking the record copy, kept to the footer.
            footer=f"mesodesk consent {consent.pk} · text SHA-256 {consent.text_sha256} · "
            f"knowledge {consent.knowledge_version}",
        )
    )
