"""The planner: (customer state, policy, calendar, as-of date) -> actions. Pure.

It reads model objects only (never the store), so the daemon, the CLI and the Odoo add-on
feed it the same way. It decides and explains; it sends nothing.

How a customer is chased
------------------------
* Every open invoice the customer owes is a *dunning item*; an invoice whose payment terms
  split it (30 % at once, the balance at 60 days) is one item per open instalment, each
  late from its own due date; so is every unpaid instalment of a payment plan (the
  invoices the plan covers are chased through its instalments, not their original due
  dates). Paid, cancelled and credit documents are never items. The arithmetic of
  instalments is ``connector.instalments``'.
* An item is *held* while it is disputed, or covered by a promise to pay whose date (plus
  the policy's grace days) has not passed. A pause holds the whole customer.
* The customer's *level* is the highest step any of its overdue items reached. The next
  step is the first one after the level that applies: the courtesy step never applies to
  an overdue item, a step below its minimum amount is skipped, and a reminder is skipped
  once the customer had the maximum number of reminders (fewer for a small claim).
* That step is due on the oldest overdue item's due date plus the step's offset, moved to
  a send day, and not before the step's minimum gap since the last action. A broken
  promise makes it due at once.
* One action per customer and step lists every overdue item that is not held, with open
  credit notes and unapplied payments deducted, one total per currency: an action's lines
  less its credits are its totals, currency by currency (a currency whose credits cover
  its items is left out of the message, lines and credits alike). Invoices not yet due
  only ever get the courtesy step, alone or folded into that day's overdue message; the
  instalments not yet due of an invoice the action claims ride along as ``later``, shown,
  never claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from connector.calendar import BusinessCalendar
from connector.instalments import plan_balances, term_balances
from connector.model import (
    Channel,
    Customer,
    Dispute,
    Pause,
    Payment,
    PaymentPlan,
    Promise,
    Receivable,
    ReceivableKind,
    SourceRef,
    StepKind,
)
from connector.money import Money, Totals
from connector.policy import DayBasis, Policy, Step

__all__ = [
    "ClaimLine",
    "CoveredInvoice",
    "CreditLine",
    "CustomerPlan",
    "CustomerState",
    "ItemKind",
    "PlannedAction",
    "Progress",
    "action_key",
    "apply_action",
    "plan",
    "plan_customer",
    "progress_after",
    "receivable_lines",
    "term_key",
]

_EMPTY: Mapping[str, Progress] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one dunning item has gone: the last step it was part of."""

    step: str | None = None
    reminders: int = 0
    last_on: date | None = None


@dataclass(frozen=True, slots=True)
class CustomerState:
    """Everything the planner needs about one customer, as model objects."""

    customer: Customer
    receivables: Sequence[Receivable] = ()
    payments: Sequence[Payment] = ()
    promises: Sequence[Promise] = ()
    plans: Sequence[PaymentPlan] = ()
    disputes: Sequence[Dispute] = ()
    pause: Pause | None = None
    progress: Mapping[str, Progress] = field(default_factory=lambda: _EMPTY)
    last_action_on: date | None = None


class ItemKind(StrEnum):
    RECEIVABLE = "receivable"  # an invoice due on one date
    TERM = "term"  # one instalment of an invoice whose payment terms split it
    INSTALMENT = "instalment"  # one instalment of a payment plan


