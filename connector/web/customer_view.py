"""What the customer page shows, read from the store and planned with the command line's own
logic: the customer's state as ``relance run`` reads it, its net open balance as ``relance
report`` figures it, its commitments and where each stands (``connector.commitments``), and
what relance will do next (``connector.planner``, as ``relance plan`` does, for this customer
only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from connector.calendar import BusinessCalendar
from connector.cli._context import AppState
from connector.commitments import Standing, plan_paid, plan_standing, promise_standing
from connector.errors import ConfigError, StoreError
from connector.instalments import InstalmentBalance, term_balances
from connector.model import (
    Customer,
    Dispute,
    PaymentPlan,
    Promise,
    Receivable,
    ReceivableKind,
    SourceRef,
)
from connector.money import Money, Totals
from connector.planner import CustomerPlan, CustomerState, PlannedAction, plan_customer
from connector.policy import Policy, default_policy
from connector.reports import aged_balance
from connector.store import AuditEvent, EventType, Store, TenantRecord

__all__ = [
    "CustomerView",
    "InvoiceRow",
    "NextStep",
    "customer_view",
    "replan",
    "tenant_policy",
]

# how far ahead the page looks for relance's next move when nothing is due today
LOOK_AHEAD_DAYS = 400
TIMELINE_LIMIT = 300

# the events that carried a message out: their action's content can be opened
MESSAGE_EVENTS = frozenset(
    {
        EventType.ACTION_SENT,
        EventType.ACTION_WRITTEN,
        EventType.LETTER_PREPARED,
        EventType.LETTER_POSTED,
    }
)


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    receivable: Receivable
    parts: list[InstalmentBalance]
    days_late: int  # of its oldest late part; 0: not late
    disputed: bool
    in_plan: bool


@dataclass(frozen=True, slots=True)
class NextStep:
    on: date
    actions: tuple[PlannedAction, ...]
    notes: tuple[str, ...]


@dataclass(slots=True)
class CustomerView:
    customer: Customer
    state: CustomerState
    balance: Totals
    invoices: list[InvoiceRow]
    credits: list[Receivable]
    promises: list[tuple[Promise, Standing]]
    plans: list[tuple[PaymentPlan, Standing, Money]]
    disputes: list[tuple[Dispute, str, bool]]  # the dispute, its invoice's number, open now
    paused: bool
    next_step: NextStep | None
    blocked: list[dict[str, Any]]
    timeline: list[AuditEvent]
    wrong_numbers: dict[str, date] = field(default_factory=dict)  # phone -> reported on
    settings_problem: str = ""  # why the tenant's own policy could not be read

    @property
    def currencies(self) -> list[str]:
        found = {r.currency for r in self.state.receivables if r.is_open}
        return sorted(found) or ["EUR"]


def _calendar(policy: Policy, tenant_country: str) -> BusinessCalendar:
    return BusinessCalendar.for_window(policy.send_window, tenant_country)


def tenant_policy(app: AppState, record: TenantRecord) -> tuple[Policy, str, str]:
    """The tenant's policy and country, as ``relance plan`` reads them; the default policy
    and the tenant's recorded country, with the reason, when its settings cannot be read
    (a store opened without its tenants' folder)."""
    try:
        config = app.tenant_config(record)
        return app.policy(config), config.country, ""
    except ConfigError as error:
        return default_policy(), record.country, error.message


def state_of(
    store: Store, tenant: str, ref: SourceRef, today: date, policy: Policy
) -> CustomerState:
    found = list(store.customer_states(tenant, customer_refs=[ref], as_of=today, policy=policy))
    if not found:
        raise LookupError(ref.key)
    return found[0]


def next_step(
    state: CustomerState, policy: Policy, calendar: BusinessCalendar, today: date
) -> tuple[CustomerPlan, NextStep | None]:
    """Today's plan, and the first day from today on when relance would act, if nothing
    changes meanwhile (the planner's own wake-up days, followed)."""
    first = plan_customer(state, policy, calendar, today)
    current, day = first, today
    for _hop in range(12):
        if current.actions or current.blocked:
            return first, NextStep(day, current.actions, current.notes)
        wake = current.next_review_on
        if wake is None or wake <= day or wake > today + timedelta(days=LOOK_AHEAD_DAYS):
            return first, None
        day = wake
        current = plan_customer(state, policy, calendar, day)
    return first, None


def customer_view(
    app: AppState, record: TenantRecord, customer: Customer, today: date
) -> CustomerView:
    store = app.store
    policy, country, unreadable = tenant_policy(app, record)
    ref = customer.ref
    state = state_of(store, record.slug, ref, today, policy)
    aged = aged_balance(state.receivables, today, state.payments)
    disputed_now = {d.receivable_ref.key for d in state.disputes if d.open_on(today)}
    planned = {r.key for p in state.plans if p.active_on(today) for r in p.receivable_refs}
    invoices, credits = [], []
    for receivable in sorted(state.receivables, key=lambda r: (r.due_on, r.number)):
        if not receivable.is_open:
            continue
        if receivable.kind is ReceivableKind.CREDIT_NOTE:
            credits.append(receivable)
            continue
        parts = term_balances(receivable)
        late = [(today - p.due_on).days for p in parts if p.open.is_positive and p.due_on < today]
        invoices.append(
            InvoiceRow(
                receivable,
                parts,
                max(late, default=0),
                receivable.ref.key in disputed_now,
                receivable.ref.key in planned,
            )
        )
    numbers = _numbers(store, record.slug, [d.receivable_ref for d in state.disputes], invoices)
    grace = policy.promise_grace_days
    _plan, upcoming = next_step(state, policy, _calendar(policy, country), today)
    events = store.history(record.slug, customer_ref=ref)
    wrong: dict[str, date] = {}
    for event in events:
        if event.kind is EventType.CALL_WRONG_NUMBER and event.payload.get("phone"):
            wrong[str(event.payload["phone"])] = event.at.date()
    return CustomerView(
        customer=customer,
        state=state,
        balance=aged.by_customer.get(ref.key, Totals()),
        invoices=invoices,
        credits=credits,
        promises=sorted(
            ((p, promise_standing(p, state.receivables, today, grace)) for p in state.promises),
            key=lambda pair: pair[0].recorded_on,
            reverse=True,
        ),
        plans=[
            (p, plan_standing(p, state.receivables, today), plan_paid(p, state.receivables))
            for p in sorted(state.plans, key=lambda p: p.agreed_on, reverse=True)
        ],
        disputes=[
            (d, numbers.get(d.receivable_ref.key, d.receivable_ref.external_id), d.open_on(today))
            for d in sorted(state.disputes, key=lambda d: d.opened_on, reverse=True)
        ],
        paused=state.pause is not None and state.pause.active_on(today),
        next_step=upcoming,
        blocked=[],
        timeline=list(reversed(events))[:TIMELINE_LIMIT],
        wrong_numbers=wrong,
        settings_problem=unreadable,
    )


def _numbers(
    store: Store, tenant: str, refs: list[SourceRef], invoices: list[InvoiceRow]
) -> dict[str, str]:
    found = {row.receivable.ref.key: row.receivable.number for row in invoices}
    for ref in refs:
        if ref.key not in found:
            try:
                found[ref.key] = store.receivable(tenant, ref).number
            except StoreError:  # a document gone from the ledger: its id
                found[ref.key] = ref.external_id
    return found


def replan(app: AppState, record: TenantRecord, ref: SourceRef, today: date) -> None:
    """After a person changed something: the customer's next review and blocks, as a run
    leaves them (``Executor.run``), so the list shows the new next date at once."""
    policy, country, _unreadable = tenant_policy(app, record)
    state = state_of(app.store, record.slug, ref, today, policy)
    after = plan_customer(state, policy, _calendar(policy, country), today)
    app.store.set_next_review(
        record.slug, {ref.key: after.next_review_on if not after.actions else today}
    )
    app.store.set_blocked(record.slug, {ref.key: after.blocked})
