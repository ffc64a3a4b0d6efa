"""The customers a person follows up: every customer with an open balance, filtered, sorted
and paginated in SQL, so a page of 50 costs the same with 20,000 customers as with 40.

What a row shows is figured exactly, in Decimal, for the page's customers only: the net open
balance per currency as ``relance report`` gives it (open invoices, less open credit notes
and payments not yet matched to an invoice, received by the day: ``connector.reports``), the
oldest late part of an invoice (instalment by instalment), the current step. The ordering
and the filters work on what SQL can sum and compare (the amounts' sum, the invoices' due
dates): the same figures, except that an invoice split into instalments counts late from
its due date — its last instalment's — in the late-bucket filter and the days-late sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Numeric,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import ColumnElement

from connector.instalments import term_balances
from connector.model import ReceivableKind, ReceivableStatus
from connector.money import Money, Totals
from connector.store import schema as t
from connector.store._base import StoreBase
from connector.store.ledger import row_to_receivable

__all__ = ["Bucket", "CustomerListMixin", "CustomerQuery", "CustomerRow", "Sort"]

_OPEN = (ReceivableStatus.OPEN.value, ReceivableStatus.PARTIALLY_PAID.value)
NEVER = date.max


class Bucket(StrEnum):
    """How late the customer's oldest open invoice is (``connector.reports.BUCKETS``)."""

    NOT_DUE = "not_due"
    D1_30 = "1-30"
    D31_60 = "31-60"
    D61_90 = "61-90"
    D90 = "90+"


class Sort(StrEnum):
    NAME = "name"
    BALANCE = "balance"
    LATE = "late"
    NEXT = "next"


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    today: date
    search: str = ""
    bucket: Bucket | None = None
    promise: bool = False
    dispute: bool = False
    paused: bool = False
    blocked: bool = False
    sort: Sort = Sort.BALANCE
    descending: bool = True
    page: int = 1
    size: int = 50
    grace_days: int = 0  # the policy's promise_grace_days: a promise holds until then


@dataclass(slots=True)
class CustomerRow:
    key: str
    external_id: str
    name: str
    balance: Totals
    oldest_late: int | None  # days the oldest late part is late; None: nothing late
    step: str | None  # the last dunning step done on one of its items
    last_action_on: date | None
    next_review_on: date | None  # None: at the next run; date.max: nothing will come due
    blocked: list[dict[str, Any]] = field(default_factory=list)
    promise: bool = False
    dispute: bool = False
    plan: bool = False
    paused: bool = False


@dataclass(frozen=True, slots=True)
class CustomerPage:
    rows: list[CustomerRow]
    total: int  # customers matching the query, all pages


def _amount(column: Any) -> ColumnElement[Any]:
    """An amount SQL can add and compare (text on SQLite: read as a number, for sorting)."""
    return cast(column, Numeric(20, 6))


def _text(table: Any, name: str) -> ColumnElement[Any]:
    found: ColumnElement[Any] = table.c.data[name].as_string()
    return found


