"""Words the pages show for the store's values (roles, journal entries), to translate."""

from __future__ import annotations

from connector.accounts import Role
from connector.model import Channel, Platform
from connector.store import ActionStatus, EventType
from connector.web.i18n import gettext

__all__ = [
    "channel_label",
    "channel_word",
    "event_label",
    "outcome_label",
    "platform_label",
    "role_label",
    "status_label",
    "step_label",
]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


ROLES = {Role.VIEWER: _("Viewer"), Role.USER: _("User"), Role.MANAGER: _("Manager")}

EVENTS = {
    EventType.IMPORTED: _("Ledger imported"),
    EventType.SYNCED: _("Ledger synchronised"),
    EventType.ACTION_PLANNED: _("Action planned"),
    EventType.ACTION_SENT: _("Sent"),
    EventType.ACTION_WRITTEN: _("Written to the outbox folder"),
    EventType.LETTER_PREPARED: _("Letter prepared"),
    EventType.LETTER_POSTED: _("Letter posted"),
    EventType.ACTION_AWAITING_APPROVAL: _("Waiting for approval"),
    EventType.ACTION_APPROVED: _("Approved"),
    EventType.MESSAGE_EDITED: _("Message edited"),
    EventType.ACTION_HELD: _("Held"),
    EventType.ACTION_RELEASED: _("Released"),
    EventType.ACTION_FAILED: _("Failed"),
    EventType.ACTION_SKIPPED: _("Skipped"),
    EventType.ACTION_CANCELLED: _("Cancelled"),
    EventType.WRITTEN_BACK: _("Written back to the accounting software"),
    EventType.PROMISE_RECORDED: _("Promise to pay recorded"),
    EventType.PROMISE_BROKEN: _("Promise broken"),
    EventType.PROMISE_CANCELLED: _("Promise cancelled"),
    EventType.DISPUTE_OPENED: _("Dispute opened"),
    EventType.DISPUTE_RESOLVED: _("Dispute resolved"),
    EventType.PLAN_AGREED: _("Payment plan agreed"),
    EventType.PLAN_CANCELLED: _("Payment plan cancelled"),
    EventType.PAUSED: _("Reminders paused"),
    EventType.RESUMED: _("Reminders resumed"),
    EventType.PAYMENT_RECEIVED: _("Payment received"),
    EventType.BALANCE_CHANGED: _("Balance changed"),
    EventType.RECEIVABLE_CLOSED: _("Invoice settled or closed"),
    EventType.LETTER_TRACKED: _("Letter tracking recorded"),
    EventType.SETTINGS_CHANGED: _("Settings changed"),
    EventType.CALL_NO_ANSWER: _("Call: no answer"),
    EventType.CALL_WRONG_NUMBER: _("Call: wrong number"),
    EventType.NOTE_ADDED: _("Note"),
}


STEPS = {
    "courtesy": _("Courtesy reminder"),
    "reminder_1": _("First reminder"),
    "reminder_2": _("Second reminder"),
    "phone_call": _("Phone call"),
    "formal_notice": _("Formal notice"),
    "escalation": _("Escalation"),
}

CHANNELS = {
    Channel.EMAIL: _("E-mail"),
    Channel.LETTER: _("Letter"),
    Channel.PHONE_TASK: _("Call to make"),
    Channel.SMS: _("Text message"),
}

# the same, inside a sentence ("Sent · first reminder · e-mail")
CHANNEL_WORDS = {
    Channel.EMAIL: _("e-mail"),
    Channel.LETTER: _("letter"),
    Channel.PHONE_TASK: _("phone call"),
    Channel.SMS: _("SMS"),
}

PLATFORMS = {
    Platform.PENNYLANE: _("Pennylane"),
    Platform.QUICKBOOKS: _("QuickBooks Online"),
    Platform.ODOO: _("Odoo"),
    Platform.FILES: _("Files (FEC or CSV)"),
}

# how a cycle ended (connector.daemon, relance run)
OUTCOMES = {
    "done": _("done"),
    "partial": _("partly done: some of it waits for the relay or the platform"),
    "failed": _("failed"),
    "interrupted": _("interrupted, to be run again"),
}

STATUSES = {
    ActionStatus.PLANNED: _("Planned"),
    ActionStatus.AWAITING_APPROVAL: _("Awaiting approval"),
    ActionStatus.SENDING: _("Sending"),
    ActionStatus.SENT: _("Sent"),
    ActionStatus.WRITTEN: _("Written to the outbox folder"),
    ActionStatus.PREPARED: _("Letter prepared"),
    ActionStatus.POSTED: _("Letter posted"),
    ActionStatus.HELD: _("Held"),
    ActionStatus.FAILED: _("Failed"),
    ActionStatus.SKIPPED: _("Skipped"),
    ActionStatus.CANCELLED: _("Cancelled"),
}


def step_label(step: str) -> str:
    """The default policy's steps by name; a step of a tenant's own policy by its name."""
    text = STEPS.get(step)
    return gettext(text) if text else step.replace("_", " ")


def channel_label(channel: Channel | str) -> str:
    try:
        return gettext(CHANNELS[Channel(channel)])
    except (ValueError, KeyError):
        return str(channel).replace("_", " ")


def channel_word(channel: Channel | str) -> str:
    try:
        return gettext(CHANNEL_WORDS[Channel(channel)])
    except (ValueError, KeyError):
        return str(channel).replace("_", " ")


def status_label(status: ActionStatus) -> str:
    text = STATUSES.get(status)
    return gettext(text) if text else status.value.replace("_", " ")


def role_label(role: Role) -> str:
    return gettext(ROLES[role])


def event_label(kind: EventType) -> str:
    """The journal's words for an event; an event type added later shows its own name."""
    text = EVENTS.get(kind)
    return gettext(text) if text else kind.value.replace("_", " ")


def platform_label(platform: Platform | str) -> str:
    try:
        return gettext(PLATFORMS[Platform(platform)])
    except (ValueError, KeyError):
        return str(platform)


def outcome_label(outcome: str | None) -> str:
    text = OUTCOMES.get(outcome or "")
    return gettext(text) if text else (outcome or "?")
