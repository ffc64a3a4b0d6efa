"""The web app in Chromium: logging in, the pages' frame, the language, the session cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import log_in
from tests.web.site import Site


@pytest.mark.reads_only
def test_log_in_in_chromium_switch_to_french_and_log_out(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    page = log_in(browser, site, "claire")
    page.goto(f"{site.url}/t/lumen/journal")
    assert page.locator("h1").inner_text() == "Journal"
    assert page.locator("nav.sections a[aria-current=page]").inner_text() == "Journal"
    cookie = next(c for c in page.context.cookies() if c["name"] == "relance_session")
    assert cookie["secure"] and cookie["httpOnly"]  # Chromium keeps a Secure cookie on 127.0.0.1
    page.click("form.language button")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/t/lumen/journal")
    assert page.locator("nav.sections a").first.inner_text() == "Aujourd’hui"
    assert page.locator("html").get_attribute("lang") == "fr"
    page.screenshot(path=str(tmp_path / "journal-fr.png"), full_page=True)
    # the choice stays with the session across pages
    page.goto(f"{site.url}/t/lumen/journal")
    assert page.locator("h1").inner_text() == "Journal"
    assert "Se déconnecter" in page.content()
    page.click("text=Se déconnecter")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    page.context.close()


@pytest.mark.reads_only
def test_a_french_browser_gets_french_before_logging_in(browser: Any, site: Site) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.url}/t/lumen/journal")
    assert "/login?next=/t/lumen/journal" in page.url
    assert page.locator("h1").inner_text() == "Connexion à relance"
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.fill("input[name=login]", "victor")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/t/lumen/journal")  # back where the person was going
    assert "Lecteur" in page.locator(".who").inner_text()
    assert errors == []  # nothing refused by the Content-Security-Policy, no script error
    context.close()
