"""What goes into a collection file, read from the store once, as of the file's date.

:func:`gather` is the only place the dossier reads the store. The ledger (open documents,
payments, promises, plans, disputes) comes through :func:`ledger_on`, the as-of view of the
store (:mod:`connector.asof`); the dossier's own evidence (the steps carried out and the
audit trail) is cut at the as-of date here: a step planned later, or an event recorded
after that day in the tenant's timezone, is not in a file dated that day.

A step counts as carried out when its action is done: *sent* (a relay took it), *written*
(only a file in the outbox folder: the file says so) or *posted* (a letter whose posting was
recorded); a letter still to post is not. The debtor-facing ones (e-mail, letter, text
message) are the file's reminders; a phone task or an escalation is the creditor's own
to-do and shows only in the audit trail. For each reminder the outbox file written when it
went out (``.eml``, the letter's ``.pdf``) is used while it still exists.

A registered letter's proof (tracking number, posting date, delivery date) is what
``relance action letter KEY --tracking … --posted-on … --received-on …`` recorded in the
action's details, completed by the audit events naming the action; the keys are read
generically, so a newer recorder adds to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connector.asof import payments_as_of
from connector.errors import StoreError
from connector.model import Channel, Customer, Payment, SourceRef, StepKind
from connector.money import Money
from connector.planner import CustomerState
from connector.policy import Policy
from connector.store import ActionRecord, ActionStatus, AuditEvent, Store

__all__ = [
    "Contents",
    "Delivered",
    "LetterProof",
    "allocated_refs",
    "allocated_to",
    "gather",
    "ledger_on",
]

DEBTOR_CHANNELS = frozenset({Channel.EMAIL, Channel.LETTER, Channel.SMS})
_TRACKING = ("tracking_number", "tracking")
_POSTED = ("posted_on",)
_RECEIVED = ("received_on", "delivered_on")


@dataclass(frozen=True, slots=True)
class LetterProof:
    """What is known of a letter's posting: the proof a court asks for with a notice."""

    registered: bool
    tracking_number: str | None = None
    posted_on: date | None = None
    received_on: date | None = None


@dataclass(frozen=True, slots=True)
class Delivered:
    """One reminder that went to the debtor, with the file written when it went out."""

    record: ActionRecord
    file: Path | None  # the outbox file as sent (an e-mail's copy kept at sending), None: gone
    proof: LetterProof | None = None  # letters only

    @property
    def written_only(self) -> bool:
        """Written to the outbox folder, and nothing says it left the machine."""
        return self.record.status is ActionStatus.WRITTEN

    @property
    def on(self) -> date:
        """The day it left: a letter's recorded posting date, else the day it was sent."""
        if self.proof is not None and self.proof.posted_on is not None:
            return self.proof.posted_on
        return self.record.planned_on


@dataclass(frozen=True, slots=True)
class Contents:
    tenant: str
    as_of: date
    customer: Customer
    state: CustomerState  # open documents, unapplied payments, promises, disputes, plans
    payments: tuple[Payment, ...]  # every payment received, applied or not
    delivered: tuple[Delivered, ...]  # oldest first
    trail: tuple[AuditEvent, ...]
    numbers: Mapping[str, str]  # receivable key -> its number, for every one named here

    def number(self, key: str) -> str:
        return self.numbers.get(key) or key.rsplit(":", 1)[-1]

    def notices(self) -> dict[str, date]:
        """The day of the first formal notice that named each receivable (by key)."""
        first: dict[str, date] = {}
        for item in self.delivered:
            if item.record.kind is not StepKind.NOTICE:
                continue
            for ref in item.record.action.receivable_refs:
                first.setdefault(ref.key, item.on)
        return first


def ledger_on(
    store: Store, tenant: str, customer_ref: SourceRef, as_of: date, policy: Policy
) -> tuple[CustomerState, tuple[Payment, ...]]:
    """The customer's ledger and side states as they stood on ``as_of`` (the as-of view,
    :mod:`connector.asof`): documents issued, payments received, promises recorded, plans
    agreed and disputes opened after the day do not exist yet; what a later payment settled
    is open again."""
    states = list(
        store.customer_states(tenant, customer_refs=[customer_ref], as_of=as_of, policy=policy)
    )
    if not states:
        raise StoreError(f"no customer {customer_ref.key} in tenant {tenant}")
    return states[0], payments_as_of(store.payments(tenant, customer_ref), as_of)


def gather(
    store: Store, tenant: str, customer_ref: SourceRef, as_of: date, policy: Policy
) -> Contents:
    """Everything the file shows, read once."""
    zone = ZoneInfo(store.tenant(tenant).timezone)
    state, payments = ledger_on(store, tenant, customer_ref, as_of, policy)
    trail = tuple(
        event
        for event in store.history(tenant, customer_ref=customer_ref)
        if event.at.astimezone(zone).date() <= as_of
    )
    records = [
        record
        for record in store.actions(tenant, customer_key=customer_ref.key)
        if record.status.done
        and record.customer_ref == customer_ref
        and record.channel in DEBTOR_CHANNELS
        and record.planned_on <= as_of
    ]
    delivered = tuple(
        Delivered(
            record,
            _outbox_file(record.details.get("copy") or record.receipt),
            _proof(record, trail),
        )
        for record in sorted(records, key=lambda r: (r.planned_on, r.sent_at or r.created_at))
    )
    numbers = {r.ref.key: r.number for r in state.receivables}
    named = {ref.key for p in payments for ref in allocated_refs(p)}
    named |= {key for event in trail for key in event.receivable_keys}
    for key in sorted(named - numbers.keys()):
        try:
            numbers[key] = store.receivable(tenant, key).number
        except StoreError:  # gone from the ledger since: shown by its id
            continue
    return Contents(tenant, as_of, state.customer, state, payments, delivered, trail, numbers)


def allocated_refs(payment: Payment) -> tuple[SourceRef, ...]:
    """The documents a payment went to."""
    return tuple(allocation.receivable_ref for allocation in payment.allocations)


def allocated_to(payment: Payment, ref: SourceRef) -> Money | None:
    """What of ``payment`` went to the document ``ref`` (None: nothing)."""
    return next((a.amount for a in payment.allocations if a.receivable_ref == ref), None)


def _outbox_file(receipt: str | None) -> Path | None:
    """The file a channel wrote (its receipt is the path, or for an e-mail a relay took, the
    copy kept of it), when it is still there; an SMTP Message-ID is not a file."""
    if not receipt or receipt.startswith("<"):
        return None
    path = Path(receipt)
    return path if path.is_file() else None


def _proof(record: ActionRecord, trail: Iterable[AuditEvent]) -> LetterProof | None:
    if record.channel is not Channel.LETTER:
        return None
    details: dict[str, Any] = {}
    for event in trail:
        if event.payload.get("action") == record.key:
            details.update((k, v) for k, v in event.payload.items() if v not in (None, ""))
    details.update((k, v) for k, v in record.details.items() if v not in (None, ""))
    return LetterProof(
        registered=str(details.get("registered", "")).lower() == "true",
        tracking_number=_first(details, _TRACKING),
        posted_on=_day(_first(details, _POSTED)),
        received_on=_day(_first(details, _RECEIVED)),
    )


def _first(details: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if details.get(key):
            return str(details[key])
    return None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
