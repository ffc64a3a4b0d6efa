"""Settings > Rate tables: each table relance figures interest with (its version, its last
values, the days it covers), and whether a formal notice written from a given day finds its
interest figure under the tenant's law (``connector.legal.coverage``). « Update now » runs
what ``relance rates update`` runs; a source that cannot be reached says so, and the tables
in use stay as they were."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from connector.legal import RateTables
from connector.legal.coverage import NEEDS, days_covered, gaps
from connector.legal.rate_update import SourceOutcome, update_tables
from connector.web.i18n import gettext
from connector.web.pages.settings import MANAGER_POST, audit, settings_page, tenant_config
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

router = APIRouter()


def _(text: str) -> str:
    return text


# the bundled tables' titles, in words the page translates (a table imported under another
# name keeps the title its file gives)
TITLES = {
    "ecb_mro": _("ECB main refinancing operations rate"),
    "fr_legal_rate": _(
        "French legal interest rate (A: creditor who is a private person, B: other creditors)"
    ),
    "de_base_rate": _("German base rate (Basiszinssatz)"),
    "uk_reference_rate": _(
        "UK reference rate (Bank rate on 31 Dec / 30 Jun before interest starts)"
    ),
}
GAPS = {"missing": _("missing"), "unconfirmed": _("not confirmed")}
UPDATES = {
    "updated": _("updated"),
    "unchanged": _("unchanged"),
    "failed": _("failed"),
    "not configured": _("not configured"),
}


def _said(words: dict[str, str], value: str) -> str:
    found = words.get(value)
    return gettext(found) if found else value


def _show(
    request: Request,
    access: Access,
    day: date | None = None,
    outcomes: list[SourceOutcome] | None = None,
    status_code: int = 200,
) -> Response:
    web = context_of(request)
    tables = RateTables(web.settings.rates_dir)
    today = web.today(access.tenant)
    jurisdiction = tenant_config(request, access).jurisdiction
    needed = []
    for name, read in NEEDS.get(jurisdiction, ()):
        covered = days_covered(tables, name, read, today)
        needed.append((name, today + timedelta(days=covered - 1) if covered else None))
    asked = day or today
    return settings_page(
        request,
        access,
        "rates",
        tables=tables.all(),
        jurisdiction=jurisdiction,
        today=today,
        needed=needed,
        warnings=gaps(tables, jurisdiction, today),
        day=asked,
        day_gaps=gaps(tables, jurisdiction, asked, ahead=0),
        outcomes=outcomes,
        status_code=status_code,
        title_of=lambda table: _said(TITLES, table.name) if table.name in TITLES else table.title,
        title_named=lambda name: _said(TITLES, name) if name in TITLES else name,
        gap_word=lambda why: _said(GAPS, why),
        update_word=lambda status: _said(UPDATES, status),
    )


@router.get("/t/{tenant}/settings/rates")
def rates(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    day: Annotated[date | None, Query()] = None,
) -> Response:
    return _show(request, access, day)


@router.post("/t/{tenant}/settings/rates/update")
def update(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    web = context_of(request)
    report = update_tables(
        RateTables(web.settings.rates_dir), web.settings.rate_sources, clock=web.clock
    )
    audit(
        request,
        access,
        "rates",
        outcome={o.table: o.status for o in report.outcomes},
    )
    return _show(
        request, access, outcomes=report.outcomes, status_code=200 if report.any_ok else 502
    )
