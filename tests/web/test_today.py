"""The Today page end to end: the day's queue, a notice's preview, approving, the relay
receiving the approved e-mail exactly once, a viewer who cannot approve, an edit that goes
out as edited — against a real ``relance web``, a real store and a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from connector.store import ActionStatus, EventType
from tests.policies import always_open_policy
from tests.smtp_server import SmtpServer
from tests.web.conftest import log_in
from tests.web.site import DEMO_TENANT, Site, copy_demo, start_site
from tests.web.test_today_browser import shot


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def reviewed_site(demo_template: Path, tmp_path: Path, relay: SmtpServer) -> Iterator[Site]:
    """The demo with a real relay, a send window always open, and reminders that wait for
    approval too; one run records today's actions (e-mails included) as awaiting approval."""
    folder = copy_demo(demo_template, tmp_path / "site")
    policy = always_open_policy(folder)
    text = policy.read_text(encoding="utf-8")
    old = 'approval = ["notice", "escalation"]'
    assert old in text
    policy.write_text(
        text.replace(old, 'approval = ["courtesy", "reminder", "notice", "escalation"]')
    )
    tenant_file = folder / "tenants" / f"{DEMO_TENANT}.toml"
    tenant_file.write_text(
        tenant_file.read_text().replace(
            'language = "fr"\n', f'language = "fr"\npolicy = "{policy}"\n', 1
        )
    )
    settings = folder / "relance.toml"
    settings.write_text(
        settings.read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\nsecurity = "none"\ntimeout = 5\n'
    )
    running = start_site(folder)
    try:
        done = running.relance("--tenant", DEMO_TENANT, "run")
        assert done.returncode in (0, 10), done.stderr
        assert relay.messages == []  # every e-mail of the day waits for a person
        yield running
    finally:
        running.close()


def _waiting_email(site: Site) -> str:
    with site.store() as store:
        waiting = store.awaiting_approval(DEMO_TENANT)
    emails = [r.key for r in waiting if r.channel.value == "email"]
    assert emails, [r.key for r in waiting]
    return emails[0]


def _waiting_notice(site: Site) -> str:
    with site.store() as store:
        waiting = store.awaiting_approval(DEMO_TENANT)
    notices = [r.key for r in waiting if r.step == "formal_notice"]
    assert notices, [r.key for r in waiting]
    return notices[0]


def test_approve_in_the_browser_and_the_relay_receives_it_once(
    browser: Any, reviewed_site: Site, relay: SmtpServer, tmp_path: Path
) -> None:
    site = reviewed_site
    page = log_in(browser, site, "claire")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site.url}/t/{DEMO_TENANT}/today")
    assert page.locator("h1").inner_text().startswith("Today")
    assert page.locator("#waiting table tbody tr").count() > 0
    # a notice's preview: the letter as it will be printed
    notice = _waiting_notice(site)
    page.goto(f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}/preview")
    assert "Formal notice" in page.locator("h1").inner_text()
    pdf = page.request.get(
        f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}/letter.pdf"
    )
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # an e-mail waiting for approval: its preview, then Approve
    key = _waiting_email(site)
    page.goto(f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}/preview")
    subject = page.locator("#subject").inner_text()
    assert subject
    assert page.locator("iframe.preview").get_attribute("sandbox") == ""
    assert page.frame_locator("iframe.preview").locator("body").inner_text().strip()
    html = page.request.get(
        f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}/message.html"
    )
    policy = html.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script" not in policy
    shot(page, "email-en", tmp_path)
    page.click("#approve")
    page.wait_for_load_state("networkidle")
    assert "approved by claire" in page.content()
    with site.store() as store:
        record = store.action(DEMO_TENANT, key)
        assert record.status is ActionStatus.PLANNED and record.details["approved_by"] == "claire"
        assert any(
            e.kind is EventType.ACTION_APPROVED and e.payload.get("by") == "claire"
            for e in store.journal(DEMO_TENANT, limit=50)
        )
    for _ in range(2):  # the next run sends it; the one after sends it no more
        done = site.relance("--tenant", DEMO_TENANT, "run")
        assert done.returncode in (0, 10), done.stderr
    received = [
        email.message_from_bytes(m.data, policy=email.policy.default) for m in relay.messages
    ]
    assert len(received) == 1, [m["Subject"] for m in received]
    assert str(received[0]["Subject"]) == subject
    assert errors == [], errors
    page.context.close()


def test_a_viewer_sees_no_button_and_a_forged_approval_changes_nothing(
    browser: Any, reviewed_site: Site, tmp_path: Path
) -> None:
    site = reviewed_site
    key = _waiting_email(site)
    page = log_in(browser, site, "victor", locale="fr-FR")
    page.goto(f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}/preview")
    assert page.locator("#subject").inner_text()
    assert page.locator("#approve").count() == 0
    assert page.locator("form[action$='/edit']").count() == 0
    shot(page, "email-fr", tmp_path)
    page.goto(f"{site.url}/t/{DEMO_TENANT}/today")
    assert page.locator("#waiting table tbody tr").count() > 0
    assert page.locator("#approve-selection, [data-approve]").count() == 0
    page.context.close()
    victor = site.client("victor")
    forged = victor.post(
        f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}/approve",
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert forged.status_code == 403
    with site.store() as store:
        assert store.action(DEMO_TENANT, key).status is ActionStatus.AWAITING_APPROVAL


def test_an_edited_message_goes_out_as_edited_and_the_journal_says_who(
    reviewed_site: Site, relay: SmtpServer
) -> None:
    site = reviewed_site
    key = _waiting_email(site)
    claire = site.client("claire")
    base = f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}"
    edited = claire.post(
        f"{base}/edit",
        data={"subject": "Factures en retard — merci de nous appeler",
              "text": "Madame, Monsieur,\n\nMerci de nous appeler au sujet de vos factures."},
        allow_redirects=False, timeout=60,
    )  # fmt: skip
    assert edited.status_code == 303, edited.text
    shown = claire.get(f"{base}/preview", timeout=60).text
    assert "Merci de nous appeler au sujet de vos factures." in shown
    assert "Text edited by claire" in shown
    assert claire.post(f"{base}/approve", allow_redirects=False, timeout=60).status_code == 303
    done = site.relance("--tenant", DEMO_TENANT, "run")
    assert done.returncode in (0, 10), done.stderr
    received = [
        email.message_from_bytes(m.data, policy=email.policy.default) for m in relay.messages
    ]
    assert len(received) == 1
    body = received[0].get_body(preferencelist=("plain",))
    assert (
        body is not None and "Merci de nous appeler au sujet de vos factures." in body.get_content()
    )
    with site.store() as store:
        edits = [
            e for e in store.journal(DEMO_TENANT, limit=100) if e.kind is EventType.MESSAGE_EDITED
        ]
    assert edits and edits[0].payload.get("by") == "claire"


@pytest.mark.reads_only
def test_the_queue_lists_what_waits_and_the_coming_days(site: Site) -> None:
    claire = site.client("claire")
    today = claire.get(f"{site.url}/t/{DEMO_TENANT}/today", timeout=60)
    assert today.status_code == 200
    assert "Waiting for your approval" in today.text
    assert re.search(r"Planned for today and the next 7 days", today.text)
    keys = set(re.findall(r'/t/lumen/actions/([^"?/]+)/preview"', today.text))
    assert keys
    for key in list(keys)[:5]:  # each preview opens (recorded or only planned)
        shown = claire.get(f"{site.url}/t/{DEMO_TENANT}/actions/{key}/preview", timeout=60)
        assert shown.status_code == 200
