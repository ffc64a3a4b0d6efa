"""What the dashboard keeps in the store: the invoices each action carried out named (the
``action_steps`` table, kept with the actions' status), and the figures as last computed
per tenant, with the stamp of the data they came from.

An action counts from the day it was carried out as the schedule counts it: a letter's
posting day, any other action's planned day (:mod:`connector.insights.steps`). Its rows are
written again whenever its status moves (:func:`note_action_steps`), so the table always
holds exactly the done actions' invoices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from connector.store import schema as t
from connector.store._base import StoreBase
from connector.store.types import ActionStatus

__all__ = ["DashboardMixin", "DashboardSnapshot", "action_step_rows", "note_action_steps"]

_DONE = tuple(s.value for s in ActionStatus if s.done)


@dataclass(frozen=True, slots=True)
class DashboardSnapshot:
    tenant: str
    as_of: date
    computed_at: datetime
    stamp: str
    figures: dict[str, Any]  # connector.insights.export.dashboard_json


def action_step_rows(
    tenant: str,
    action_id: int,
    step: str,
    status: str,
    planned_on: date,
    payload: Mapping[str, Any],
    details: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """The ``action_steps`` rows of one action: one per line and upcoming item naming an
    invoice, none unless the action is done."""
    if status not in _DONE:
        return []
    posted = (details or {}).get("posted_on")
    done_on = date.fromisoformat(posted) if posted else planned_on
    rows = []
    for items in ("lines", "upcoming"):
        for line in payload.get(items) or ():
            ref = line.get("ref") or {}
            parts = [ref.get(name) for name in ("platform", "tenant", "external_id")]
            if any(part is None for part in parts):
                continue  # a plan's instalment: the plan's, not an invoice's
            rows.append(
                {
                    "tenant": tenant,
                    "action_id": action_id,
                    "receivable": ":".join(str(part) for part in parts),
                    "step": step,
                    "done_on": done_on,
                }
            )
    return rows


def note_action_steps(conn: Connection, tenant: str, action_ids: Iterable[int]) -> None:
    """Write the ``action_steps`` rows of these actions again from their current state (in
    the transaction that moved their status)."""
    ids = list(action_ids)
    if not ids:
        return
    conn.execute(delete(t.action_steps).where(t.action_steps.c.action_id.in_(ids)))
    a = t.actions.c
    found = conn.execute(
        select(a.id, a.step, a.status, a.planned_on, a.payload, a.details).where(
            a.tenant == tenant, a.id.in_(ids), a.status.in_(_DONE)
        )
    )
    rows = [
        row
        for r in found
        for row in action_step_rows(
            tenant, r.id, r.step, r.status, r.planned_on, r.payload, r.details
        )
    ]
    if rows:
        conn.execute(insert(t.action_steps), rows)


class DashboardMixin(StoreBase):
    def rebuild_action_steps(self, tenant: str) -> int:
        """Write the tenant's ``action_steps`` again from its actions (for a store filled
        without the store's own methods, as the benchmarks do); returns the rows written."""
        a = t.actions.c
        with self._tx() as conn:
            conn.execute(delete(t.action_steps).where(t.action_steps.c.tenant == tenant))
            written = 0
            batch: list[dict[str, Any]] = []
            query = select(a.id, a.step, a.status, a.planned_on, a.payload, a.details).where(
                a.tenant == tenant, a.status.in_(_DONE)
            )
            for r in conn.execute(query.order_by(a.id)):
                batch += action_step_rows(
                    tenant, r.id, r.step, r.status, r.planned_on, r.payload, r.details
                )
                if len(batch) >= 5000:
                    conn.execute(insert(t.action_steps), batch)
                    written, batch = written + len(batch), []
            if batch:
                conn.execute(insert(t.action_steps), batch)
                written += len(batch)
            return written

    def data_stamp(self, tenant: str) -> str:
        """What the tenant's figures were computed from: its last event (every change to the
        ledger or the outbox writes one). Changes whenever anything the dashboard counts does."""
        with self._engine.connect() as conn:
            last = conn.execute(
                select(func.max(t.events.c.id)).where(t.events.c.tenant == tenant)
            ).scalar()
        return f"event:{last or 0}"

    def dashboard_snapshot(self, tenant: str) -> DashboardSnapshot | None:
        s = t.dashboard_snapshots.c
        with self._engine.connect() as conn:
            row = conn.execute(select(t.dashboard_snapshots).where(s.tenant == tenant)).first()
        if row is None:
            return None
        return DashboardSnapshot(row.tenant, row.as_of, row.computed_at, row.stamp, row.figures)

    def save_dashboard_snapshot(
        self, tenant: str, as_of: date, stamp: str, figures: dict[str, Any]
    ) -> DashboardSnapshot:
        """Keep ``figures`` as the tenant's dashboard (replacing the one before)."""
        s = t.dashboard_snapshots.c
        now = self._now()
        values = {"as_of": as_of, "computed_at": now, "stamp": stamp, "figures": figures}
        with self._tx() as conn:
            self._require_tenant(conn, tenant)
            conn.execute(delete(t.dashboard_snapshots).where(s.tenant == tenant))
            conn.execute(insert(t.dashboard_snapshots).values(tenant=tenant, **values))
        return DashboardSnapshot(tenant, as_of, now, stamp, figures)

    def forget_dashboard_snapshot(self, tenant: str) -> None:
        """Drop the tenant's snapshot: the next look computes it again."""
        with self._tx() as conn:
            s = t.dashboard_snapshots.c
            conn.execute(delete(t.dashboard_snapshots).where(s.tenant == tenant))
