"""The aged balance and DSO over the last twelve months: one point at the end of each month,
and one on the day asked.

Each point is what ``relance report --as-of DAY`` shows for that day (:mod:`connector.reports`
decides the buckets, :mod:`connector.asof` what existed): the documents issued by then, open
by what the payments received after it settled, each in the bucket of its lateness, less the
open credit notes and the unapplied payments received by then. The figures come from grouped
queries — one read of the open ledger, one of the payments, whatever the tenant's size —
rather than from each document in Python: the documents touched by a later payment are
reopened in SQL, day by day; an invoice whose terms split it (a handful) goes through the
report's own code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Date

from connector.asof import receivables_as_of
from connector.insights._sql import Sql, query
from connector.instalments import term_balances
from connector.money import Money, Totals
from connector.reports import BUCKETS, DEDUCTIONS, bucket_of, days_sales_outstanding
from connector.store import Store
from connector.store.ledger import row_to_payment, row_to_receivable

__all__ = [
    "COLUMNS",
    "AgedHistory",
    "AgedPoint",
    "DsoHistory",
    "DsoPoint",
    "aged_history",
    "dso_history",
    "month_ends",
]

COLUMNS = (*BUCKETS, *DEDUCTIONS)
_OPEN = "('open', 'partially_paid')"


def month_ends(as_of: date, months: int = 12) -> tuple[date, ...]:
    """The last day of each of the ``months`` months before ``as_of``'s, oldest first, then
    ``as_of`` itself."""
    ends: list[date] = []
    day = as_of.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return (*reversed(ends), as_of)


@dataclass(frozen=True, slots=True)
class AgedPoint:
    """The aged balance on one day: per currency, each bucket and deduction (``COLUMNS``)."""

    as_of: date
    by_currency: Mapping[str, Mapping[str, Money]]
    invoices: int
    credit_notes: int
    unapplied_payments: int

    def total(self, currency: str) -> Money:
        """The net open balance: the buckets less the deductions (the report's ``total``)."""
        columns = self.by_currency.get(currency, {})
        owed = sum((columns[b].amount for b in BUCKETS if b in columns), Decimal(0))
        less = sum((columns[d].amount for d in DEDUCTIONS if d in columns), Decimal(0))
        return Money(owed - less, currency)

    def totals(self) -> Totals:
        return Totals(self.total(c) for c in sorted(self.by_currency))


@dataclass(frozen=True, slots=True)
class AgedHistory:
    points: tuple[AgedPoint, ...]  # oldest first; the last is the day asked

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({c for p in self.points for c in p.by_currency}))


@dataclass(frozen=True, slots=True)
class DsoPoint:
    as_of: date
    days: Mapping[str, Decimal | None]  # per currency; None without sales in the period
    open: Mapping[str, Money]  # the net open balance the figure divides
    sales: Mapping[str, Money]  # invoiced, net of credit notes, in the period before as_of


@dataclass(frozen=True, slots=True)
class DsoHistory:
    period_days: int
    points: tuple[DsoPoint, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({c for p in self.points for c in p.days}))


class _Point:
    """A point being added up: amounts by currency and column, and document counts."""

    def __init__(self) -> None:
        self.amounts: dict[str, dict[str, Decimal]] = defaultdict(
            lambda: dict.fromkeys(COLUMNS, Decimal(0))
        )
        self.invoices = self.credit_notes = self.payments = 0

    def add(self, currency: str, column: str, amount: Decimal) -> None:
        self.amounts[currency][column] += amount

    def count(self, kind: str, n: int) -> None:
        if kind == "credit_note":
            self.credit_notes += n
        else:
            self.invoices += n

    def frozen(self, day: date) -> AgedPoint:
        return AgedPoint(
            day,
            {
                currency: {name: Money(v, currency) for name, v in columns.items()}
                for currency, columns in sorted(self.amounts.items())
            },
            self.invoices,
            self.credit_notes,
            self.payments,
        )


def _column(kind: str, due_on: date, day: date) -> str:
    return "credit_notes" if kind == "credit_note" else bucket_of(due_on, day)


