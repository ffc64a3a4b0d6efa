"""Settings over HTTP against a real ``relance web``: who may read and change them, the
identity saved into the tenant file (a bad value refused by its field, comments kept), the
policy copied from the default before its first change, users added and the last manager
kept, the rate tables' update failing clearly offline, and OAuth from the browser's side
against the QuickBooks emulator (its consent page redirects to the web app's callback)."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from connector.cli._context import AppState
from connector.cli.daemon_cmd import _Tenants
from connector.clock import FrozenClock
from connector.model import Platform
from connector.oauth import TokenVault, load_fernet
from connector.settings import load_settings, load_tenant_config
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState
from tests.web.site import DEMO_TENANT, Site, copy_demo, start_site, with_company

SETTINGS = f"/t/{DEMO_TENANT}/settings"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _identity_form(site: Site, http: requests.Session) -> dict[str, str]:
    page = http.get(f"{site.url}{SETTINGS}/identity", timeout=10).text
    fields = dict(
        re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="[a-z]+" value="([^"]*)"', page)
    )
    lines = re.search(r'name="address_lines"[^>]*>([^<]*)</textarea>', page)
    assert lines
    fields["address_lines"] = lines.group(1)
    return fields


@pytest.mark.reads_only
def test_every_section_reads_for_a_viewer_without_a_form_and_refuses_their_post(
    site: Site,
) -> None:
    victor = site.client("victor")
    for section in ("identity", "policy", "connection", "rates", "users"):
        page = victor.get(f"{site.url}{SETTINGS}/{section}", timeout=30)
        assert page.status_code == 200, section
        assert "Only a manager of this company can change these settings." in page.text
        assert 'type="submit" class="primary"' not in page.text, section
    for path in ("identity", "policy", "rates/update", "users", "users/role",
                 "connection/authorize", "connection/key", "identity/sample-email"):  # fmt: skip
        answer = victor.post(f"{site.url}{SETTINGS}/{path}", data={"name": "X"}, timeout=30)
        assert answer.status_code == 403, path
    # another company's manager: as if there were no such company
    rita = site.client("rita")
    assert rita.get(f"{site.url}{SETTINGS}/identity", timeout=10).status_code == 404
    assert rita.post(f"{site.url}{SETTINGS}/identity", data={}, timeout=10).status_code == 404
    # a POST without the CSRF token changes nothing
    claire = site.client("claire")
    bare = requests.post(
        f"{site.url}{SETTINGS}/identity",
        data={"name": "Forged"},
        headers={"Cookie": claire.headers["Cookie"]},
        timeout=10,
    )
    assert bare.status_code == 403
    assert "Forged" not in (site.folder / "tenants" / "lumen.toml").read_text()


def test_the_identity_is_saved_in_the_tenant_file_and_a_bad_value_stays_by_its_field(
    site: Site,
) -> None:
    tenant_file = site.folder / "tenants" / "lumen.toml"
    tenant_file.write_text(
        "# kept: a comment of the person who wrote this file\n" + tenant_file.read_text()
    )
    before = tenant_file.read_text()
    claire = site.client("claire")
    form = _identity_form(site, claire)
    assert form["name"] == "Atelier Lumen" and form["city"] == "Lyon"
    refused = claire.post(
        f"{site.url}{SETTINGS}/identity", data={**form, "email": "not an address"}, timeout=30
    )
    assert refused.status_code == 400
    assert re.search(r'id="f-email"[^>]*aria-invalid="true"', refused.text)
    assert "one e-mail address" in refused.text
    assert tenant_file.read_text() == before  # nothing written
    # the preview of typed values renders through the real letter code
    preview = claire.post(
        f"{site.url}{SETTINGS}/identity/sample-email",
        data={**form, "name": "Lumen Ateliers Réunis"},
        timeout=30,
    )
    assert preview.status_code == 200 and "Lumen Ateliers Réunis" in preview.text
    assert "sandbox" in preview.headers["content-security-policy"]
    saved = claire.post(
        f"{site.url}{SETTINGS}/identity",
        data={**form, "name": "Lumen Ateliers Réunis", "city": "Villeurbanne",
              "postal_code": "69100", "iban": "FR76 3000 6000 0112 3456 7890 189"},
        allow_redirects=False,
        timeout=30,
    )  # fmt: skip
    assert saved.status_code == 303
    assert "Saved" in claire.get(site.url + saved.headers["location"], timeout=10).text
    text = tenant_file.read_text()
    assert text.startswith("# kept: a comment")
    config = load_tenant_config(tenant_file)
    assert config.creditor.name == "Lumen Ateliers Réunis"
    assert config.creditor.address is not None and config.creditor.address.city == "Villeurbanne"
    assert config.creditor.iban == "FR76 3000 6000 0112 3456 7890 189"
    assert config.creditor.signatory == "Claire Martin"  # untouched fields stay
    assert not list(tenant_file.parent.glob(".*.tmp"))
    journal = claire.get(f"{site.url}/t/{DEMO_TENANT}/journal", timeout=10).text
    assert "Settings changed" in journal and "claire" in journal
    # the sample notice now reads the saved identity (the dateline's city too)
    pdf = claire.get(f"{site.url}{SETTINGS}/identity/sample-notice.pdf", timeout=30)
    assert pdf.headers["content-type"] == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader

    first = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert "Lumen Ateliers Réunis" in first and "Villeurbanne, le" in first


def test_a_daemon_picks_up_the_identity_saved_in_the_browser(site: Site) -> None:
    state = AppState(config=site.folder / "relance.toml")
    try:
        tenants = _Tenants(state)
        tenants.load()
        assert tenants.configs[DEMO_TENANT].creditor.name == "Atelier Lumen"
        claire = site.client("claire")
        form = _identity_form(site, claire)
        claire.post(
            f"{site.url}{SETTINGS}/identity", data={**form, "name": "Lumen Deux"}, timeout=30
        )
        tenants.load()
        assert tenants.configs[DEMO_TENANT].creditor.name == "Lumen Deux"
    finally:
        state.close()


def test_the_first_policy_change_makes_the_tenant_its_own_copy(site: Site) -> None:
    claire = site.client("claire")
    page = claire.get(f"{site.url}{SETTINGS}/policy", timeout=10).text
    assert "the default French policy shipped with relance" in page
    form = {
        "max_reminders": "3", "max_reminders_small": "1", "small_amount": "200",
        "notice_deadline_days": "8", "start": "08:30", "end": "18:00",
        **{f"day.{d}": "1" for d in ("mon", "tue", "wed", "thu", "fri")},
        "courtesy.offset_days": "-5", "courtesy.channel": "email",
        "reminder_1.offset_days": "2", "reminder_1.channel": "email",
        "phone_call.offset_days": "8", "phone_call.channel": "phone_task",
        "reminder_2.offset_days": "15", "reminder_2.channel": "email",
        "formal_notice.offset_days": "30", "formal_notice.channel": "letter",
        "escalation.offset_days": "60", "escalation.channel": "phone_task",
    }  # fmt: skip
    # an order the policy refuses: nothing written, the reason shown
    bad = claire.post(
        f"{site.url}{SETTINGS}/policy", data={**form, "reminder_1.offset_days": "20"}, timeout=30
    )
    assert bad.status_code == 400 and "strictly increasing offset order" in bad.text
    assert not (site.folder / "tenants" / "lumen.policy.toml").exists()
    ok = claire.post(f"{site.url}{SETTINGS}/policy", data=form, allow_redirects=False, timeout=30)
    assert ok.status_code == 303
    assert "lumen.policy.toml" in claire.get(site.url + ok.headers["location"], timeout=10).text
    copy = site.folder / "tenants" / "lumen.policy.toml"
    assert "# relance — default French dunning policy." in copy.read_text()  # comments kept
    config = load_tenant_config(site.folder / "tenants" / "lumen.toml")
    assert config.policy == copy
    shown = site.relance("plan", "--tenant", DEMO_TENANT, "--as-of", "2026-11-24")
    assert shown.returncode == 0, shown.stderr  # the command line reads it
    raw = tomllib.loads(copy.read_text())
    assert raw["policy"]["max_reminders"] == 3 and raw["send_window"]["start"] == "08:30"
    assert next(s for s in raw["steps"] if s["name"] == "reminder_1")["offset_days"] == 2


def test_a_manager_adds_a_person_changes_roles_and_stays_the_last_manager(site: Site) -> None:
    claire = site.client("claire")
    short = claire.post(
        f"{site.url}{SETTINGS}/users",
        data={"login": "nina", "name": "Nina Petit", "password": "short", "role": "user"},
        timeout=10,
    )
    assert short.status_code == 400 and 'aria-invalid="true"' in short.text
    added = claire.post(
        f"{site.url}{SETTINGS}/users",
        data={"login": "nina", "name": "Nina Petit", "password": "ten chars ok", "role": "user"},
        allow_redirects=False,
        timeout=10,
    )
    assert added.status_code == 303
    assert "Nina Petit" in claire.get(site.url + added.headers["location"], timeout=10).text
    nina = site.client("nina", "ten chars ok")
    assert nina.get(f"{site.url}/t/{DEMO_TENANT}/journal", timeout=10).status_code == 200
    demo = claire.post(  # the demo's own account is a manager too
        f"{site.url}{SETTINGS}/users/role",
        data={"login": "demo", "role": "viewer"},
        allow_redirects=False,
        timeout=10,
    )
    assert demo.status_code == 303
    last = claire.post(
        f"{site.url}{SETTINGS}/users/role", data={"login": "claire", "role": "user"}, timeout=10
    )
    assert last.status_code == 400 and "last manager" in last.text
    claire.post(
        f"{site.url}{SETTINGS}/users/role", data={"login": "nina", "role": "none"}, timeout=10
    )
    assert nina.get(f"{site.url}/t/{DEMO_TENANT}/journal", timeout=10).status_code == 404
    # rita's account exists but has no role here: it cannot be changed from this company
    other = claire.post(
        f"{site.url}{SETTINGS}/users/role", data={"login": "rita", "role": "viewer"}, timeout=10
    )
    assert other.status_code == 404
    with site.store() as store:
        assert {p.login: p.roles[DEMO_TENANT] for p in store.people(DEMO_TENANT)}[
            "claire"
        ] == "manager"
        assert "rita" not in {p.login for p in store.people(DEMO_TENANT)}


def test_update_now_offline_says_so_and_keeps_the_tables(site: Site) -> None:
    claire = site.client("claire")
    page = claire.get(f"{site.url}{SETTINGS}/rates", timeout=10).text
    assert "ecb_mro" in page
    assert "notices find their figure until" in page or "not even today" in page
    checked = claire.get(f"{site.url}{SETTINGS}/rates?day=2031-01-15", timeout=10).text
    assert "no interest figure from" in checked
    failed = claire.post(f"{site.url}{SETTINGS}/rates/update", timeout=60)
    assert failed.status_code == 502
    assert "No table could be updated" in failed.text and "failed" in failed.text


@pytest.fixture
def qbo() -> QuickBooksEmulator:
    server = QuickBooksEmulator(QuickBooksState(FrozenClock.on(date(2026, 11, 23)))).start()
    yield server
    server.stop()


@pytest.fixture
def books_site(demo_template: Path, tmp_path: Path, qbo: QuickBooksEmulator) -> Site:
    """The demo plus a QuickBooks company, ``books``, claire its manager; relance's app at
    the emulator; offline rate sources (a closed port)."""
    folder = with_company(
        copy_demo(demo_template, tmp_path / "site"),
        "books",
        Platform.QUICKBOOKS,
        "Cooper Design LLC",
        tenant_file=(
            f'platform = "quickbooks"\ncountry = "US"\nlanguage = "en"\n'
            f'api_url = "{qbo.base_url}"\n'
        ),
        app={
            "client_id": "relance-qbo",
            "client_secret": "qbo-secret",
            "token_url": qbo.token_url,
            "authorize_url": qbo.authorize_url,
        },
    )
    running = start_site(folder)
    yield running
    running.close()


def site_store(folder: Path):  # type: ignore[no-untyped-def]
    from connector.store import Store

    return Store.open(f"sqlite:///{folder / 'relance.sqlite'}")


def test_connect_quickbooks_from_the_browser_side(books_site: Site) -> None:
    claire = books_site.client("claire")
    shown = claire.get(f"{books_site.url}/t/books/settings/connection", timeout=10)
    page = shown.text
    assert "not connected" in page and "/t/books/settings/connection/callback" in page
    # the form may lead to Intuit's consent site (a browser checks the redirect against it)
    app = load_settings(books_site.folder / "relance.toml").quickbooks
    assert app is not None and app.authorize_url
    consent = "{0.scheme}://{0.netloc}".format(urlsplit(app.authorize_url))
    assert f"form-action 'self' {consent}" in shown.headers["content-security-policy"]
    # one webhook address for every company of the app; no verifier token configured here
    assert "<code>/webhooks/quickbooks</code>" in page and "not set up" in page
    assert "RELANCE_QUICKBOOKS__WEBHOOK_VERIFIER" in page
    # « Connect »: to the platform's consent page, which sends the person back to the callback
    hops = []
    answer = claire.post(
        f"{books_site.url}/t/books/settings/connection/authorize", allow_redirects=False, timeout=30
    )
    while answer.status_code in (302, 303):  # followed by hand: requests drops a set Cookie
        hops.append(answer.headers["location"])
        target = answer.headers["location"]
        answer = claire.get(
            target if target.startswith("http") else books_site.url + target,
            allow_redirects=False,
            timeout=30,
        )
    assert hops[0].startswith(books_site.url.replace(books_site.url, "http://127.0.0.1"))
    assert "/connect/oauth2?" in hops[0] and "/t/books/settings/connection/callback" in hops[1]
    assert hops[-1] == "/t/books/settings/connection?saved=1"
    assert answer.status_code == 200
    assert (
        "Connected: the tokens are stored" in answer.text and "Access token expires" in answer.text
    )
    settings = load_settings(books_site.folder / "relance.toml")
    with site_store(books_site.folder) as store:
        token = TokenVault(store, load_fernet(settings)).load("books", "quickbooks")
        assert token.extra == {"realmId": REALM} and token.refresh_token
    assert token.access_token not in (books_site.folder / "web.log").read_text()
    # an answer this session did not ask for (forged, or replayed by another session)
    forged = claire.get(
        f"{books_site.url}/t/books/settings/connection/callback",
        params={"code": "x", "state": "1.abc.def", "realmId": REALM},
        timeout=10,
    )
    assert forged.status_code == 400 and "nothing was stored" in forged.text


def test_a_manager_chooses_which_steps_wait_for_approval(site: Site) -> None:
    claire = site.client("claire")
    claire.headers["Accept-Language"] = "fr"
    page = claire.get(f"{site.url}{SETTINGS}/policy", timeout=10).text
    for words in ("Relance préventive (avant l’échéance)", "Mise en demeure", "Courrier", "lun."):
        assert words in page, words  # the policy in words, not as stored
    assert 'name="approval.notice" value="1" checked' in page
    assert 'name="approval.reminder" value="1">' in page  # reminders go on their own
    today = f"{site.url}/t/{DEMO_TENANT}/today"
    waiting_before = claire.get(today, timeout=60).text.count("attendra une approbation")
    form = {
        "max_reminders": "2", "max_reminders_small": "1", "small_amount": "150",
        "notice_deadline_days": "8", "start": "09:00", "end": "18:00",
        **{f"day.{d}": "1" for d in ("mon", "tue", "wed", "thu", "fri")},
        "approval.shown": "1", "approval.reminder": "1", "approval.notice": "1",
        "approval.escalation": "1",
        "courtesy.offset_days": "-5", "courtesy.channel": "email",
        "reminder_1.offset_days": "1", "reminder_1.channel": "email",
        "phone_call.offset_days": "8", "phone_call.channel": "phone_task",
        "reminder_2.offset_days": "15", "reminder_2.channel": "email",
        "formal_notice.offset_days": "30", "formal_notice.channel": "letter",
        "escalation.offset_days": "60", "escalation.channel": "phone_task",
    }  # fmt: skip
    victor = site.client("victor")  # a viewer changes nothing
    assert victor.post(f"{site.url}{SETTINGS}/policy", data=form, timeout=30).status_code == 403
    ok = claire.post(f"{site.url}{SETTINGS}/policy", data=form, allow_redirects=False, timeout=30)
    assert ok.status_code == 303
    raw = tomllib.loads((site.folder / "tenants" / "lumen.policy.toml").read_text())
    assert sorted(raw["policy"]["approval"]) == ["escalation", "notice", "reminder"]
    # Today: the reminders planned now say they will wait for a person
    waiting_after = claire.get(today, timeout=60).text.count("attendra une approbation")
    assert waiting_after > waiting_before
    with site.store() as store:
        audit = [e for e in store.journal(DEMO_TENANT, limit=20) if e.payload.get("by") == "claire"]
    assert audit and "approval" in str(audit[0].payload)
