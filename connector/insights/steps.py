"""How well each reminder works: what was paid on invoices after each dunning step.

A payment's allocation to an invoice counts for the step last carried out on that invoice
before the day the payment was received (a payment received the same day as a reminder was
on its way already: it counts for the step before). Carried out means sent, written or, for
a letter, posted — on its posting day, as the schedule counts it (:mod:`connector.store.asof`).
Nothing done or received after the day asked counts. Plan instalments (they are the plan's,
not an invoice's) are left out; an invoice's instalments count for their invoice.

One query: the actions' invoices and the payments' allocations on one timeline per invoice,
ordered by day; a window function carries each step forward onto the payments after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.insights._sql import Sql, query
from connector.money import Money
from connector.policy import Policy, default_policy
from connector.store import Store
from connector.store.types import ActionStatus

__all__ = ["CollectedByStep", "StepCollection", "collected_by_step"]

_DONE = ", ".join(f"'{s.value}'" for s in ActionStatus if s.done)


@dataclass(frozen=True, slots=True)
class StepCollection:
    """What was paid after one step: per currency, and on how many invoices."""

    step: str  # the policy's step name; "" for payments before any step
    collected: Mapping[str, Money]
    invoices_paid: int  # invoices that received a payment counted here
    invoices_reached: int  # invoices the step was carried out on in the period


@dataclass(frozen=True, slots=True)
class CollectedByStep:
    since: date  # payments received after this day ...
    as_of: date  # ... and up to this one
    steps: tuple[StepCollection, ...]  # in the policy's order, then any other step seen
    without_reminder: StepCollection  # paid before any step was carried out on the invoice


def _done(sql: Sql, array: str) -> str:
    ref = ("l.value", "ref")
    key = " || ':' || ".join(
        sql.field(*ref, part) for part in ("platform", "tenant", "external_id")
    )
    posted = sql.as_date(sql.field("a.details", "posted_on"))
    return f"""
        SELECT a.id AS seq, a.step AS step, COALESCE({posted}, a.planned_on) AS day, {key} AS rkey
        FROM actions a, {sql.elements("a.payload", "l", array)}
        WHERE a.tenant = :tenant AND a.status IN ({_DONE})
    """  # noqa: S608 - constant fragments, values bound


def _figures(
    store: Store, tenant: str, since: date, as_of: date
) -> tuple[list[tuple[str, str, Decimal, int]], list[tuple[str, int]]]:
    with store.engine.connect() as conn:
        sql = Sql.of(conn)
        text_ = "VARCHAR" if sql.dialect == "postgresql" else "TEXT"
        number = "NUMERIC" if sql.dialect == "postgresql" else "INTEGER"
        params = {"tenant": tenant, "since": since, "as_of": as_of}
        done = f"""
            SELECT * FROM ({_done(sql, "lines")} UNION ALL {_done(sql, "upcoming")}) AS done
            WHERE rkey IS NOT NULL AND day <= :as_of
        """  # noqa: S608 - constant fragments, values bound
        collected = conn.execute(
            query(
                f"""
                WITH done AS MATERIALIZED ({done}),
                alloc AS MATERIALIZED (
                    SELECT p.received_on AS day, p.currency AS currency,
                           {sql.field("a.value", "receivable")} AS rkey,
                           {sql.amount(sql.field("a.value", "amount"))} AS amount
                    FROM payments p, {sql.elements("p.allocations", "a")}
                    WHERE p.tenant = :tenant AND p.received_on > :since
                      AND p.received_on <= :as_of
                ),
                timeline AS (
                    SELECT rkey, day, 1 AS is_done, seq, step,
                           CAST(NULL AS {text_}) AS currency, CAST(NULL AS {number}) AS amount
                    FROM done WHERE rkey IN (SELECT rkey FROM alloc)
                    UNION ALL
                    SELECT rkey, day, 0, 0, CAST(NULL AS {text_}), currency, amount FROM alloc
                ),
                numbered AS (
                    SELECT timeline.*, SUM(is_done) OVER (
                        PARTITION BY rkey ORDER BY day, is_done, seq ROWS UNBOUNDED PRECEDING
                    ) AS after
                    FROM timeline
                ),
                stepped AS (
                    SELECT numbered.*, MAX(step) OVER (PARTITION BY rkey, after) AS last_step
                    FROM numbered
                )
                SELECT COALESCE(last_step, '') AS step, currency, SUM(amount) AS amount,
                       COUNT(DISTINCT rkey) AS invoices
                FROM stepped WHERE is_done = 0
                GROUP BY COALESCE(last_step, ''), currency
                """,  # noqa: S608 - constant fragments, values bound
                params,
            ),
            params,
        ).all()
        reached = conn.execute(
            query(
                f"""
                SELECT step, COUNT(DISTINCT rkey) AS invoices FROM ({done}) AS done
                WHERE day > :since GROUP BY step
                """,  # noqa: S608 - constant fragments, values bound
                params,
            ),
            params,
        ).all()
        return [(r.step, r.currency, sql.decimal(r.amount), r.invoices) for r in collected], [
            (r.step, r.invoices) for r in reached
        ]


def collected_by_step(
    store: Store,
    tenant: str,
    as_of: date,
    *,
    since: date,
    policy: Policy | None = None,
) -> CollectedByStep:
    """What was paid after each step on payments received in (``since``, ``as_of``]."""
    collected, reached = _figures(store, tenant, since, as_of)
    amounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
    paid: dict[str, int] = defaultdict(int)
    for step, currency, amount, invoices in collected:
        amounts[step][currency] = amounts[step].get(currency, Decimal(0)) + amount
        paid[step] += invoices
    reach = dict(reached)
    names = [s.name for s in (policy or default_policy()).steps]
    names += sorted((set(amounts) | set(reach)) - set(names) - {""})

    def one(step: str) -> StepCollection:
        money = {c: Money(a, c) for c, a in sorted(amounts.get(step, {}).items())}
        return StepCollection(step, money, paid.get(step, 0), reach.get(step, 0))

    return CollectedByStep(since, as_of, tuple(one(s) for s in names), one(""))
