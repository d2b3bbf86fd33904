"""Page numbers from users: bounded, so a huge `page` can never overflow an SQL OFFSET."""

from __future__ import annotations

from collections.abc import Mapping

# No list in a clinic reaches 10,000 pages; beyond it a page is simply empty.
MAX_PAGE = 10_000


def clamp_page(page: int) -> int:
    """`page` within 1..MAX_PAGE (selectors use it so no caller can overflow the OFFSET)."""
    return min(max(1, page), MAX_PAGE)


def page_from_query(query: Mapping[str, str]) -> int:
    """The `page` query parameter of a list page; anything unreadable is the first page."""
    raw = query.get("page", "1").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return MAX_PAGE if len(raw) > len(str(MAX_PAGE)) else clamp_page(int(raw))
