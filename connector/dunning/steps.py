"""Step choice: which step comes next for a set of items, when it falls due, and on which
channel it goes.

* The *level* of a set of items is the highest step any of them reached.
* The next step is the first one after the level that applies: never the courtesy step
  (that is for invoices not yet due), never a step below its minimum amount, never a
  reminder once the limit is reached (fewer for a small claim), never a call that no channel
  can make (no phone number).
* It falls due on the oldest item's due date plus the step's offset, moved to a send day,
  and not before the step's minimum gap since the last action; a broken promise makes it due
  at once.
* It goes on the first of its channels that reaches the customer (see :mod:`.reach`); when
  none does, the customer is *blocked* with the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from connector.calendar import BusinessCalendar
from connector.dunning.actions import Blocked, BlockKind, PlannedAction, action_key
from connector.dunning.history import Progress
from connector.dunning.items import ClaimLine, CreditLine, ItemKind, by_due, later_parts, net
from connector.dunning.reach import reach
from connector.dunning.state import CustomerState
from connector.model import Channel, StepKind
from connector.money import Money, Totals
from connector.policy import DayBasis, Policy, Step

__all__ = ["CALL_TEMPLATE", "Ctx", "courtesy_due", "level", "make_action", "next_step"]

# the to-do a person reads when a written step falls back to a phone call
CALL_TEMPLATE = "phone_call"


@dataclass(slots=True)
class Ctx:
    """One customer's planning on one day: its inputs, and what the planner noted so far."""

    state: CustomerState
    policy: Policy
    calendar: BusinessCalendar
    as_of: date
    notes: list[str] = field(default_factory=list)
    wakeups: list[date] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    lines: Sequence[ClaimLine] = ()  # every item of the customer, for instalments not yet due
    broken: dict[str, frozenset[str]] = field(default_factory=dict)  # not yet acted on

    def broken_about(self, lines: Sequence[ClaimLine]) -> list[str]:
        """The broken promises that covered any of ``lines`` (each acted on once)."""
        keys = {line.key for line in lines}
        return [pid for pid, covered in self.broken.items() if covered & keys]

    def wake(self, day: date | None) -> None:
        if day is not None and day > self.as_of:
            self.wakeups.append(day)

    def progress(self, line: ClaimLine) -> Progress:
        """A line's progress; an instalment of a split invoice chased earlier as a whole
        (before its terms were known) carries that chase when it was already due then."""
        progress = self.state.progress
        item = progress.get(line.key)
        if item is None and line.kind is ItemKind.TERM and line.ref is not None:
            whole = progress.get(line.ref.key)
            if whole is not None and whole.last_on is not None and line.due_on <= whole.last_on:
                return whole
        return item or Progress()

    def step_date(self, due_on: date, step: Step) -> date:
        """The day ``step`` falls due for an item due on ``due_on``: a send day."""
        if self.policy.day_basis is DayBasis.BUSINESS:
            day = self.calendar.add_business_days(due_on, step.offset_days)
        else:
            day = due_on + timedelta(days=step.offset_days)
        return self.calendar.on_or_after(day)

    def index(self, line: ClaimLine) -> int:
        """The index of the last step ``line`` reached; -1 when none (or unknown)."""
        name = self.progress(line).step
        if name is None:
            return -1
        try:
            return self.policy.index_of(name)
        except KeyError:
            self.notes.append(f"{line.number}: step {name!r} is not in the policy; ignored")
            return -1


def level(ctx: Ctx, lines: Sequence[ClaimLine]) -> tuple[int, int]:
    """The highest step any of ``lines`` reached, and the most reminders any of them had."""
    return (
        max((ctx.index(line) for line in lines), default=-1),
        max((ctx.progress(line).reminders for line in lines), default=0),
    )


def claim_of(policy: Policy, totals: Totals) -> Money | None:
    """The claim the policy's amounts are compared with; None when it has none in its currency."""
    return totals.get(policy.currency, None)


