# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Planning one company: its ledger as it stood on the day, relance's planner on each
customer, and the queue records (with the message as it will go out) for what is new.

The queue itself, its review and its carrying out are ``relance.action``'s; this module only
turns the planner's decisions into that model's values."""

import logging
from datetime import timedelta

from odoo import fields
from odoo.tools.misc import format_date

from connector.calendar import BusinessCalendar
from connector.legal.notice import notice_claim
from connector.model import Channel, StepKind
from connector.planner import BlockKind, ItemKind, plan_customer
from connector.web.i18n import in_language
from connector.web.reasons import in_words

from .ledger import OrmLedger, record_id
from .messages import compose

_logger = logging.getLogger(__name__)

PENDING = ("proposed", "approved")
# writing relance's fields on an invoice must not run account.move's line synchronisation
NO_ACCOUNTING_SYNC = {"skip_invoice_sync": True, "skip_is_manually_modified": True}


class CompanyPlanner:
    """One company's planning on one day (``Action``: the ``relance.action`` model)."""

    def __init__(self, Action, company, as_of):
        self.Action = Action
        self.env = Action.env
        self.company = company
        self.as_of = as_of
        self.ledger = OrmLedger(self.env, company, as_of)
        self.country = company.country_id.code or "FR"
        self._core = {}  # policy id -> the core's Policy
        self._calendars = {}
        self.letters = {}  # action key -> the letter's PDF, attached once the action exists
        self._rate_tables = None

    def core_policy(self, policy):
        if policy.id not in self._core:
            self._core[policy.id] = policy._to_core()
            self._calendars[policy.id] = BusinessCalendar.for_window(
                self._core[policy.id].send_window, self.country
            )
        return self._core[policy.id], self._calendars[policy.id]

    def run(self, partner_ids=None):
        Partner = self.env["res.partner"]
        default_policy = self.company._relance_policy()
        pending = self.Action.search(
            [("company_id", "=", self.company.id), ("state", "in", PENDING)]
            + ([("partner_id", "in", list(partner_ids))] if partner_ids is not None else [])
        )
        pending_by_key = {a.key: a for a in pending}
        kept = self.Action.browse()
        created = []
        reopened = {}  # a cancelled action's key planned again: the same record, renewed
        next_dates = {}
        blocked = {}
        counts = {"customers": 0, "planned": 0, "withdrawn": 0, "blocked": 0}
        for partner_id, state in self.ledger.states(partner_ids):
            counts["customers"] += 1
            partner = Partner.browse(partner_id)
            policy = partner.relance_policy_id or default_policy
            core, calendar = self.core_policy(policy)
            plan = plan_customer(state, core, calendar, self.as_of)
            blocked[partner_id] = "\n".join(self._blocked(policy, b) for b in plan.blocked)
            for planned in plan.actions:
                existing = pending_by_key.get(planned.key)
                if existing:
                    kept |= existing
                    continue
                created.append(self._values_for(partner, policy, state, planned))
                for line in (*planned.lines, *planned.upcoming):
                    next_dates[line.key] = self.as_of
            for receivable in state.receivables:
                next_dates.setdefault(receivable.ref.key, plan.next_review_on or False)
        if created:
            cancelled = self.Action.search(
                [
                    ("company_id", "=", self.company.id),
                    ("state", "=", "cancelled"),
                    ("key", "in", [v["key"] for v in created]),
                ]
            )
            reopened = {a.key: a for a in cancelled}
            # released after a person's cancel: written today, read by no one yet
            released = {a.key for a in cancelled if a.released_by_id}
            policies = self.env["relance.policy"].browse([v["policy_id"] for v in created])
            auto = {p.id for p in policies if p.auto_approve}
            for vals in created:  # an interest without a figure waits for a person, always
                automatic = (
                    vals["policy_id"] in auto
                    and not vals.get("interest_missing")
                    and not vals.get("error")
                    and vals["key"] not in released
                )
                vals["state"] = "approved" if automatic else "proposed"
            renewed = self.Action.browse()
            for vals in created:
                action = reopened.get(vals["key"])
                if action:  # cancelled: « not this one », the schedule still stands
                    action.write(
                        {**vals, "line_ids": [fields.Command.clear(), *vals["line_ids"]]}
                        | {"error": False, "approved_by_id": False}
                    )
                    action.letter_id.unlink()
                    renewed |= action
            fresh = [v for v in created if v["key"] not in reopened]
            self._attach_letters(renewed | self.Action.create(fresh))
        withdrawn = pending - kept
        if withdrawn:
            withdrawn._withdraw(self.env._("no longer due: paid, disputed, promised or paused"))
        self._write_next_dates(next_dates)
        counts["blocked"] = self._write_blocked(blocked)
        counts["planned"] = len(created)
        counts["withdrawn"] = len(withdrawn)
        if self.ledger.problems:
            _logger.warning(
                "relance: %s record(s) of %s skipped: %s",
                len(self.ledger.problems),
                self.company.name,
                "; ".join(self.ledger.problems[:5]),
            )
        return counts

    def _step_label(self, policy, name):
        """The step's label in the cycle's language (read as such: a display name computed
        earlier in another language may still be in the cache)."""
        step = policy.step_ids.filtered(lambda s: s.name == name)[:1].with_env(self.env)
        return step.label or name

    def _blocked(self, policy, blocked):
        """One line of the customer's blocked reasons, in the language of the cycle. The
        core writes its reasons in English for the command line and names its commands
        (« relance action letter KEY »); here they are said as the web app says them, and
        what to do is said in Odoo's terms: the button, the field."""
        label = self._step_label(policy, blocked.step)
        if blocked.kind is BlockKind.CANCELLED:
            action = self._action(blocked.action_key)
            return self.env._(
                "%(step)s: cancelled by %(person)s, so nothing goes out for it; to send it "
                "after all, open the cancelled action and release it.",
                step=label,
                person=action.cancelled_by_id.name or self.env._("a person"),
            )
        if blocked.kind is BlockKind.LETTER_TO_POST:
            action = self._action(blocked.action_key)
            return self.env._(
                "%(step)s: the letter printed on %(day)s waits to be posted; the schedule goes "
                "on once its posting is recorded: enter the day it was posted (and the "
                "registered letter's number) on the action, then click “Record the posting”.",
                step=label,
                day=format_date(self.env, action.done_on) if action.done_on else "—",
            )
        why = self._in_words(blocked.reason)
        if blocked.kind is BlockKind.UNREACHABLE:
            return self.env._(
                "%(step)s: none of its channels reaches the customer (%(why)s); complete the "
                "customer's contact details and the next cycle plans it.",
                step=label,
                why=why,
            )
        return f"{label}: {why}"

    def _action(self, key):
        return self.Action.search(
            [("company_id", "=", self.company.id), ("key", "=", key)], limit=1
        )

    def _in_words(self, reason):
        """The core's reason as the web app words it, in French for a French cycle."""
        with in_language((self.env.lang or "en_US")[:2]):
            return in_words(reason)

    def _write_blocked(self, reasons):
        """Who is blocked and why, on the customer (per company): shown on the customer's
        Dunning tab and in the "Blocked customers" list; cleared once a step reaches them."""
        Partner = self.env["res.partner"].with_company(self.company)
        changed = 0
        for partner in Partner.browse(list(reasons)):
            reason = reasons[partner.id] or False
            if (partner.relance_blocked or False) != reason:
                partner.relance_blocked = reason
                changed += 1
            if reason:
                _logger.info("relance: %s is blocked: %s", partner.name, reason)
        return sum(1 for reason in reasons.values() if reason)

    def _write_next_dates(self, next_dates):
        """Group invoices by their next date: one write per date, not one per invoice."""
        by_date = {}
        for key, day in next_dates.items():
            if ":move:" in key:  # an invoice, or one instalment of it (``…:move:42#1``)
                move = int(key.rsplit(":", 1)[1].split("#", 1)[0])
                if move not in by_date.setdefault(day, []):
                    by_date[day].append(move)
        # relance's own fields: nothing for the accounting lines to resynchronise
        Move = self.env["account.move"].sudo().with_context(**NO_ACCOUNTING_SYNC)
        for day, ids in by_date.items():
            moves = Move.browse(ids).filtered(lambda m, d=day: m.relance_next_date != d)
            if moves:
                moves.write({"relance_next_date": day})

    def _attach_letters(self, actions):
        """Each letter's PDF, kept on its action: what the approver previews is what is
        printed and posted."""
        for action in actions:
            pdf = self.letters.get(action.key)
            if pdf is None:
                continue
            action.letter_id = self.env["ir.attachment"].create(
                {
                    "name": f"{action.step}-{action.partner_id.name}-{action.planned_on}.pdf",
                    "raw": pdf,
                    "res_model": action._name,
                    "res_id": action.id,
                    "mimetype": "application/pdf",
                }
            )

    def _values_for(self, partner, policy, state, planned):
        company = self.company
        step = policy._step(planned.step)
        currencies = list(planned.totals)
        main = currencies[0] if currencies else company.currency_id.name
        Currency = self.env["res.currency"].with_context(active_test=False)
        core, _calendar = self.core_policy(policy)
        claim = self._legal(planned, policy, state.customer)
        wanted = set(currencies)
        if claim is not None:
            wanted |= {c.indemnity.currency for c in claim.invoices}
        currency_ids = {c.name: c.id for c in Currency.search([("name", "in", list(wanted))])}
        currency_id = currency_ids.get(main, company.currency_id.id)
        by_key = {c.key: c for c in claim.invoices} if claim else {}
        term_lines = self.ledger.term_lines
        lines = []
        for line_type, claim_lines in (("overdue", planned.lines), ("upcoming", planned.upcoming)):
            for line in claim_lines:
                legal = by_key.get(line.key) if line_type == "overdue" else None
                lines.append(
                    {
                        "sequence": len(lines),
                        "line_type": line_type,
                        "item_key": line.key,
                        "move_id": record_id(line.ref) if line.ref else False,
                        "plan_line_id": self._plan_line_id(line),
                        "term_line_id": term_lines.get(line.key, False),
                        "part": line.part or 0,
                        "parts": line.parts or 0,
                        "number": line.number,
                        "issued_on": line.issued_on,
                        "due_on": line.due_on,
                        "days_late": line.days_late,
                        "currency_id": currency_ids.get(line.open.currency, currency_id),
                        "amount_total": float(line.total.amount),
                        "amount_open": float(line.open.amount),
                        "indemnity": float(legal.indemnity.amount) if legal else 0.0,
                        "indemnity_currency_id": currency_ids.get(
                            legal.indemnity.currency if legal else "", currency_id
                        ),
                        "interest": float(legal.interest.amount)
                        if legal and legal.interest is not None
                        else 0.0,
                    }
                )
        for credit in planned.credits:
            lines.append(
                {
                    "sequence": len(lines),
                    "line_type": "credit",
                    "item_key": credit.key,
                    "move_id": int(credit.key.rsplit(":", 1)[1])
                    if ":move:" in credit.key
                    else False,
                    "number": credit.label,
                    "issued_on": credit.on,
                    "currency_id": currency_ids.get(credit.amount.currency, currency_id),
                    "amount_open": float(credit.amount.amount),
                }
            )
        others = ", ".join(str(planned.totals[c]) for c in currencies[1:])
        values = {
            "key": planned.key,
            "company_id": company.id,
            "partner_id": partner.id,
            "policy_id": policy.id,
            "step_id": step.id,
            "step": planned.step,
            "kind": planned.kind.value,
            "channel": planned.channel.value,
            "planned_on": planned.planned_on,
            "reason": planned.reason,
            "currency_id": currency_id,
            "amount_due": float(planned.totals[main].amount) if currencies else 0.0,
            "other_totals": others or False,
            "line_ids": [fields.Command.create(v) for v in lines],
            "broken_promise_ids": [fields.Command.set([int(p) for p in planned.broken_promises])],
        }
        if planned.kind is StepKind.NOTICE:
            values["notice_deadline"] = planned.planned_on + timedelta(
                days=policy.notice_deadline_days
            )
        if claim is not None:
            indemnities = list(claim.indemnity_total.values())  # one currency: the law's
            if indemnities:
                values["indemnity_total"] = float(indemnities[0].amount)
                values["indemnity_currency_id"] = currency_ids.get(indemnities[0].currency)
            values["interest_total"] = float(
                sum((m.amount for m in claim.interest_total.values()), start=0)
            )
            values["interest_missing"] = claim.interest_missing or False
            values["legal_basis"] = "\n".join(claim.legal_basis)
        if planned.channel in (Channel.EMAIL, Channel.LETTER):  # read by the customer, as sent
            message, pdf = compose(company, planned, state, core, claim)
            values.update(message)
            if pdf is not None:
                self.letters[planned.key] = pdf
        return values

    def _plan_line_id(self, line):
        if line.kind is not ItemKind.INSTALMENT or not line.plan_id:
            return False
        plan = self.env["relance.payment.plan"].browse(int(line.plan_id))
        lines = plan.line_ids.sorted(lambda ln: (ln.due_on, ln.id))
        index = int(line.key.rsplit(":", 1)[1]) - 1
        return lines[index].id if 0 <= index < len(lines) else False

    def _legal(self, planned, policy, customer):
        """The statutory indemnity and interest, from relance's legal calculators, on a notice
        (without a rate, the indemnity and ``interest_missing``: never a zero as a figure)."""
        if self._rate_tables is None:  # read once a cycle: shipped, then this database's
            self._rate_tables = self.env["relance.rates"]._tables()
        claim = notice_claim(
            planned, customer, jurisdiction=policy.jurisdiction, tables=self._rate_tables
        )
        if claim is not None and claim.interest_missing:
            _logger.warning("relance: notice interest without a figure: %s", claim.interest_missing)
        return claim
