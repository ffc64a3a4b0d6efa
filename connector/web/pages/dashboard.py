"""The tenant's dashboard: five charts (aged balance over time, DSO by month, what was paid
after each step, promises kept and broken, the cash expected in the next 30 days), one per
currency where they show money, each with its caption and the table of its figures.

The figures are the store's snapshot (:mod:`connector.insights.snapshot`), exactly what
``relance report --dashboard --json`` gives for the day: the page shows it when it is
current (a few quick queries, whatever the tenant's size). When it is not — the first visit
of the day, or the ledger moved since — it is computed in a background thread (one at a time
per tenant in this process; across replicas the store's lock makes the others wait and find
it done), and the page says so and asks again every few seconds (htmx) until it is there.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.background import BackgroundTask

from connector import charts, formats
from connector.errors import ConfigError
from connector.insights.restore import dashboard_from_json
from connector.insights.snapshot import current_snapshot, refresh_snapshot
from connector.policy import Policy, default_policy
from connector.store import DashboardSnapshot, Store
from connector.web.i18n import current_language, in_language
from connector.web.labels import step_label
from connector.web.rendering import page, safe
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

log = logging.getLogger("relance.web")
router = APIRouter()

POLL_SECONDS = 2


class _Computing:
    """The snapshots being computed by this process: one thread per (store, tenant)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[tuple[int, str], threading.Thread] = {}
        self._failed: dict[tuple[int, str], date] = {}

    def start(self, store: Store, tenant: str, day: date, policy: Policy) -> None:
        key = (id(store), tenant)
        with self._lock:
            running = self._threads.get(key)
            if running is not None and running.is_alive():
                return
            self._failed.pop(key, None)
            thread = threading.Thread(
                target=self._compute,
                args=(key, store, tenant, day, policy),
                name=f"dashboard-{tenant}",
                daemon=True,
            )
            self._threads[key] = thread
            thread.start()

    def _compute(
        self, key: tuple[int, str], store: Store, tenant: str, day: date, policy: Policy
    ) -> None:
        try:
            refresh_snapshot(store, tenant, day, policy)
        except Exception:
            log.exception("%s: the dashboard's figures could not be computed", tenant)
            with self._lock:
                self._failed[key] = day

    def failed(self, store: Store, tenant: str, day: date) -> bool:
        with self._lock:
            running = self._threads.get((id(store), tenant))
            busy = running is not None and running.is_alive()
            return not busy and self._failed.get((id(store), tenant)) == day


_COMPUTING = _Computing()

# the charts of a snapshot, drawn once per language (drawing them takes longer than the
# rest of the page): keyed by tenant, snapshot and language; a few kept
_DRAWN: OrderedDict[tuple[int, str, str, str], dict[str, Any]] = OrderedDict()
_DRAWN_LOCK = threading.Lock()
_DRAWN_KEPT = 16


def _draw(figures: dict[str, Any], language: str) -> dict[str, Any]:
    """Every chart of the figures in ``language``: per chart, (currency, svg) pairs."""
    shown = dashboard_from_json(figures)

    def step_name(step: str) -> str:
        with in_language(language):
            return step_label(step)

    aged = shown.aged.currencies or ("EUR",)
    steps = sorted({c for s in (*shown.steps.steps, shown.steps.without_reminder)
                    for c in s.collected}) or list(aged)  # fmt: skip
    last = shown.aged.points[-1]
    main = max(aged, key=lambda c: last.total(c).amount if c in last.by_currency else -1)
    expected = sorted(shown.expected.totals()) or [main]  # nothing expected: one empty chart

    def each(currencies: Any, draw: Callable[[str], str]) -> list[tuple[str, Markup]]:
        return [(c, safe(draw(c))) for c in currencies]

    return {
        "aged": each(aged, lambda c: charts.aged_balance_chart(shown.aged, c, language)),
        "dso": each(aged, lambda c: charts.dso_chart(shown.dso, c, language)),
        "steps": each(
            steps, lambda c: charts.collected_by_step_chart(shown.steps, c, language, step_name)
        ),
        "promises": safe(charts.promises_chart(shown.promises, language)),
        "expected": each(
            expected, lambda c: charts.expected_cash_chart(shown.expected, c, language)
        ),
    }


def _drawn(store: Store, snapshot: DashboardSnapshot, language: str) -> dict[str, Any]:
    key = (id(store), snapshot.tenant, f"{snapshot.computed_at.isoformat()}", language)
    with _DRAWN_LOCK:
        if key in _DRAWN:
            _DRAWN.move_to_end(key)
            return _DRAWN[key]
    drawn = _draw(snapshot.figures, language)
    with _DRAWN_LOCK:
        _DRAWN[key] = drawn
        while len(_DRAWN) > _DRAWN_KEPT:
            _DRAWN.popitem(last=False)
    return drawn


def _policy(request: Request, access: Access) -> Policy:
    """The tenant's policy (its steps' names and order, the promises' grace days); the
    default one if its files cannot be read (the figures still show, as relance counts them
    without a policy of its own)."""
    ctx = context_of(request).app_state()
    try:
        return ctx.policy(ctx.tenant_config(access.tenant))
    except ConfigError as exc:
        log.warning("%s: the dashboard uses the default policy: %s", access.tenant.slug, exc)
        return default_policy()
    finally:
        ctx.close_sources()


def _figures(request: Request, access: Access, *, retry: bool) -> dict[str, Any]:
    """What the page shows: the current snapshot drawn, or that it is being computed
    (``retry``: even if computing it failed a moment ago)."""
    web = context_of(request)
    store, tenant = web.store, access.tenant.slug
    day = web.today(access.tenant)
    policy = _policy(request, access)
    snapshot = current_snapshot(store, tenant, day, policy)
    language = access.visitor.language
    if snapshot is not None:
        return {
            "ready": True,
            "day": day,
            "snapshot": snapshot,
            "figures": snapshot.figures,
            "drawn": _drawn(store, snapshot, language),
        }
    failed = _COMPUTING.failed(store, tenant, day) and not retry
    shown: dict[str, Any] = {"ready": False, "day": day, "failed": failed, "poll": POLL_SECONDS}
    if not failed:  # started once the answer is sent: the thread would slow it down
        shown["start"] = BackgroundTask(_COMPUTING.start, store, tenant, day, policy)
    return shown


def _month_name(month: str) -> str:
    """``2026-11`` as « novembre 2026 » / "November 2026"."""
    day = date.fromisoformat(f"{month}-01")
    locale = formats.LOCALES.get(current_language(), "en_GB")
    return str(format_date(day, "LLLL yyyy", locale=locale))


def _helpers() -> dict[str, Any]:
    return {
        "dec": Decimal,
        "iso": date.fromisoformat,
        "next_day": lambda text: date.fromisoformat(text) + timedelta(days=1),
        "month_name": _month_name,
    }


def _answer(request: Request, template: str, shown: dict[str, Any]) -> Response:
    start = shown.pop("start", None)
    response = page(request, template, **shown, **_helpers())
    response.background = start
    return response


@router.get("/t/{tenant}/dashboard")
def dashboard(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    return _answer(request, "dashboard/page.html", _figures(request, access, retry=True))


@router.get("/t/{tenant}/dashboard/figures")
def dashboard_figures(
    request: Request, access: Annotated[Access, Depends(tenant_access())]
) -> Response:
    """The charts and tables alone (what the page's poll swaps in), or, while they are being
    computed, the same message asking again."""
    return _answer(request, "dashboard/figures.html", _figures(request, access, retry=False))
