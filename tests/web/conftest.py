"""Fixtures of the web app's tests: a demo store built once, a ``relance web`` process per
test over a copy of it, and Debian's Chromium driven by Playwright (never a browser
Playwright downloads: CI installs the ``chromium`` package, and a missing one fails).

A test marked ``reads_only`` (it looks, and whatever it posts is refused) gets instead the
one ``relance web`` such tests share, which saves starting a process per test; after it,
the store's trail, the tenants' actions, the accounts and the tenant files must be as they
were, or the test fails: it changed something and needs a site of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo_built import BuiltDemo
from tests.web.site import DEMO_TENANT, RIVAL, Site, add_rival_and_people, copy_demo, start_site


@pytest.fixture(scope="session")
def demo_template(demo_built: BuiltDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo with the rival tenant and the test accounts beside it."""
    return add_rival_and_people(
        copy_demo(demo_built.folder, tmp_path_factory.mktemp("web") / "demo")
    )


@pytest.fixture(scope="session")
def shared_site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = start_site(copy_demo(demo_template, tmp_path_factory.mktemp("web") / "shared"))
    try:
        yield running
    finally:
        running.close()


def _state_of(site: Site) -> tuple[object, ...]:
    """What a test that only reads leaves as it found it."""
    with site.store() as store:
        trail = tuple(tuple(e.id for e in store.journal(t, limit=1)) for t in (DEMO_TENANT, RIVAL))
        actions = tuple(sorted((a.key, a.status.value) for a in store.actions(DEMO_TENANT)))
        people = tuple((p.login, tuple(sorted(p.roles.items()))) for p in store.people())
    files = tuple(
        (f.name, f.read_bytes()) for f in sorted((site.folder / "tenants").glob("*.toml"))
    )
    return trail, actions, people, files


@pytest.fixture
def site(request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path) -> Iterator[Site]:
    if request.node.get_closest_marker("reads_only"):
        shared: Site = request.getfixturevalue("shared_site")
        before = _state_of(shared)
        yield shared
        assert _state_of(shared) == before, "this reads_only test changed the store"
        return
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