class CustomerListMixin(StoreBase):
    def customers_page(self, tenant: str, query: CustomerQuery) -> CustomerPage:
        r, p, c = t.receivables, t.payments, t.customers
        today = query.today
        owed = (
            select(
                r.c.customer_key.label("ck"),
                func.sum(
                    case(
                        (r.c.kind == ReceivableKind.CREDIT_NOTE.value, -_amount(r.c.open_balance)),
                        else_=_amount(r.c.open_balance),
                    )
                ).label("owed"),
                func.min(
                    case((r.c.kind == ReceivableKind.INVOICE.value, r.c.due_on), else_=None)
                ).label("oldest_due"),
            )
            # the store never keeps a document open with nothing owed on it (a zero balance is
            # stored as paid): the status says it
            .where(r.c.tenant == tenant, r.c.status.in_(_OPEN))
            .group_by(r.c.customer_key)
            .subquery("owed")
        )
        unapplied = (
            select(p.c.customer_key.label("ck"), func.sum(_amount(p.c.unapplied)).label("credit"))
            .where(p.c.tenant == tenant, _amount(p.c.unapplied) > 0, p.c.received_on <= today)
            .group_by(p.c.customer_key)
            .subquery("unapplied")
        )
        # sums and due dates: the open documents of every customer, grouped once, from the
        # customer indexes alone (migration 0013) — on PostgreSQL faster than asking, customer
        # by customer, whether anything is owed, whatever the sort
        net = func.coalesce(owed.c.owed, 0) - func.coalesce(unapplied.c.credit, 0)
        where: list[ColumnElement[bool]] = [
            c.c.tenant == tenant,
            or_(owed.c.ck.is_not(None), unapplied.c.ck.is_not(None)),
        ]
        base: Any = c.outerjoin(owed, owed.c.ck == c.c.key).outerjoin(
            unapplied, unapplied.c.ck == c.c.key
        )
        oldest_due: ColumnElement[Any] = owed.c.oldest_due
        where.extend(self._filters(tenant, query, oldest_due))
        order: ColumnElement[Any] = {
            Sort.NAME: func.lower(c.c.name),
            Sort.BALANCE: net,
            # the most late first when descending: the oldest due date
            Sort.LATE: func.coalesce(oldest_due, date.max),
            Sort.NEXT: func.coalesce(c.c.next_review_on, date.min),
        }[query.sort]
        late_first = query.descending != (query.sort is Sort.LATE)
        ordered = order.desc() if late_first else order.asc()
        columns = (
            c.c.key,
            c.c.external_id,
            c.c.name,
            c.c.next_review_on,
            c.c.last_action_on,
            c.c.blocked,
            func.count().over().label("matching"),  # the count, in the same pass
        )
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(*columns)
                .select_from(base)
                .where(*where)
                .order_by(ordered, c.c.id)
                .limit(query.size)
                .offset((max(query.page, 1) - 1) * query.size)
            ).all()
            if rows:
                total = rows[0].matching
            else:  # past the last page: count alone
                count = select(func.count()).select_from(base).where(*where)
                total = conn.execute(count).scalar_one()
            found = [
                CustomerRow(
                    key=row.key,
                    external_id=row.external_id,
                    name=row.name,
                    balance=Totals(),
                    oldest_late=None,
                    step=None,
                    last_action_on=row.last_action_on,
                    next_review_on=row.next_review_on,
                    blocked=list(row.blocked) if row.blocked else [],
                )
                for row in rows
            ]
            self._fill_rows(conn, tenant, found, query)
        return CustomerPage(found, int(total))

    def _filters(
        self, tenant: str, query: CustomerQuery, oldest_due: ColumnElement[Any]
    ) -> list[ColumnElement[bool]]:
        c = t.customers
        today = query.today
        where: list[ColumnElement[bool]] = []
        text = query.search.strip()
        if text:
            needle = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(
                or_(
                    func.lower(c.c.name).like(f"%{needle}%", escape="\\"),
                    func.lower(c.c.external_id).like(f"{needle}%", escape="\\"),
                )
            )
        if query.bucket is not None:
            where.append(_bucket(query.bucket, oldest_due, today))
        if query.promise:
            where.append(_live_promise(tenant, today, query.grace_days))
        if query.dispute:
            where.append(_open_dispute(tenant, today))
        if query.paused:
            where.append(_active_pause(tenant, today))
        if query.blocked:
            where.append(c.c.blocked.is_not(None))
        return where

    def _fill_rows(self, conn: Any, tenant: str, rows: list[CustomerRow], q: CustomerQuery) -> None:
        """The exact figures and the flags of the page's customers."""
        if not rows:
            return
        keys = [row.key for row in rows]
        by_key = {row.key: row for row in rows}
        today = q.today
        oldest: dict[str, date] = {}
        for found in conn.execute(
            select(t.receivables).where(
                t.receivables.c.tenant == tenant,
                t.receivables.c.customer_key.in_(keys),
                t.receivables.c.status.in_(_OPEN),
            )
        ):
            receivable = row_to_receivable(found)
            if not receivable.is_open:
                continue
            row = by_key[found.customer_key]
            if receivable.kind is ReceivableKind.CREDIT_NOTE:
                row.balance.add(-receivable.open_balance)
                continue
            row.balance.add(receivable.open_balance)
            for part in term_balances(receivable):
                if part.open.is_positive and part.due_on < today:
                    earliest = oldest.get(found.customer_key)
                    oldest[found.customer_key] = min(part.due_on, earliest or part.due_on)
        for payment in conn.execute(
            select(t.payments.c.customer_key, t.payments.c.currency, t.payments.c.unapplied).where(
                t.payments.c.tenant == tenant,
                t.payments.c.customer_key.in_(keys),
                t.payments.c.received_on <= today,
            )
        ):
            if payment.unapplied > 0:
                by_key[payment.customer_key].balance.add(
                    -Money(payment.unapplied, payment.currency)
                )
        for key, day in oldest.items():
            by_key[key].oldest_late = (today - day).days
        latest: dict[str, tuple[date, str]] = {}
        for progress in conn.execute(
            select(
                t.item_progress.c.customer_key, t.item_progress.c.step, t.item_progress.c.last_on
            ).where(
                t.item_progress.c.tenant == tenant,
                t.item_progress.c.customer_key.in_(keys),
                t.item_progress.c.step.is_not(None),
                t.item_progress.c.last_on.is_not(None),
            )
        ):
            seen = latest.get(progress.customer_key)
            if seen is None or progress.last_on > seen[0]:
                latest[progress.customer_key] = (progress.last_on, progress.step)
        for key, (_day, step) in latest.items():
            by_key[key].step = step
        for flag, condition in (
            ("promise", _live_promise(tenant, today, q.grace_days)),
            ("dispute", _open_dispute(tenant, today)),
            ("plan", _live_plan(tenant, today)),
            ("paused", _active_pause(tenant, today)),
        ):
            for found in conn.execute(
                select(t.customers.c.key).where(
                    t.customers.c.tenant == tenant, t.customers.c.key.in_(keys), condition
                )
            ):
                setattr(by_key[found.key], flag, True)


