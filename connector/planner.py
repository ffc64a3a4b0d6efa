"""The planner: (customer state, policy, calendar, as-of date) -> actions. Pure.

It reads model objects only (never the store), so the daemon, the CLI and the Odoo add-on
feed it the same way. It decides and explains; it sends nothing. Its parts live in
:mod:`connector.dunning`; this module puts them together.

How a customer is chased
------------------------
* Every open invoice the customer owes is a *dunning item*; an invoice whose payment terms
  split it (30 % at once, the balance at 60 days) is one item per open instalment, each
  late from its own due date; so is every unpaid instalment of a payment plan (the
  invoices the plan covers are chased through its instalments, not their original due
  dates). Paid, cancelled and credit documents are never items. The arithmetic of
  instalments is ``connector.instalments``'.
* An item is *held* while it is disputed, or covered by a promise to pay whose date (plus
  the policy's grace days) has not passed, or while its source holds it (the e-invoicing
  lifecycle: :mod:`~connector.dunning.holds`). A pause holds the whole customer.
* The overdue items are chased together, one message listing them all at the highest step
  any of them reached (:mod:`~connector.dunning.steps`), except that a formal notice lists
  only the items the policy's ``notice_covers`` names, and items already in a notice go on
  to the escalation on their own once the notice's deadline has passed
  (:mod:`~connector.dunning.tracks`).
* A step goes on its channel, or the first of its fallbacks that reaches the customer
  (:mod:`~connector.dunning.reach`); when none does, the customer is *blocked* and the plan
  says why. While a letter waits to be posted, the customer's schedule waits too.
* Open credit notes and unapplied payments are deducted once, one total per currency: an
  action's lines less its credits are its totals, currency by currency (a currency whose
  credits cover its items is left out of the message, lines and credits alike). Invoices
  not yet due only ever get the courtesy step, alone or folded into that day's ordinary
  message (never into a formal notice, nor once the customer is in formal recovery); the
  instalments not yet due of an invoice the action claims ride along as ``later``, shown,
  never claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType

from connector.calendar import BusinessCalendar
from connector.dunning.actions import (
    Blocked,
    BlockKind,
    CustomerPlan,
    PlannedAction,
    action_key,
)
from connector.dunning.history import (
    Delivery,
    Progress,
    Refusal,
    StepTaken,
    history_until,
    with_deadlines,
)
from connector.dunning.holds import held_by_source
from connector.dunning.items import ClaimLine, CoveredInvoice, CreditLine, ItemKind, net
from connector.dunning.promises import promise_holds
from connector.dunning.state import CustomerState
from connector.dunning.steps import Ctx, courtesy_due, make_action
from connector.dunning.tracks import claim_actions, in_formal_recovery
from connector.instalments import paid_on_parts, plan_balances, term_balances
from connector.model import Channel, Payment, PaymentPlan, Receivable, ReceivableKind, StepKind
from connector.money import Money
from connector.policy import Policy

__all__ = [
    "BlockKind",
    "Blocked",
    "ClaimLine",
    "CoveredInvoice",
    "CreditLine",
    "CustomerPlan",
    "CustomerState",
    "Delivery",
    "ItemKind",
    "PlannedAction",
    "Progress",
    "Refusal",
    "StepTaken",
    "action_key",
    "apply_action",
    "plan",
    "plan_customer",
    "progress_after",
    "receivable_lines",
    "steps_taken",
    "term_key",
]


def term_key(receivable_key: str, part: int) -> str:
    """The dunning item of one instalment of a split invoice: its own progress."""
    return f"{receivable_key}#{part}"


def receivable_lines(
    receivable: Receivable, as_of: date, payments: Sequence[Payment] = ()
) -> list[ClaimLine]:
    """The lines an open invoice is chased by: itself, or each open instalment of its terms,
    each with the dated payments it received (``payments``: the customer's)."""
    parts = term_balances(receivable)
    split = len(parts) > 1
    paid = paid_on_parts(receivable, parts, payments, as_of)
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
            payments=received,
        )
        for part, received in zip(parts, paid, strict=True)
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


