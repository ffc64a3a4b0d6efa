"""A person's decisions about an action, on SQLite and PostgreSQL: each one transaction with
its audit event naming who took it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from connector.calendar import BusinessCalendar
from connector.errors import DataError, StoreError
from connector.model import Contact, Customer
from connector.planner import PlannedAction, plan_customer
from connector.policy import default_policy
from connector.store import ActionStatus, EventType, Store

from .test_store import invoice, ref

POLICY = default_policy()
DAY = date(2026, 3, 10)


def _waiting(store: Store) -> PlannedAction:
    """C1's first reminder, recorded and waiting for approval."""
    store.upsert_ledger(
        "acme",
        customers=[
            Customer(
                ref=ref("C1"),
                name="Garage Martin",
                contacts=(Contact(name="Compta", email="ap@example.com", primary=True),),
            )
        ],
        receivables=[invoice("F-1", date(2026, 3, 2), "800.00")],
    )
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    (action,) = plan_customer(state, POLICY, BusinessCalendar("FR"), DAY).actions
    store.record_action("acme", action)
    store.await_approval("acme", action.key, "its step waits for a person's approval")
    return action


def _events(store: Store, kind: EventType) -> list[dict[str, object]]:
    return [e.payload for e in store.history("acme", customer_ref=ref("C1")) if e.kind is kind]


def test_waiting_then_approved(store: Store) -> None:
    action = _waiting(store)
    assert [r.key for r in store.awaiting_approval("acme")] == [action.key]

    record = store.approve_action("acme", action.key, "Claire")

    assert record.status is ActionStatus.PLANNED and store.awaiting_approval("acme") == []
    assert record.details["approved_by"] == "Claire"
    assert {c: Decimal(v) for c, v in record.details["approved_totals"].items()} == {
        "EUR": Decimal("800.00")
    }
    assert store.approve_action("acme", action.key, "Claire") == record  # again: no change
    assert _events(store, EventType.ACTION_APPROVED) == [
        {"action": action.key, "step": action.step, "by": "Claire"}
    ]


def test_held_back_after_approval_it_waits_again(store: Store) -> None:
    action = _waiting(store)
    store.approve_action("acme", action.key, "Claire")

    record = store.hold_action("acme", action.key, "Paul", "  customer called  ")

    assert record.status is ActionStatus.AWAITING_APPROVAL
    assert "approved_by" not in record.details and record.details["held_by"] == "Paul"
    assert record.error == "customer called (Paul)"
    (held,) = _events(store, EventType.ACTION_HELD)
    assert held["by"] == "Paul" and held["reason"] == "customer called"


def test_skipped_the_items_move_on_and_the_audit_says_who(store: Store) -> None:
    action = _waiting(store)

    record = store.skip_action("acme", action.key, "Claire", "called", policy=POLICY, on=DAY)

    assert record.status is ActionStatus.SKIPPED and record.details["skipped_by"] == "Claire"
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert state.progress[ref("F-1").key].step == action.step
    assert state.history == {}, "nothing went out: no step in the items' history"
    (skipped,) = _events(store, EventType.ACTION_SKIPPED)
    assert skipped == {
        "action": action.key,
        "step": action.step,
        "by": "Claire",
        "reason": "called",
        "on": DAY.isoformat(),
    }
    with pytest.raises(StoreError):
        store.approve_action("acme", action.key, "Claire")


def test_edited_twice_the_audit_keeps_each_before_and_after(store: Store) -> None:
    action = _waiting(store)
    first = {"subject": "Relance", "text": "Texte d’origine"}
    store.edit_message("acme", action.key, "Claire", subject="A", text="un\r\n", before=first)
    record = store.edit_message("acme", action.key, "Paul", subject="B", text="deux")

    assert record.status is ActionStatus.AWAITING_APPROVAL
    assert {k: record.details["edit"][k] for k in ("subject", "text", "by")} == {
        "subject": "B",
        "text": "deux",
        "by": "Paul",
    }
    edits = _events(store, EventType.MESSAGE_EDITED)
    assert [(e["by"], e["before"], e["after"]) for e in edits] == [
        ("Claire", first, {"subject": "A", "text": "un"}),
        ("Paul", {"subject": "A", "text": "un"}, {"subject": "B", "text": "deux"}),
    ]
    with pytest.raises(DataError, match="subject and a text"):
        store.edit_message("acme", action.key, "Paul", subject=" ", text="trois")


def test_withdrawn_then_planned_again_it_is_recorded_afresh(store: Store) -> None:
    action = _waiting(store)
    store.approve_action("acme", action.key, "Claire")

    withdrawn = store.withdraw("acme", action.key, "no longer due")
    again = store.record_action("acme", action)

    assert withdrawn.status is ActionStatus.SKIPPED and withdrawn.details["withdrawn"] is True
    assert again.status is ActionStatus.PLANNED and "approved_by" not in again.details
    assert "withdrawn" not in again.details


def test_a_sent_action_takes_no_decision(store: Store) -> None:
    action = _waiting(store)
    store.approve_action("acme", action.key, "Claire")
    store.mark_sending("acme", action.key)
    store.mark_sent("acme", action.key, receipt="<id@x>", policy=POLICY, done_on=DAY)

    for decide in (
        lambda: store.approve_action("acme", action.key, "Claire"),
        lambda: store.hold_action("acme", action.key, "Claire", ""),
        lambda: store.skip_action("acme", action.key, "Claire", "", policy=POLICY, on=DAY),
        lambda: store.edit_message("acme", action.key, "Claire", subject="x", text="y"),
    ):
        with pytest.raises(StoreError):
            decide()
    assert store.action("acme", action.key).details["approved_by"] == "Claire"
