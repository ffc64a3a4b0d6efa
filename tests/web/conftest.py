"""Fixtures of the web app's tests: a demo store built once, a ``relance web`` process per
test over a copy of it, and Debian's Chromium driven by Playwright (never a browser
Playwright downloads: CI installs the ``chromium`` package, and a missing one fails)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.site import Site, build_demo, copy_demo, start_site


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("web") / "demo")


@pytest.fixture
def site(demo_template: Path, tmp_path: Path) -> Iterator[Site]:
    running = start_site(copy_demo(demo_template, tmp_path / "site"))
    try:
        yield running
    finally:
        running.close()


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is needed for the browser tests: apt-get install chromium")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


def log_in(browser: Any, site: Site, login: str, *, locale: str = "en-GB") -> Any:
    """A new browser context (its own cookies) logged in as ``login``; returns the page."""
    from tests.web.site import PASSWORD

    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{site.url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    return page
