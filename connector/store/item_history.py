"""Each item's history, read from the outbox: every action carried out (or a letter still to
post) that listed it, with its dates and delivery details; and the channels that refused a
customer's addresses for good.

The outbox row is the source: its status says how far the action got, its ``details`` hold
what the channel reported and what a person recorded since (``registered``,
``tracking_number``, ``prepared_on``, ``posted_on``, ``received_on``, ``recipients``, and for
a refusal ``refused`` = ``{"channel", "recipients", "reason"}``). The shape handed out is
:class:`connector.dunning.history.StepTaken` (documented there, with its JSON form).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from connector.dunning.history import Delivery, Refusal, StepTaken
from connector.model import Channel
from connector.planner import steps_taken
from connector.store import schema as t
from connector.store.codec import action_from_json
from connector.store.types import ActionStatus

__all__ = ["SUPERSEDED", "load_cancelled", "load_history", "load_refusals"]

# how the executor closes a step's attempt a fallback took over (not a person's cancelling)
SUPERSEDED = "superseded: "

_DELIVERY = {
    ActionStatus.SENT: Delivery.SENT,
    ActionStatus.WRITTEN: Delivery.WRITTEN,
    ActionStatus.PREPARED: Delivery.PREPARED,
    ActionStatus.POSTED: Delivery.POSTED,
}
_CHUNK = 500


def _day(details: Mapping[str, Any], name: str) -> date | None:
    value = details.get(name)
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _steps(row: Any) -> dict[str, StepTaken]:
    delivery = _DELIVERY[ActionStatus(row.status)]
    details: Mapping[str, Any] = row.details or {}
    letter = Channel(row.channel) is Channel.LETTER
    on = (_day(details, "posted_on") if delivery is Delivery.POSTED else None) or row.planned_on
    taken = steps_taken(action_from_json(row.payload), delivery, on)
    if not letter:
        return taken
    prepared_on = _day(details, "prepared_on") or row.planned_on
    registered = bool(details.get("registered"))
    tracking = str(details.get("tracking_number") or "") or None
    received_on = _day(details, "received_on")
    return {
        key: replace(
            step,
            prepared_on=prepared_on,
            registered=registered,
            tracking_number=tracking,
            received_on=received_on,
        )
        for key, step in taken.items()
    }


def _rows(
    conn: Connection, tenant: str, customer_keys: list[str], statuses: Iterable[ActionStatus]
) -> Iterable[Any]:
    wanted = [s.value for s in statuses]
    for start in range(0, len(customer_keys), _CHUNK):
        yield from conn.execute(
            select(
                t.actions.c.customer_key,
                t.actions.c.status,
                t.actions.c.channel,
                t.actions.c.planned_on,
                t.actions.c.payload,
                t.actions.c.details,
            )
            .where(
                t.actions.c.tenant == tenant,
                t.actions.c.customer_key.in_(customer_keys[start : start + _CHUNK]),
                t.actions.c.status.in_(wanted),
            )
            .order_by(t.actions.c.id)
        )


def load_history(
    conn: Connection, tenant: str, customer_keys: Iterable[str]
) -> dict[str, dict[str, tuple[StepTaken, ...]]]:
    """customer key -> item key -> steps taken, oldest first."""
    found: dict[str, dict[str, list[StepTaken]]] = defaultdict(lambda: defaultdict(list))
    for row in _rows(conn, tenant, sorted(set(customer_keys)), _DELIVERY):
        for key, step in _steps(row).items():
            found[row.customer_key][key].append(step)
    return {
        customer: {
            key: tuple(sorted(steps, key=lambda s: s.prepared_on or s.on))
            for key, steps in items.items()
        }
        for customer, items in found.items()
    }


def load_refusals(
    conn: Connection, tenant: str, customer_keys: Iterable[str]
) -> dict[str, list[Refusal]]:
    """customer key -> the refusals of its failed actions (a relay refusing its addresses;
    cancelled since, once a fallback took over, they still stand)."""
    found: dict[str, list[Refusal]] = defaultdict(list)
    failed = (ActionStatus.FAILED, ActionStatus.CANCELLED)
    for row in _rows(conn, tenant, sorted(set(customer_keys)), failed):
        refused = (row.details or {}).get("refused")
        if not isinstance(refused, dict):
            continue
        found[row.customer_key].append(
            Refusal(
                Channel(refused["channel"]),
                frozenset(refused.get("recipients", ())),
                str(refused.get("reason", "")),
                row.planned_on,
            )
        )
    return found


def load_cancelled(
    conn: Connection, tenant: str, customer_keys: Iterable[str]
) -> dict[str, frozenset[str]]:
    """customer key -> the keys of its actions a person cancelled before they went out (not
    the attempts a fallback took over): the planner does not plan those again."""
    keys = sorted(set(customer_keys))
    found: dict[str, set[str]] = defaultdict(set)
    a = t.actions.c
    for start in range(0, len(keys), _CHUNK):
        rows = conn.execute(
            select(a.customer_key, a.key, a.error).where(
                a.tenant == tenant,
                a.customer_key.in_(keys[start : start + _CHUNK]),
                a.status == ActionStatus.CANCELLED.value,
            )
        )
        for row in rows:
            if not str(row.error or "").startswith(SUPERSEDED):
                found[row.customer_key].add(row.key)
    return {customer: frozenset(cancelled) for customer, cancelled in found.items()}
