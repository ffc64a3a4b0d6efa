"""Words the pages show for the store's values (roles, journal entries), to translate."""

from __future__ import annotations

from connector.accounts import Role
from connector.store import EventType
from connector.web.i18n import gettext

__all__ = ["event_label", "role_label"]


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
    EventType.CALL_NO_ANSWER: _("Call: no answer"),
    EventType.CALL_WRONG_NUMBER: _("Call: wrong number"),
    EventType.NOTE_ADDED: _("Note"),
}


def role_label(role: Role) -> str:
    return gettext(ROLES[role])


def event_label(kind: EventType) -> str:
    """The journal's words for an event; an event type added later shows its own name."""
    text = EVENTS.get(kind)
    return gettext(text) if text else kind.value.replace("_", " ")