@dataclass(frozen=True, slots=True)
class CoveredInvoice:
    """An invoice a payment plan's instalment belongs to."""

    number: str
    due_on: date
    total: Money


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One invoice (or instalment) listed in a message.

    A term instalment's ``number`` is its invoice's, ``ref`` its invoice and ``part`` of
    ``parts`` which instalment it is; a plan instalment's ``number`` is ``part/parts`` and
    ``covers`` names the invoices the plan is for.
    """

    key: str
    kind: ItemKind
    number: str
    issued_on: date
    due_on: date
    open: Money
    total: Money
    days_late: int
    ref: SourceRef | None = None  # the receivable; None for a plan instalment
    plan_id: str | None = None
    document_url: str | None = None
    payment_url: str | None = None
    part: int | None = None  # which instalment (from 1), for an instalment
    parts: int | None = None  # of how many
    covers: tuple[CoveredInvoice, ...] = ()  # a plan instalment's invoices


@dataclass(frozen=True, slots=True)
class CreditLine:
    """Something deducted from the claim: an open credit note or an unapplied payment."""

    key: str
    label: str
    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class PlannedAction:
    key: str  # idempotency key, stable across re-plans of the same day
    customer_ref: SourceRef
    step: str
    kind: StepKind
    channel: Channel
    template: str
    planned_on: date
    lines: tuple[ClaimLine, ...]
    upcoming: tuple[ClaimLine, ...] = ()  # not yet due: courtesy mention only
    credits: tuple[CreditLine, ...] = ()
    totals: Totals = field(default_factory=Totals)  # lines less credits, per currency
    broken_promises: tuple[str, ...] = ()
    reason: str = ""
    later: tuple[ClaimLine, ...] = ()  # claimed invoices' instalments not yet due: shown only

    @property
    def receivable_refs(self) -> tuple[SourceRef, ...]:
        """Each receivable the action lists, once (a split invoice has several lines)."""
        found: dict[str, SourceRef] = {}
        for line in (*self.lines, *self.upcoming):
            if line.ref is not None:
                found.setdefault(line.ref.key, line.ref)
        return tuple(found.values())


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    customer_ref: SourceRef
    actions: tuple[PlannedAction, ...] = ()
    notes: tuple[str, ...] = ()  # decisions worth logging: "F-104 held: disputed"
    next_review_on: date | None = None  # when something may next become due; None: never


def action_key(customer_ref: SourceRef, step: str, driver: str) -> str:
    """Stable for one step of one episode: the same step planned again (the next day, after a
    crash or a transient failure) keeps its key, so the outbox never holds it twice."""
    return f"{customer_ref.key}|{step}|{driver}"


# --- internals -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ctx:
    state: CustomerState
    policy: Policy
    calendar: BusinessCalendar
    as_of: date
    notes: list[str] = field(default_factory=list)
    wakeups: list[date] = field(default_factory=list)

    def wake(self, day: date | None) -> None:
        if day is not None and day > self.as_of:
            self.wakeups.append(day)


def _by_due(line: ClaimLine) -> tuple[date, str]:
    return (line.due_on, line.number)


def _step_date(ctx: _Ctx, due_on: date, step: Step) -> date:
    if ctx.policy.day_basis is DayBasis.BUSINESS:
        return ctx.calendar.on_or_after(ctx.calendar.add_business_days(due_on, step.offset_days))
    return ctx.calendar.on_or_after(due_on + timedelta(days=step.offset_days))


def term_key(receivable_key: str, part: int) -> str:
    """The dunning item of one instalment of a split invoice: its own progress."""
    return f"{receivable_key}#{part}"


def receivable_lines(receivable: Receivable, as_of: date) -> list[ClaimLine]:
    """The lines an open invoice is chased by: itself, or each open instalment of its terms."""
    parts = term_balances(receivable)
    split = len(parts) > 1
    return [
        ClaimLine(
            key=term_key(receivable.ref.key, part.number) if split else receivable.ref.key,
            kind=ItemKind.TERM if split else ItemKind.RECEIVABLE,
            number=receivable.number,
            issued_on=receivable.issued_on,
            due_on=part.due_on,
            open=part.open,
            total=part.amount,
            days_late=max(0, (as_of - part.due_on).days),
            ref=receivable.ref,
            document_url=receivable.document_url,
            payment_url=receivable.payment_url,
            part=part.number if split else None,
            parts=part.count if split else None,
        )
        for part in parts
        if part.open.is_positive
    ]


def _instalment_lines(
    plan: PaymentPlan,
    open_by_key: Mapping[str, Money],
    covered: Mapping[str, Receivable],
    as_of: date,
) -> list[ClaimLine]:
    """A plan's unpaid instalments, each naming the invoices the plan is for."""
    covers = tuple(
        CoveredInvoice(r.number, r.due_on, r.total)
        for ref in plan.receivable_refs
        if (r := covered.get(ref.key)) is not None
    )
    return [
        ClaimLine(
            key=f"plan:{plan.id}:{part.number}",
            kind=ItemKind.INSTALMENT,
            number=f"{part.number}/{part.count}",
            issued_on=plan.agreed_on,
            due_on=part.due_on,
            open=part.open,
            total=part.amount,
            days_late=max(0, (as_of - part.due_on).days),
            plan_id=plan.id,
            part=part.number,
            parts=part.count,
            covers=covers,
        )
        for part in plan_balances(plan, open_by_key)
        if part.open.is_positive
    ]


def _promise_covers(promise: Promise, line: ClaimLine) -> bool:
    if line.ref is None:  # a plan's instalment: the plan, not a promise, governs it
        return False
    if not promise.receivable_refs:
        return True
    return any(ref.key == line.ref.key for ref in promise.receivable_refs)


