"""What the Today page asks of the store: the customers due for review up to a day, a page at
a time (customers.next_review_on, indexed), so the coming days' plan is computed for the
customers shown, never for the whole ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from connector.store import schema as t
from connector.store._base import StoreBase

__all__ = ["AgendaMixin", "DueCustomer"]


@dataclass(frozen=True, slots=True)
class DueCustomer:
    key: str
    name: str
    review_on: date


class AgendaMixin(StoreBase):
    def due_for_review(
        self, tenant: str, until: date, *, offset: int = 0, limit: int = 50
    ) -> tuple[int, list[DueCustomer]]:
        """How many customers are due for review by ``until``, and one page of them, the
        earliest first (then by name)."""
        c = t.customers.c
        due = (c.tenant == tenant, c.next_review_on.is_not(None), c.next_review_on <= until)
        with self._engine.connect() as conn:
            total = conn.execute(select(func.count()).where(*due)).scalar_one()
            rows = conn.execute(
                select(c.key, c.name, c.next_review_on)
                .where(*due)
                .order_by(c.next_review_on, c.name, c.key)
                .offset(offset)
                .limit(limit)
            ).all()
        return int(total), [DueCustomer(row.key, row.name, row.next_review_on) for row in rows]

    def next_review(self, tenant: str, customer_key: str) -> date | None:
        c = t.customers.c
        with self._engine.connect() as conn:
            found: date | None = conn.execute(
                select(c.next_review_on).where(c.tenant == tenant, c.key == customer_key)
            ).scalar()
        return found
