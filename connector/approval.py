"""A run's side of approval: which actions wait for a person, and which lapse.

The policy's ``approval`` names the kinds of step whose actions wait for a person's approval
before they go out. When a run reaches one that no person approved, it records it as
*awaiting approval* (:func:`wait_for_approval`): nothing reaches the customer, and the
customer's schedule does not move past it. Once approved (:mod:`connector.store.review`), the
next run carries it out as any other action, on a balance read fresh from the source; if the
amounts changed since the approval, it waits for approval again.

An action awaiting approval, or approved and not sent yet, that the customer's plan of a send
day no longer holds (paid, disputed, paused, a promise) is *withdrawn* (:func:`withdraw_stale`):
skipped, nothing moved, its approval lapsed; planned again later, it is recorded afresh.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from connector.calendar import BusinessCalendar
from connector.legal import LegalClaim
from connector.planner import CustomerPlan, PlannedAction
from connector.policy import Policy
from connector.run_report import ActionResult, outcome
from connector.store import ActionRecord, ActionStatus, Store
from connector.store.review import approved

__all__ = ["INTEREST_WITHOUT_RATE", "unsent_decisions", "wait_for_approval", "withdraw_stale"]

log = logging.getLogger(__name__)

# how a formal notice held because its interest has no figure starts its reason
INTEREST_WITHOUT_RATE = "the late-payment interest of this formal notice has no figure"


def unsent_decisions(
    store: Store, tenant: str, calendar: BusinessCalendar, as_of: date
) -> dict[str, list[ActionRecord]]:
    """Customer key -> its actions awaiting approval, or approved and not sent yet, that a
    run on ``as_of`` may find no longer due (none on a day nothing is sent: nothing lapses)."""
    found: dict[str, list[ActionRecord]] = {}
    if not calendar.is_send_day(as_of):
        return found
    records = store.awaiting_approval(tenant)
    records += [r for r in store.actions(tenant, status=ActionStatus.PLANNED) if approved(r)]
    for record in records:
        found.setdefault(record.customer_ref.key, []).append(record)
    return found


def withdraw_stale(
    store: Store,
    tenant: str,
    records: list[ActionRecord],
    customer_plan: CustomerPlan,
    as_of: date,
) -> None:
    """Withdraw those of the customer's ``records`` its plan of ``as_of`` no longer holds."""
    planned = {action.key for action in customer_plan.actions}
    for record in records:
        if record.key not in planned:
            why = f"no longer due on {as_of} (paid, or the plan changed) before it went out"
            store.withdraw(tenant, record.key, why)
            log.info("action %s withdrawn: %s", record.key, why)


def wait_for_approval(
    store: Store,
    policy: Policy,
    record: ActionRecord,
    action: PlannedAction,
    legal: LegalClaim | None,
) -> ActionResult | None:
    """Record ``action`` (planned, about to go) as awaiting approval when its step waits for
    a person, or a person held it back, and nobody approved it; or when it was approved with
    other amounts than it has now. None: it goes."""
    if approved(record):
        then = record.details.get("approved_totals") or {}
        now = {c: m.amount for c, m in action.totals.items()}
        if {c: Decimal(v) for c, v in then.items()} == now:  # as figures: 800.00 is 800.0000
            return None
        was = ", ".join(f"{c} {Decimal(v)}" for c, v in sorted(then.items()))
        reason = (
            f"the amounts changed since it was approved ({was} then, "
            f"{', '.join(str(m) for _, m in sorted(action.totals.items()))} now): "
            f"check its preview, then approve it again: relance action approve {action.key}"
        )
    elif policy.needs_approval(action.kind) or record.details.get("held_by"):
        reason = (
            f"its step ({action.step}) waits for a person's approval: "
            f"relance action approve {action.key} (or skip, or edit it)"
        )
        if legal is not None and legal.interest_missing:
            reason += (
                f". {INTEREST_WITHOUT_RATE}: {legal.interest_missing}; approved as it is, "
                "it claims the recovery indemnity and says the interest runs at the legal rate"
            )
    else:
        return None
    store.await_approval(record.tenant, action.key, reason)
    log.info("action %s awaits approval", action.key)
    return outcome(action, ActionStatus.AWAITING_APPROVAL, reason)
