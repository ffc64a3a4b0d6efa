"""Writing what relance did back to the source: a note on each invoice, the step, the next.

Only what is true goes back. A message a relay took, a letter once posted, a to-do written
(the platform turns it into one of its own) are written back; an e-mail that only went to
the outbox folder is not (the source would say "sent by e-mail"), and a letter is written
back when its posting is recorded, dated that day. Each result (written, skipped, or the
platform's error) is an audit event; a failed write-back never undoes the action.

A write-back is owed from the moment the action is recorded as done (in the same
transaction) until the source has all of it: one the platform refused, or that a killed
process left half done, is tried again at the start of every run (:func:`settle_owed`).
Every platform's write-back is idempotent, so trying again never writes anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connector.errors import (
    RateLimited,
    SourceError,
    SourceUnavailable,
    StoreError,
    Unsupported,
)
from connector.model import Channel
from connector.planner import Delivery, PlannedAction
from connector.policy import Policy
from connector.source import GroupedWriteBack, Outcome, Source, WriteReceipt
from connector.store import EventType, Store

__all__ = [
    "Settled",
    "WriteBackResult",
    "settle",
    "settle_owed",
    "true_to_write_back",
    "write_back",
]

log = logging.getLogger(__name__)


def true_to_write_back(channel: Channel, delivery: Delivery) -> bool:
    """Whether the source's trail may say the action was done now."""
    if delivery is Delivery.PREPARED:
        return False
    return not (channel is Channel.EMAIL and delivery is Delivery.WRITTEN)


def _next(policy: Policy, action: PlannedAction, done_on: date) -> dict[str, Any]:
    """The policy's next step and when it falls due: a hint written beside the trail.

    The planner decides for real on that day (a payment, a promise or a small amount
    changes it); this only tells the accountant what to expect.
    """
    names = [step.name for step in policy.steps]
    if action.step not in names or names.index(action.step) + 1 >= len(names):
        return {}
    nxt = policy.steps[names.index(action.step) + 1]
    dues = [line.due_on for line in action.lines]
    if not dues:
        return {}
    when = max(min(dues) + timedelta(days=nxt.offset_days), done_on + timedelta(days=1))
    return {"next_step": nxt.name, "next_on": when}


@dataclass(frozen=True, slots=True)
class WriteBackResult:
    """Whether the source has the whole outcome now; if not, its first error, and whether
    that error passes by itself (the platform down or rate-limiting)."""

    taken: bool
    error: str = ""
    transient: bool = False


def write_back(
    store: Store,
    tenant: str,
    source: Source,
    policy: Policy,
    action: PlannedAction,
    done_on: date,
    document: bytes | None,
) -> WriteBackResult:
    """Write ``action``, done on ``done_on``, back to ``source`` (a letter's PDF attached)."""
    numbers = tuple(line.number for line in action.lines)
    done = "posted" if action.channel is Channel.LETTER else "sent"
    outcome = Outcome(
        action_key=action.key,
        step=action.step,
        channel=action.channel,
        done_on=done_on,
        receivables=action.receivable_refs,
        note=f"relance: {action.step} {done} via {action.channel} ({', '.join(numbers)})",
        customer=action.customer_ref,
        numbers=numbers,
        document=document,
        **_next(policy, action, done_on),
    )
    receipts: dict[str, WriteReceipt | str] = {}
    failures: list[SourceError] = []
    if isinstance(source, GroupedWriteBack):
        try:
            receipts.update(source.write_back_all(outcome))
        except Unsupported:
            return WriteBackResult(taken=True)
        except SourceError as exc:
            log.warning("write-back of %s failed: %s", action.key, exc.message)
            receipts.update((ref.key, exc.message) for ref in outcome.receivables)
            failures.append(exc)
    else:
        for ref in outcome.receivables:
            try:
                receipts[ref.key] = source.write_back(ref, outcome)
            except Unsupported:  # the source keeps no trail (a file); the audit trail has it
                return WriteBackResult(taken=True)
            except SourceError as exc:
                log.warning("write-back of %s to %s failed: %s", action.key, ref.key, exc.message)
                receipts[ref.key] = exc.message
                failures.append(exc)
    for key, result in receipts.items():
        payload: dict[str, object] = {"action": action.key}
        if isinstance(result, str):
            payload["error"] = result
        else:
            payload["written"] = dict(result.written)
            if result.skipped:
                payload["skipped"] = dict(result.skipped)
        store.log_event(
            tenant,
            EventType.WRITTEN_BACK,
            customer_key=action.customer_ref.key,
            receivable_keys=(key,),
            payload=payload,
        )
    if not failures:
        return WriteBackResult(taken=True)
    return WriteBackResult(
        taken=False,
        error=failures[0].message,
        # passing: the platform down or rate-limiting (a write the HTTP layer would not
        # replay blindly is still safe to try again here: write-backs are idempotent)
        transient=all(
            failure.transient or isinstance(failure, SourceUnavailable | RateLimited)
            for failure in failures
        ),
    )


@dataclass(slots=True)
class Settled:
    """What the owed write-backs of a run came to."""

    taken: int = 0
    owed: int = 0  # still owed after this run's attempt
    transient: int = 0  # of those, refused for a passing reason: worth a run again soon


def settle(
    store: Store,
    tenant: str,
    source: Source,
    policy: Policy,
    action: PlannedAction,
    done_on: date,
    document: bytes | None,
) -> WriteBackResult:
    """Write an owed outcome back, then record that the source has it, or that it is still
    owed (with the platform's error)."""
    result = write_back(store, tenant, source, policy, action, done_on, document)
    if result.taken:
        store.write_back_taken(tenant, action.key)
    else:
        attempts = store.write_back_refused(tenant, action.key, result.error)
        log.warning(
            "write-back of %s still owed after %d attempt(s): the next run tries again",
            action.key,
            attempts,
        )
    return result


def settle_owed(
    store: Store, tenant: str, source: Source, policy: Policy, *, skip: Collection[str] = ()
) -> Settled:
    """Try again every write-back the source has not taken yet (refused, or cut by a kill),
    oldest first; ``skip`` names those just tried."""
    settled = Settled()
    for owed in store.owed_write_backs(tenant):
        if owed.action_key in skip:
            settled.owed += 1
            continue
        try:
            record = store.action(tenant, owed.action_key)
        except StoreError:  # the action is gone (its tenant's data re-imported): nothing to say
            store.write_back_taken(tenant, owed.action_key)
            continue
        document = None
        if record.channel is Channel.LETTER and record.receipt:
            path = Path(record.receipt)
            document = path.read_bytes() if path.is_file() else None
        result = settle(store, tenant, source, policy, record.action, owed.done_on, document)
        if result.taken:
            settled.taken += 1
            log.info("write-back of %s taken, %d attempt(s) after", record.key, owed.attempts)
        else:
            settled.owed += 1
            settled.transient += result.transient
    return settled