def _open_now(
    conn: Connection, sql: Sql, tenant: str, last: date, points: list[_Point], days: Sequence[date]
) -> None:
    """The documents open today, by issue and due date: each counts on the days it existed."""
    open_ = sql.amount("r.open_balance")
    params = {"tenant": tenant, "last": last}
    rows = conn.execute(
        query(
            f"""
            SELECT r.kind AS kind, r.currency AS currency, r.issued_on AS issued_on,
                   r.due_on AS due_on, SUM({open_}) AS amount, COUNT(*) AS n
            FROM receivables r
            WHERE r.tenant = :tenant AND r.status IN {_OPEN} AND {sql.positive("r.open_balance")}
              AND {sql.no_terms("r.instalments")} AND r.issued_on <= :last
            GROUP BY r.kind, r.currency, r.issued_on, r.due_on
            """,  # noqa: S608 - constant fragments, values bound
            params,
            issued_on=Date,
            due_on=Date,
        ),
        params,
    )
    for row in rows:
        amount = sql.decimal(row.amount)
        for point, day in zip(points, days, strict=True):
            if row.issued_on <= day:
                point.add(row.currency, _column(row.kind, row.due_on, day), amount)
                point.count(row.kind, row.n)


def _allocations(sql: Sql) -> str:
    """The allocations of the payments received after ``:first``, one row each."""
    return f"""
        SELECT p.id AS pid, p.received_on AS received_on, p.currency AS currency,
               {sql.field("a.value", "receivable")} AS rkey,
               {sql.amount(sql.field("a.value", "amount"))} AS amount
        FROM payments p, {sql.elements("p.allocations", "a")}
        WHERE p.tenant = :tenant AND p.received_on > :first
    """  # noqa: S608 - constant fragments, values bound


def _periods(sql: Sql, days: Sequence[date]) -> tuple[str, dict[str, Any]]:
    """How many of ``days`` a payment was received after (0 to len(days)), as SQL."""
    cast = "CAST(:{} AS DATE)" if sql.dialect == "postgresql" else ":{}"
    whens = " ".join(
        f"WHEN p.received_on > {cast.format(f'day_{i}')} THEN {i + 1}"
        for i in reversed(range(len(days)))
    )
    return f"CASE {whens} ELSE 0 END", {f"day_{i}": day for i, day in enumerate(days)}


def _reopened(
    conn: Connection, sql: Sql, tenant: str, days: Sequence[date], points: list[_Point]
) -> None:
    """What the payments received after each day settled, put back: a document touched by
    one is open on the day by the lesser of its total and its open balance plus what came
    later (:func:`connector.asof.receivables_as_of`); the change from today's figure counts.

    The allocations are grouped per document by how many of the days they came after; a
    running sum from the latest gives what came after each day, constant over a run of days
    (``lo``..``hi``). Each document is read once per run, and the runs of documents alike
    (kind, due and issue dates) are added up in SQL; Python spreads them over their days."""
    period, params = _periods(sql, days)
    params = {**params, "tenant": tenant, "first": days[0]}
    open_, total = sql.amount("r.open_balance"), sql.amount("r.total")
    counted = f"(r.status IN {_OPEN} AND {sql.positive('r.open_balance')})"
    allocations = f"""
        SELECT {sql.field("a.value", "receivable")} AS rkey, p.currency AS currency,
               {period} AS period, {sql.amount(sql.field("a.value", "amount"))} AS amount
        FROM payments p, {sql.elements("p.allocations", "a")}
        WHERE p.tenant = :tenant AND p.received_on > :first
    """  # noqa: S608 - constant fragments, values bound
    rows = conn.execute(
        query(
            f"""
            WITH alloc AS MATERIALIZED ({allocations}),
            per AS (
                SELECT rkey, currency, period, SUM(amount) AS amount
                FROM alloc GROUP BY rkey, currency, period
            ),
            runs AS MATERIALIZED (
                SELECT rkey, currency, period - 1 AS hi,
                       COALESCE(LEAD(period) OVER later, 0) AS lo,
                       SUM(amount) OVER (later ROWS UNBOUNDED PRECEDING) AS back
                FROM per
                WINDOW later AS (PARTITION BY rkey, currency ORDER BY period DESC)
            )
            SELECT runs.lo AS lo, runs.hi AS hi, r.kind AS kind, r.currency AS currency,
                   r.due_on AS due_on, r.issued_on AS issued_on,
                   SUM(CASE WHEN {open_} + runs.back > {total} THEN {total}
                            ELSE {open_} + runs.back END
                       - CASE WHEN {counted} THEN {open_} ELSE 0 END) AS amount,
                   SUM(CASE WHEN {counted} THEN 0 ELSE 1 END) AS n
            FROM {_documents_of_runs(sql)}
            GROUP BY runs.lo, runs.hi, r.kind, r.currency, r.due_on, r.issued_on
            """,  # noqa: S608 - constant fragments, values bound
            params,
            due_on=Date,
            issued_on=Date,
        ),
        params,
    )
    for row in rows:
        amount = sql.decimal(row.amount)
        for i in range(row.lo, row.hi + 1):
            day = days[i]
            if row.issued_on <= day:
                points[i].add(row.currency, _column(row.kind, row.due_on, day), amount)
                points[i].count(row.kind, row.n)


