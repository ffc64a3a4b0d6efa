"""Finding one action of a tenant for the web app: recorded in the outbox, or only planned
(today's or a coming day's, not recorded yet), by its key — and never another tenant's."""

from __future__ import annotations

from datetime import date

from fastapi import HTTPException

from connector.errors import RelanceError
from connector.executor import Executor
from connector.planner import PlannedAction, plan_customer
from connector.store import ActionRecord, Store


def recorded(store: Store, tenant: str, key: str) -> ActionRecord | None:
    try:
        return store.action(tenant, key)
    except RelanceError:
        return None


def customer_key_of(action_key: str) -> str:
    return action_key.split("|", 1)[0]


def planned(executor: Executor, store: Store, tenant: str, key: str, today: date) -> PlannedAction:
    """The action ``key`` as the planner plans it for its customer's next review (today at
    the earliest); 404 when this tenant has no such customer or no such action."""
    try:
        customer = store.customer(tenant, customer_key_of(key))
    except RelanceError:
        raise HTTPException(status_code=404) from None
    states = list(
        store.customer_states(
            tenant, customer_refs=[customer.ref], as_of=today, policy=executor.policy
        )
    )
    if not states:
        raise HTTPException(status_code=404)
    day = max(today, store.next_review(tenant, customer.ref.key) or today)
    plan = plan_customer(states[0], executor.policy, executor.calendar, day)
    for action in plan.actions:
        if action.key == key:
            return action
    raise HTTPException(status_code=404)


def find(
    executor: Executor, store: Store, tenant: str, key: str, today: date
) -> ActionRecord | PlannedAction:
    found = recorded(store, tenant, key)
    return found if found is not None else planned(executor, store, tenant, key, today)
