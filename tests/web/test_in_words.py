"""What relance records is shown in words, in the reader's language, never as it is stored:
the journal and a customer's timeline name each event, its customer, its step and channel,
at the tenant's own hour (the stored record stays one click away, as it is, for evidence);
the customers' list, a message as it went out and the dashboard name the steps."""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import requests

from connector.policy import default_policy
from connector.store import EventType
from tests.web.site import DEMO_TENANT, Site
from tests.web.test_dashboard import _figures_shown

STORED_STEPS = [s.name for s in default_policy().steps]  # formal_notice, reminder_1, …
FRENCH_STEPS = ("Relance préventive", "Première relance", "Deuxième relance", "Mise en demeure")


def _in_french(site: Site) -> requests.Session:
    claire = site.client("claire")
    claire.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    return claire


def _visible(page: str) -> str:
    """The page's text a person reads: without the stored records folded away, the
    planner's own reasons (said in the core's words), tags and attributes."""
    page = re.sub(r'<details class="record.*?</details>', "", page, flags=re.S)
    page = re.sub(r'<span class="block small">.*?</span>', "", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _raw_steps(text: str) -> list[str]:
    return [name for name in STORED_STEPS if re.search(rf"\b{name}\b", text)]


@pytest.mark.reads_only
def test_the_journal_names_events_customers_and_steps_at_the_tenants_hour(site: Site) -> None:
    claire = _in_french(site)
    answer = claire.get(f"{site.url}/t/{DEMO_TENANT}/journal", timeout=30)
    assert answer.status_code == 200
    shown = _visible(answer.text)
    assert not _raw_steps(shown), _raw_steps(shown)
    assert any(step in shown for step in FRENCH_STEPS)
    assert " UTC" not in shown
    with site.store() as store:
        events = store.journal(DEMO_TENANT, limit=50)
        names = store.customer_names(DEMO_TENANT)
    # each event's hour in Paris, and its customer named with a link to their page
    newest = events[0]
    paris = newest.at.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.utcoffset() != newest.at.utcoffset()  # the demo's instants are UTC
    assert f"{paris:%H:%M}" in shown
    with_customer = next(e for e in events if e.customer_key)
    link = f"/t/{DEMO_TENANT}/customers/{quote(with_customer.customer_key or '', safe='')}"
    assert link in answer.text
    assert html.escape(names[with_customer.customer_key or ""]) in answer.text
    # the stored record, as it is, one click away: an action's key is evidence
    sent = next(e for e in events if e.kind is EventType.ACTION_WRITTEN)
    assert html.escape(str(sent.payload["action"])) in answer.text


@pytest.mark.reads_only
def test_the_timeline_the_list_and_a_message_name_the_steps(site: Site) -> None:
    claire = _in_french(site)
    with site.store() as store:
        events = store.journal(DEMO_TENANT, limit=200)
    written = [
        e
        for e in events
        if e.kind is EventType.ACTION_WRITTEN and e.payload.get("channel") == "email"
    ]
    assert written
    customer = written[0].customer_key or ""
    page = claire.get(
        f"{site.url}/t/{DEMO_TENANT}/customers/{quote(customer, safe=':')}", timeout=30
    )
    assert page.status_code == 200
    timeline = page.text[page.text.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    shown = _visible(timeline)
    assert not _raw_steps(shown), _raw_steps(shown)
    assert "Écrit dans le dossier d’envoi" in shown

    listed = _visible(claire.get(f"{site.url}/t/{DEMO_TENANT}/customers", timeout=30).text)
    assert not _raw_steps(listed), _raw_steps(listed)
    assert any(step in listed for step in FRENCH_STEPS)
    # the lateness filter too (its words were once picked before the page's language)
    assert "1 à 30 jours de retard" in listed and "Plus de 90 jours de retard" in listed
    assert "days late" not in listed and "Not late" not in listed

    action = str(written[0].payload["action"])
    message = claire.get(f"{site.url}/t/{DEMO_TENANT}/sent/{quote(action, safe=':')}", timeout=30)
    assert message.status_code == 200
    shown = _visible(message.text)
    assert not _raw_steps(shown), _raw_steps(shown)
    for header in ("De", "À", "Objet"):
        assert f"<dt>{header}</dt>" in message.text
    assert "Écrit dans le dossier d’envoi" in shown  # its status, in words


@pytest.mark.reads_only
def test_the_dashboard_names_the_steps(site: Site) -> None:
    english = site.client("claire")
    assert english.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=60).status_code == 200
    _figures_shown(site, english)  # computed once
    figures = _in_french(site).get(f"{site.url}/t/{DEMO_TENANT}/dashboard/figures", timeout=30).text
    shown = _visible(figures)
    assert not _raw_steps(shown), _raw_steps(shown)
    assert "Mise en demeure" in shown
    # the chart's own labels too (SVG text)
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", figures)
    assert "Mise en demeure" in labels and "formal notice" not in labels


def test_an_instant_shows_in_the_tenants_zone() -> None:
    from connector.web.i18n import in_language
    from connector.web.rendering import environment

    template = environment().from_string("{{ at|when }} / {{ at|when(long=True) }}")
    at = datetime(2026, 7, 14, 22, 30, tzinfo=ZoneInfo("UTC"))

    class Tenant:
        timezone = "Europe/Paris"

    with in_language("fr"):
        assert template.render(at=at, tenant=Tenant()) == "15/07/2026 00:30 / 15 juillet 2026 00:30"
    Tenant.timezone = "Mars/Olympus"  # a zone this machine does not know: UTC, said so
    with in_language("en"):
        assert template.render(at=at, tenant=Tenant()).endswith("22:30 UTC")


@pytest.mark.reads_only
def test_the_rate_tables_are_named_in_the_readers_language(site: Site) -> None:
    claire = _in_french(site)
    shown = _visible(claire.get(f"{site.url}/t/{DEMO_TENANT}/settings/rates", timeout=30).text)
    for french in (
        "Taux des opérations principales de refinancement de la BCE",
        "Taux de l’intérêt légal",
        "Taux de base allemand",
        "(non confirmé)",  # the German table's half-year that was never confirmed
    ):
        assert french in shown, french
    for english in ("main refinancing", "legal interest rate", "German base", "unconfirmed"):
        assert english not in shown, english
    claire.headers["Accept-Language"] = "en"
    english_page = _visible(
        claire.get(f"{site.url}/t/{DEMO_TENANT}/settings/rates", timeout=30).text
    )
    assert "ECB main refinancing operations rate" in english_page


def test_a_step_not_carried_out_says_nothing_went_out(site: Site) -> None:
    with site.store() as store:
        withdrawn = [a for a in store.actions(DEMO_TENANT) if a.details.get("withdrawn")]
        waiting = store.awaiting_approval(DEMO_TENANT)
    assert withdrawn and waiting
    claire = _in_french(site)

    def shown(key: str) -> str:
        url = f"{site.url}/t/{DEMO_TENANT}/sent/{quote(key, safe=':')}"
        return _visible(claire.get(url, timeout=30).text)

    paid_before = shown(withdrawn[0].key)
    assert "Rien n’est parti\u00a0: cette étape" in paid_before
    assert "n’était plus due quand son tour est venu" in paid_before, paid_before
    assert "dossier d’envoi de cette machine" not in paid_before  # not a file gone missing
    assert "no longer due" not in paid_before

    key = waiting[0].key
    skip = f"{site.url}/t/{DEMO_TENANT}/actions/{quote(key, safe='')}/skip"
    said = claire.post(skip, data={"reason": "réglé par virement annoncé au téléphone"},
                       allow_redirects=False, timeout=60)  # fmt: skip
    assert said.status_code == 303
    skipped = shown(key)
    assert "Rien n’est parti\u00a0: claire a sauté cette étape le" in skipped, skipped
    assert "Motif réglé par virement annoncé au téléphone" in " ".join(skipped.split())


# the core's English words for its reasons (connector.dunning, connector.approval, …)
ENGLISH_REASONS = (
    "day(s) late", "falls due on", "waits for a person's approval", "relance action",
    "no longer due on", "no e-mail address", "no postal address", "promise to pay broken",
    "cannot go:", "has no figure", "credits and unapplied payments", "to print and post",
)  # fmt: skip


@pytest.mark.reads_only
def test_relances_reasons_reach_a_french_page_in_french(site: Site) -> None:
    claire = _in_french(site)
    with site.store() as store:
        customers = list(store.customer_names(DEMO_TENANT))
    pages = [f"/t/{DEMO_TENANT}/today", f"/t/{DEMO_TENANT}/journal"] + [
        f"/t/{DEMO_TENANT}/customers/{quote(key, safe='')}" for key in customers
    ]
    said = ""
    for path in pages:
        answer = claire.get(site.url + path, timeout=30)
        assert answer.status_code == 200, path
        page = re.sub(r'<details class="record.*?</details>', "", answer.text, flags=re.S)
        shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
        english = [words for words in ENGLISH_REASONS if words in shown]
        assert not english, (path, english)
        said += shown
    # and they are there, in French
    for french in (
        "jours de retard",
        "arrive à échéance le",
        "attend l’approbation d’une personne",
    ):
        assert french in said, french


def test_channels_that_could_not_be_used_are_joined_as_each_language_writes() -> None:
    from connector.web.i18n import in_language
    from connector.web.reasons import in_words

    reason = "e-mail: no e-mail address; letter: no postal address"
    with in_language("fr"):
        french = in_words(reason)
    with in_language("en"):
        english = in_words(reason)
    assert "\u00a0; " in french and " ; " not in french.replace("\u00a0; ", "")
    assert french.count("\u00a0:") == 2, french  # « courriel : … » in French typography
    assert english == "e-mail: no e-mail address; letter: no postal address"
    with in_language("fr"):
        cancelled = in_words(
            "formal_notice cancelled by a person: release it to send it (relance action release)"
        )
    assert cancelled.startswith("L’étape «\u00a0Mise en demeure\u00a0» a été annulée"), cancelled