def _documents_of_runs(sql: Sql) -> str:
    """Each run beside its document (``r``). On PostgreSQL a lateral look-up by the
    document's key (a key is unique: ``LIMIT 1`` changes no result, and keeps the planner
    from folding the look-up into a join): one index probe per run, whatever the planner
    believes of the tables' sizes (a ledger imported a minute ago has no statistics yet, and
    a join the planner thinks small would read every document once per run)."""
    found = f"""
        r.tenant = :tenant AND r.key = runs.rkey AND r.currency = runs.currency
        AND r.status <> 'cancelled' AND {sql.positive("r.total")}
        AND {sql.no_terms("r.instalments")}
    """
    if sql.dialect == "postgresql":
        return f"""runs CROSS JOIN LATERAL (
            SELECT r.kind, r.currency, r.due_on, r.issued_on, r.status, r.open_balance, r.total
            FROM receivables r WHERE {found}
            LIMIT 1
        ) AS r"""  # noqa: S608 - constant fragments, values bound
    return f"runs CROSS JOIN receivables r WHERE {found}"


def _split_invoices(
    conn: Connection, sql: Sql, tenant: str, days: Sequence[date], points: list[_Point]
) -> None:
    """Invoices whose terms split them, through the report's own code: each part in the
    bucket of its own due date, payments covering the parts in order."""
    params = {"tenant": tenant, "first": days[0], "last": days[-1]}
    touched = f"SELECT pid, rkey FROM ({_allocations(sql)}) AS alloc"  # noqa: S608
    docs = [
        row_to_receivable(row)
        for row in conn.execute(
            query(
                f"""
                SELECT r.* FROM receivables r
                WHERE r.tenant = :tenant AND NOT {sql.no_terms("r.instalments")}
                  AND r.issued_on <= :last
                  AND (r.status IN {_OPEN} OR r.key IN (SELECT rkey FROM ({touched}) AS t))
                """,  # noqa: S608 - constant fragments, values bound
                params,
            ),
            params,
        )
    ]
    if not docs:
        return
    keys = {d.ref.key for d in docs}
    rows = conn.execute(
        query(
            f"SELECT p.* FROM payments p WHERE p.id IN (SELECT pid FROM ({touched}) AS t)",  # noqa: S608
            params,
        ),
        params,
    )
    later = [
        payment
        for payment in map(row_to_payment, rows)
        if any(a.receivable_ref.key in keys for a in payment.allocations)
    ]
    for point, day in zip(points, days, strict=True):
        for receivable in receivables_as_of(docs, later, day):
            if not receivable.is_open:
                continue
            point.count("invoice", 1)
            for part in term_balances(receivable):
                if part.open.is_positive:
                    point.add(receivable.currency, bucket_of(part.due_on, day), part.open.amount)


