"""The customers' screens in Chromium: a credit manager, in French, finds a customer, records
a call with a promise to pay; the plan moves past the promise and the timeline shows it.
Screenshots of the list and of a customer's page in both languages go to SHOTS (to look at)."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import log_in
from tests.web.site import Site

SHOTS = Path(os.environ.get("RELANCE_SHOTS", "/work/notes/shots"))
GRACE_DAYS = 2  # the demo's policy


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS if SHOTS.parent.is_dir() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"customers-{name}.png"), full_page=True)


def _errors(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    return found


def test_record_a_call_with_a_promise_in_french(browser: Any, site: Site, tmp_path: Path) -> None:
    page = log_in(browser, site, "claire", locale="fr-FR")
    errors = _errors(page)
    page.goto(f"{site.url}/t/lumen/customers")
    assert page.locator("h1").inner_text() == "Clients"
    assert page.locator("nav.sections a[aria-current=page]").inner_text() == "Clients"
    _shot(page, "list-fr", tmp_path)
    page.fill("input[name=q]", "vitalis")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("table.customers tbody tr").count() == 1
    page.click("table.customers tbody a")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Salle de Sport Vitalis"
    _shot(page, "page-fr", tmp_path)
    promised = date.today() + timedelta(days=9)
    form = page.locator("#do-promise form")
    form.locator("input[name=amount]").fill("2 000,50")
    form.locator("input[name=promised_on]").fill(promised.isoformat())
    form.locator("input[name=note]").fill("Promis par la gérante au téléphone")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("p.notice[role=status]").inner_text() == "Enregistré."
    next_on = page.locator("#next-step [data-next-on]").get_attribute("data-next-on")
    assert next_on and date.fromisoformat(next_on) > promised + timedelta(days=GRACE_DAYS)
    newest = page.locator("ol.timeline li").first
    assert "Promesse de paiement enregistrée" in newest.inner_text()
    assert "Promis par la gérante au téléphone" in newest.inner_text()
    assert "claire" in newest.inner_text()
    promise = page.locator("section.commitments li.promise").first.inner_text()
    assert "2\u202f000,50\u00a0€" in promise and "en cours" in promise
    assert errors == []
    page.context.close()


@pytest.mark.reads_only
def test_the_pages_in_english_and_a_message_as_it_went_out(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    page = log_in(browser, site, "claire")
    errors = _errors(page)
    page.goto(f"{site.url}/t/lumen/customers?sort=late")
    assert page.locator("th[aria-sort]").inner_text().lower().startswith("days late")
    _shot(page, "list-en", tmp_path)
    page.goto(f"{site.url}/t/lumen/customers/files:lumen:C003")
    _shot(page, "page-en", tmp_path)
    page.locator("ol.timeline a", has_text="Open what went out").first.click()
    page.wait_for_load_state("networkidle")
    frame = page.frame_locator("iframe.preview")
    assert re.search(r"\w", frame.locator("body").inner_text())  # the e-mail's HTML, shown
    assert page.locator("pre.text").inner_text().strip()
    _shot(page, "message-en", tmp_path)
    assert errors == []
    page.context.close()


@pytest.mark.reads_only
def test_a_viewer_has_no_action_buttons(browser: Any, site: Site) -> None:
    page = log_in(browser, site, "victor")
    page.goto(f"{site.url}/t/lumen/customers/files:lumen:C005")
    assert page.locator("h1").inner_text() == "Restaurant Le Bouchon Doré"
    assert page.locator("aside.customer-actions").count() == 0
    assert page.locator("main form[method=post]").count() == 0
    page.context.close()
