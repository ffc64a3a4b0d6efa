"""What the planner decides for one customer: actions to carry out, or why none can go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from connector.dunning.items import ClaimLine, CreditLine
from connector.model import Channel, SourceRef, StepKind
from connector.money import Totals

__all__ = ["BlockKind", "Blocked", "CustomerPlan", "PlannedAction", "action_key"]


@dataclass(frozen=True, slots=True)
class PlannedAction:
    key: str  # idempotency key, stable across re-plans of the same day
    customer_ref: SourceRef
    step: str
    kind: StepKind
    channel: Channel  # the step's own, or the fallback that can reach the customer
    template: str
    planned_on: date
    lines: tuple[ClaimLine, ...]
    upcoming: tuple[ClaimLine, ...] = ()  # not yet due: courtesy mention only
    credits: tuple[CreditLine, ...] = ()
    totals: Totals = field(default_factory=Totals)  # lines less credits, per currency
    broken_promises: tuple[str, ...] = ()
    reason: str = ""
    later: tuple[ClaimLine, ...] = ()  # claimed invoices' instalments not yet due: shown only
    fallback: str = ""  # why not the step's own channel ("no e-mail address"); "" when it is

    @property
    def receivable_refs(self) -> tuple[SourceRef, ...]:
        """Each receivable the action lists, once (a split invoice has several lines)."""
        found: dict[str, SourceRef] = {}
        for line in (*self.lines, *self.upcoming):
            if line.ref is not None:
                found.setdefault(line.ref.key, line.ref)
        return tuple(found.values())


class BlockKind(StrEnum):
    UNREACHABLE = "unreachable"  # a step is due and none of its channels reaches the customer
    LETTER_TO_POST = "letter_to_post"  # a prepared letter waits for its posting to be recorded
    REFUSED_INVOICE = "refused_invoice"  # the customer refused an invoice (e-invoicing)
    CANCELLED = "cancelled"  # a person cancelled the step due: it waits for them


@dataclass(frozen=True, slots=True)
class Blocked:
    """Why nothing goes to a customer although a step is due, and what a person can do."""

    kind: BlockKind
    step: str
    reason: str
    action_key: str | None = None  # the letter to post


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    customer_ref: SourceRef
    actions: tuple[PlannedAction, ...] = ()
    notes: tuple[str, ...] = ()  # decisions worth logging: "F-104 held: disputed"
    next_review_on: date | None = None  # when something may next become due; None: never
    blocked: tuple[Blocked, ...] = ()  # a person's move is needed before the schedule goes on


def action_key(
    customer_ref: SourceRef, step: str, driver: str, channel: Channel | None = None
) -> str:
    """Stable for one step of one episode: the same step planned again (the next day, after a
    crash or a transient failure) keeps its key, so the outbox never holds it twice. A step
    carried out on a fallback channel has a key of its own (``…|letter``): the attempt on the
    step's own channel, refused, stays on record beside it."""
    key = f"{customer_ref.key}|{step}|{driver}"
    return key if channel is None else f"{key}|{channel}"