def _unapplied(
    conn: Connection, sql: Sql, tenant: str, days: Sequence[date], points: list[_Point]
) -> None:
    """The payments with a part matched to nothing yet, from the day each was received."""
    params = {"tenant": tenant, "last": days[-1]}
    rows = conn.execute(
        query(
            f"""
            SELECT p.currency AS currency, p.received_on AS received_on,
                   SUM({sql.amount("p.unapplied")}) AS amount, COUNT(*) AS n
            FROM payments p
            WHERE p.tenant = :tenant AND {sql.positive("p.unapplied")} AND p.received_on <= :last
            GROUP BY p.currency, p.received_on
            """,  # noqa: S608 - constant fragments, values bound
            params,
            received_on=Date,
        ),
        params,
    )
    for row in rows:
        amount = sql.decimal(row.amount)
        for point, day in zip(points, days, strict=True):
            if row.received_on <= day:
                point.add(row.currency, "unapplied_payments", amount)
                point.payments += row.n


def aged_history(store: Store, tenant: str, as_of: date, *, months: int = 12) -> AgedHistory:
    """The aged balance at the end of each of the last ``months`` months and on ``as_of``."""
    days = month_ends(as_of, months)
    points = [_Point() for _ in days]
    with store.engine.connect() as conn:
        sql = Sql.of(conn)
        _open_now(conn, sql, tenant, days[-1], points, days)
        _reopened(conn, sql, tenant, days, points)
        _split_invoices(conn, sql, tenant, days, points)
        _unapplied(conn, sql, tenant, days, points)
    return AgedHistory(tuple(p.frozen(day) for p, day in zip(points, days, strict=True)))


def _sales(store: Store, tenant: str, days: Sequence[date], period: int) -> list[Totals]:
    """What was invoiced, net of credit notes, in the ``period`` days up to each day (the
    report's :meth:`~connector.store.Store.invoiced_totals`, from one grouped query)."""
    params = {"tenant": tenant, "since": days[0] - timedelta(days=period), "last": days[-1]}
    with store.engine.connect() as conn:
        sql = Sql.of(conn)
        total = sql.amount("r.total")
        rows = conn.execute(
            query(
                f"""
                SELECT r.currency AS currency, r.issued_on AS issued_on,
                       SUM(CASE WHEN r.kind = 'credit_note' THEN -{total} ELSE {total} END)
                         AS amount
                FROM receivables r
                WHERE r.tenant = :tenant AND r.status <> 'cancelled'
                  AND r.issued_on > :since AND r.issued_on <= :last
                GROUP BY r.currency, r.issued_on
                """,  # noqa: S608 - constant fragments, values bound
                params,
                issued_on=Date,
            ),
            params,
        ).all()
        found = [(row.currency, row.issued_on, sql.decimal(row.amount)) for row in rows]
    sales = []
    for day in days:
        since = day - timedelta(days=period)
        totals = Totals()
        for currency, issued_on, amount in found:
            if since < issued_on <= day:
                totals.add(Money(amount, currency))
        sales.append(totals)
    return sales


def dso_history(
    store: Store,
    tenant: str,
    as_of: date,
    *,
    period: int = 90,
    aged: AgedHistory | None = None,
    months: int = 12,
) -> DsoHistory:
    """DSO at the end of each of the last ``months`` months and on ``as_of``, as
    ``relance report --period PERIOD`` figures it (pass ``aged`` when already computed)."""
    aged = aged or aged_history(store, tenant, as_of, months=months)
    days = [p.as_of for p in aged.points]
    sales = _sales(store, tenant, days, period)
    points = []
    for point, sold in zip(aged.points, sales, strict=True):
        open_ = point.totals()
        points.append(
            DsoPoint(
                point.as_of, days_sales_outstanding(open_, sold, period), dict(open_), dict(sold)
            )
        )
    return DsoHistory(period, tuple(points))
