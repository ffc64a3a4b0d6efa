"""The store on SQLite and PostgreSQL: ledger, side states, feed, outbox, audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connector.calendar import BusinessCalendar
from connector.errors import StoreError
from connector.model import (
    Contact,
    Customer,
    Dispute,
    Pause,
    Payment,
    Platform,
    Promise,
    Receivable,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.planner import plan_customer
from connector.policy import default_policy
from connector.source import Cursor, Resource
from connector.store import ActionStatus, EventType, Store
from connector.store.schema import metadata

POLICY = default_policy()
CALENDAR = BusinessCalendar("FR")


def ref(external_id: str, tenant: str = "acme") -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)


def customer(cid: str = "C1", tenant: str = "acme") -> Customer:
    return Customer(
        ref=ref(cid, tenant),
        name=f"Société {cid} Éclairage",
        contacts=(Contact(name="Compta", email="ap@example.fr", primary=True),),
    )


def invoice(
    number: str, due: date, amount: str, open_: str | None = None, cid: str = "C1"
) -> Receivable:
    balance = Money.of(open_ if open_ is not None else amount, "EUR")
    return Receivable(
        ref=ref(number),
        customer_ref=ref(cid),
        number=number,
        issued_on=date(2026, 1, 1),
        due_on=due,
        currency="EUR",
        total=Money.of(amount, "EUR"),
        open_balance=balance,
        status=ReceivableStatus.OPEN if balance.is_positive else ReceivableStatus.PAID,
    )


def _seed(store: Store) -> None:
    store.upsert_ledger(
        "acme",
        customers=[customer("C1"), customer("C2")],
        receivables=[
            invoice("F-1", date(2026, 3, 2), "1234.56"),
            invoice("F-2", date(2026, 3, 3), "99.99", cid="C2"),
        ],
    )


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_ledger_round_trips_with_exact_amounts(store: Store) -> None:
    _seed(store)
    got = store.receivable("acme", ref("F-1"))
    assert got.open_balance == Money.of("1234.56", "EUR")
    assert store.customer("acme", ref("C1")) == customer("C1")
    assert [c.ref for c in store.find_customer("acme", "éclairage")] == [ref("C1"), ref("C2")]
    assert store.find_receivable("acme", "F-2").customer_ref == ref("C2")
    assert sorted(r.number for r in store.open_receivables("acme")) == ["F-1", "F-2"]


def test_a_bad_record_stores_nothing(store: Store) -> None:
    _seed(store)
    orphan = invoice("F-9", date(2026, 3, 5), "10", cid="NOBODY")
    with pytest.raises(StoreError, match="unknown customers"):
        store.upsert_ledger("acme", receivables=[invoice("F-3", date(2026, 3, 4), "5"), orphan])
    with pytest.raises(StoreError):
        store.receivable("acme", ref("F-3"))


def test_records_of_another_tenant_are_refused(store: Store) -> None:
    store.ensure_tenant("other", platform=Platform.FILES)
    with pytest.raises(StoreError, match="belongs to tenant 'other'"):
        store.upsert_ledger("acme", customers=[customer("X", tenant="other")])


def test_cursor_is_saved_with_its_batch_and_a_full_read_closes_the_absent(store: Store) -> None:
    _seed(store)
    cursor = Cursor("2026-03-10T09:00:00+00:00")
    store.upsert_ledger(
        "acme",
        receivables=[invoice("F-1", date(2026, 3, 2), "1234.56")],
        complete=True,
        cursor=(Resource.RECEIVABLES, cursor),
    )
    assert store.cursor("acme", Resource.RECEIVABLES) == cursor
    assert store.receivable("acme", ref("F-2")).status is ReceivableStatus.CANCELLED
    closed = [
        e
        for e in store.history("acme", customer_ref=ref("C2"))
        if e.kind is EventType.RECEIVABLE_CLOSED
    ]
    assert closed and closed[0].payload["number"] == "F-2"


def test_the_feed_reads_only_customers_due_for_review(store: Store) -> None:
    _seed(store)
    assert {s.customer.ref for s in store.customer_states("acme", due_on=date(2026, 3, 10))} == {
        ref("C1"),
        ref("C2"),
    }
    store.set_next_review("acme", {ref("C1").key: date(2026, 3, 20), ref("C2").key: None})
    assert list(store.customer_states("acme", due_on=date(2026, 3, 19))) == []
    (state,) = store.customer_states("acme", due_on=date(2026, 3, 20))
    assert state.customer.ref == ref("C1")
    # a change at the source puts the customer back in today's review
    store.upsert_ledger(
        "acme", receivables=[invoice("F-2", date(2026, 3, 3), "99.99", "50", cid="C2")]
    )
    assert [s.customer.ref for s in store.customer_states("acme", due_on=date(2026, 3, 11))] == [
        ref("C2")
    ]


def test_side_states_reach_the_planner(store: Store) -> None:
    _seed(store)
    store.add_dispute(
        "acme", Dispute(id="d1", receivable_ref=ref("F-1"), opened_on=date(2026, 3, 5))
    )
    store.add_promise(
        "acme",
        Promise(
            id="p1",
            customer_ref=ref("C2"),
            promised_on=date(2026, 3, 20),
            recorded_on=date(2026, 3, 5),
            amount=Money.of("99.99", "EUR"),
            balance_at_promise=Money.of("99.99", "EUR"),
        ),
    )
    store.pause("acme", ref("C1"), Pause(since=date(2026, 3, 1), until=date(2026, 3, 31)))
    states = {s.customer.ref: s for s in store.customer_states("acme")}
    assert states[ref("C1")].disputes[0].id == "d1"
    assert states[ref("C1")].pause is not None
    assert states[ref("C2")].promises[0].amount == Money.of("99.99", "EUR")
    store.resume("acme", ref("C1"), date(2026, 3, 10))
    (c1,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert c1.pause is not None and not c1.pause.active_on(date(2026, 3, 10))
    kinds = [e.kind for e in store.history("acme", customer_ref=ref("C1"))]
    assert EventType.DISPUTE_OPENED in kinds and EventType.RESUMED in kinds


def test_outbox_life_cycle_records_progress_in_one_transaction(store: Store) -> None:
    _seed(store)
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 10)).actions
    first = store.record_action("acme", action)
    assert first.status is ActionStatus.PLANNED
    assert store.record_action("acme", action).key == first.key  # idempotent
    store.mark_sending("acme", action.key)
    sent = store.mark_sent(
        "acme", action.key, receipt="<id@example>", policy=POLICY, done_on=date(2026, 3, 10)
    )
    assert sent.status is ActionStatus.SENT and sent.action == action
    (after,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert after.progress[ref("F-1").key].step == "reminder_1"
    assert after.last_action_on == date(2026, 3, 10)
    assert plan_customer(after, POLICY, CALENDAR, date(2026, 3, 10)).actions == ()
    with pytest.raises(StoreError, match="cannot become"):
        store.mark_failed("acme", action.key, "too late")


def test_a_crash_while_sending_is_held_for_a_person(store: Store) -> None:
    _seed(store)
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 10)).actions
    store.record_action("acme", action)
    store.mark_sending("acme", action.key)
    (held,) = store.hold_unknown_outcomes("acme")
    assert held.status is ActionStatus.HELD and "outcome unknown" in (held.error or "")
    assert store.release_held("acme", action.key).status is ActionStatus.PLANNED


def test_the_audit_trail_is_append_only(store: Store) -> None:
    _seed(store)
    assert store.history("acme")
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text("UPDATE events SET kind = 'forged'"))
    assert all(e.kind is not None for e in store.history("acme"))


def test_payments_and_the_fresh_balance(store: Store) -> None:
    _seed(store)
    payment = Payment(
        ref=ref("P1"),
        customer_ref=ref("C1"),
        received_on=date(2026, 3, 9),
        amount=Money.of("300", "EUR"),
        unapplied=Money.of("300", "EUR"),
    )
    store.upsert_ledger("acme", payments=[payment])
    (state,) = store.customer_states("acme", customer_refs=[ref("C1")])
    assert state.payments == (payment,)
    store.update_open_balance("acme", ref("F-1"), Money.of("0", "EUR"))
    assert store.receivable("acme", ref("F-1")).status is ReceivableStatus.PAID


def test_unknown_tenant_and_unreachable_server_say_what_to_do(store: Store) -> None:
    with pytest.raises(StoreError, match="relance init"):
        store.tenant("ghost")
    with pytest.raises(StoreError, match="cannot open the store") as error:
        Store.open("postgresql+psycopg://relance:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(error.value)


def test_the_fast_customer_load_equals_the_validated_one(store: Store) -> None:
    from connector.model import PostalAddress
    from connector.store.ledger import customer_from_json

    rich = customer("C7").model_copy(
        update={
            "address": PostalAddress(lines=("1 rue A", "Bât. B"), postal_code="69001", city="Lyon"),
            "parent_ref": ref("C1"),
            "payment_terms_days": 45,
            "registration_id": "123 456 789",
        }
    )
    assert customer_from_json(rich.model_dump(mode="json")) == rich
    store.upsert_ledger("acme", customers=[rich])
    (state,) = store.customer_states("acme", customer_refs=[ref("C7")])
    assert state.customer == rich


def test_a_big_import_refreshes_the_planners_statistics(store: Store) -> None:
    """PostgreSQL plans the ledger's queries from its statistics: after an import of
    thousands of documents the store refreshes them at once, rather than leaving the pages
    planned for empty tables until autovacuum (off on some servers) gets to it."""
    many = 5000  # the store's threshold
    store.upsert_ledger(
        "acme",
        customers=[customer("C1")],
        receivables=[invoice(f"F-{n}", date(2026, 3, 2), "10.00") for n in range(many)],
    )
    if store.engine.dialect.name != "postgresql":  # SQLite plans without statistics
        assert sum(1 for _ in store.open_receivables("acme")) == many
        return
    with store.engine.connect() as conn:
        analyzed = conn.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                "AND relname IN ('customers', 'receivables', 'payments')"
            )
        ).scalars()
        assert set(analyzed) == {"customers", "receivables", "payments"}
        estimated = conn.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'receivables'")
        ).scalar_one()
    assert estimated >= many
