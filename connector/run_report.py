"""What a run did, action by action, and what is left for a person or for a later run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from connector.model import Channel
from connector.planner import Blocked, Delivery, PlannedAction
from connector.store import ActionStatus

__all__ = ["ATTENTION", "STATUS_OF", "ActionResult", "RunReport", "outcome", "said"]


@dataclass(frozen=True, slots=True)
class ActionResult:
    key: str
    customer_key: str
    step: str
    channel: Channel
    status: ActionStatus
    detail: str = ""
    reference: str = ""  # the receipt: a Message-ID, or the file written


@dataclass(slots=True)
class RunReport:
    tenant: str
    as_of: date
    dry_run: bool
    customers_reviewed: int = 0
    results: list[ActionResult] = field(default_factory=list)
    planned: list[PlannedAction] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (customer key, note)
    blocked: list[tuple[str, Blocked]] = field(default_factory=list)  # (customer key, why)
    waiting: list[str] = field(default_factory=list)  # customers whose action awaits review
    letters_to_post: int = 0  # letters prepared, this run or before, not posted yet
    awaiting_approval: int = 0  # actions waiting for a person's approval, this run or before
    stopped: bool = False  # asked to stop before the last customer: the rest waits
    # what could not be done now for a passing reason (the relay down or deferring, the
    # platform unavailable): a run a few minutes later may do it
    to_retry: int = 0
    write_backs_pending: int = 0  # outcomes the source has not taken yet (tried every run)

    def count(self, status: ActionStatus) -> int:
        return sum(1 for r in self.results if r.status is status)

    @property
    def needs_attention(self) -> bool:
        """A person has something to do: review or approve an action, post a letter, fix an
        address."""
        if self.blocked or self.waiting or self.letters_to_post or self.awaiting_approval:
            return True
        return any(r.status in ATTENTION for r in self.results)


ATTENTION = (ActionStatus.HELD, ActionStatus.FAILED, ActionStatus.PREPARED)
STATUS_OF = {
    Delivery.SENT: ActionStatus.SENT,
    Delivery.WRITTEN: ActionStatus.WRITTEN,
    Delivery.PREPARED: ActionStatus.PREPARED,
    Delivery.POSTED: ActionStatus.POSTED,
}


def said(action: PlannedAction, status: ActionStatus, reference: str) -> str:
    """The run's line about an action, in plain words."""
    match status:
        case ActionStatus.WRITTEN if action.channel is Channel.EMAIL:
            return f"written to {reference} (not sent: no SMTP relay is set up)"
        case ActionStatus.WRITTEN:
            return f"to-do written to {reference}"
        case ActionStatus.PREPARED:
            return (
                f"letter to print and post: {reference}; then record it: "
                f"relance action letter {action.key} --tracking NUMBER"
            )
    return reference


def outcome(action: PlannedAction, status: ActionStatus, detail: str) -> ActionResult:
    return ActionResult(
        action.key, action.customer_ref.key, action.step, action.channel, status, detail
    )
