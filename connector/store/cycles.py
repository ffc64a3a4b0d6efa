"""Scheduled cycles: who runs a tenant now (a lease that expires) and when it last finished.

A claim is one conditional UPDATE: of several replicas claiming the same tenant at once, the
database lets exactly one through (PostgreSQL re-checks the condition on the locked row).
A replica killed mid-cycle holds its lease until it expires; then another may claim it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from connector.store import schema as t
from connector.store.inbox import InboxMixin

__all__ = ["CycleMixin"]


class CycleMixin(InboxMixin):
    def claim_cycle(self, tenant: str, owner: str, lease: timedelta) -> bool:
        """Take the tenant's cycle for ``lease``, unless a live lease holds it (even this
        owner's: a second job of the same replica does not run the tenant twice)."""
        now = self._clock.now()
        try:
            with self._tx() as conn:
                self._require_tenant(conn, tenant)
                conn.execute(insert(t.cycles).values(tenant=tenant))
        except IntegrityError:
            pass  # the row exists already: the UPDATE below decides
        row = t.cycles.c
        with self._tx() as conn:
            claimed = conn.execute(
                update(t.cycles)
                .where(
                    and_(
                        row.tenant == tenant,
                        or_(row.lease_until.is_(None), row.lease_until < now),
                    )
                )
                .values(lease_owner=owner, lease_until=now + lease, started_at=now)
            )
            return claimed.rowcount == 1

    def renew_cycle(self, tenant: str, owner: str, lease: timedelta) -> bool:
        row = t.cycles.c
        with self._tx() as conn:
            renewed = conn.execute(
                update(t.cycles)
                .where(row.tenant == tenant, row.lease_owner == owner)
                .values(lease_until=self._clock.now() + lease)
            )
            return renewed.rowcount == 1

    def finish_cycle(self, tenant: str, owner: str, outcome: str) -> None:
        row = t.cycles.c
        with self._tx() as conn:
            conn.execute(
                update(t.cycles)
                .where(row.tenant == tenant, row.lease_owner == owner)
                .values(
                    lease_owner=None,
                    lease_until=None,
                    finished_at=self._clock.now(),
                    outcome=outcome,
                )
            )

    def release_cycle(self, tenant: str, owner: str) -> None:
        """Give the lease back without recording a cycle."""
        row = t.cycles.c
        with self._tx() as conn:
            conn.execute(
                update(t.cycles)
                .where(row.tenant == tenant, row.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def last_cycle(self, tenant: str) -> datetime | None:
        """When the tenant's last scheduled cycle finished (None: never)."""
        with self._engine.connect() as conn:
            found = conn.execute(
                select(t.cycles.c.finished_at).where(t.cycles.c.tenant == tenant)
            ).first()
        return None if found is None else found[0]

    def oldest_cycle(self) -> datetime | None:
        """The least recent finish among tenants that have run (the daemon's lag)."""
        with self._engine.connect() as conn:
            found = conn.execute(select(func.min(t.cycles.c.finished_at))).scalar_one()
        return found if isinstance(found, datetime) else None
