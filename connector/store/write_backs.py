"""Write-backs owed to the source: recorded in the transaction that records what was done,
removed once the source has it, tried again at every run until then (each platform's
write-back is idempotent: what is already there is not written twice).

A process killed between an action's commit and the end of its write-back, a platform that
refused or was down: the outcome stays owed, never forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, delete, insert, select, update

from connector.store import schema as t
from connector.store._base import StoreBase

__all__ = ["OwedWriteBack", "WriteBackMixin", "owe_write_back"]


@dataclass(frozen=True, slots=True)
class OwedWriteBack:
    action_key: str
    done_on: date  # the day the source's trail gives (sent, or posted)
    attempts: int  # tried and not taken, so far
    last_error: str | None
    owed_since: datetime


def owe_write_back(
    conn: Connection, tenant: str, action_key: str, done_on: date, now: datetime
) -> None:
    """Inside the transaction that records the action as done: its write-back is owed."""
    c = t.write_backs.c
    found = conn.execute(
        select(c.action_key).where(c.tenant == tenant, c.action_key == action_key)
    ).first()
    if found is None:
        conn.execute(
            insert(t.write_backs).values(
                tenant=tenant, action_key=action_key, done_on=done_on, attempts=0, owed_since=now
            )
        )


class WriteBackMixin(StoreBase):
    def owed_write_backs(self, tenant: str) -> list[OwedWriteBack]:
        """What the source has not taken yet, oldest first."""
        c = t.write_backs.c
        query = (
            select(c.action_key, c.done_on, c.attempts, c.last_error, c.owed_since)
            .where(c.tenant == tenant)
            .order_by(c.owed_since, c.action_key)
        )
        with self._engine.connect() as conn:
            return [OwedWriteBack(*row) for row in conn.execute(query)]

    def write_back_taken(self, tenant: str, action_key: str) -> None:
        """The source has it all: nothing is owed any more."""
        c = t.write_backs.c
        with self._tx() as conn:
            conn.execute(
                delete(t.write_backs).where(c.tenant == tenant, c.action_key == action_key)
            )

    def write_back_refused(self, tenant: str, action_key: str, error: str) -> int:
        """The source did not take it (all or part): still owed. Returns the attempts."""
        c = t.write_backs.c
        where = (c.tenant == tenant) & (c.action_key == action_key)
        with self._tx() as conn:
            conn.execute(
                update(t.write_backs)
                .where(where)
                .values(attempts=c.attempts + 1, last_error=error, tried_at=self._now())
            )
            attempts = conn.execute(select(c.attempts).where(where)).scalar()
        return int(attempts or 0)
