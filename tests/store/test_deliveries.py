"""What a channel did, on SQLite and PostgreSQL: written, prepared, posted; each item's history;
blocked customers; and the migration that tells apart the actions once all called "sent"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select, text

from connector.calendar import BusinessCalendar
from connector.errors import StoreError
from connector.model import Channel, Contact, Customer, Platform, PostalAddress, StepKind
from connector.planner import Blocked, BlockKind, Delivery, PlannedAction, plan_customer
from connector.policy import default_policy
from connector.store import ActionStatus, EventType, Store
from connector.store import schema as t
from connector.store._base import _alembic_config
from connector.store.codec import step_from_json, step_to_json

from .test_store import invoice, ref

POLICY = default_policy()
CALENDAR = BusinessCalendar("FR")
DAY = date(2026, 3, 10)


def _by_post(store: Store) -> PlannedAction:
    """C1 has no e-mail address: its first reminder is a letter."""
    store.upsert_ledger(
        "acme",
        customers=[
            Customer(
                ref=ref("C1"),
                name="Studio Sans Mail",
                address=PostalAddress(lines=("41 rue Mercière",), postal_code="69002", city="Lyon"),
                contacts=(Contact(name="Compta", phone="+33 4 72 00 27 93"),),
            )
        ],
        receivables=[invoice("F-1", date(2026, 3, 2), "8665.47")],
    )
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    (action,) = plan_customer(state, POLICY, CALENDAR, DAY).actions
    assert action.channel is Channel.LETTER
    return action


def _prepare(store: Store, action: PlannedAction) -> None:
    store.record_action("acme", action)
    store.mark_sending("acme", action.key)
    store.mark_sent(
        "acme",
        action.key,
        receipt="/outbox/letters/2026-03-10/x.pdf",
        policy=POLICY,
        done_on=DAY,
        details={"registered": False, "prepared_on": DAY.isoformat()},
        status=ActionStatus.PREPARED,
    )


def test_a_prepared_letter_moves_nothing_until_its_posting(store: Store) -> None:
    action = _by_post(store)
    _prepare(store, action)
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert state.progress == {} and state.last_action_on is None
    (step,) = state.history[ref("F-1").key]
    assert (step.delivery, step.on, step.prepared_on) == (Delivery.PREPARED, DAY, DAY)
    waiting = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 20))
    assert waiting.actions == () and waiting.blocked[0].kind is BlockKind.LETTER_TO_POST

    posted = store.record_posting("acme", action.key, policy=POLICY, posted_on=date(2026, 3, 11))
    assert posted.status is ActionStatus.POSTED
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert state.progress[ref("F-1").key].last_on == date(2026, 3, 11)
    assert state.last_action_on == date(2026, 3, 11)
    (step,) = state.history[ref("F-1").key]
    assert (step.delivery, step.on, step.prepared_on) == (Delivery.POSTED, date(2026, 3, 11), DAY)
    assert step_from_json(step_to_json(step)) == step
    kinds = [e.kind for e in store.history("acme", customer_ref=ref("C1"))]
    assert kinds[-2:] == [EventType.LETTER_PREPARED, EventType.LETTER_POSTED]


def test_only_letters_are_posted_and_a_posting_is_not_rewritten(store: Store) -> None:
    action = _by_post(store)
    _prepare(store, action)
    store.record_posting("acme", action.key, policy=POLICY, posted_on=DAY)
    with pytest.raises(StoreError, match="recorded as posted on 2026-03-10"):
        store.record_posting("acme", action.key, policy=POLICY, posted_on=date(2026, 3, 12))
    with pytest.raises(StoreError, match="no action"):
        store.record_posting("acme", "nope", policy=POLICY, posted_on=DAY)


def test_a_prepared_letter_can_be_cancelled(store: Store) -> None:
    action = _by_post(store)
    _prepare(store, action)
    cancelled = store.cancel_action("acme", action.key, "paid by cheque before posting")
    assert cancelled.status is ActionStatus.CANCELLED
    assert store.letters_to_post("acme") == []


def test_blocked_customers_are_kept_until_the_next_review(store: Store) -> None:
    _by_post(store)
    why = Blocked(BlockKind.UNREACHABLE, "formal_notice", "letter: no postal address")
    store.set_blocked("acme", {ref("C1").key: (why,)})
    assert store.blocked_customers("acme") == [
        (
            ref("C1").key,
            "Studio Sans Mail",
            [
                {
                    "kind": "unreachable",
                    "step": "formal_notice",
                    "reason": "letter: no postal address",
                    "action": None,
                }
            ],
        )
    ]
    store.set_blocked("acme", {ref("C1").key: ()})
    assert store.blocked_customers("acme") == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_tells_apart_what_was_sent_written_and_posted(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'old.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0007")
        conn.execute(
            insert(t.tenants).values(
                slug="acme",
                platform=Platform.FILES.value,
                name="Acme",
                country="FR",
                timezone="Europe/Paris",
                created_at=text("CURRENT_TIMESTAMP"),
            )
        )
        for n, (channel, receipt) in enumerate(
            [
                ("email", "<abc@relay.example>"),
                ("email", "/outbox/2026-03-10/x.eml"),
                ("letter", "/outbox/letters/2026-03-10/y.pdf"),
                ("phone_task", "/outbox/tasks/2026-03-10/z.md"),
            ]
        ):
            conn.execute(
                text(
                    "INSERT INTO actions (tenant, key, customer_key, step, kind, channel, status,"
                    " planned_on, payload, attempts, created_at, updated_at, receipt) VALUES"
                    " ('acme', :key, 'c', 's', :kind, :channel, 'sent', '2026-03-10', '{}', 1,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :receipt)"
                ),
                {
                    "key": f"k{n}",
                    "kind": StepKind.REMINDER.value,
                    "channel": channel,
                    "receipt": receipt,
                },
            )
    engine.dispose()
    with Store.open(url) as store:
        with store.engine.connect() as conn:
            rows = conn.execute(
                select(t.actions.c.key, t.actions.c.status, t.actions.c.details).order_by(
                    t.actions.c.id
                )
            ).all()
        if backend == "postgresql":  # the next test starts from an empty schema
            with store.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    assert [(r.key, r.status) for r in rows] == [
        ("k0", "sent"),
        ("k1", "written"),
        ("k2", "posted"),
        ("k3", "written"),
    ]
    assert rows[2].details["posted_on"] == "2026-03-10" and "assumed" in rows[2].details["posting"]
