"""Promises to pay: what a pending one holds, and which ones are broken.

A promise holds the items it covers until its date plus the policy's grace days; a promise
not kept by then is *broken*, and the next step goes at once. A promise is kept once the
covered balance has fallen by the promised amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from connector.dunning.items import ClaimLine
from connector.model import Promise

__all__ = ["PromiseHolds", "promise_holds"]


@dataclass(slots=True)
class PromiseHolds:
    held: set[str] = field(default_factory=set)  # item keys a pending promise holds
    broken: dict[str, frozenset[str]] = field(default_factory=dict)  # id -> items it covered
    notes: list[str] = field(default_factory=list)
    wake_on: list[date] = field(default_factory=list)


def _covers(promise: Promise, line: ClaimLine) -> bool:
    if line.ref is None:  # a plan's instalment: the plan, not a promise, governs it
        return False
    if not promise.receivable_refs:
        return True
    return any(ref.key == line.ref.key for ref in promise.receivable_refs)


def _kept(promise: Promise, lines: Sequence[ClaimLine]) -> bool:
    currency = promise.amount.currency
    covered = sum(
        (ln.open.amount for ln in lines if _covers(promise, ln) and ln.open.currency == currency),
        Decimal(0),
    )
    return covered <= promise.balance_at_promise.amount - promise.amount.amount


def promise_holds(
    promises: Sequence[Promise],
    lines: Sequence[ClaimLine],
    as_of: date,
    grace_days: int,
) -> PromiseHolds:
    """What the customer's promises hold on ``as_of``, and which are broken."""
    result = PromiseHolds()
    grace = timedelta(days=grace_days)
    for promise in promises:
        if promise.broken_on is not None or promise.recorded_on > as_of:
            continue
        if promise.cancelled_by(as_of):  # a cancelled promise holds nothing from that day
            continue
        if _kept(promise, lines):
            continue
        covered = [ln.key for ln in lines if _covers(promise, ln)]
        if as_of <= promise.promised_on + grace:
            result.held.update(covered)
            result.notes.append(
                f"{len(covered)} item(s) held: promise to pay by {promise.promised_on}"
            )
            result.wake_on.append(promise.promised_on + grace + timedelta(days=1))
        elif covered:
            result.broken[promise.id] = frozenset(covered)
            result.notes.append(f"promise {promise.id} of {promise.promised_on} broken")
    return result
