"""What each dunning item went through: the steps really taken, with their dates.

Two views of the same facts:

* :class:`Progress` — per item, the last step it was part of and how many written reminders
  it had: what the planner needs to pick the next step (the store's ``item_progress``; the
  Odoo add-on keeps the same).
* :class:`StepTaken` — per item, every action carried out (or prepared) that listed it, oldest
  first: what a to-do, an escalation or a collection file states as facts. The store builds
  them from its outbox (:meth:`Store.item_history`); the planner attaches them to each claim
  line (``ClaimLine.steps``), so an action records the history it was decided on.

A ``StepTaken`` as JSON (``connector.store.codec.step_to_json``), for the collection file::

    {"step": "formal_notice", "kind": "notice", "channel": "letter",
     "delivery": "posted",              # sent | written | prepared | posted (see Delivery)
     "on": "2026-10-20",                # when it took effect: sent, written, or posted
     "prepared_on": "2026-10-19",       # a letter: the day its PDF was made (else null)
     "action": "<the action's idempotency key>",
     "claimed": {"amount": "1200.00", "currency": "EUR"},   # this item's open amount then
     "registered": true, "tracking_number": "1A 234 567 8901 2",
     "received_on": "2026-10-22",       # the AR's date, when recorded
     "answer_by": "2026-10-30"}         # the last day of the deadline it gave (else null)

Dates are the tenant's calendar days. Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from connector.model import Channel, StepKind
from connector.money import Money

__all__ = [
    "Delivery",
    "Progress",
    "Refusal",
    "StepTaken",
    "answer_by",
    "history_until",
    "with_deadlines",
]


class Delivery(StrEnum):
    """How far an action got, in words a court would accept."""

    SENT = "sent"  # accepted by an SMTP relay or a registered-mail provider
    WRITTEN = "written"  # a file in the outbox folder (an .eml, a to-do): nothing left the machine
    PREPARED = "prepared"  # a letter to print and post; its posting is not recorded yet
    POSTED = "posted"  # a letter whose posting was recorded (date, tracking number)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one dunning item has gone: the last step it was part of."""

    step: str | None = None
    reminders: int = 0
    last_on: date | None = None


@dataclass(frozen=True, slots=True)
class StepTaken:
    """One step an item went through: an action, carried out or prepared, that listed it."""

    step: str
    kind: StepKind
    channel: Channel
    delivery: Delivery
    on: date  # when it took effect (sent, written, posted); a prepared letter: prepared on
    action_key: str
    prepared_on: date | None = None  # a letter: the day its PDF was made
    claimed: Money | None = None  # the item's open amount in that action
    registered: bool = False
    tracking_number: str | None = None
    received_on: date | None = None  # a registered letter's delivery, when recorded
    answer_by: date | None = None  # the last day of the deadline it gave to pay (a notice's)

    @property
    def took_effect(self) -> bool:
        """It reached the customer's side or a person's desk: a letter once posted."""
        return self.delivery is not Delivery.PREPARED


@dataclass(frozen=True, slots=True)
class Refusal:
    """A channel refused these recipients for good (an SMTP relay's 5xx on every address).

    The channel stays unusable for the customer while its recipients are these: a new
    address in the ledger makes it worth trying again."""

    channel: Channel
    recipients: frozenset[str]
    reason: str
    on: date


def answer_by(
    step: StepTaken,
    deadline_days: int,
    delivery_days: int,
    business_day: Callable[[date], date] = lambda day: day,
) -> date:
    """The last day a message gave to pay: its deadline counts from receipt (the AR's date
    when recorded; else the posting day plus the usual delivery time for a letter; the day
    it went for anything else), and a deadline that ends on a weekend or a public holiday
    runs to the next business day (``business_day``: the creditor's calendar)."""
    if step.received_on is not None:
        received = step.received_on
    elif step.channel is Channel.LETTER:
        received = step.on + timedelta(days=delivery_days)
    else:
        received = step.on
    return business_day(received + timedelta(days=deadline_days))


def with_deadlines(
    steps: tuple[StepTaken, ...],
    deadline_of: Callable[[str], int | None],
    delivery_days: int,
    business_day: Callable[[date], date] = lambda day: day,
) -> tuple[StepTaken, ...]:
    """``steps`` with ``answer_by`` filled in for each one whose message gave a deadline."""
    filled: list[StepTaken] = []
    for step in steps:
        days = deadline_of(step.step) if step.took_effect else None
        if days is not None and step.kind is not StepKind.COURTESY:
            step = replace(step, answer_by=answer_by(step, days, delivery_days, business_day))
        filled.append(step)
    return tuple(filled)


def history_until(
    history: Mapping[str, tuple[StepTaken, ...]], key: str, day: date
) -> tuple[StepTaken, ...]:
    """An item's steps as they stood on ``day``: an as-of run sees nothing done after it (a
    letter posted later was still to post; a receipt recorded later was not known)."""
    known: list[StepTaken] = []
    for step in history.get(key, ()):
        start = step.prepared_on or step.on
        if start > day:
            continue
        if step.delivery is Delivery.POSTED and step.on > day:
            step = replace(
                step, delivery=Delivery.PREPARED, on=start, tracking_number=None, received_on=None
            )
        elif step.received_on is not None and step.received_on > day:
            step = replace(step, received_on=None)
        known.append(step)
    return tuple(known)
