"""Fixtures of the web app's tests: a demo store built once, a ``relance web`` process per
test over a copy of it (the next one started while a test runs), and Debian's Chromium
driven by Playwright (never a browser Playwright downloads: CI installs the ``chromium``
package, and a missing one fails).

A test marked ``reads_only`` (it looks, and whatever it posts is refused) gets instead the
one ``relance web`` such tests share, which saves starting a process per test; after it,
the store's trail, the tenants' actions, the accounts and the tenant files must be as they
were, or the test fails: it changed something and needs a site of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


class _NextSite:
    """The next test's ``relance web`` (over its own copy of the demo), started while the
    current test runs: its two seconds of start-up overlap the test's own waiting."""

    def __init__(self, template: Path, root: Path) -> None:
        self._template, self._root, self._count = template, root, 0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="next-site")
        self._next: Future[Site] | None = None

    def _start(self) -> Site:
        self._count += 1
        return start_site(copy_demo(self._template, self._root / f"site-{self._count}"))

    def take(self) -> Site:
        running = self._next.result() if self._next is not None else self._start()
        self._next = self._pool.submit(self._start)
        return running

    def close(self) -> None:
        if self._next is not None and self._next.exception() is None:
            self._next.result().close()
        self._pool.shutdown()


@pytest.fixture(scope="session")
def next_site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_NextSite]:
    sites = _NextSite(demo_template, tmp_path_factory.mktemp("sites"))
    try:
        yield sites
    finally:
        sites.close()


@pytest.fixture
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    if request.node.get_closest_marker("reads_only"):
        shared: Site = request.getfixturevalue("shared_site")
        before = _state_of(shared)
        yield shared
        assert _state_of(shared) == before, "this reads_only test changed the store"
        return
    running = request.getfixturevalue("next_site").take()
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
