"""Everything the planner reads about one customer, as model objects (never the store)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from connector.dunning.history import Progress, Refusal, StepTaken
from connector.model import Customer, Dispute, Pause, Payment, PaymentPlan, Promise, Receivable

__all__ = ["CustomerState"]

_NO_PROGRESS: Mapping[str, Progress] = MappingProxyType({})
_NO_HISTORY: Mapping[str, tuple[StepTaken, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class CustomerState:
    """Everything the planner needs about one customer, as model objects.

    ``progress`` and ``last_action_on`` say where each item stands; ``history`` (item key ->
    steps taken, oldest first) says what it went through, letters still to post included;
    ``refusals`` are channels that refused the customer's current addresses for good;
    ``cancelled`` the keys of actions a person cancelled before they went out (the same step
    for the same invoices is not planned again until a person releases it). A
    caller without a record of refusals (the Odoo add-on) leaves ``refusals`` empty; one
    without history leaves ``history`` empty too, and the planner then dates a notice from
    the item's progress.
    """

    customer: Customer
    receivables: Sequence[Receivable] = ()
    payments: Sequence[Payment] = ()
    promises: Sequence[Promise] = ()
    plans: Sequence[PaymentPlan] = ()
    disputes: Sequence[Dispute] = ()
    pause: Pause | None = None
    progress: Mapping[str, Progress] = field(default_factory=lambda: _NO_PROGRESS)
    last_action_on: date | None = None
    history: Mapping[str, tuple[StepTaken, ...]] = field(default_factory=lambda: _NO_HISTORY)
    refusals: Sequence[Refusal] = ()
    cancelled: frozenset[str] = frozenset()
