"""Scheduled cycles: when each tenant's next one is due, who runs it now, when it finished.

Every tenant has one row. ``due_at`` is its next scheduled cycle (computed by the daemon
from the tenant's cron line and timezone); a replica takes due cycles with
``claim_due_cycles``: one UPDATE over the rows a ``SELECT … FOR UPDATE SKIP LOCKED`` picked,
so replicas claiming at the same moment take different tenants and never wait on each
other. A claim is a lease: a replica killed mid-cycle holds its tenant until the lease
expires, then another one claims it (``due_at`` only moves when a cycle finishes).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from connector.store import schema as t
from connector.store.inbox import InboxMixin

__all__ = ["CycleMixin", "CyclePlan", "CycleRow"]


@dataclass(frozen=True, slots=True)
class CycleRow:
    tenant: str
    schedule: str | None
    due_at: datetime | None
    finished_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    outcome: str | None = None  # how the last finished cycle ended (done, partial, failed)


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """A tenant's schedule (``"cron|timezone"``) and the cycle it makes due first."""

    tenant: str
    schedule: str
    due_at: datetime


_ROW = select(
    t.cycles.c.tenant,
    t.cycles.c.schedule,
    t.cycles.c.due_at,
    t.cycles.c.finished_at,
    t.cycles.c.lease_owner,
    t.cycles.c.lease_until,
    t.cycles.c.outcome,
)


