"""The inbox: webhook deliveries kept durably, once each, until a sync has acted on them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from connector.errors import StoreError
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind
from connector.store import schema as t
from connector.store.outbox import OutboxMixin

__all__ = ["InboundEvent", "InboxMixin", "InboxSummary", "Refusals"]


def _inbox_rows(tenant: str, platform: str, events: Sequence[Event]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for event in events:
        for ref in event.refs:
            if ref.tenant != tenant:  # one tenant's webhook never names another's data
                raise StoreError(
                    f"event {event.event_id} for tenant {tenant} names {ref.key}",
                    hint="a tenant's webhook only ever touches its own records",
                )
        rows.append(
            {
                "tenant": tenant,
                "platform": platform,
                "event_id": event.event_id,
                "kind": event.kind.value,
                "refs": [r.external_id for r in event.refs],
                "received_at": event.received_at,
            }
        )
    return rows


def _event_key(row: dict[str, object]) -> tuple[str, ...]:
    return (str(row["tenant"]), str(row["platform"]), str(row["event_id"]))


@dataclass(frozen=True, slots=True)
class InboundEvent:
    id: int
    tenant: str
    platform: str
    event_id: str
    kind: EventKind
    refs: tuple[SourceRef, ...]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class InboxSummary:
    last_received: datetime | None
    waiting: int
    last_error_at: datetime | None
    last_error: str | None
    refusals: Refusals | None = None  # deliveries the receiver refused, if any


@dataclass(frozen=True, slots=True)
class Refusals:
    """Deliveries refused for a tenant on one platform: how many since when, the last one's
    instant and reason."""

    count: int
    first_at: datetime
    last_at: datetime
    reason: str


class InboxMixin(OutboxMixin):
    def record_inbound(self, tenant: str, platform: str, events: Iterable[Event]) -> int:
        """Store new events (a redelivered event id is ignored); returns how many were new."""
        return self.record_inbound_batch([(tenant, platform, list(events))])[0]

    def record_inbound_batch(
        self, deliveries: Sequence[tuple[str, str, Sequence[Event]]]
    ) -> list[int]:
        """Several deliveries in one INSERT and one transaction (one commit, one fsync): how
        many events of each were new. A redelivered event id is skipped by the database; an
        event in two deliveries of the batch counts as new for the first. A delivery naming
        a missing tenant fails alone, with a clear error."""
        batches = [_inbox_rows(tenant, platform, events) for tenant, platform, events in deliveries]
        rows = [row for batch in batches for row in batch]
        if not rows:
            return [0] * len(deliveries)
        try:
            with self._tx() as conn:
                new = self._insert_new(conn, rows)
        except IntegrityError:
            if len(deliveries) == 1:  # not a duplicate (those are skipped): a missing tenant
                with self._engine.connect() as conn:
                    self._require_tenant(conn, deliveries[0][0])
                raise
            # one of several failed: each on its own, so the others still land
            return [self.record_inbound_batch([delivery])[0] for delivery in deliveries]
        counts = []
        for batch in batches:
            keys = {_event_key(row) for row in batch}
            counts.append(len(keys & new))
            new -= keys
        return counts

    def _insert_new(self, conn: Connection, rows: list[dict[str, object]]) -> set[tuple[str, ...]]:
        """One multi-row INSERT; the (tenant, platform, event id) of the rows it added."""
        insert_ = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        i = t.inbox.c
        statement = (
            insert_(t.inbox)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(i.tenant, i.platform, i.event_id)
        )
        return {(r.tenant, r.platform, r.event_id) for r in conn.execute(statement)}

    def inbox_depth(self, tenant: str | None = None) -> int:
        """Events received and not yet processed: one tenant's, or all tenants'."""
        i = t.inbox.c
        query = select(func.count()).select_from(t.inbox).where(i.processed_at.is_(None))
        if tenant is not None:
            query = query.where(i.tenant == tenant)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def inbox_summary(self, tenant: str) -> InboxSummary:
        """What the receiver stored for ``tenant``: the last event's arrival, how many wait
        to be acted on, and the last one that could not be (when and why)."""
        i = t.inbox.c
        with self._engine.connect() as conn:
            last, waiting = conn.execute(
                select(
                    func.max(i.received_at),
                    func.count().filter(i.processed_at.is_(None)),
                ).where(i.tenant == tenant)
            ).one()
            failed = conn.execute(
                select(i.processed_at, i.error)
                .where(i.tenant == tenant, i.error.is_not(None))
                .order_by(i.id.desc())
                .limit(1)
            ).first()
            r = t.webhook_refusals.c
            refused = conn.execute(
                select(r.refused, r.first_at, r.last_at, r.last_reason)
                .where(r.tenant == tenant)
                .order_by(r.last_at.desc())
                .limit(1)
            ).first()
        return InboxSummary(
            last_received=last,
            waiting=int(waiting or 0),
            last_error_at=failed.processed_at if failed else None,
            last_error=failed.error if failed else None,
            refusals=Refusals(*refused) if refused else None,
        )

    def record_refusals(
        self,
        tenant: str,
        platform: str,
        *,
        count: int,
        first_at: datetime,
        last_at: datetime,
        reason: str,
    ) -> None:
        """Add ``count`` refused deliveries to the tenant's tally (one row per platform); the
        reason is cut to what the column holds."""
        insert_ = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        r = t.webhook_refusals.c
        statement = insert_(t.webhook_refusals).values(
            tenant=tenant,
            platform=platform,
            refused=count,
            first_at=first_at,
            last_at=last_at,
            last_reason=reason[: t.REFUSAL_REASON_LENGTH],
        )
        statement = statement.on_conflict_do_update(
            index_elements=[r.tenant, r.platform],
            set_={
                "refused": r.refused + statement.excluded.refused,
                "last_at": statement.excluded.last_at,
                "last_reason": statement.excluded.last_reason,
            },
        )
        with self._tx() as conn:
            conn.execute(statement)

    def pending_inbound(self, tenant: str, limit: int = 1000) -> list[InboundEvent]:
        """Events of ``tenant`` not processed yet, claimed or not (for display)."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.inbox)
                .where(t.inbox.c.tenant == tenant, t.inbox.c.processed_at.is_(None))
                .order_by(t.inbox.c.id)
                .limit(limit)
            ).all()
        return [_inbound(row) for row in rows]

    def claim_inbound(
        self,
        owner: str,
        lease: timedelta,
        *,
        tenants: Collection[str] | None = None,
        limit: int = 500,
    ) -> list[InboundEvent]:
        """Take up to ``limit`` unprocessed events (of ``tenants``, or all), oldest first, for
        ``lease``: rows another replica is claiming are skipped, not waited for, and events
        whose claim ran out (a replica died, or acting on them failed) are taken again."""
        if limit < 1 or (tenants is not None and not tenants):
            return []
        now, i = self._now(), t.inbox.c
        conditions = [
            i.processed_at.is_(None),
            or_(i.claim_until.is_(None), i.claim_until < now),
        ]
        if tenants is not None:
            conditions.append(i.tenant.in_(list(tenants)))
        rows = self._claim(
            t.inbox,
            i.id,
            conditions,
            i.id,
            limit,
            {"claimed_by": owner, "claim_until": now + lease},
            list(t.inbox.c),
        )
        return sorted((_inbound(row) for row in rows), key=lambda event: event.id)

    def mark_inbound(self, ids: Sequence[int], *, error: str | None = None) -> None:
        if not ids:
            return
        with self._tx() as conn:
            conn.execute(
                update(t.inbox)
                .where(t.inbox.c.id.in_(list(ids)))
                .values(processed_at=self._now(), error=error, claimed_by=None, claim_until=None)
            )


def _inbound(row: Row[Any]) -> InboundEvent:
    return InboundEvent(
        row.id,
        row.tenant,
        row.platform,
        row.event_id,
        EventKind(row.kind),
        tuple(
            SourceRef(platform=Platform(row.platform), tenant=row.tenant, external_id=e)
            for e in row.refs
        ),
        row.received_at,
    )
