"""Browser journeys in a real headless Chromium (Debian's /usr/bin/chromium via Playwright).

`make test` skips them with a clear message when no browser is installed; CI sets
MESODESK_REQUIRE_BROWSER=1 so a missing browser fails instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("MESODESK_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Browser journeys are required but {CHROMIUM} does not exist.")
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: browser journeys skipped "
        "(apt-get install chromium, or run .ci/run)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
    # test's own database calls as "async-unsafe" while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: object) -> Iterator[object]:
    """Opens pages in fresh contexts (separate cookies), as different people would."""
    contexts = []

    def make() -> object:
        context = browser.new_context(viewport={"width": 1024, "height": 900})  # type: ignore[attr-defined]
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    yield make
    for context in contexts:
        # Let requests still in flight (an HTMX panel loading) finish before the test's
        # database is flushed: on PostgreSQL a live-server request holding a row lock would
        # deadlock with the flush's TRUNCATE.
        for page in context.pages:
            with contextlib.suppress(PlaywrightTimeout):  # a page that never idles: close it
                page.wait_for_load_state("networkidle", timeout=10_000)
        context.close()
