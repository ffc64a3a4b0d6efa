"""The outbox (actions and their states) and the append-only audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from connector.errors import StoreError
from connector.model import Channel, StepKind
from connector.planner import PlannedAction, Progress, progress_after
from connector.policy import Policy
from connector.store import schema as t
from connector.store.codec import action_from_json, action_to_json
from connector.store.dashboards import note_action_steps
from connector.store.ledger import ref_from_key
from connector.store.states import StatesMixin
from connector.store.types import ActionRecord, ActionStatus, AuditEvent, EventType
from connector.store.write_backs import owe_write_back

__all__ = ["OutboxMixin"]

# what a channel did with an action, and the audit event that says so
_DONE_BY_CHANNEL = {
    ActionStatus.SENT: EventType.ACTION_SENT,
    ActionStatus.WRITTEN: EventType.ACTION_WRITTEN,
    ActionStatus.PREPARED: EventType.LETTER_PREPARED,
    ActionStatus.POSTED: EventType.LETTER_POSTED,
}

# recorded and not carried out yet: a new plan of the same action brings today's figures
_NOT_YET = (ActionStatus.PLANNED.value, ActionStatus.AWAITING_APPROVAL.value)

UNKNOWN_OUTCOME = (
    "outcome unknown after an interruption: check the outbox or the SMTP log, "
    "then `relance action release KEY` to send it or `relance action cancel KEY`"
)


def _event(r: Row[Any]) -> AuditEvent:
    return AuditEvent(
        r.id, r.tenant, r.at, EventType(r.kind), r.customer_key, tuple(r.receivable_keys),
        dict(r.payload),
    )  # fmt: skip


def _record(row: Row[Any]) -> ActionRecord:
    return ActionRecord(
        key=row.key,
        tenant=row.tenant,
        customer_ref=ref_from_key(row.customer_key),
        step=row.step,
        kind=StepKind(row.kind),
        channel=Channel(row.channel),
        status=ActionStatus(row.status),
        planned_on=row.planned_on,
        action=action_from_json(row.payload),
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
        receipt=row.receipt,
        error=row.error,
        details=dict(row.details or {}),
    )


class OutboxMixin(StatesMixin):
    def _get(self, conn: Connection, tenant: str, key: str) -> Row[Any]:
        row = conn.execute(
            select(t.actions).where(t.actions.c.tenant == tenant, t.actions.c.key == key)
        ).first()
        if row is None:
            raise StoreError(
                f"no action {key!r} in tenant {tenant}",
                hint="`relance status` lists the actions that need a look",
            )
        return row

    def record_action(
        self, tenant: str, action: PlannedAction, policy: Policy | None = None
    ) -> ActionRecord:
        """Record ``action`` as planned under its key; an existing key is returned unchanged."""
        with self._tx() as conn:
            self._require_tenant(conn, tenant)
            existing = conn.execute(
                select(t.actions).where(t.actions.c.tenant == tenant, t.actions.c.key == action.key)
            ).first()
            if existing is not None:
                if existing.status in _NOT_YET:  # not carried out yet:
                    conn.execute(
                        update(t.actions)
                        .where(t.actions.c.id == existing.id)
                        .values(
                            payload=action_to_json(action),
                            planned_on=action.planned_on,
                            updated_at=self._now(),
                        )
                    )  # it goes out with today's figures
                    return _record(self._get(conn, tenant, action.key))
                if not (existing.details or {}).get("withdrawn"):
                    return _record(existing)
                # withdrawn unsent (no longer due then): due again, it is planned afresh
                details = {k: v for k, v in existing.details.items() if k != "withdrawn"}
                conn.execute(
                    update(t.actions)
                    .where(t.actions.c.id == existing.id)
                    .values(
                        status=ActionStatus.PLANNED.value,
                        payload=action_to_json(action),
                        planned_on=action.planned_on,
                        error=None,
                        details=details,
                        updated_at=self._now(),
                    )
                )
                self._log_planned(conn, tenant, action)
                return _record(self._get(conn, tenant, action.key))
            now = self._now()
            conn.execute(
                insert(t.actions).values(
                    tenant=tenant,
                    key=action.key,
                    customer_key=action.customer_ref.key,
                    step=action.step,
                    kind=action.kind.value,
                    channel=action.channel.value,
                    status=ActionStatus.PLANNED.value,
                    planned_on=action.planned_on,
                    payload=action_to_json(action),
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
            )
            self._log_planned(conn, tenant, action)
            return _record(self._get(conn, tenant, action.key))

    def _log_planned(self, conn: Connection, tenant: str, action: PlannedAction) -> None:
        self._log(
            conn,
            tenant,
            EventType.ACTION_PLANNED,
            customer_key=action.customer_ref.key,
            receivable_keys=[r.key for r in action.receivable_refs],
            payload={
                "action": action.key,
                "step": action.step,
                "channel": action.channel.value,
                "reason": action.reason,
                "totals": {c: str(m) for c, m in action.totals.items()},
            },
        )

    def _move(
        self,
        tenant: str,
        key: str,
        allowed: tuple[ActionStatus, ...],
        to: ActionStatus,
        kind: EventType | None,
        by: str | None = None,  # the person who moved it, named in the audit event
        /,
        **values: Any,
    ) -> ActionRecord:
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if ActionStatus(row.status) not in allowed:
                raise StoreError(f"action {key} is {row.status}; it cannot become {to.value}")
            conn.execute(
                update(t.actions)
                .where(t.actions.c.id == row.id)
                .values(status=to.value, updated_at=self._now(), **values)
            )
            note_action_steps(conn, tenant, [row.id])
            if kind is not None:
                self._log(
                    conn,
                    tenant,
                    kind,
                    customer_key=row.customer_key,
                    payload={
                        "action": key,
                        **{k: str(v) for k, v in values.items() if k in ("error", "receipt")},
                        **({"by": by} if by else {}),
                    },
                )
            return _record(self._get(conn, tenant, key))

    def mark_sending(self, tenant: str, key: str) -> ActionRecord:
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            attempts = row.attempts + 1
        return self._move(
            tenant, key, (ActionStatus.PLANNED,), ActionStatus.SENDING, None, attempts=attempts
        )

    def mark_sent(
        self,
        tenant: str,
        key: str,
        *,
        receipt: str,
        policy: Policy,
        done_on: date,
        details: Mapping[str, Any] | None = None,
        status: ActionStatus = ActionStatus.SENT,
        write_back: bool = False,
    ) -> ActionRecord:
        """What the channel did, in one transaction: the action's status (sent, written,
        prepared or posted) and details, the progress of every item it covered and the
        broken promises, the audit event, and, with ``write_back``, the write-back owed to
        the source (dated ``done_on``) until it has it. A prepared letter moves nothing
        yet: the items' progress waits for its posting (:meth:`record_posting`)."""
        if status not in _DONE_BY_CHANNEL:
            raise StoreError(f"{status} is not what a channel does with an action")
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if row.status != ActionStatus.SENDING.value:
                raise StoreError(f"action {key} is {row.status}, not sending")
            action = action_from_json(row.payload)
            now = self._now()
            conn.execute(
                update(t.actions)
                .where(t.actions.c.id == row.id)
                .values(
                    status=status.value,
                    updated_at=now,
                    sent_at=now,
                    receipt=receipt,
                    error=None,
                    details={**(row.details or {}), **(details or {})},
                )
            )
            note_action_steps(conn, tenant, [row.id])
            if status is not ActionStatus.PREPARED:
                self._save_progress(conn, tenant, action, policy, done_on)
            if write_back:
                owe_write_back(conn, tenant, key, done_on, now)
            self._log(
                conn,
                tenant,
                _DONE_BY_CHANNEL[status],
                customer_key=row.customer_key,
                receivable_keys=[r.key for r in action.receivable_refs],
                payload={
                    "action": key,
                    "step": action.step,
                    "channel": action.channel.value,
                    "receipt": receipt,
                    **{k: v for k, v in (details or {}).items() if k != "recipients"},
                    "invoices": [line.number for line in action.lines],
                    "totals": {c: str(m) for c, m in action.totals.items()},
                },
            )
            return _record(self._get(conn, tenant, key))

    def _save_progress(
        self, conn: Connection, tenant: str, action: PlannedAction, policy: Policy, done_on: date
    ) -> None:
        customer_key = action.customer_ref.key
        current = {
            row.item_key: Progress(row.step, row.reminders, row.last_on)
            for row in conn.execute(
                select(t.item_progress).where(
                    t.item_progress.c.tenant == tenant,
                    t.item_progress.c.customer_key == customer_key,
                )
            )
        }
        for item_key, progress in progress_after(current, action, policy, done_on).items():
            values = {
                "step": progress.step,
                "reminders": progress.reminders,
                "last_on": progress.last_on,
            }
            if item_key in current:
                conn.execute(
                    update(t.item_progress)
                    .where(
                        t.item_progress.c.tenant == tenant, t.item_progress.c.item_key == item_key
                    )
                    .values(**values)
                )
            else:
                conn.execute(
                    insert(t.item_progress).values(
                        tenant=tenant, item_key=item_key, customer_key=customer_key, **values
                    )
                )
        where = (t.customers.c.tenant == tenant) & (t.customers.c.key == customer_key)
        last = conn.execute(select(t.customers.c.last_action_on).where(where)).scalar()
        if last is None or last < done_on:  # a posting recorded late never moves it back
            conn.execute(update(t.customers).where(where).values(last_action_on=done_on))
        for promise_id in action.broken_promises:
            row = conn.execute(
                select(t.promises).where(
                    t.promises.c.tenant == tenant, t.promises.c.id == promise_id
                )
            ).first()
            if row is None:
                continue
            conn.execute(
                update(t.promises)
                .where(t.promises.c.id == promise_id)
                .values(data={**row.data, "broken_on": done_on.isoformat()})
            )
            self._log(
                conn,
                tenant,
                EventType.PROMISE_BROKEN,
                customer_key=customer_key,
                payload={
                    "promise": promise_id,
                    "promised_on": row.data["promised_on"],
                    "amount": row.data["amount"],
                },
            )

    def requeue(self, tenant: str, key: str, error: str) -> ActionRecord:
        """A transient refusal (relay down): nothing went out, the next run tries again."""
        return self._move(
            tenant,
            key,
            (ActionStatus.SENDING,),
            ActionStatus.PLANNED,
            EventType.ACTION_FAILED,
            error=error,
        )

    def mark_held(self, tenant: str, key: str, reason: str) -> ActionRecord:
        return self._move(
            tenant,
            key,
            (ActionStatus.PLANNED, ActionStatus.SENDING),
            ActionStatus.HELD,
            EventType.ACTION_HELD,
            error=reason,
        )

    def mark_failed(
        self, tenant: str, key: str, error: str, details: Mapping[str, Any] | None = None
    ) -> ActionRecord:
        """Nothing went out; ``details`` may say which recipients a channel refused for good
        (``{"refused": {"channel", "recipients", "reason"}}``: the planner then falls back)."""
        extra = {"details": dict(details)} if details else {}
        return self._move(
            tenant,
            key,
            (ActionStatus.PLANNED, ActionStatus.SENDING),
            ActionStatus.FAILED,
            EventType.ACTION_FAILED,
            error=error,
            **extra,
        )

    def mark_skipped(self, tenant: str, key: str, reason: str) -> ActionRecord:
        """Not carried out, and no longer due (paid meanwhile): nothing moves."""
        return self._move(
            tenant,
            key,
            (ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL),
            ActionStatus.SKIPPED,
            EventType.ACTION_SKIPPED,
            error=reason,
        )

    def cancel_action(
        self, tenant: str, key: str, reason: str, *, by: str | None = None
    ) -> ActionRecord:
        """Cancel for good an action not carried out (a letter not posted included); ``by``:
        the person who did, named in the audit event. The same step for the same invoices is
        not planned again until a person releases it; the next run reviews the customer (and
        says it is blocked by the cancelled step)."""
        record = self._move(
            tenant,
            key,
            (
                ActionStatus.PLANNED,
                ActionStatus.AWAITING_APPROVAL,
                ActionStatus.HELD,
                ActionStatus.FAILED,
                ActionStatus.PREPARED,
            ),
            ActionStatus.CANCELLED,
            EventType.ACTION_CANCELLED,
            by,
            error=reason,
        )
        with self._tx() as conn:
            self._touch(conn, tenant, {record.customer_ref.key})
        return record

    def release_held(self, tenant: str, key: str, *, by: str | None = None) -> ActionRecord:
        """A person (``by``, named in the audit event) checked the held action was not sent,
        or wants the step they cancelled after all: it goes out on the next run, with that
        day's figures (its customer is reviewed then, whatever date the last run had set)."""
        record = self._move(
            tenant,
            key,
            (ActionStatus.HELD, ActionStatus.FAILED, ActionStatus.CANCELLED),
            ActionStatus.PLANNED,
            EventType.ACTION_RELEASED,
            by,
            error=None,
        )
        with self._tx() as conn:
            self._touch(conn, tenant, {record.customer_ref.key})
        return record

    def released_by_person(self, tenant: str, key: str) -> bool:
        """Whether a person has released this action from a hold (it goes out as it is)."""
        with self._engine.connect() as conn:
            row = self._get(conn, tenant, key)
            payloads = conn.execute(
                select(t.events.c.payload).where(
                    t.events.c.tenant == tenant,
                    t.events.c.customer_key == row.customer_key,
                    t.events.c.kind == EventType.ACTION_RELEASED.value,
                )
            ).scalars()
            return any(payload.get("action") == key for payload in payloads)

    def hold_unknown_outcomes(self, tenant: str) -> list[ActionRecord]:
        """Actions left *sending* by a crash are held for a person, never re-sent blindly."""
        held = []
        for record in self.actions(tenant, status=ActionStatus.SENDING):
            held.append(self.mark_held(tenant, record.key, UNKNOWN_OUTCOME))
        return held

    def action(self, tenant: str, key: str) -> ActionRecord:
        with self._engine.connect() as conn:
            return _record(self._get(conn, tenant, key))

    def actions(
        self,
        tenant: str,
        *,
        status: ActionStatus | None = None,
        on: date | None = None,
        customer_key: str | None = None,
    ) -> list[ActionRecord]:
        query = select(t.actions).where(t.actions.c.tenant == tenant)
        if customer_key is not None:  # an action's key starts with its customer's: indexed
            query = query.where(
                t.actions.c.key >= f"{customer_key}|",
                t.actions.c.key < f"{customer_key}}}",  # "}" follows "|"
                t.actions.c.customer_key == customer_key,
            )
        if status is not None:
            query = query.where(t.actions.c.status == status.value)
        if on is not None:
            query = query.where(t.actions.c.planned_on == on)
        with self._engine.connect() as conn:
            return [_record(row) for row in conn.execute(query.order_by(t.actions.c.id))]

    # --- credentials (ciphertext only: encryption is connector.oauth's) ----------------------
    def save_credential(
        self,
        tenant: str,
        platform: str,
        *,
        ciphertext: str,
        expires_at: datetime | None,
        status: str,
        detail: str | None = None,
    ) -> None:
        with self._tx() as conn:
            self._require_tenant(conn, tenant)
            where = (t.credentials.c.tenant == tenant) & (t.credentials.c.platform == platform)
            values = {
                "ciphertext": ciphertext,
                "expires_at": expires_at,
                "status": status,
                "detail": detail,
                "updated_at": self._now(),
            }
            if conn.execute(select(t.credentials.c.tenant).where(where)).first() is None:
                conn.execute(
                    insert(t.credentials).values(tenant=tenant, platform=platform, **values)
                )
            else:
                conn.execute(update(t.credentials).where(where).values(**values))

    def credential(self, tenant: str, platform: str) -> Row[Any] | None:
        with self._engine.connect() as conn:
            return conn.execute(
                select(t.credentials).where(
                    t.credentials.c.tenant == tenant, t.credentials.c.platform == platform
                )
            ).first()

    # --- audit trail --------------------------------------------------------------------------
    def log_event(
        self,
        tenant: str,
        kind: EventType,
        *,
        customer_key: str | None = None,
        receivable_keys: tuple[str, ...] | list[str] = (),
        payload: dict[str, Any] | None = None,
    ) -> None:
        with self._tx() as conn:
            self._log(
                conn,
                tenant,
                kind,
                customer_key=customer_key,
                receivable_keys=receivable_keys,
                payload=payload,
            )

    def journal(
        self, tenant: str, *, before_id: int | None = None, limit: int = 50
    ) -> list[AuditEvent]:
        """The audit trail newest first, ``limit`` events at most, older than ``before_id``."""
        query = select(t.events).where(t.events.c.tenant == tenant)
        if before_id is not None:
            query = query.where(t.events.c.id < before_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(t.events.c.id.desc()).limit(limit)).all()
        return [_event(row) for row in rows]

    def history(
        self,
        tenant: str,
        *,
        customer_ref: Any = None,
        receivable_ref: Any = None,
        before: datetime | None = None,
    ) -> list[AuditEvent]:
        """The audit trail, oldest first; with ``before``, only what was recorded earlier."""
        query = select(t.events).where(t.events.c.tenant == tenant)
        if before is not None:
            query = query.where(t.events.c.at < before)
        if customer_ref is not None:
            query = query.where(t.events.c.customer_key == customer_ref.key)
        elif receivable_ref is not None:
            receivable = self.receivable(tenant, receivable_ref)
            query = query.where(t.events.c.customer_key == receivable.customer_ref.key)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(t.events.c.id)).all()
        events = [_event(r) for r in rows]
        if receivable_ref is not None:
            key = receivable_ref.key
            events = [e for e in events if key in e.receivable_keys]
        return events