def _with_history(ctx: Ctx, lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    """Each line with the steps its item went through by ``as_of``, notices' deadlines in."""
    history, policy = ctx.state.history, ctx.policy
    if not history:
        return list(lines)
    return [
        replace(
            line,
            steps=with_deadlines(
                history_until(history, line.key, ctx.as_of),
                policy.deadline_of,
                policy.letter_delivery_days,
                ctx.calendar.on_or_after,
            ),
        )
        for line in lines
    ]


def _letters_to_post(lines: Sequence[ClaimLine]) -> list[Blocked]:
    """Letters prepared about these items and not posted yet: the schedule waits for them."""
    waiting: dict[str, Blocked] = {}
    for line in lines:
        for step in line.steps:
            if step.delivery is Delivery.PREPARED and step.action_key not in waiting:
                waiting[step.action_key] = Blocked(
                    BlockKind.LETTER_TO_POST,
                    step.step,
                    f"letter prepared on {step.on}, to print and post; then record it: "
                    f"relance action letter KEY --tracking NUMBER",
                    step.action_key,
                )
    return list(waiting.values())


def plan_customer(
    state: CustomerState, policy: Policy, calendar: BusinessCalendar, as_of: date
) -> CustomerPlan:
    """Decide what, if anything, is due for one customer on ``as_of``."""
    ctx = Ctx(state, policy, calendar, as_of)
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
        if receivable.hold is not None:  # the source's own hold (e-invoicing)
            note, needs_a_person = held_by_source(receivable)
            ctx.notes.append(note)
            ctx.blocked.extend([needs_a_person] if needs_a_person else [])
            continue
        if receivable.ref.key in disputed:
            ctx.notes.append(f"{receivable.number} held: disputed")
            continue
        if receivable.ref.key in in_plan:
            continue  # chased through its plan's instalments
        lines.extend(receivable_lines(receivable, as_of, state.payments))
    for plan_ in plans:
        lines.extend(_instalment_lines(plan_, open_by_key, invoices, as_of))
    for payment in state.payments:
        if payment.unapplied.is_positive:
            credits.append(
                CreditLine(payment.ref.key, "payment", payment.received_on, payment.unapplied)
            )

    lines = _with_history(ctx, lines)
    ctx.lines = lines
    waiting = _letters_to_post(lines)
    if waiting:
        return CustomerPlan(
            ref, notes=tuple(f"{b.step}: {b.reason}" for b in waiting), blocked=tuple(waiting)
        )

    holds = promise_holds(state.promises, lines, as_of, policy.promise_grace_days)
    ctx.notes.extend(holds.notes)
    ctx.broken.update(holds.broken)
    for day in holds.wake_on:
        ctx.wake(day)
    overdue = [ln for ln in lines if ln.due_on < as_of and ln.key not in holds.held]
    upcoming = [ln for ln in lines if ln.due_on >= as_of and ln.key not in holds.held]
    for line in upcoming:
        ctx.wake(line.due_on + timedelta(days=1))
    send_day = calendar.is_send_day(as_of)
    if not send_day:
        ctx.wake(calendar.on_or_after(as_of + timedelta(days=1)))

    actions: list[PlannedAction] = []
    if overdue and not net(overdue, credits).positive():
        ctx.notes.append("credits and unapplied payments cover the overdue balance")
    elif overdue:
        actions = claim_actions(ctx, overdue, credits, send_day)
    actions = _with_courtesy(ctx, actions, overdue, upcoming, credits, send_day)
    return CustomerPlan(
        ref,
        actions=tuple(actions),
        notes=tuple(ctx.notes),
        next_review_on=min(ctx.wakeups) if ctx.wakeups else None,
        blocked=tuple(ctx.blocked),
    )


def _with_courtesy(
    ctx: Ctx,
    actions: list[PlannedAction],
    overdue: Sequence[ClaimLine],
    upcoming: Sequence[ClaimLine],
    credits: Sequence[CreditLine],
    send_day: bool,
) -> list[PlannedAction]:
    """Fold today's courtesy reminders into the day's ordinary message, or send them alone
    (less the customer's credits)."""
    courtesy, due = courtesy_due(ctx, upcoming)
    if courtesy is None or not due:
        return actions
    formal = any(a.kind in (StepKind.NOTICE, StepKind.ESCALATION) for a in actions)
    if formal or any(in_formal_recovery(ctx, line) for line in overdue):
        ctx.notes.append("courtesy reminders withheld: the customer is in formal recovery")
        return actions
    if not send_day:
        ctx.wake(ctx.calendar.on_or_after(ctx.as_of + timedelta(days=1)))
        return actions
    written = [a for a in actions if a.channel in (Channel.EMAIL, Channel.LETTER)]
    if written:
        host = written[0]
        folded = replace(
            host,
            upcoming=tuple(sorted(due, key=lambda ln: (ln.due_on, ln.number))),
            later=tuple(ln for ln in host.later if ln not in due),
        )
        return [folded if a is host else a for a in actions]
    if not net(due, credits).positive():
        ctx.notes.append("courtesy skipped: credits and unapplied payments cover it")
        return actions
    first = min(due, key=lambda ln: ln.due_on)
    reason = f"{first.number} falls due on {first.due_on}"
    alone = make_action(ctx, courtesy, due, reason=reason, credits=credits)
    return [*actions, alone] if alone is not None else actions


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


def steps_taken(action: PlannedAction, delivery: Delivery, on: date) -> dict[str, StepTaken]:
    """The step ``action`` adds to each item's history: its step for the items it claims, a
    courtesy mention (kind courtesy, in that step's message) for those not yet due."""
    taken: dict[str, StepTaken] = {}
    for line in action.lines:
        taken[line.key] = StepTaken(
            action.step, action.kind, action.channel, delivery, on, action.key, claimed=line.open
        )
    for line in action.upcoming:
        taken[line.key] = StepTaken(
            action.step, StepKind.COURTESY, action.channel, delivery, on, action.key
        )
    return taken


def apply_action(state: CustomerState, action: PlannedAction, policy: Policy) -> CustomerState:
    """The customer's state after ``action`` was carried out on its planned day (a letter
    posted that same day)."""
    day = action.planned_on
    changes = progress_after(state.progress, action, policy, day)
    delivery = Delivery.POSTED if action.channel is Channel.LETTER else Delivery.SENT
    history = dict(state.history)
    for key, step in steps_taken(action, delivery, day).items():
        if delivery is Delivery.POSTED:
            step = replace(step, prepared_on=day, registered=action.kind is StepKind.NOTICE)
        history[key] = (*history.get(key, ()), step)
    promises = tuple(
        p.model_copy(update={"broken_on": day}) if p.id in action.broken_promises else p
        for p in state.promises
    )
    return replace(
        state,
        progress=MappingProxyType({**state.progress, **changes}),
        history=MappingProxyType(history),
        promises=promises,
        last_action_on=day,
    )
