"""The dashboard over HTTP: it shows the store's snapshot, which is exactly what ``relance
report --dashboard --json`` gives for the day; a change to the ledger makes it stale and it
is computed again; a cycle keeps it current; a viewer sees it; another tenant's person gets
404 and never a figure."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from connector import formats
from connector.insights.snapshot import keep_dashboard
from connector.money import Money
from connector.store import Store
from tests.web.site import DEMO_TENANT, RIVAL, Site

CHARTS = ("chart-aged", "chart-dso", "chart-steps", "chart-promises", "chart-expected")


def _figures_shown(site: Site, http: requests.Session, tenant: str = DEMO_TENANT) -> str:
    """The page's figures once computed: what its poll gets (it asks until they are there)."""
    for _ in range(600):
        answer = http.get(f"{site.url}/t/{tenant}/dashboard/figures", timeout=30)
        assert answer.status_code == 200, answer.text
        if 'class="dashboard"' in answer.text:
            return answer.text
        assert "being computed" in answer.text, answer.text
        assert f'hx-get="/t/{tenant}/dashboard/figures"' in answer.text
        time.sleep(0.1)
    pytest.fail("the dashboard's figures never came")


def _report(site: Site) -> dict[str, Any]:
    done = site.relance("--json", "report", "--dashboard", "--tenant", DEMO_TENANT)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["dashboard"]
    assert isinstance(figures, dict)
    return figures


def _snapshot(site: Site, tenant: str = DEMO_TENANT) -> Any:
    with site.store() as store:
        return store.dashboard_snapshot(tenant)


@pytest.mark.reads_only
def test_the_page_shows_the_snapshot_which_is_the_reports_json(site: Site) -> None:
    claire = site.client("claire")
    first = claire.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    assert first.status_code == 200
    assert "<h1>Dashboard</h1>" in first.text
    html = _figures_shown(site, claire)
    snapshot = _snapshot(site)
    today = date.today()
    assert snapshot.as_of == today
    assert snapshot.figures == _report(site)  # the same JSON, figure for figure
    for chart in CHARTS:
        assert f"chart {chart}" in html, chart
    assert "<style" not in html and "style=" not in html  # the CSP refuses inline styles
    # the table under the aged balance: today's net open as the letters write amounts
    total = snapshot.figures["aged_balance"][-1]["currencies"]["EUR"]["total"]
    assert formats.money(Money(Decimal(total), "EUR"), "en") in html
    # the viewer sees it at once: it is current
    victor = site.client("victor")
    seen = victor.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    assert seen.status_code == 200
    assert "being computed" not in seen.text
    assert all(f"chart {chart}" in seen.text for chart in CHARTS)
    assert _snapshot(site).computed_at == snapshot.computed_at  # shown, not computed again


def test_a_change_makes_it_stale_and_it_is_computed_again(site: Site) -> None:
    claire = site.client("claire")
    claire.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    _figures_shown(site, claire)
    before = _snapshot(site)
    with site.store() as store:
        receivable = next(iter(store.open_receivables(DEMO_TENANT)))
        customer = store.customer(DEMO_TENANT, receivable.customer_ref.key)
    by = date.today() + timedelta(days=5)
    done = site.relance(
        "promise", "add", customer.ref.external_id, "--amount", "1.23", "--by", by.isoformat(),
        "--invoice", receivable.number, "--tenant", DEMO_TENANT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = claire.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    assert "being computed" in again.text  # the stamp moved: not shown as it was
    _figures_shown(site, claire)
    after = _snapshot(site)
    assert after.stamp != before.stamp and after.computed_at > before.computed_at
    assert after.figures == _report(site)
    assert after.figures["expected_cash"] != before.figures["expected_cash"]
    promised = [d for d in after.figures["expected_cash"]["days"] if d["day"] == by.isoformat()]
    assert promised and promised[0]["promises"] >= 1


def test_a_cycle_keeps_it_current(site: Site) -> None:
    done = site.relance("run", "--tenant", DEMO_TENANT, "--no-sync")
    assert done.returncode in (0, 10), done.stderr
    snapshot = _snapshot(site)
    assert snapshot is not None and snapshot.as_of == date.today()
    assert snapshot.figures == _report(site)
    page = site.client("victor").get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    assert "being computed" not in page.text and "chart chart-aged" in page.text


@pytest.mark.reads_only
def test_a_failed_snapshot_never_fails_the_cycle(site: Site) -> None:
    with Store.open(site.store_url) as store:
        assert keep_dashboard(store, "no-such-tenant", date.today()) is False
        assert keep_dashboard(store, DEMO_TENANT, date.today()) is True


@pytest.mark.reads_only
def test_another_tenants_person_gets_404_and_no_figure(site: Site) -> None:
    claire = site.client("claire")
    claire.get(f"{site.url}/t/{DEMO_TENANT}/dashboard", timeout=30)
    lumen = _figures_shown(site, claire)
    rita = site.client("rita")
    for path in ("dashboard", "dashboard/figures"):
        refused = rita.get(f"{site.url}/t/{DEMO_TENANT}/{path}", timeout=30)
        assert refused.status_code == 404, path
        assert "chart" not in refused.text
    own = rita.get(f"{site.url}/t/{RIVAL}/dashboard", timeout=30)
    assert own.status_code == 200
    rival = _figures_shown(site, rita, RIVAL)
    snapshot = _snapshot(site, RIVAL)
    assert snapshot.figures["aged_balance"][-1]["currencies"]["EUR"]["total"] == "8642.00"
    assert formats.money(Money(Decimal("8642.00"), "EUR"), "en") in rival
    assert formats.money(Money(Decimal("8642.00"), "EUR"), "en") not in lumen
    anonymous = requests.get(
        f"{site.url}/t/{DEMO_TENANT}/dashboard", allow_redirects=False, timeout=30
    )
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