def _bucket(bucket: Bucket, oldest_due: ColumnElement[Any], today: date) -> ColumnElement[bool]:
    def late_by(days: int) -> date:
        return today - timedelta(days=days)

    if bucket is Bucket.NOT_DUE:
        return or_(oldest_due.is_(None), oldest_due >= today)
    low, high = {
        Bucket.D1_30: (1, 30),
        Bucket.D31_60: (31, 60),
        Bucket.D61_90: (61, 90),
        Bucket.D90: (91, None),
    }[bucket]
    conditions = [oldest_due <= late_by(low)]
    if high is not None:
        conditions.append(oldest_due >= late_by(high))
    return and_(*conditions)


def _side(table: Any, tenant: str, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(literal(1)).where(
            table.c.tenant == tenant, table.c.customer_key == t.customers.c.key, *conditions
        )
    )


def _not_after(column: ColumnElement[Any], day: date) -> ColumnElement[bool]:
    return column <= day.isoformat()


def _live_promise(tenant: str, today: date, grace_days: int) -> ColumnElement[bool]:
    """A promise not cancelled, not broken, whose date (plus grace) has not passed."""
    pr = t.promises
    cancelled = _text(pr, "cancelled_on")
    return _side(
        pr,
        tenant,
        or_(cancelled.is_(None), cancelled > today.isoformat()),
        _text(pr, "broken_on").is_(None),
        _text(pr, "promised_on") >= (today - timedelta(days=grace_days)).isoformat(),
        _not_after(_text(pr, "recorded_on"), today),
    )


def _open_dispute(tenant: str, today: date) -> ColumnElement[bool]:
    d = t.disputes
    resolved = _text(d, "resolved_on")
    return _side(
        d,
        tenant,
        _not_after(_text(d, "opened_on"), today),
        or_(resolved.is_(None), resolved > today.isoformat()),
    )


def _live_plan(tenant: str, today: date) -> ColumnElement[bool]:
    pl = t.plans
    cancelled = _text(pl, "cancelled_on")
    return _side(
        pl,
        tenant,
        _not_after(_text(pl, "agreed_on"), today),
        or_(cancelled.is_(None), cancelled > today.isoformat()),
    )


def _active_pause(tenant: str, today: date) -> ColumnElement[bool]:
    pa = t.pauses
    until = _text(pa, "until")
    return _side(
        pa,
        tenant,
        _not_after(_text(pa, "since"), today),
        or_(until.is_(None), until >= today.isoformat()),
    )