class CycleMixin(InboxMixin):
    # --- the schedule ---------------------------------------------------------------------------
    def cycle_rows(self) -> dict[str, CycleRow]:
        with self._engine.connect() as conn:
            rows = conn.execute(_ROW).all()
        return {row.tenant: CycleRow(*row) for row in rows}

    def cycle_row(self, tenant: str) -> CycleRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(_ROW.where(t.cycles.c.tenant == tenant)).first()
        return None if row is None else CycleRow(*row)

    def schedule_cycles(self, plans: Sequence[CyclePlan]) -> int:
        """Record each tenant's first due cycle under its schedule, unless the row already
        follows that schedule (another replica got there first, or nothing changed): several
        replicas starting at once agree on one ``due_at``. Returns how many rows changed."""
        c, changed = t.cycles.c, 0
        try:
            with self._tx() as conn:
                for plan in sorted(plans, key=lambda p: p.tenant):  # one lock order
                    self._cycle_row(conn, plan.tenant)
                    changed += conn.execute(
                        update(t.cycles)
                        .where(c.tenant == plan.tenant, c.schedule.is_distinct_from(plan.schedule))
                        .values(schedule=plan.schedule, due_at=plan.due_at)
                    ).rowcount
        except IntegrityError:
            self._name_missing_tenant([plan.tenant for plan in plans])
            raise
        return changed

    def _cycle_row(self, conn: Connection, tenant: str) -> None:
        """The tenant's row, created empty if missing (racing creators: one wins, quietly)."""
        insert_ = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert_(t.cycles).values(tenant=tenant).on_conflict_do_nothing())

    def _name_missing_tenant(self, tenants: Collection[str]) -> None:
        """After an IntegrityError (the transaction is gone): which tenant does not exist."""
        with self._engine.connect() as conn:
            for tenant in tenants:
                self._require_tenant(conn, tenant)

    # --- claims ---------------------------------------------------------------------------------
    def claim_due_cycles(
        self, owner: str, lease: timedelta, tenants: Collection[str], limit: int
    ) -> list[str]:
        """Take up to ``limit`` of ``tenants`` whose cycle is due and not held by a live
        lease, most overdue first. Rows another transaction is claiming are skipped, not
        waited for."""
        if limit < 1 or not tenants:
            return []
        now, c = self._clock.now(), t.cycles.c
        claimed = self._claim(
            t.cycles,
            c.tenant,
            [
                c.tenant.in_(list(tenants)),
                c.due_at <= now,
                or_(c.lease_until.is_(None), c.lease_until < now),
            ],
            c.due_at,
            limit,
            {"lease_owner": owner, "lease_until": now + lease, "started_at": now},
            [c.tenant],
        )
        return [row.tenant for row in claimed]

    def claim_cycle(self, tenant: str, owner: str, lease: timedelta) -> bool:
        """Take one tenant's cycle now, due or not (``relance run``, tests), unless a live
        lease holds it (even this owner's: the same tenant never runs twice at once)."""
        now, c = self._clock.now(), t.cycles.c
        try:
            with self._tx() as conn:
                self._cycle_row(conn, tenant)
                claimed = conn.execute(
                    update(t.cycles)
                    .where(
                        and_(c.tenant == tenant, or_(c.lease_until.is_(None), c.lease_until < now))
                    )
                    .values(lease_owner=owner, lease_until=now + lease, started_at=now)
                )
                return claimed.rowcount == 1
        except IntegrityError:
            self._name_missing_tenant([tenant])
            raise

    def take_over_cycle(self, tenant: str, stale_owner: str, owner: str, lease: timedelta) -> bool:
        """Take the tenant's lease from ``stale_owner``, known to be dead (a process of this
        machine that is gone), whatever its expiry; False if someone else holds it now."""
        now, c = self._clock.now(), t.cycles.c
        with self._tx() as conn:
            taken = conn.execute(
                update(t.cycles)
                .where(c.tenant == tenant, c.lease_owner == stale_owner)
                .values(lease_owner=owner, lease_until=now + lease, started_at=now)
            )
            return taken.rowcount == 1

    def expire_leases_of(self, owners: Collection[str]) -> int:
        """Make what dead ``owners`` held claimable now: their cycles' leases and their inbox
        claims end. Returns how many cycles were freed."""
        if not owners:
            return 0
        c, i = t.cycles.c, t.inbox.c
        with self._tx() as conn:
            freed = conn.execute(
                update(t.cycles)
                .where(c.lease_owner.in_(list(owners)))
                .values(lease_owner=None, lease_until=None)
            ).rowcount
            conn.execute(
                update(t.inbox)
                .where(i.claimed_by.in_(list(owners)), i.processed_at.is_(None))
                .values(claimed_by=None, claim_until=None)
            )
        return freed

    def lease_owners(self) -> set[str]:
        """Everyone holding a cycle lease or an inbox claim now (live or not)."""
        c, i = t.cycles.c, t.inbox.c
        with self._engine.connect() as conn:
            cycles = conn.execute(
                select(c.lease_owner).where(c.lease_owner.is_not(None)).distinct()
            )
            inbox = conn.execute(
                select(i.claimed_by)
                .where(i.claimed_by.is_not(None), i.processed_at.is_(None))
                .distinct()
            )
            return {row[0] for row in cycles} | {row[0] for row in inbox}

    def renew_cycle(self, tenant: str, owner: str, lease: timedelta) -> bool:
        c = t.cycles.c
        with self._tx() as conn:
            renewed = conn.execute(
                update(t.cycles)
                .where(c.tenant == tenant, c.lease_owner == owner)
                .values(lease_until=self._clock.now() + lease)
            )
            return renewed.rowcount == 1

    def finish_cycle(
        self, tenant: str, owner: str, outcome: str, next_due: datetime | None = None
    ) -> bool:
        """Record the cycle as finished and, with ``next_due``, when the next one is; a
        replica whose lease was taken over finishes nothing (returns False)."""
        c = t.cycles.c
        values: dict[str, object] = {
            "lease_owner": None,
            "lease_until": None,
            "finished_at": self._clock.now(),
            "outcome": outcome,
        }
        if next_due is not None:
            values["due_at"] = next_due
        with self._tx() as conn:
            done = conn.execute(
                update(t.cycles).where(c.tenant == tenant, c.lease_owner == owner).values(values)
            )
            return done.rowcount == 1

    def defer_cycle(self, tenant: str, owner: str, due_at: datetime) -> None:
        """Give the lease back and make the cycle due later (outside the send window now)."""
        c = t.cycles.c
        with self._tx() as conn:
            conn.execute(
                update(t.cycles)
                .where(c.tenant == tenant, c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None, due_at=due_at)
            )

    def release_cycle(self, tenant: str, owner: str) -> None:
        """Give the lease back without recording a cycle: still due, for anyone."""
        c = t.cycles.c
        with self._tx() as conn:
            conn.execute(
                update(t.cycles)
                .where(c.tenant == tenant, c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    # --- figures --------------------------------------------------------------------------------
    def overdue_since(self) -> datetime | None:
        """Since when the most overdue cycle that no replica runs yet has been due (None: none
        is waiting): the daemon's lag."""
        now, c = self._clock.now(), t.cycles.c
        with self._engine.connect() as conn:
            found = conn.execute(
                select(func.min(c.due_at)).where(
                    c.due_at <= now, or_(c.lease_until.is_(None), c.lease_until < now)
                )
            ).scalar_one()
        return found if isinstance(found, datetime) else None
