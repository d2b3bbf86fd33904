"""Rendering documents to PDF with reportlab (pure wheels: no system libraries needed).

A document is a title and a list of blocks (headings, paragraphs, bullet lists, key/value
rows); `render_pdf` lays them out on A4 with the Vera fonts shipped inside reportlab, so any
text the app produces renders the same on every machine.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
# Glyphs the Vera fonts lack, and what to print instead.
FALLBACKS = {"→": "->", "←": "<-", "≈": "~", "✓": "v"}


@dataclass(frozen=True)
class Block:
    kind: Literal["heading", "paragraph", "bullets", "rows", "image", "small"]
    text: str = ""
    items: Sequence[str] = ()
    rows: Sequence[tuple[str, str]] = ()
    image_png: bytes = b""
    image_width_mm: float = 70


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str = ""
    blocks: Sequence[Block] = field(default_factory=tuple)
    footer: str = ""


@functools.cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("Vera", str(FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("Vera-Bold", str(FONT_DIR / "VeraBd.ttf")))
    return "Vera", "Vera-Bold"


def _text(value: str) -> str:
    for char, replacement in FALLBACKS.items():
        value = value.replace(char, replacement)
    return escape(value).replace("\n", "<br/>")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, spaceAfter=4),
        "subtitle": ParagraphStyle(
            "subtitle",
            fontName=regular,
            fontSize=10,
            leading=13,
            textColor=colors.HexColor("#5b6675"),
            spaceAfter=8,
        ),
        "heading": ParagraphStyle(
            "heading",
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#1f6f78"),
        ),
        "body": ParagraphStyle(
            "body", fontName=regular, fontSize=10, leading=13.5, alignment=TA_LEFT, spaceAfter=4
        ),
        "small": ParagraphStyle(
            "small", fontName=regular, fontSize=8, leading=10, textColor=colors.HexColor("#5b6675")
        ),
    }


def _flowables(block: Block, styles: dict[str, ParagraphStyle]) -> list[object]:
    if block.kind == "heading":
        return [Paragraph(_text(block.text), styles["heading"])]
    if block.kind in ("paragraph", "small"):
        style = styles["small" if block.kind == "small" else "body"]
        return [Paragraph(_text(block.text), style)]
    if block.kind == "bullets":
        return [
            ListFlowable(
                [
                    ListItem(Paragraph(_text(item), styles["body"]), leftIndent=10)
                    for item in block.items
                ],
                bulletType="bullet",
                start="•",
                leftIndent=10,
                bulletFontName=_fonts()[0],
            )
        ]
    if block.kind == "rows":
        data = [
            [Paragraph(_text(k), styles["small"]), Paragraph(_text(v), styles["body"])]
            for k, v in block.rows
        ]
        table = Table(data, colWidths=[45 * mm, 125 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d9dee5")),
                ]
            )
        )
        return [table, Spacer(1, 4)]
    if block.kind == "image" and block.image_png:
        image = Image(io.BytesIO(block.image_png))
        ratio = image.imageHeight / image.imageWidth if image.imageWidth else 0.4
        image.drawWidth = block.image_width_mm * mm
        image.drawHeight = block.image_width_mm * mm * ratio
        image.hAlign = "LEFT"
        return [image, Spacer(1, 4)]
    return []


def render_pdf(document: Document) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author="mesodesk",
    )
    story: list[object] = [Paragraph(_text(document.title), styles["title"])]
    if document.subtitle:
        story.append(Paragraph(_text(document.subtitle), styles["subtitle"]))
    for block in document.blocks:
        story.extend(_flowables(block, styles))
    footer = document.footer

    def on_page(canvas: object, doc: object) -> None:
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont(_fonts()[0], 7.5)  # type: ignore[attr-defined]
        canvas.setFillColor(colors.HexColor("#5b6675"))  # type: ignore[attr-defined]
        page = canvas.getPageNumber()  # type: ignore[attr-defined]
        text = _text(f"{footer} — page {page}" if footer else f"page {page}")
        canvas.drawString(20 * mm, 10 * mm, text.replace("&amp;", "&"))  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
