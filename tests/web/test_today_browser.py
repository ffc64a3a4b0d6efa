"""The Today page in Chromium on the demo as ``relance demo`` leaves it: its last week's formal
notice waits for approval; claire sees the day's queue, opens the notice's preview (the
letter's PDF), approves it, and the next run — with a real SMTP relay configured — prepares
the letter exactly once, twice run. In French: an approval in place (htmx), a held action
released from the page. Screenshots of the page and of a preview in both languages go to
SHOTS (to look at)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pypdf
import pytest

from connector.store import ActionStatus, EventType
from tests.smtp_server import SmtpServer
from tests.web.conftest import log_in
from tests.web.site import DEMO_TENANT, Site

SHOTS = Path(os.environ.get("RELANCE_SHOTS", "/work/notes/shots"))


def shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS if SHOTS.parent.is_dir() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"today-{name}.png"), full_page=True)


def _errors(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    return found


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


def _the_demos_notice(site: Site) -> str:
    """The formal notice the demo leaves waiting for the person trying it."""
    with site.store() as store:
        waiting = store.awaiting_approval(DEMO_TENANT)
    notices = [r.key for r in waiting if r.step == "formal_notice"]
    assert len(notices) == 1, [r.key for r in waiting]
    return notices[0]


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _letters_of(site: Site, key: str) -> list[Path]:
    """The letter PDFs the runs prepared for ``key`` (named after the key)."""
    stem = "".join(c if c.isalnum() or c in "-." else "_" for c in key)
    return sorted((site.folder / "outbox" / "letters").glob(f"*/{stem}*.pdf"))


def test_approve_the_demos_notice_and_the_next_runs_prepare_its_letter_once(
    browser: Any, site: Site, relay: SmtpServer, tmp_path: Path
) -> None:
    notice = _the_demos_notice(site)
    page = log_in(browser, site, "claire")
    errors = _errors(page)
    page.goto(f"{site.url}/t/{DEMO_TENANT}")  # a tenant's landing page is Today
    assert page.url.endswith(f"/t/{DEMO_TENANT}/today")
    assert page.locator("h1").inner_text().startswith("Today")
    row = page.locator(f"#waiting tr:has([data-approve='{notice}'])")
    assert row.count() == 1
    assert "Formal notice" in row.inner_text() and "€785.23" in row.inner_text()
    shot(page, "en", tmp_path)
    row.locator("a", has_text="Formal notice").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/actions/{quote(notice, safe='')}/preview")
    assert "Formal notice" in page.locator("h1").inner_text()
    frame = page.locator("iframe.preview")
    assert frame.get_attribute("src", timeout=5000).endswith("/letter.pdf")
    pdf = page.request.get(site.url + frame.get_attribute("src"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    previewed = _text(pdf.body())
    shot(page, "notice-en", tmp_path)
    page.click("#approve")
    page.wait_for_load_state("networkidle")
    assert "approved by claire: goes out at the next run" in page.locator("main").inner_text()
    assert page.locator("#approve").count() == 0
    assert errors == [], errors
    page.context.close()
    with site.store() as store:
        record = store.action(DEMO_TENANT, notice)
        assert record.status is ActionStatus.PLANNED and record.details["approved_by"] == "claire"
    # the site's settings get a real relay; the next runs carry the approved notice out once
    settings = site.folder / "relance.toml"
    settings.write_text(
        settings.read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\nsecurity = "none"\ntimeout = 5\n'
    )
    assert _letters_of(site, notice) == []
    for _ in range(2):
        done = site.relance("--tenant", DEMO_TENANT, "run")
        assert done.returncode in (0, 10), done.stderr
        assert len(_letters_of(site, notice)) == 1, _letters_of(site, notice)
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).status is ActionStatus.PREPARED
    # the letter prepared is the one the preview showed, word for word (dated the run's day)
    prepared = _text(_letters_of(site, notice)[0].read_bytes())
    for shown, sent in zip(previewed, prepared, strict=True):
        assert shown.splitlines() == sent.splitlines()
    # a letter: nothing about it went through the relay
    assert not any(b"F-0153" in m.data for m in relay.messages)


def test_in_french_approve_in_place_and_release_a_held_action(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    notice = _the_demos_notice(site)
    page = log_in(browser, site, "claire", locale="fr-FR")
    errors = _errors(page)
    page.goto(f"{site.url}/t/{DEMO_TENANT}/today")
    assert page.locator("h1").inner_text().startswith("Aujourd’hui")
    shot(page, "fr", tmp_path)
    page.click(f"[data-approve='{notice}']")  # htmx: the row changes in place
    page.wait_for_selector("#waiting tr.decided")
    assert "approuvé par claire" in page.locator("#waiting tr.decided").inner_text()
    assert page.url.endswith("/today")
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).details["approved_by"] == "claire"
        # the run that carried it crashed while sending: the outcome is unknown, it is held
        store.mark_sending(DEMO_TENANT, notice)
        assert [r.key for r in store.hold_unknown_outcomes(DEMO_TENANT)] == [notice]
    page.goto(f"{site.url}/t/{DEMO_TENANT}/today")
    held = page.locator("#attention tr", has_text="Mise en demeure")
    assert held.count() == 1
    assert "Vérifiez" in held.inner_text()
    page.on("dialog", lambda dialog: dialog.accept())  # « only if you checked »
    held.locator("button", has_text="Libérer").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/today?done=released")
    assert "Libérée" in page.locator("p.notice").inner_text()
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).status is ActionStatus.PLANNED
        released = [
            e for e in store.journal(DEMO_TENANT, limit=20) if e.kind is EventType.ACTION_RELEASED
        ]
    assert released and released[0].payload.get("by") == "claire"
    page.goto(f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}/preview")
    assert "Mise en demeure" in page.locator("h1").inner_text()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the PDF viewer draws the letter after the page has loaded
    shot(page, "notice-fr", tmp_path)
    assert errors == [], errors
    page.context.close()


@pytest.mark.reads_only
def test_a_viewer_approves_nothing_from_the_today_page(site: Site) -> None:
    notice = _the_demos_notice(site)
    victor = site.client("victor")
    today = victor.get(f"{site.url}/t/{DEMO_TENANT}/today", timeout=60)
    assert today.status_code == 200
    assert "Domaine Viticole Chanrion" in today.text  # the notice's customer, listed
    assert quote(notice, safe="/") + "/preview" in today.text  # and its preview
    assert "data-approve" not in today.text and "approve-selection" not in today.text
    base = f"{site.url}/t/{DEMO_TENANT}"
    for url in (f"{base}/today/approve", f"{base}/actions/{quote(notice, safe='')}/approve"):
        forged = victor.post(url, data={"action": notice}, allow_redirects=False, timeout=30)
        assert forged.status_code == 403
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).status is ActionStatus.AWAITING_APPROVAL


def test_cancel_from_the_today_page_names_the_person(site: Site) -> None:
    notice = _the_demos_notice(site)
    claire = site.client("claire")
    cancelled = claire.post(
        f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}/cancel",
        data={"reason": "paid by cheque", "back": "today"},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"/t/{DEMO_TENANT}/today?done=cancelled"
    with site.store() as store:
        record = store.action(DEMO_TENANT, notice)
        assert record.status is ActionStatus.CANCELLED and record.error == "paid by cheque"
        events = [
            e for e in store.journal(DEMO_TENANT, limit=20) if e.kind is EventType.ACTION_CANCELLED
        ]
    assert events and events[0].payload.get("by") == "claire"
    page = claire.get(f"{site.url}/t/{DEMO_TENANT}/today?done=cancelled", timeout=60).text
    assert "Cancelled: it will not go out." in page
    assert f"data-approve='{notice}'" not in page and f'data-approve="{notice}"' not in page
    # wanted after all: released from its page, it is planned again (the next run sends it
    # through the approval a notice needs, with that day's figures)
    claire.headers["Accept-Language"] = "fr"
    action_page = f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}"
    shown = claire.get(f"{action_page}/preview", timeout=60).text
    assert "Libérer\u00a0: l’envoyer malgré tout" in shown
    released = claire.post(f"{action_page}/release", allow_redirects=False, timeout=30)
    assert released.status_code == 303
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).status is ActionStatus.PLANNED
