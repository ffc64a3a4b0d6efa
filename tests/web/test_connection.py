"""Settings > Connection: the platform named in the reader's language; a Pennylane company
connected, then connected again, from the browser through Pennylane's consent page (the
emulator's); its webhooks: the receiver's address to give Pennylane, whether the signing
secret is in place (never the secret), and what the receiver stored last."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.pennylane.oauth import SCOPES
from connector.clock import SystemClock
from connector.model import Platform, SourceRef
from connector.oauth import Token, TokenVault, load_fernet
from connector.settings import load_settings
from connector.source import Event, EventKind
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState
from tests.web.conftest import log_in
from tests.web.site import DEMO_TENANT, Site, copy_demo, start_site, with_company

PAGE = "/t/{tenant}/settings/connection"


def _french(http: requests.Session) -> requests.Session:
    http.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    return http


@pytest.mark.reads_only
def test_the_demos_platform_is_named_and_has_no_webhooks(site: Site) -> None:
    claire = _french(site.client("claire"))
    page = claire.get(site.url + PAGE.format(tenant=DEMO_TENANT), timeout=30).text
    assert "Fichiers (FEC ou CSV)" in page and "<strong>files</strong>" not in page
    assert "Webhooks" not in page  # a ledger read from files is never pushed
    claire.headers["Accept-Language"] = "en"
    assert "Files (FEC or CSV)" in claire.get(site.url + PAGE.format(tenant=DEMO_TENANT)).text


@pytest.fixture
def pennylane() -> Iterator[PennylaneEmulator]:
    server = PennylaneEmulator(PennylaneState(SystemClock())).start()
    server.state.clients["relance-pl"] = "pl-app-secret"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def pennylane_site(
    demo_template: Path, tmp_path: Path, pennylane: PennylaneEmulator
) -> Iterator[Site]:
    """The demo plus a Pennylane company, ``books``, claire its manager; relance's Pennylane
    app at the emulator."""
    folder = with_company(
        copy_demo(demo_template, tmp_path / "site"),
        "books",
        Platform.PENNYLANE,
        "Librairie Martin SAS",
        tenant_file=f'platform = "pennylane"\napi_url = "{pennylane.base_url}"\n',
        app={
            "client_id": "relance-pl",
            "client_secret": "pl-app-secret",
            "token_url": pennylane.token_url,
            "authorize_url": f"{pennylane.origin}/oauth/authorize",
        },
    )
    running = start_site(folder)
    yield running
    running.close()


def _connect(site: Site, http: requests.Session) -> tuple[list[str], requests.Response]:
    """« Connect »: to Pennylane's consent page and back, the redirects followed by hand (the
    session cookie is sent by hand: requests keeps a Secure cookie for https only)."""
    hops = []
    answer = http.post(
        site.url + PAGE.format(tenant="books") + "/authorize", allow_redirects=False, timeout=30
    )
    while answer.status_code in (302, 303):
        hops.append(answer.headers["location"])
        target = answer.headers["location"]
        answer = http.get(
            target if target.startswith("http") else site.url + target,
            allow_redirects=False,
            timeout=30,
        )
    return hops, answer


def _token(site: Site) -> Token:
    settings = load_settings(site.folder / "relance.toml")
    with site.store() as store:
        return TokenVault(store, load_fernet(settings)).load("books", "pennylane")


def test_connect_and_reconnect_pennylane_and_see_its_webhooks(
    pennylane_site: Site, pennylane: PennylaneEmulator
) -> None:
    site = pennylane_site
    claire = _french(site.client("claire"))
    home = claire.get(f"{site.url}/", allow_redirects=False, timeout=30).text  # two tenants
    assert "Pennylane · Responsable" in home and "Fichiers (FEC ou CSV) · Responsable" in home
    page = claire.get(site.url + PAGE.format(tenant="books"), timeout=30).text
    assert "<strong>Pennylane</strong>" in page and "non connecté" in page
    assert "Connecter Pennylane" in page
    # the webhooks, before anything is set up
    assert "/webhooks/pennylane/books" in page and "non configurée" in page
    assert "relance webhooks subscribe --tenant books" in page
    assert "rien de reçu pour l’instant" in page

    hops, answer = _connect(site, claire)
    assert hops[0].startswith(f"{pennylane.origin}/oauth/authorize?")
    assert "response_type=code" in hops[0] and "client_id=relance-pl" in hops[0]
    assert hops[1].startswith(f"{site.url}/t/books/settings/connection/callback?code=")
    assert hops[-1] == "/t/books/settings/connection?saved=1"
    assert answer.status_code == 200 and "non connecté" not in answer.text
    first = _token(site)
    assert first.refresh_token and first.access_token in pennylane.state.tokens
    assert pennylane.state.tokens[first.access_token].scopes == frozenset(SCOPES)
    assert "Reconnecter Pennylane" in answer.text

    # connected again (a new consent): a new pair replaces the old one
    hops, answer = _connect(site, claire)
    assert hops[-1] == "/t/books/settings/connection?saved=1"
    second = _token(site)
    assert second.access_token != first.access_token and second.refresh_token
    log = (site.folder / "web.log").read_text()
    assert first.access_token not in log and second.access_token not in log

    # the webhook subscription, as the page says to make it; then a delivery stored
    url = "https://relance.example.fr/webhooks/pennylane/books"
    made = site.relance("webhooks", "subscribe", "--tenant", "books", "--url", url)
    assert made.returncode == 0, made.stderr
    secret = next(iter(pennylane.state.subscriptions.values()))["secret"]
    with site.store() as store:
        ref = SourceRef(platform=Platform.PENNYLANE, tenant="books", external_id="42")
        at = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
        store.record_inbound("books", "pennylane", [Event("evt-1", EventKind.CHANGED, (ref,), at)])
    page = claire.get(site.url + PAGE.format(tenant="books"), timeout=30).text
    assert "en place" in page and "non configurée" not in page
    assert "relance webhooks subscribe" not in page  # nothing left to do
    assert secret not in page
    assert "1 attend la prochaine synchronisation" in page
    assert "rien de reçu pour l’instant" not in page
    assert "Dernier envoi refusé" not in page

    # deliveries the receiver refused for the company: counted, the last reason in French
    with site.store() as store:
        first, last = (
            datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
            datetime(2026, 12, 3, 10, 5, tzinfo=UTC),
        )
        reason = "Pennylane webhook signature does not match"
        store.record_refusals(
            "books", "pennylane", count=3, first_at=first, last_at=last, reason=reason
        )
    page = claire.get(site.url + PAGE.format(tenant="books"), timeout=30).text.replace(
        "\u00a0", " "
    )
    assert "Dernier envoi refusé" in page
    assert "la signature de l’envoi de Pennylane ne correspond pas au secret enregistré" in page
    assert "3 refusés depuis le 3 décembre 2026" in page
    assert "des envois ont été acceptés depuis" not in page  # the last event came before


def test_connect_in_chromium_through_the_consent_page(
    browser: Any, pennylane_site: Site, pennylane: PennylaneEmulator
) -> None:
    """The button as a person clicks it: the form posts to relance, is sent on to the consent
    page on Pennylane's site (another origin: the page's Content-Security-Policy must let the
    form lead there) and comes back connected."""
    site = pennylane_site
    page = log_in(browser, site, "claire", locale="fr-FR")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto(site.url + PAGE.format(tenant="books"))
    policy = _policy(page)
    assert f"form-action 'self' {pennylane.origin}" in policy
    with page.expect_navigation(url=f"{site.url}/t/books/settings/connection?saved=1"):
        page.get_by_role("button", name="Connecter Pennylane").click()
    assert "Connecté : les jetons sont enregistrés, chiffrés." in page.locator(
        "p.notice.ok"
    ).inner_text().replace("\u00a0", " ")
    assert page.get_by_role("button", name="Reconnecter Pennylane").is_visible()
    assert _token(site).access_token in pennylane.state.tokens
    assert refused == [], refused  # nothing blocked on the way
    page.context.close()


def _policy(page: Any) -> str:
    """The Content-Security-Policy the page was served with (the same session's cookie)."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    answer = requests.get(page.url, cookies=cookies, timeout=30)
    assert answer.status_code == 200
    return answer.headers["content-security-policy"]


def test_a_declined_consent_or_a_spent_code_leaves_the_connection_as_it_was(
    pennylane_site: Site, pennylane: PennylaneEmulator
) -> None:
    site = pennylane_site
    claire = _french(site.client("claire"))
    hops, answer = _connect(site, claire)
    assert answer.status_code == 200, answer.text
    connected = _token(site)

    pennylane.state.consent = "deny"  # « Refuser » at Pennylane
    hops, answer = _connect(site, claire)
    assert "error=access_denied" in hops[-1]
    assert answer.status_code == 400
    text = answer.text.replace("\u00a0", " ")
    assert "La plateforme n’a pas donné l’accès à relance" in text
    assert "la connexion reste telle qu’elle était" in text
    assert _token(site).access_token == connected.access_token

    # the callback opened again (a reload, the back button): its code was spent
    pennylane.state.consent = "grant"
    hops, answer = _connect(site, claire)
    assert answer.status_code == 200
    reconnected = _token(site)
    again = claire.get(hops[1], allow_redirects=False, timeout=30)
    assert again.status_code == 400
    assert "n’a pas accepté le code qu’elle venait de donner" in again.text
    assert _token(site).access_token == reconnected.access_token  # nothing replaced
    log = (site.folder / "web.log").read_text()
    assert "access_denied" in log and "invalid_grant" in log
    assert "code=" not in log  # the codes themselves are not logged


def test_a_code_is_taken_once_by_its_own_client_and_redirect_uri(
    pennylane: PennylaneEmulator,
) -> None:
    """The emulator holds codes as RFC 6749 §4.1.3 says Pennylane's server does."""
    state = pennylane.state

    def exchange(code: str, redirect: str) -> int:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "relance-pl",
            "client_secret": "pl-app-secret",
            "redirect_uri": redirect,
        }
        return requests.post(pennylane.token_url, data=form, timeout=30).status_code

    code = state.authorize(frozenset(SCOPES), "relance-pl", "https://a.example/cb")
    assert exchange(code, "https://b.example/cb") == 400  # another redirect URI: spent
    assert exchange(code, "https://a.example/cb") == 400
    code = state.authorize(frozenset(SCOPES), "relance-pl", "https://a.example/cb")
    assert exchange(code, "https://a.example/cb") == 200
    assert exchange(code, "https://a.example/cb") == 400  # once
