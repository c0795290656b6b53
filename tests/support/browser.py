"""Headless Chromium for the page tests: Debian's chromium driven by Playwright (the
browser Playwright would download cannot be fetched here). Tests that need it skip, with
the reason, when either is missing; `.ci/run` installs chromium with apt.

Screenshots go to tests/artifacts/screens/ (git-ignored), one per screen a test visits."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENS = Path(__file__).resolve().parent.parent / "artifacts" / "screens"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; or set CHROMIUM_PATH)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
async def browser_page() -> AsyncIterator[Page]:  # noqa: F821
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            await browser.close()


async def screenshot(page, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page, base_url: str, screen: str, credential: str) -> None:
    """Opens a screen, is sent to the sign-in page, signs in, lands on the screen."""
    await page.goto(f"{base_url}{screen}")
    assert "/app/login" in page.url, page.url
    await page.fill("#api_key", credential)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}{screen}*")


async def expect_url(page, pattern: str) -> None:
    """Waits for the page to reach `pattern`; on a timeout, says what the page shows."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_url(pattern)
    except PlaywrightTimeout:
        text = await page.inner_text("body")
        main = await page.inner_text("main") if await page.locator("main").count() else text
        raise AssertionError(f"expected {pattern}, the page is {page.url}: {main[:600]}") from None
