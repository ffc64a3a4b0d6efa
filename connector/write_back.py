"""Writing what relance did back to the source: a note on each invoice, the step, the next.

Only what is true goes back. A message a relay took, a letter once posted, a to-do written
(the platform turns it into one of its own) are written back; an e-mail that only went to
the outbox folder is not (the source would say "sent by e-mail"), and a letter is written
back when its posting is recorded, dated that day. Each result (written, skipped, or the
platform's error) is an audit event; a failed write-back never undoes the action.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from connector.errors import SourceError, Unsupported
from connector.model import Channel
from connector.planner import Delivery, PlannedAction
from connector.policy import Policy
from connector.source import GroupedWriteBack, Outcome, Source, WriteReceipt
from connector.store import EventType, Store

__all__ = ["true_to_write_back", "write_back"]

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


def write_back(
    store: Store,
    tenant: str,
    source: Source | None,
    policy: Policy,
    action: PlannedAction,
    done_on: date,
    document: bytes | None,
) -> None:
    """Write ``action``, done on ``done_on``, back to ``source`` (a letter's PDF attached)."""
    if source is None:
        return
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
    if isinstance(source, GroupedWriteBack):
        try:
            receipts.update(source.write_back_all(outcome))
        except Unsupported:
            return
        except SourceError as exc:
            log.warning("write-back of %s failed: %s", action.key, exc.message)
            receipts.update((ref.key, exc.message) for ref in outcome.receivables)
    else:
        for ref in outcome.receivables:
            try:
                receipts[ref.key] = source.write_back(ref, outcome)
            except Unsupported:
                return  # the source keeps no trail (a file); the audit trail has it
            except SourceError as exc:
                log.warning("write-back of %s to %s failed: %s", action.key, ref.key, exc.message)
                receipts[ref.key] = exc.message
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
