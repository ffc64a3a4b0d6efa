"""Which overdue items each step lists: the ordinary schedule, the formal notice, escalation.

A customer's overdue items are chased together — one message lists them all, at the highest
step any of them reached — with two exceptions that keep every statement true:

* **The formal notice lists only the items the policy's ``notice_covers`` names** (by default
  those reminded at least once, or late enough that the notice would fall due for them on
  their own). The others stay in the ordinary schedule: they get their own reminders first
  and join a later notice.
* **Items in formal recovery** (in a notice already) form their own track: the next step for
  them is the escalation, and only for those whose notice's deadline has passed. Items that
  fall due later are chased on the ordinary schedule beside them.

Each track's step waits for the minimum gap since the last action about *its* items (a fresh
invoice's reminder never postpones an older one's notice); a second action the same day for
the same customer waits for its step's gap after the first. Credits are deducted once, from
the formal track first (:func:`connector.dunning.items.take_credits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from connector.dunning.actions import PlannedAction
from connector.dunning.history import answer_by
from connector.dunning.items import ClaimLine, CreditLine, by_due, net, take_credits
from connector.dunning.steps import Ctx, claim_of, eligible_on, level, make_action, next_step
from connector.model import Channel, StepKind
from connector.policy import NoticeCoverage, Step

__all__ = ["claim_actions", "in_formal_recovery", "notice_covers"]


def _notice_index(ctx: Ctx) -> int | None:
    for index, step in enumerate(ctx.policy.steps):
        if step.kind is StepKind.NOTICE:
            return index
    return None


def in_formal_recovery(ctx: Ctx, line: ClaimLine) -> bool:
    """The item was in a formal notice (or beyond): friendly steps would contradict it."""
    notice_at = _notice_index(ctx)
    return notice_at is not None and ctx.index(line) >= notice_at


def _covered_from(ctx: Ctx, line: ClaimLine, notice: Step) -> date:
    """The day an item never reminded becomes late enough to be in a notice."""
    days = ctx.policy.notice_min_days_overdue
    if days is None:
        return ctx.step_date(line.due_on, notice)
    return line.due_on + timedelta(days=days)


def notice_covers(ctx: Ctx, line: ClaimLine, notice: Step) -> bool:
    """Whether the policy puts ``line`` in a formal notice sent today."""
    match ctx.policy.notice_covers:
        case NoticeCoverage.ALL_OVERDUE:
            return True
        case NoticeCoverage.REMINDED:
            return ctx.progress(line).reminders >= 1
        case NoticeCoverage.REMINDED_OR_OVERDUE:
            return (
                ctx.progress(line).reminders >= 1 or _covered_from(ctx, line, notice) <= ctx.as_of
            )


def _answer_by(ctx: Ctx, line: ClaimLine) -> date | None:
    """The last day the item's notice gave to pay: from its history, else from its progress
    (a caller without history); None when neither says."""
    policy = ctx.policy
    notice = line.notice
    if notice is not None:
        return notice.answer_by or answer_by(
            notice,
            policy.notice_deadline_days,
            policy.letter_delivery_days,
            ctx.calendar.on_or_after,
        )
    progress = ctx.progress(line)
    step = policy.notice_step
    if step is None or progress.step != step.name or progress.last_on is None:
        return None
    delivery = policy.letter_delivery_days if step.channel is Channel.LETTER else 0
    return ctx.calendar.on_or_after(
        progress.last_on + timedelta(days=delivery + policy.notice_deadline_days)
    )


def _deadline_given(lines: Sequence[ClaimLine]) -> date | None:
    """The latest deadline the items' last messages gave to pay (a reminder's, a notice's)."""
    days = [line.steps[-1].answer_by for line in lines if line.steps]
    return max((d for d in days if d is not None), default=None)


def _last_on(ctx: Ctx, lines: Sequence[ClaimLine]) -> date | None:
    days = [d for d in (ctx.progress(line).last_on for line in lines) if d is not None]
    return max(days, default=None)


def _behind(ctx: Ctx, lines: Sequence[ClaimLine], level_: int) -> list[ClaimLine]:
    """The items that have not reached ``level_``."""
    return [line for line in lines if ctx.index(line) < level_]