def _promise_kept(promise: Promise, lines: Sequence[ClaimLine]) -> bool:
    currency = promise.amount.currency
    covered = sum(
        (
            ln.open.amount
            for ln in lines
            if _promise_covers(promise, ln) and ln.open.currency == currency
        ),
        Decimal(0),
    )
    return covered <= promise.balance_at_promise.amount - promise.amount.amount


def _net(lines: Iterable[ClaimLine], credits: Iterable[CreditLine]) -> Totals:
    totals = Totals(line.open for line in lines)
    for credit in credits:
        if credit.amount.currency in totals:
            totals.add(-credit.amount)
    return totals


def _claimed(
    lines: Sequence[ClaimLine], credits: Sequence[CreditLine]
) -> tuple[list[ClaimLine], list[CreditLine], Totals]:
    """What a message claims: the lines and credits of each currency still owed once the
    credits are deducted, and their totals (lines less credits, per currency)."""
    owed = _net(lines, credits).positive()
    return (
        [ln for ln in lines if ln.open.currency in owed],
        [c for c in credits if c.amount.currency in owed],
        owed,
    )


def _claim_for_thresholds(policy: Policy, totals: Totals) -> Money | None:
    """The claim the policy's amounts are compared with; None when it has none in its currency."""
    if policy.currency in totals:
        return totals[policy.currency]
    return None


def _next_step(
    ctx: _Ctx, level: int, reminders: int, claim: Money | None
) -> tuple[int, Step] | None:
    policy = ctx.policy
    limit = policy.max_reminders if claim is None else policy.max_reminders_for(claim)
    for index in range(level + 1, len(policy.steps)):
        step = policy.steps[index]
        if step.kind is StepKind.COURTESY:
            continue
        if claim is not None and claim.amount < step.min_open_amount:
            ctx.notes.append(f"{step.name} skipped: claim {claim} below {step.min_open_amount}")
            continue
        if step.kind is StepKind.REMINDER and reminders >= limit:
            ctx.notes.append(f"{step.name} skipped: {reminders} reminder(s) sent, limit {limit}")
            continue
        return index, step
    return None


def _progress_of(progress: Mapping[str, Progress], line: ClaimLine) -> Progress | None:
    """A line's progress; an instalment of a split invoice chased earlier as a whole (before
    its terms were known) carries that chase when it was already due then."""
    item = progress.get(line.key)
    if item is None and line.kind is ItemKind.TERM and line.ref is not None:
        whole = progress.get(line.ref.key)
        if whole is not None and whole.last_on is not None and line.due_on <= whole.last_on:
            return whole
    return item


def _level(ctx: _Ctx, lines: Iterable[ClaimLine]) -> tuple[int, int]:
    level, reminders = -1, 0
    progress = ctx.state.progress
    for line in lines:
        item = _progress_of(progress, line)
        if item is None or item.step is None:
            continue
        try:
            level = max(level, ctx.policy.index_of(item.step))
        except KeyError:
            ctx.notes.append(f"{line.number}: step {item.step!r} is not in the policy; ignored")
        reminders = max(reminders, item.reminders)
    return level, reminders


def _eligible_on(ctx: _Ctx, step: Step, due_on: date) -> date:
    day = _step_date(ctx, due_on, step)
    last = ctx.state.last_action_on
    if last is not None and step.min_gap_days:
        day = max(day, ctx.calendar.on_or_after(last + timedelta(days=step.min_gap_days)))
    return day


def _make_action(
    ctx: _Ctx,
    step: Step,
    lines: Sequence[ClaimLine],
    *,
    upcoming: Sequence[ClaimLine] = (),
    credits: Sequence[CreditLine] = (),
    totals: Totals | None = None,
    broken: Sequence[str] = (),
    later: Sequence[ClaimLine] = (),
    reason: str,
) -> PlannedAction:
    customer_ref = ctx.state.customer.ref
    return PlannedAction(
        key=action_key(customer_ref, step.name, min(lines, key=_by_due).key),
        customer_ref=customer_ref,
        step=step.name,
        kind=step.kind,
        channel=step.channel,
        template=step.template,
        planned_on=ctx.as_of,
        lines=tuple(sorted(lines, key=_by_due)),
        upcoming=tuple(sorted(upcoming, key=_by_due)),
        credits=tuple(credits),
        totals=totals if totals is not None else Totals(ln.open for ln in (*lines, *upcoming)),
        broken_promises=tuple(broken),
        reason=reason,
        later=tuple(sorted(later, key=_by_due)),
    )


