# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""How far each item went once an action was carried out: the core's progress bookkeeping
(``connector.planner.progress_after``) applied to the records the add-on keeps it on."""

from connector.model import Channel, StepKind
from connector.planner import ClaimLine, ItemKind, PlannedAction, Progress, progress_after

from .ledger import money, source_ref
from .planning import NO_ACCOUNTING_SYNC


def record_progress(action, day):
    """Each item's step and reminder count after ``action`` was carried out on ``day``, on
    the record that holds the item (an instalment's line, the invoice, a plan's line), and
    the broken promises it acted upon marked as such."""
    policy = action.policy_id._to_core()
    planned = as_planned(action)
    before = {}
    for line in action.line_ids:
        target = line.term_line_id or line.move_id or line.plan_line_id
        if target and target.relance_step:
            before[line.item_key] = Progress(
                target.relance_step,
                target.relance_reminder_count,
                target.relance_last_date or None,
            )
    for key, progress in progress_after(before, planned, policy, day).items():
        target = _target_of(action, key)
        if target:
            target.sudo().with_context(**NO_ACCOUNTING_SYNC).write(
                {
                    "relance_step": progress.step,
                    "relance_reminder_count": progress.reminders,
                    "relance_last_date": progress.last_on,
                }
            )
    # a broken promise acted upon is not acted upon again
    action.broken_promise_ids.sudo().filtered(lambda p: not p.broken_on).write({"broken_on": day})


def _target_of(action, key):
    line = action.line_ids.filtered(lambda ln: ln.item_key == key)[:1]
    return line.term_line_id or line.move_id or line.plan_line_id


def as_planned(action):
    """This record as the core's PlannedAction, for the core's progress bookkeeping."""

    def claim(line, kind):
        currency = line.currency_id.name
        return ClaimLine(
            key=line.item_key,
            kind=kind,
            number=line.number,
            issued_on=line.issued_on,
            due_on=line.due_on,
            open=money(line.amount_open, currency),
            total=money(line.amount_total, currency),
            days_late=line.days_late,
        )

    def kind_of(line):
        if line.plan_line_id:
            return ItemKind.INSTALMENT
        return ItemKind.TERM if line.term_line_id else ItemKind.RECEIVABLE

    by_type = {
        t: action.line_ids.filtered(lambda ln, t=t: ln.line_type == t)
        for t in ("overdue", "upcoming")
    }
    return PlannedAction(
        key=action.key,
        customer_ref=source_ref(action.company_id, "partner", action.partner_id.id),
        step=action.step,
        kind=StepKind(action.kind),
        channel=Channel(action.channel),
        template=action.step_id.template,
        planned_on=action.planned_on,
        lines=tuple(claim(ln, kind_of(ln)) for ln in by_type["overdue"]),
        upcoming=tuple(claim(ln, kind_of(ln)) for ln in by_type["upcoming"]),
    )
