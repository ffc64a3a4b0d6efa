"""How well each reminder works: what was paid on invoices after each dunning step.

A payment's allocation to an invoice counts for the step last carried out on that invoice
before the day the payment was received (a payment received the same day as a reminder was
on its way already: it counts for the step before). Carried out means sent, written or, for
a letter, posted — on its posting day, as the schedule counts it (:mod:`connector.store.asof`).
Nothing done or received after the day asked counts. Plan instalments (they are the plan's,
not an invoice's) are left out; an invoice's instalments count for their invoice.

The invoices each action carried out named are kept apart when it is carried out (the
store's ``action_steps``, :mod:`connector.store.dashboards`): each allocation looks up, by
index, the last step done on its invoice before its day — no action's JSON is read here.
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

__all__ = ["CollectedByStep", "StepCollection", "collected_by_step"]


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


def _figures(
    store: Store, tenant: str, since: date, as_of: date
) -> tuple[list[tuple[str, str, Decimal, int]], list[tuple[str, int]]]:
    with store.engine.connect() as conn:
        sql = Sql.of(conn)
        params = {"tenant": tenant, "since": since, "as_of": as_of}
        collected = conn.execute(
            query(
                f"""
                WITH alloc AS MATERIALIZED (
                    SELECT p.received_on AS day, p.currency AS currency,
                           {sql.field("a.value", "receivable")} AS rkey,
                           {sql.amount(sql.field("a.value", "amount"))} AS amount
                    FROM payments p, {sql.elements("p.allocations", "a")}
                    WHERE p.tenant = :tenant AND p.received_on > :since
                      AND p.received_on <= :as_of
                ),
                stepped AS (
                    SELECT alloc.rkey AS rkey, alloc.currency AS currency, alloc.amount AS amount,
                           (SELECT s.step FROM action_steps s
                            WHERE s.tenant = :tenant AND s.receivable = alloc.rkey
                              AND s.done_on < alloc.day
                            ORDER BY s.done_on DESC, s.action_id DESC LIMIT 1) AS last_step
                    FROM alloc
                )
                SELECT COALESCE(last_step, '') AS step, currency, SUM(amount) AS amount,
                       COUNT(DISTINCT rkey) AS invoices
                FROM stepped
                GROUP BY COALESCE(last_step, ''), currency
                """,  # noqa: S608 - constant fragments, values bound
                params,
            ),
            params,
        ).all()
        reached = conn.execute(
            query(
                """
                SELECT step, COUNT(DISTINCT receivable) AS invoices FROM action_steps
                WHERE tenant = :tenant AND done_on > :since AND done_on <= :as_of
                GROUP BY step
                """,
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
