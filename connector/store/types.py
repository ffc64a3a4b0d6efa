"""Values the store hands out: records of tenants, actions and audit events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from connector.model import Channel, Platform, SourceRef, StepKind
from connector.planner import PlannedAction

__all__ = [
    "ActionRecord",
    "ActionStatus",
    "AuditEvent",
    "EventType",
    "TenantRecord",
    "UpsertCounts",
]


class ActionStatus(StrEnum):
    PLANNED = "planned"  # recorded with its idempotency key, not yet handed to a channel
    SENDING = "sending"  # handed to the channel; outcome not yet committed
    SENT = "sent"  # accepted by an SMTP relay (or a registered-mail provider)
    WRITTEN = "written"  # a file in the outbox folder (.eml with no relay, a to-do): not sent
    PREPARED = "prepared"  # a letter's PDF, waiting for a person to post it
    POSTED = "posted"  # a letter whose posting was recorded (date, tracking number)
    HELD = "held"  # waiting for a person (outcome unknown after a crash, or a hold)
    # its step waits for a person's approval (the policy's ``approval``): nothing went out,
    # and the customer's schedule waits until it is approved (then sent), skipped or cancelled
    AWAITING_APPROVAL = "awaiting_approval"
    FAILED = "failed"  # the channel refused before accepting: nothing went out
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def done(self) -> bool:
        """Carried out: the schedule moved on (a prepared letter has not, yet)."""
        return self in (ActionStatus.SENT, ActionStatus.WRITTEN, ActionStatus.POSTED)


class EventType(StrEnum):
    IMPORTED = "imported"
    SYNCED = "synced"
    ACTION_PLANNED = "action_planned"
    ACTION_SENT = "action_sent"
    ACTION_WRITTEN = "action_written"  # written to the outbox folder: nothing left the machine
    LETTER_PREPARED = "letter_prepared"  # a letter's PDF, to print and post
    LETTER_POSTED = "letter_posted"  # its posting recorded: date, tracking number
    ACTION_HELD = "action_held"
    ACTION_RELEASED = "action_released"
    ACTION_AWAITING_APPROVAL = "action_awaiting_approval"  # recorded by a run, for a person
    ACTION_APPROVED = "action_approved"  # a person approved it (payload "by"): the next run
    MESSAGE_EDITED = "message_edited"  # a person's edit: "by", "before" and "after"
    ACTION_FAILED = "action_failed"
    ACTION_SKIPPED = "action_skipped"
    ACTION_CANCELLED = "action_cancelled"
    WRITTEN_BACK = "written_back"
    PROMISE_RECORDED = "promise_recorded"
    PROMISE_BROKEN = "promise_broken"
    PROMISE_CANCELLED = "promise_cancelled"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_RESOLVED = "dispute_resolved"
    PLAN_AGREED = "plan_agreed"
    PLAN_CANCELLED = "plan_cancelled"
    PAUSED = "paused"
    RESUMED = "resumed"
    PAYMENT_RECEIVED = "payment_received"
    BALANCE_CHANGED = "balance_changed"
    RECEIVABLE_CLOSED = "receivable_closed"
    LETTER_TRACKED = "letter_tracked"  # a posted letter's tracking number or delivery (AR)
    SETTINGS_CHANGED = "settings_changed"  # in the web app: identity, policy, connection, users
    # what a person noted of a call (the web app's customer page): nobody answered; the
    # number reached someone else (the phone is marked as such on the page, not dialled
    # again by the person until the source has a new one); a note of anything else
    CALL_NO_ANSWER = "call_no_answer"
    CALL_WRONG_NUMBER = "call_wrong_number"
    NOTE_ADDED = "note_added"


@dataclass(frozen=True, slots=True)
class TenantRecord:
    slug: str
    platform: Platform
    name: str
    country: str
    timezone: str
    policy_path: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ActionRecord:
    key: str
    tenant: str
    customer_ref: SourceRef
    step: str
    kind: StepKind
    channel: Channel
    status: ActionStatus
    planned_on: date
    action: PlannedAction
    attempts: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    receipt: str | None
    error: str | None
    details: Mapping[str, Any] = field(default_factory=dict)  # see schema.actions.details


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    tenant: str
    at: datetime
    kind: EventType
    customer_key: str | None
    receivable_keys: tuple[str, ...]
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    customers: int = 0
    receivables: int = 0
    payments: int = 0
    closed: int = 0