def next_step(
    ctx: Ctx, after: int, reminders: int, claim: Money | None, *, before: int | None = None
) -> tuple[int, Step] | None:
    """The first step after index ``after`` (and before ``before``) that applies."""
    policy = ctx.policy
    limit = policy.max_reminders if claim is None else policy.max_reminders_for(claim)
    for index in range(after + 1, len(policy.steps) if before is None else before):
        step = policy.steps[index]
        if step.kind is StepKind.COURTESY:
            continue
        if claim is not None and claim.amount < step.min_open_amount:
            ctx.notes.append(f"{step.name} skipped: claim {claim} below {step.min_open_amount}")
            continue
        if step.kind is StepKind.REMINDER and reminders >= limit:
            ctx.notes.append(f"{step.name} skipped: {reminders} reminder(s) sent, limit {limit}")
            continue
        if step.kind is StepKind.CALL:
            route = reach(ctx.state.customer, step, ctx.state.refusals)
            if route.channel is None:
                ctx.notes.append(f"{step.name} skipped: {route.why}")
                continue
        return index, step
    return None


def eligible_on(ctx: Ctx, step: Step, due_on: date, since: date | None) -> date:
    """When ``step`` may go for items whose oldest is due on ``due_on``, the last action
    about them having been on ``since``."""
    day = ctx.step_date(due_on, step)
    if since is not None and step.min_gap_days:
        day = max(day, ctx.calendar.on_or_after(since + timedelta(days=step.min_gap_days)))
    return day


def make_action(
    ctx: Ctx,
    step: Step,
    lines: Sequence[ClaimLine],
    *,
    reason: str,
    credits: Sequence[CreditLine] = (),
    broken: Sequence[str] = (),
) -> PlannedAction | None:
    """The action for ``step`` on its first channel that reaches the customer; None (and the
    customer blocked, with the reasons) when none does."""
    route = reach(ctx.state.customer, step, ctx.state.refusals)
    if route.channel is None:
        ctx.blocked.append(Blocked(BlockKind.UNREACHABLE, step.name, route.why))
        ctx.notes.append(f"{step.name} cannot go: {route.why}")
        return None
    for pid in broken:
        ctx.broken.pop(pid, None)
    channel = route.channel
    fallback = channel is not step.channel
    if fallback:
        ctx.notes.append(f"{step.name} by {channel}: {route.why}")
    template = step.template
    if fallback and channel is Channel.PHONE_TASK and not step.for_staff:
        template = CALL_TEMPLATE  # a person calls instead: the call's to-do, not the letter
    customer_ref = ctx.state.customer.ref
    totals = net(lines, credits).positive()
    for currency in sorted({ln.open.currency for ln in lines} - set(totals)):
        ctx.notes.append(f"{currency}: credits and unapplied payments cover what is overdue")
    ordered = sorted((ln for ln in lines if ln.open.currency in totals), key=by_due)
    key = action_key(customer_ref, step.name, ordered[0].key, channel if fallback else None)
    if key in ctx.state.cancelled:
        why = f"{step.name} cancelled by a person: release it to send it (relance action release)"
        ctx.blocked.append(Blocked(BlockKind.CANCELLED, step.name, why, action_key=key))
        ctx.notes.append(why)
        return None
    return PlannedAction(
        key=key,
        customer_ref=customer_ref,
        step=step.name,
        kind=step.kind,
        channel=channel,
        template=template,
        planned_on=ctx.as_of,
        lines=tuple(ordered),
        credits=tuple(c for c in credits if c.amount.currency in totals),
        totals=totals,
        later=tuple(sorted(later_parts(ordered, ctx.lines), key=by_due)),
        broken_promises=tuple(broken),
        reason=reason,
        fallback=route.why if fallback else "",
    )


def courtesy_due(ctx: Ctx, upcoming: Sequence[ClaimLine]) -> tuple[Step | None, list[ClaimLine]]:
    """The courtesy step and the invoices it is due for today (before their due date)."""
    courtesy = next((s for s in ctx.policy.steps if s.kind is StepKind.COURTESY), None)
    if courtesy is None:
        return None, []
    due: list[ClaimLine] = []
    for line in upcoming:
        if ctx.progress(line).step is not None:
            continue  # already had its courtesy reminder
        if line.due_on <= ctx.as_of:
            continue  # courtesy is for before the due date, not on it
        day = ctx.step_date(line.due_on, courtesy)
        if day <= ctx.as_of:
            due.append(line)
        else:
            ctx.wake(day)
    claim = claim_of(ctx.policy, Totals(ln.open for ln in due))
    if due and claim is not None and claim.amount < courtesy.min_open_amount:
        ctx.notes.append(f"courtesy skipped: {claim} below {courtesy.min_open_amount}")
        return courtesy, []
    if due:
        route = reach(ctx.state.customer, courtesy, ctx.state.refusals)
        if route.channel is None:
            ctx.notes.append(f"courtesy skipped: {route.why}")
            return courtesy, []
    return courtesy, due
