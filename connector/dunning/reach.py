"""Which channel can reach a customer for a step: the step's own, else its fallbacks in order.

* e-mail needs an e-mail address that no relay refused for good;
* a letter needs a postal address (the customer's, or a contact's);
* a text message, and a phone task for a call or instead of a written step, need a phone
  number; the escalation's to-do is for the creditor's staff and reaches them always.

When none of them can, a written step (reminder, notice) *blocks* the customer with the
reasons, for a person to fix the contact data; a courtesy reminder or a call is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connector.dunning.history import Refusal
from connector.model import Channel, Customer, PostalAddress, StepKind
from connector.policy import Step

__all__ = ["Reach", "obstacle", "postal_address", "reach", "recipients"]

_LABELS = {
    Channel.EMAIL: "e-mail",
    Channel.LETTER: "letter",
    Channel.PHONE_TASK: "phone task",
    Channel.SMS: "text message",
}


def postal_address(customer: Customer) -> PostalAddress | None:
    """Where a letter goes: the customer's address, else the first contact's that has one."""
    return customer.address or next((c.address for c in customer.contacts if c.address), None)


def recipients(customer: Customer, channel: Channel) -> frozenset[str]:
    if channel is Channel.EMAIL:
        return frozenset(c.email for c in customer.email_contacts if c.email)
    if channel in (Channel.SMS, Channel.PHONE_TASK):
        return frozenset(c.phone for c in customer.phone_contacts if c.phone)
    return frozenset()


def obstacle(
    customer: Customer, channel: Channel, kind: StepKind, refusals: Sequence[Refusal] = ()
) -> str | None:
    """Why ``channel`` cannot reach ``customer`` for a step of ``kind``; None when it can."""
    match channel:
        case Channel.EMAIL:
            addresses = recipients(customer, channel)
            if not addresses and customer.unusable_emails:
                shown = ", ".join(repr(a) for a in customer.unusable_emails[:2])
                return f"no usable e-mail address ({shown}: not one address each)"
            if not addresses:
                return "no e-mail address"
            for refusal in refusals:
                if refusal.channel is channel and addresses <= refusal.recipients:
                    return f"e-mail refused on {refusal.on}: {refusal.reason}"
            return None
        case Channel.LETTER:
            return None if postal_address(customer) is not None else "no postal address"
        case Channel.PHONE_TASK if kind is StepKind.ESCALATION:
            return None  # a hand-over to-do for the creditor's staff
        case Channel.PHONE_TASK | Channel.SMS:
            return None if recipients(customer, channel) else "no phone number"
    return None  # pragma: no cover - every channel is matched above


@dataclass(frozen=True, slots=True)
class Reach:
    channel: Channel | None  # None: nothing reaches the customer for this step
    why: str = ""  # why not the step's own channel (or, with no channel, why none)


def reach(customer: Customer, step: Step, refusals: Sequence[Refusal] = ()) -> Reach:
    """The first of the step's channels that can reach the customer."""
    reasons: list[str] = []
    for channel in step.channels:
        problem = obstacle(customer, channel, step.kind, refusals)
        if problem is None:
            return Reach(channel, "; ".join(reasons))
        reasons.append(f"{_LABELS[channel]}: {problem}")
    return Reach(None, "; ".join(reasons))
