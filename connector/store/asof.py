"""What the store reads, beyond today's open ledger, to show a customer as of another day.

:func:`connector.asof.state_as_of` needs the payments received after the day (the store's
feed loads them with the rest) and the documents they settled, which may be closed today and
so outside the open set the planner reads: :func:`settled_documents` loads those. Progress
dated after the day is rebuilt from the actions sent up to it (:func:`states_as_of`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from connector.asof import progress_as_of, state_as_of
from connector.model import Payment, Receivable
from connector.planner import CustomerState, PlannedAction
from connector.policy import Policy
from connector.store import schema as t
from connector.store.codec import action_from_json
from connector.store.ledger import row_to_receivable
from connector.store.types import ActionStatus

__all__ = ["settled_documents", "states_as_of"]

_CHUNK = 500


def settled_documents(
    conn: Connection, tenant: str, payments: Iterable[Payment], day: date, loaded: set[str]
) -> list[Receivable]:
    """The documents that payments received after ``day`` settled, except those ``loaded``."""
    keys = sorted(
        {a.receivable_ref.key for p in payments if p.received_on > day for a in p.allocations}
        - loaded
    )
    found: list[Receivable] = []
    for start in range(0, len(keys), _CHUNK):
        rows = conn.execute(
            select(t.receivables).where(
                t.receivables.c.tenant == tenant,
                t.receivables.c.key.in_(keys[start : start + _CHUNK]),
            )
        )
        found.extend(row_to_receivable(row) for row in rows)
    return found


_DONE = [s.value for s in ActionStatus if s.done]  # sent, written, or a letter posted


def _sent(conn: Connection, tenant: str, keys: Sequence[str]) -> dict[str, list[PlannedAction]]:
    """Each customer's actions carried out, in the order they were (a letter dated by its
    posting: a letter still to post moved nothing)."""
    sent: dict[str, list[PlannedAction]] = defaultdict(list)
    for start in range(0, len(keys), _CHUNK):
        rows = conn.execute(
            select(t.actions.c.customer_key, t.actions.c.payload, t.actions.c.details)
            .where(
                t.actions.c.tenant == tenant,
                t.actions.c.customer_key.in_(keys[start : start + _CHUNK]),
                t.actions.c.status.in_(_DONE),
            )
            .order_by(t.actions.c.sent_at, t.actions.c.id)
        )
        for row in rows:
            action = action_from_json(row.payload)
            posted = (row.details or {}).get("posted_on")
            if posted:
                action = replace(action, planned_on=date.fromisoformat(posted))
            sent[row.customer_key].append(action)
    return sent


def _acted_after(state: CustomerState, day: date) -> bool:
    if state.last_action_on is not None and state.last_action_on > day:
        return True
    return any(p.last_on is not None and p.last_on > day for p in state.progress.values())


def states_as_of(
    conn: Connection,
    tenant: str,
    states: Sequence[CustomerState],
    day: date,
    policy: Policy | None,
    settled: Iterable[Receivable] = (),
) -> list[CustomerState]:
    """``states`` (with the payments received after ``day``) as they stood on ``day``.

    ``settled`` are documents closed today that later payments settled: each joins its
    customer's state before the view is taken. With ``policy``, the progress of a customer
    acted on after the day is rebuilt from the actions sent up to it; without, what is dated
    after the day is dropped (enough for figures, not for planning).
    """
    extra: dict[str, list[Receivable]] = defaultdict(list)
    for receivable in settled:
        extra[receivable.customer_ref.key].append(receivable)
    rebuild = [s.customer.ref.key for s in states if _acted_after(s, day)] if policy else []
    sent = _sent(conn, tenant, rebuild) if rebuild else {}
    viewed: list[CustomerState] = []
    for state in states:
        key = state.customer.ref.key
        changes: dict[str, Any] = {}
        if key in extra:
            changes["receivables"] = (*state.receivables, *extra[key])
        if policy is not None and key in rebuild:
            progress, last = progress_as_of(sent.get(key, ()), policy, day)
            changes.update(progress=progress, last_action_on=last)
        viewed.append(state_as_of(replace(state, **changes) if changes else state, day))
    return viewed
