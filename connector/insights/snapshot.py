"""The dashboard kept in the store: its figures as ``relance report --dashboard --json``
gives them for a day, computed once (at the end of each cycle, or when the web app finds
none current) and shown as they are while they stay current.

A snapshot is current on the day it is for while its stamp is the tenant's: the tenant's
last event (every change to its ledger or outbox writes one) and its policy's steps and
grace days (the figures name the steps and count the promises with them). The stamp is
taken before the figures are read: anything written meanwhile makes the next look stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from connector.insights import dashboard
from connector.insights.export import dashboard_json
from connector.policy import Policy, default_policy
from connector.store import DashboardSnapshot, Store

__all__ = [
    "compute_snapshot",
    "current_snapshot",
    "data_stamp",
    "keep_dashboard",
    "refresh_snapshot",
]

log = logging.getLogger("relance.dashboard")


def _policy_stamp(policy: Policy) -> str:
    used = {"steps": [s.name for s in policy.steps], "grace": policy.promise_grace_days}
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


def data_stamp(store: Store, tenant: str, policy: Policy | None = None) -> str:
    """What the tenant's figures depend on, as one string that changes with any of it."""
    return f"{store.data_stamp(tenant)}|policy:{_policy_stamp(policy or default_policy())}"


def compute_snapshot(
    store: Store, tenant: str, as_of: date, policy: Policy | None = None
) -> DashboardSnapshot:
    """Compute the figures of ``as_of`` and keep them as the tenant's snapshot."""
    policy = policy or default_policy()
    stamp = data_stamp(store, tenant, policy)
    figures = dashboard_json(dashboard(store, tenant, as_of, policy=policy))
    return store.save_dashboard_snapshot(tenant, as_of, stamp, figures)


def current_snapshot(
    store: Store, tenant: str, as_of: date, policy: Policy | None = None
) -> DashboardSnapshot | None:
    """The tenant's snapshot if it is for ``as_of`` and nothing changed since; else None."""
    kept = store.dashboard_snapshot(tenant)
    if kept is None or kept.as_of != as_of:
        return None
    return kept if kept.stamp == data_stamp(store, tenant, policy) else None


def refresh_snapshot(
    store: Store, tenant: str, as_of: date, policy: Policy | None = None
) -> DashboardSnapshot:
    """The current snapshot, computed unless one is: one computation at a time per tenant
    across processes and machines (the store's lock; whoever waited finds it done)."""
    with store.exclusive(f"dashboard-snapshot:{tenant}"):
        kept = current_snapshot(store, tenant, as_of, policy)
        return kept if kept is not None else compute_snapshot(store, tenant, as_of, policy)


def keep_dashboard(store: Store, tenant: str, as_of: date, policy: Policy | None = None) -> bool:
    """After a cycle: the snapshot of ``as_of``, kept current. Never fails the cycle: a
    failure is logged and the web app computes it when asked. True if it is current."""
    try:
        refresh_snapshot(store, tenant, as_of, policy)
    except Exception:
        log.warning("%s: the dashboard's figures could not be kept", tenant, exc_info=True)
        return False
    return True
