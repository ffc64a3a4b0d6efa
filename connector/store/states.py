"""Side states (promises, disputes, plans, pauses) and the planner's feed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table, bindparam, insert, select, update

from connector.errors import ConflictError, DataError, StoreError
from connector.model import (
    Dispute,
    Pause,
    PaymentPlan,
    Promise,
    ReceivableStatus,
    SourceRef,
)
from connector.planner import Blocked, CustomerState, Progress, StepTaken
from connector.policy import Policy
from connector.recording import refusal
from connector.store import schema as t
from connector.store.asof import settled_documents, states_as_of
from connector.store.item_history import load_cancelled, load_history, load_refusals
from connector.store.ledger import (
    LedgerMixin,
    customer_from_json,
    row_to_payment,
    row_to_receivable,
)
from connector.store.types import EventType

__all__ = ["StatesMixin"]

NEVER = date.max
_OPEN = (ReceivableStatus.OPEN.value, ReceivableStatus.PARTIALLY_PAID.value)


class StatesMixin(LedgerMixin):
    # --- recording side states ----------------------------------------------------------------
    def _add(
        self,
        table: Table,
        tenant: str,
        item_id: str,
        customer_key: str,
        item: BaseModel,
        kind: EventType,
        receivable_keys: Iterable[str] = (),
        check: Callable[[Connection], None] | None = None,
        by: str | None = None,
    ) -> None:
        """Insert a side state and its audit event (``by``: the person who recorded it, in
        the event); ``check`` runs first, in the same transaction, and refuses the record by
        raising."""
        with self._tx() as conn:
            self._require_tenant(conn, tenant)
            if (
                conn.execute(
                    select(t.customers.c.id).where(
                        t.customers.c.tenant == tenant, t.customers.c.key == customer_key
                    )
                ).first()
                is None
            ):
                raise StoreError(f"no customer {customer_key} in tenant {tenant}")
            if check is not None:
                check(conn)
            data = item.model_dump(mode="json")
            conn.execute(
                insert(table).values(
                    id=item_id, tenant=tenant, customer_key=customer_key, data=data
                )
            )
            self._log(
                conn,
                tenant,
                kind,
                customer_key=customer_key,
                receivable_keys=list(receivable_keys),
                payload={**data, **({"by": by} if by else {})},
            )
            self._touch(conn, tenant, {customer_key})

    def _change(
        self,
        table: Table,
        tenant: str,
        item_id: str,
        changes: dict[str, Any],
        kind: EventType,
        check: Callable[[dict[str, Any]], None] | None = None,
        why: str = "",
        by: str | None = None,
    ) -> None:
        """Change a recorded side state, with an audit event (``why`` goes in the event only);
        ``check`` sees the recorded data first and refuses the change by raising."""
        with self._tx() as conn:
            row = conn.execute(
                select(table).where(table.c.tenant == tenant, table.c.id == item_id)
            ).first()
            if row is None:
                raise StoreError(f"no {table.name[:-1]} {item_id!r} in tenant {tenant}")
            if check is not None:
                check(row.data)
            data = {**row.data, **changes}
            conn.execute(update(table).where(table.c.id == item_id).values(data=data))
            self._log(
                conn,
                tenant,
                kind,
                customer_key=row.customer_key,
                payload={
                    "id": item_id,
                    **changes,
                    **({"reason": why} if why else {}),
                    **({"by": by} if by else {}),
                },
            )
            self._touch(conn, tenant, {row.customer_key})

    def add_promise(self, tenant: str, promise: Promise, *, by: str | None = None) -> None:
        self._add(
            t.promises,
            tenant,
            promise.id,
            promise.customer_ref.key,
            promise,
            EventType.PROMISE_RECORDED,
            [r.key for r in promise.receivable_refs],
            by=by,
        )

    def cancel_promise(
        self, tenant: str, promise_id: str, on: date, reason: str = "", *, by: str | None = None
    ) -> None:
        """Withdraw a promise to pay: from ``on``, it holds no reminder."""
        self._change(
            t.promises,
            tenant,
            promise_id,
            {"cancelled_on": on.isoformat()},
            EventType.PROMISE_CANCELLED,
            check=_cancellable("promise", promise_id, "recorded_on", on),
            why=reason,
            by=by,
        )

    def add_dispute(self, tenant: str, dispute: Dispute, *, by: str | None = None) -> None:
        receivable = self.receivable(tenant, dispute.receivable_ref)
        self._add(
            t.disputes,
            tenant,
            dispute.id,
            receivable.customer_ref.key,
            dispute,
            EventType.DISPUTE_OPENED,
            [dispute.receivable_ref.key],
            by=by,
        )

    def resolve_dispute(
        self, tenant: str, dispute_id: str, on: date, *, by: str | None = None
    ) -> None:
        self._change(
            t.disputes,
            tenant,
            dispute_id,
            {"resolved_on": on.isoformat()},
            EventType.DISPUTE_RESOLVED,
            by=by,
        )

    def add_plan(self, tenant: str, plan: PaymentPlan, *, by: str | None = None) -> None:
        """Record an agreed payment plan. An invoice is in one live plan only: a plan whose
        days in force overlap another's on a shared invoice is refused (ConflictError naming
        the other), whatever records it, so a letter never claims an invoice twice."""

        def one_plan_per_invoice(conn: Connection) -> None:
            self._lock_tenant(conn, tenant)  # two plans recorded at once see each other
            numbers = self._own_invoices(conn, tenant, plan)
            keys = set(numbers)
            for row in conn.execute(select(t.plans.c.data).where(t.plans.c.tenant == tenant)):
                other = PaymentPlan.model_validate(row.data)
                shared = sorted(numbers[r.key] for r in other.receivable_refs if r.key in keys)
                if shared and _in_force_together(plan, other):
                    raise refusal(
                        ConflictError,
                        "in_another_plan",
                        hint=f"cancel that plan first (relance payment-plan cancel {other.id}), "
                        "or leave the invoice out of the new one",
                        numbers=", ".join(shared),
                        other=other.id,
                        agreed=other.agreed_on,
                    )

        self._add(
            t.plans,
            tenant,
            plan.id,
            plan.customer_ref.key,
            plan,
            EventType.PLAN_AGREED,
            [r.key for r in plan.receivable_refs],
            check=one_plan_per_invoice,
            by=by,
        )

    def _own_invoices(self, conn: Connection, tenant: str, plan: PaymentPlan) -> dict[str, str]:
        """The plan's invoices, key to number; each must be one of its customer's."""
        keys = [r.key for r in plan.receivable_refs]
        rows = conn.execute(
            select(t.receivables.c.key, t.receivables.c.number, t.receivables.c.customer_key).where(
                t.receivables.c.tenant == tenant, t.receivables.c.key.in_(keys)
            )
        ).all()
        found = {row.key: row for row in rows}
        for ref in plan.receivable_refs:
            row = found.get(ref.key)
            if row is None:
                raise DataError(f"payment plan {plan.id}: no invoice {ref.key} in tenant {tenant}")
            if row.customer_key != plan.customer_ref.key:
                raise DataError(
                    f"payment plan {plan.id}: invoice {row.number} belongs to another customer"
                )
        return {key: row.number for key, row in found.items()}

    def cancel_plan(
        self, tenant: str, plan_id: str, on: date, reason: str = "", *, by: str | None = None
    ) -> None:
        """End a payment plan: from ``on``, its invoices are chased by their own due dates."""
        self._change(
            t.plans,
            tenant,
            plan_id,
            {"cancelled_on": on.isoformat()},
            EventType.PLAN_CANCELLED,
            check=_cancellable("payment plan", plan_id, "agreed_on", on),
            why=reason,
            by=by,
        )

    def pause(
        self, tenant: str, customer_ref: SourceRef, pause: Pause, *, by: str | None = None
    ) -> None:
        pause_id = f"pause-{customer_ref.key}-{pause.since.isoformat()}"
        with self._tx() as conn:  # one pause at a time: a new one replaces the current
            conn.execute(
                t.pauses.delete().where(
                    t.pauses.c.tenant == tenant, t.pauses.c.customer_key == customer_ref.key
                )
            )
        self._add(t.pauses, tenant, pause_id, customer_ref.key, pause, EventType.PAUSED, by=by)

    def resume(
        self, tenant: str, customer_ref: SourceRef, on: date, *, by: str | None = None
    ) -> None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.pauses.c.id).where(
                    t.pauses.c.tenant == tenant, t.pauses.c.customer_key == customer_ref.key
                )
            ).first()
        if row is None:
            raise StoreError(f"customer {customer_ref.external_id} is not paused")
        last_day = date.fromordinal(on.toordinal() - 1)
        self._change(
            t.pauses, tenant, row.id, {"until": last_day.isoformat()}, EventType.RESUMED, by=by
        )

    def _side(
        self, table: Table, model: type[Any], tenant: str, customer_ref: SourceRef | None
    ) -> list[Any]:
        query = select(table.c.data).where(table.c.tenant == tenant)
        if customer_ref is not None:
            query = query.where(table.c.customer_key == customer_ref.key)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.customer_key, table.c.id)).all()
        return [model.model_validate(r.data) for r in rows]

    def promises(self, tenant: str, customer_ref: SourceRef | None = None) -> list[Promise]:
        """The promises of one customer, or of every customer; cancelled ones included."""
        return self._side(t.promises, Promise, tenant, customer_ref)

    def disputes(self, tenant: str, customer_ref: SourceRef | None = None) -> list[Dispute]:
        return self._side(t.disputes, Dispute, tenant, customer_ref)

    def plans(self, tenant: str, customer_ref: SourceRef | None = None) -> list[PaymentPlan]:
        """The payment plans of one customer, or of every customer; cancelled ones included."""
        return self._side(t.plans, PaymentPlan, tenant, customer_ref)

    # --- the planner's feed -------------------------------------------------------------------
    def customer_states(
        self,
        tenant: str,
        *,
        due_on: date | None = None,
        customer_refs: Iterable[SourceRef] | None = None,
        as_of: date | None = None,
        policy: Policy | None = None,
        chunk: int = 500,
    ) -> Iterator[CustomerState]:
        """Customer states in chunks; with ``due_on``, only those due for review by then.

        With ``as_of``, each state is the customer as it stood on that day
        (:func:`connector.asof.state_as_of`); ``policy`` lets the progress of items acted on
        after the day be rebuilt from the actions sent up to it (see
        :func:`connector.store.asof.states_as_of`).
        """
        wanted = None if customer_refs is None else sorted({r.key for r in customer_refs})
        if wanted is not None and not wanted:
            return
        last = 0
        while True:
            query = select(t.customers).where(
                t.customers.c.tenant == tenant, t.customers.c.id > last
            )
            if due_on is not None:
                query = query.where(
                    (t.customers.c.next_review_on.is_(None))
                    | (t.customers.c.next_review_on <= due_on)
                )
            if wanted is not None:
                query = query.where(t.customers.c.key.in_(wanted))
            with self._engine.connect() as conn:
                rows = conn.execute(query.order_by(t.customers.c.id).limit(chunk)).all()
                if not rows:
                    return
                last = rows[-1].id
                states = self._states(conn, tenant, rows, as_of, policy)
            yield from states

    def _states(
        self,
        conn: Connection,
        tenant: str,
        rows: Sequence[Any],
        as_of: date | None = None,
        policy: Policy | None = None,
    ) -> list[CustomerState]:
        keys = [row.key for row in rows]
        by: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for row in conn.execute(
            select(t.receivables).where(
                t.receivables.c.tenant == tenant,
                t.receivables.c.customer_key.in_(keys),
                t.receivables.c.status.in_(_OPEN),
            )
        ):
            by[row.customer_key]["receivables"].append(row_to_receivable(row))
        for row in conn.execute(
            select(t.payments).where(
                t.payments.c.tenant == tenant, t.payments.c.customer_key.in_(keys)
            )
        ):
            if row.unapplied > 0 or (as_of is not None and row.received_on > as_of):
                by[row.customer_key]["payments"].append(row_to_payment(row))
        for table, model, name in (
            (t.promises, Promise, "promises"),
            (t.disputes, Dispute, "disputes"),
            (t.plans, PaymentPlan, "plans"),
            (t.pauses, Pause, "pauses"),
        ):
            for row in conn.execute(
                select(table.c.customer_key, table.c.data).where(
                    table.c.tenant == tenant, table.c.customer_key.in_(keys)
                )
            ):
                by[row.customer_key][name].append(model.model_validate(row.data))
        progress: dict[str, dict[str, Progress]] = defaultdict(dict)
        for row in conn.execute(
            select(t.item_progress).where(
                t.item_progress.c.tenant == tenant, t.item_progress.c.customer_key.in_(keys)
            )
        ):
            progress[row.customer_key][row.item_key] = Progress(
                row.step, row.reminders, row.last_on
            )
        history = load_history(conn, tenant, keys)
        refusals = load_refusals(conn, tenant, keys)
        cancelled = load_cancelled(conn, tenant, keys)
        states = []
        for row in rows:
            parts = by.get(row.key, {})
            pauses = parts.get("pauses", [])
            states.append(
                CustomerState(
                    customer=customer_from_json(row.data),
                    receivables=tuple(parts.get("receivables", ())),
                    payments=tuple(parts.get("payments", ())),
                    promises=tuple(parts.get("promises", ())),
                    plans=tuple(parts.get("plans", ())),
                    disputes=tuple(parts.get("disputes", ())),
                    pause=pauses[-1] if pauses else None,
                    progress=MappingProxyType(progress.get(row.key, {})),
                    last_action_on=row.last_action_on,
                    history=MappingProxyType(history.get(row.key, {})),
                    refusals=tuple(refusals.get(row.key, ())),
                    cancelled=cancelled.get(row.key, frozenset()),
                )
            )
        if as_of is not None:
            payments = [p for parts in by.values() for p in parts.get("payments", ())]
            loaded = {r.ref.key for parts in by.values() for r in parts.get("receivables", ())}
            settled = settled_documents(conn, tenant, payments, as_of, loaded)
            states = states_as_of(conn, tenant, states, as_of, policy, settled)
        return states

    def item_history(
        self, tenant: str, customer_ref: SourceRef
    ) -> dict[str, tuple[StepTaken, ...]]:
        """Item key -> the steps it went through, oldest first (letters to post included):
        what a to-do, an escalation or a collection file states as facts."""
        with self._engine.connect() as conn:
            return load_history(conn, tenant, [customer_ref.key]).get(customer_ref.key, {})

    # --- blocked customers --------------------------------------------------------------------
    def set_blocked(self, tenant: str, blocked: Mapping[str, Sequence[Blocked]]) -> None:
        """Why nothing can go to each reviewed customer (an empty list: nothing blocks it)."""
        if not blocked:
            return
        statement = (
            update(t.customers)
            .where(t.customers.c.tenant == tenant, t.customers.c.key == bindparam("k"))
            .values(blocked=bindparam("why"))
        )
        rows = [
            {
                "k": key,
                "why": [
                    {
                        "kind": b.kind.value,
                        "step": b.step,
                        "reason": b.reason,
                        "action": b.action_key,
                    }
                    for b in blocks
                ]
                or None,
            }
            for key, blocks in blocked.items()
        ]
        with self._tx() as conn:
            conn.execute(statement, rows)

    def blocked_customers(self, tenant: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
        """(customer key, name, why) for every customer blocked at its last review."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.customers.c.key, t.customers.c.name, t.customers.c.blocked)
                .where(t.customers.c.tenant == tenant, t.customers.c.blocked.is_not(None))
                .order_by(t.customers.c.name)
            ).all()
        return [(row.key, row.name, list(row.blocked)) for row in rows if row.blocked]

    def set_next_review(self, tenant: str, reviews: Mapping[str, date | None]) -> None:
        """When each customer next needs a look (None: only when something changes).

        In the table, NULL means "review at the next cycle" (something changed) and
        ``date.max`` means "nothing will come due by itself".
        """
        if not reviews:
            return
        statement = (
            update(t.customers)
            .where(t.customers.c.tenant == tenant, t.customers.c.key == bindparam("k"))
            .values(next_review_on=bindparam("day"))
        )
        with self._tx() as conn:  # one executemany, not one round trip per customer
            conn.execute(statement, [{"k": k, "day": d or NEVER} for k, d in reviews.items()])


def _in_force_together(a: PaymentPlan, b: PaymentPlan) -> bool:
    """Whether two plans are live on a same day (each from its agreement to its cancellation,
    that day excluded)."""
    return a.agreed_on < (b.cancelled_on or date.max) and b.agreed_on < (a.cancelled_on or date.max)


def _cancellable(
    what: str, item_id: str, start_field: str, on: date
) -> Callable[[dict[str, Any]], None]:
    def check(data: dict[str, Any]) -> None:
        if data.get("cancelled_on"):
            raise refusal(
                ConflictError, "already_cancelled", what=what, id=item_id, on=data["cancelled_on"]
            )
        start = date.fromisoformat(data[start_field])
        if on < start:
            raise refusal(
                DataError,
                "cancelled_too_early",
                hint="give the day it was cancelled with --on YYYY-MM-DD",
                what=what,
                id=item_id,
                start=start,
                on=on,
            )

    return check
