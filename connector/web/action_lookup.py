"""Finding one action of a tenant for the web app: recorded in the outbox, or only planned
(today's or a coming day's, not recorded yet), by its key — and never another tenant's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fastapi import HTTPException

from connector.errors import RelanceError
from connector.executor import Executor
from connector.planner import PlannedAction, plan_customer
from connector.store import ActionRecord, ActionStatus, Store

# not gone out yet: the next run (today at the earliest) renders it on its own day
PENDING = (
    ActionStatus.AWAITING_APPROVAL,
    ActionStatus.PLANNED,
    ActionStatus.HELD,
    ActionStatus.FAILED,
)


def recorded(store: Store, tenant: str, key: str) -> ActionRecord | None:
    try:
        return store.action(tenant, key)
    except RelanceError:
        return None


def customer_key_of(action_key: str) -> str:
    return action_key.split("|", 1)[0]


def _plan_of(
    executor: Executor, store: Store, tenant: str, customer_key: str, today: date, day: date | None
) -> list[PlannedAction] | None:
    """The actions the planner plans for this customer on ``day`` (default: its next review,
    today at the earliest); None when this tenant has no such customer."""
    try:
        customer = store.customer(tenant, customer_key)
    except RelanceError:
        return None
    states = list(
        store.customer_states(
            tenant, customer_refs=[customer.ref], as_of=today, policy=executor.policy
        )
    )
    if not states:
        return None
    if day is None:
        day = max(today, store.next_review(tenant, customer.ref.key) or today)
    return list(plan_customer(states[0], executor.policy, executor.calendar, day).actions)


def planned(executor: Executor, store: Store, tenant: str, key: str, today: date) -> PlannedAction:
    """The action ``key`` as the planner plans it for its customer's next review (today at
    the earliest); 404 when this tenant has no such customer or no such action."""
    for action in _plan_of(executor, store, tenant, customer_key_of(key), today, None) or []:
        if action.key == key:
            return action
    raise HTTPException(status_code=404)


def as_next_run(
    executor: Executor, store: Store, record: ActionRecord, today: date
) -> ActionRecord:
    """A recorded action not gone out yet, as the next run (today at the earliest) carries it
    out: that run plans its customer afresh and sends the action of the same key on its own
    day — the letter's date, the days late, the interest as of that day."""
    if record.status not in PENDING or record.planned_on >= today:
        return record
    fresh = next(
        (
            a
            for a in _plan_of(executor, store, record.tenant, record.customer_ref.key, today, today)
            or []
            if a.key == record.key
        ),
        replace(record.action, planned_on=today),
    )
    return replace(record, planned_on=fresh.planned_on, action=fresh)


def find(
    executor: Executor, store: Store, tenant: str, key: str, today: date
) -> ActionRecord | PlannedAction:
    found = recorded(store, tenant, key)
    if found is None:
        return planned(executor, store, tenant, key, today)
    return as_next_run(executor, store, found, today)