def _later(lines: Sequence[ClaimLine], all_lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    """The instalments not yet due of the split invoices ``lines`` claim (none listed twice)."""
    listed = {ln.key for ln in lines}
    split = {ln.ref.key for ln in lines if ln.kind is ItemKind.TERM and ln.ref is not None}
    return [
        ln
        for ln in all_lines
        if ln.kind is ItemKind.TERM
        and ln.days_late == 0
        and ln.ref is not None
        and ln.ref.key in split
        and ln.key not in listed
    ]


def _courtesy_due(ctx: _Ctx, upcoming: Sequence[ClaimLine]) -> tuple[Step | None, list[ClaimLine]]:
    courtesy = next((s for s in ctx.policy.steps if s.kind is StepKind.COURTESY), None)
    if courtesy is None:
        return None, []
    due: list[ClaimLine] = []
    for line in upcoming:
        if ctx.state.progress.get(line.key, Progress()).step is not None:
            continue  # already had its courtesy reminder
        if line.due_on <= ctx.as_of:
            continue  # courtesy is for before the due date, not on it
        day = _step_date(ctx, line.due_on, courtesy)
        if day <= ctx.as_of:
            due.append(line)
        else:
            ctx.wake(day)
    claim = _claim_for_thresholds(ctx.policy, Totals(ln.open for ln in due))
    if due and claim is not None and claim.amount < courtesy.min_open_amount:
        ctx.notes.append(f"courtesy skipped: {claim} below {courtesy.min_open_amount}")
        return courtesy, []
    return courtesy, due


def _in_formal_recovery(ctx: _Ctx, overdue: Sequence[ClaimLine]) -> bool:
    """Past the formal notice, friendly heads-ups would contradict the demand."""
    level, _ = _level(ctx, overdue)
    return level >= 0 and ctx.policy.steps[level].kind in (StepKind.NOTICE, StepKind.ESCALATION)


def plan_customer(
    state: CustomerState, policy: Policy, calendar: BusinessCalendar, as_of: date
) -> CustomerPlan:
    """Decide what, if anything, is due for one customer on ``as_of``."""
    ctx = _Ctx(state, policy, calendar, as_of)
    ref = state.customer.ref
    if state.pause is not None and state.pause.active_on(as_of):
        until = state.pause.until
        return CustomerPlan(
            ref,
            notes=("customer paused" + (f" until {until}" if until else ""),),
            next_review_on=until + timedelta(days=1) if until else None,
        )

    disputed = {d.receivable_ref.key for d in state.disputes if d.open_on(as_of)}
    plans = [p for p in state.plans if p.active_on(as_of)]
    in_plan = {r.key for p in plans for r in p.receivable_refs}

    lines: list[ClaimLine] = []
    credits: list[CreditLine] = []
    open_by_key: dict[str, Money] = {}
    invoices: dict[str, Receivable] = {}
    for receivable in state.receivables:
        if not receivable.is_open:
            continue
        if receivable.kind is ReceivableKind.CREDIT_NOTE:
            credits.append(
                CreditLine(
                    receivable.ref.key,
                    receivable.number,
                    receivable.issued_on,
                    receivable.open_balance,
                )
            )
            continue
        open_by_key[receivable.ref.key] = receivable.open_balance
        invoices[receivable.ref.key] = receivable
        if receivable.ref.key in disputed:
            ctx.notes.append(f"{receivable.number} held: disputed")
            continue
        if receivable.ref.key in in_plan:
            continue  # chased through its plan's instalments
        lines.extend(receivable_lines(receivable, as_of))
    for plan_ in plans:
        lines.extend(_instalment_lines(plan_, open_by_key, invoices, as_of))
    for payment in state.payments:
        if payment.unapplied.is_positive:
            credits.append(
                CreditLine(payment.ref.key, "payment", payment.received_on, payment.unapplied)
            )

    # promises: hold what they cover until the date + grace; a broken one acts at once
    held: set[str] = set()
    broken: list[str] = []
    grace = timedelta(days=policy.promise_grace_days)
    for promise in state.promises:
        if promise.broken_on is not None or promise.recorded_on > as_of:
            continue
        if promise.cancelled_by(as_of):
            continue
        if _promise_kept(promise, lines):
            continue
        covered = [ln.key for ln in lines if _promise_covers(promise, ln)]
        if as_of <= promise.promised_on + grace:
            held.update(covered)
            ctx.notes.append(
                f"{len(covered)} item(s) held: promise to pay by {promise.promised_on}"
            )
            ctx.wake(promise.promised_on + grace + timedelta(days=1))
        elif covered:
            broken.append(promise.id)
            ctx.notes.append(f"promise {promise.id} of {promise.promised_on} broken")

    overdue = [ln for ln in lines if ln.due_on < as_of and ln.key not in held]
    upcoming = [ln for ln in lines if ln.due_on >= as_of and ln.key not in held]
    for line in upcoming:
        ctx.wake(line.due_on + timedelta(days=1))
    send_day = calendar.is_send_day(as_of)
    if not send_day:
        ctx.wake(calendar.on_or_after(as_of + timedelta(days=1)))

    courtesy, courtesy_lines = _courtesy_due(ctx, upcoming)
    if courtesy_lines and _in_formal_recovery(ctx, overdue):
        ctx.notes.append("courtesy reminders withheld: the formal notice has been sent")
        courtesy_lines = []
    actions: list[PlannedAction] = []
    totals = _net(overdue, credits)
    claimed, deducted, positive = _claimed(overdue, credits)
    if overdue and not positive:
        ctx.notes.append("credits and unapplied payments cover the overdue balance")
    elif overdue:
        for currency in sorted(set(totals) - set(positive)):
            ctx.notes.append(f"{currency}: credits and unapplied payments cover what is overdue")
        level, reminders = _level(ctx, claimed)
        claim = _claim_for_thresholds(policy, totals)
        found = _next_step(ctx, level, reminders, claim)
        if found is not None:
            _, step = found
            driver = min(claimed, key=lambda ln: (ln.due_on, ln.number))
            eligible = as_of if broken else _eligible_on(ctx, step, driver.due_on)
            if eligible <= as_of and send_day:
                reason = (
                    "promise to pay broken"
                    if broken
                    else f"{driver.number} is {driver.days_late} day(s) late"
                )
                actions.append(
                    _make_action(
                        ctx,
                        step,
                        claimed,
                        upcoming=courtesy_lines,
                        credits=deducted,
                        totals=positive,
                        broken=broken,
                        later=[ln for ln in _later(claimed, lines) if ln not in courtesy_lines],
                        reason=reason,
                    )
                )
                courtesy_lines = []
            else:
                ctx.wake(calendar.on_or_after(max(eligible, as_of + timedelta(days=1))))
    if courtesy is not None and courtesy_lines and send_day:
        soon, soon_credits, soon_totals = _claimed(courtesy_lines, credits)
        if soon:
            first = min(soon, key=lambda ln: ln.due_on)
            actions.append(
                _make_action(
                    ctx,
                    courtesy,
                    soon,
                    credits=soon_credits,
                    totals=soon_totals,
                    later=_later(soon, lines),
                    reason=f"{first.number} falls due on {first.due_on}",
                )
            )
        else:
            ctx.notes.append("courtesy skipped: credits and unapplied payments cover it")
    elif courtesy_lines:
        ctx.wake(calendar.on_or_after(as_of + timedelta(days=1)))

    return CustomerPlan(
        ref,
        actions=tuple(actions),
        notes=tuple(ctx.notes),
        next_review_on=min(ctx.wakeups) if ctx.wakeups else None,
    )


def plan(
    states: Iterable[CustomerState],
    policy: Policy,
    calendar: BusinessCalendar,
    as_of: date,
) -> Iterator[CustomerPlan]:
    """Plan customer by customer, streaming: memory stays flat whatever the ledger's size."""
    for state in states:
        yield plan_customer(state, policy, calendar, as_of)


# --- recording what was done ----------------------------------------------------------------


def progress_after(
    progress: Mapping[str, Progress], action: PlannedAction, policy: Policy, done_on: date
) -> dict[str, Progress]:
    """The progress of every item the action covered, once it was carried out."""
    updated: dict[str, Progress] = {}
    counts = 1 if action.kind is StepKind.REMINDER else 0
    for line in action.lines:
        before = progress.get(line.key, Progress())
        updated[line.key] = Progress(action.step, before.reminders + counts, done_on)
    courtesy = next((s.name for s in policy.steps if s.kind is StepKind.COURTESY), None)
    for line in action.upcoming:  # not yet due: they had their courtesy reminder
        before = progress.get(line.key, Progress())
        if before.step is None and courtesy is not None:
            updated[line.key] = Progress(courtesy, before.reminders, done_on)
    return updated


def apply_action(state: CustomerState, action: PlannedAction, policy: Policy) -> CustomerState:
    """The customer's state after ``action`` was carried out on its planned day."""
    changes = progress_after(state.progress, action, policy, action.planned_on)
    promises = tuple(
        p.model_copy(update={"broken_on": action.planned_on})
        if p.id in action.broken_promises
        else p
        for p in state.promises
    )
    return replace(
        state,
        progress=MappingProxyType({**state.progress, **changes}),
        promises=promises,
        last_action_on=action.planned_on,
    )
