"""The figures the store keeps as JSON, read back for the web page's charts: the same JSON
again, and the same five charts as from the figures computed."""

from __future__ import annotations

from connector import charts
from connector.insights import Dashboard, dashboard
from connector.insights.export import dashboard_json
from connector.insights.restore import dashboard_from_json
from connector.store import Store

from .ledger import AS_OF, POLICY, TENANT


def _drawn(figures: Dashboard, language: str) -> list[str]:
    return [
        *(charts.aged_balance_chart(figures.aged, c, language) for c in ("EUR", "GBP")),
        *(charts.dso_chart(figures.dso, c, language) for c in ("EUR", "GBP")),
        charts.collected_by_step_chart(figures.steps, "EUR", language),
        charts.promises_chart(figures.promises, language),
        *(charts.expected_cash_chart(figures.expected, c, language) for c in ("EUR", "GBP")),
    ]


def test_read_back_from_json(store: Store) -> None:
    computed = dashboard(store, TENANT, AS_OF, policy=POLICY)
    kept = dashboard_json(computed)
    restored = dashboard_from_json(kept)
    assert dashboard_json(restored) == kept
    for language in ("fr", "en"):
        assert _drawn(restored, language) == _drawn(computed, language)