def _act(
    ctx: Ctx,
    step: Step,
    lines: Sequence[ClaimLine],
    credits: Sequence[CreditLine],
    since: date | None,
    send_day: bool,
) -> PlannedAction | None:
    if not net(lines, credits).positive():
        numbers = ", ".join(line.number for line in sorted(lines, key=by_due))
        ctx.notes.append(f"{step.name}: credits cover {numbers}")
        return None
    broken = ctx.broken_about(lines)  # a promise broken about these items: at once
    driver = min(lines, key=by_due)
    eligible = ctx.as_of if broken else eligible_on(ctx, step, driver.due_on, since)
    given = _deadline_given(lines)
    if given is not None and given >= eligible:  # never before the deadline a message gave
        ctx.notes.append(f"{step.name} waits for the deadline given until {given}")
        eligible = ctx.calendar.on_or_after(given + timedelta(days=1))
    if eligible > ctx.as_of or not send_day:
        ctx.wake(ctx.calendar.on_or_after(max(eligible, ctx.as_of + timedelta(days=1))))
        return None
    reason = (
        "promise to pay broken" if broken else f"{driver.number} is {driver.days_late} day(s) late"
    )
    return make_action(ctx, step, lines, reason=reason, credits=credits, broken=broken)


def _formal(
    ctx: Ctx,
    lines: Sequence[ClaimLine],
    credits: Sequence[CreditLine],
    send_day: bool,
) -> PlannedAction | None:
    """Items in formal recovery: the escalation, once their notice's deadline has passed."""
    after, reminders = level(ctx, lines)
    found = next_step(ctx, after, reminders, claim_of(ctx.policy, net(lines, credits)))
    if found is None:  # the most advanced have nowhere to go: the others go on at their pace
        behind = _behind(ctx, lines, after)
        return _formal(ctx, behind, credits, send_day) if behind else None
    _, step = found
    ready: list[ClaimLine] = []
    for line in lines:
        deadline = _answer_by(ctx, line)
        if deadline is None or deadline < ctx.as_of:
            ready.append(line)
        else:
            ctx.notes.append(
                f"{line.number}: {step.name} waits for the notice's deadline {deadline}"
            )
            ctx.wake(deadline + timedelta(days=1))
    if not ready or not net(ready, credits).positive():
        return None
    taken, _ = take_credits(ready, credits)
    return _act(ctx, step, ready, taken, _last_on(ctx, ready), send_day)


def _ordinary(
    ctx: Ctx,
    lines: Sequence[ClaimLine],
    credits: Sequence[CreditLine],
    since: date | None,
    send_day: bool,
    before: int | None = None,
) -> list[PlannedAction]:
    """Items not in formal recovery: the next step for all of them, except that a notice
    takes only the items it covers and the others go on with the steps before it."""
    if not net(lines, credits).positive():
        return []
    after, reminders = level(ctx, lines)
    found = next_step(
        ctx, after, reminders, claim_of(ctx.policy, net(lines, credits)), before=before
    )
    if found is None:
        if before is not None:
            for line in lines:
                ctx.notes.append(f"{line.number} waits: not yet in a formal notice")
                ctx.wake(_covered_from(ctx, line, ctx.policy.steps[before]))
            return []
        # the most advanced have nowhere to go: the others go on at their own pace
        behind = _behind(ctx, lines, after)
        return _ordinary(ctx, behind, credits, since, send_day) if behind else []
    index, step = found
    if step.kind is not StepKind.NOTICE:
        action = _act(ctx, step, lines, credits, since, send_day)
        return [action] if action is not None else []
    covered = [line for line in lines if notice_covers(ctx, line, step)]
    rest = [line for line in lines if line not in covered]
    taken, left = take_credits(covered, credits)
    actions: list[PlannedAction] = []
    if covered:
        # its own items' last step, not a fresh invoice's reminder, sets the notice's gap;
        # but never two messages to the customer the same day
        own = _last_on(ctx, covered)
        if since == ctx.as_of:
            own = ctx.as_of
        action = _act(ctx, step, covered, taken, own, send_day)
        if action is not None:
            actions.append(action)
    if rest:
        ctx.notes.append(
            f"not in the {step.name}: {', '.join(ln.number for ln in sorted(rest, key=by_due))} "
            "(never reminded and not late enough)"
        )
        later = ctx.as_of if actions else since
        actions += _ordinary(ctx, rest, left, later, send_day, before=index)
    return actions


def claim_actions(
    ctx: Ctx,
    overdue: Sequence[ClaimLine],
    credits: Sequence[CreditLine],
    send_day: bool,
) -> list[PlannedAction]:
    """Today's actions about the customer's overdue items (the formal track first); a
    promise broken about some of them makes their next step due at once."""
    formal = [line for line in overdue if in_formal_recovery(ctx, line)]
    ordinary = [line for line in overdue if not in_formal_recovery(ctx, line)]
    taken, left = take_credits(formal, credits)
    actions: list[PlannedAction] = []
    if formal:
        escalation = _formal(ctx, formal, taken, send_day)
        if escalation is not None:
            actions.append(escalation)
    if ordinary:
        since = ctx.as_of if actions else ctx.state.last_action_on
        actions += _ordinary(ctx, ordinary, left, since, send_day)
    return actions
