# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The queue of dunning actions: planned by relance's core, reviewed and carried out here."""

import logging
from datetime import timedelta

from markupsafe import Markup, escape
from odoo import api, fields, models
from odoo.exceptions import UserError

from connector.calendar import BusinessCalendar
from connector.legal.notice import notice_claim
from connector.model import Channel, StepKind
from connector.planner import (
    ClaimLine,
    ItemKind,
    PlannedAction,
    Progress,
    plan_customer,
    progress_after,
)

from ..ledger import OrmLedger, money, record_id, source_ref
from .relance_policy_step import CHANNELS, STEP_KINDS

_logger = logging.getLogger(__name__)

STATES = [
    ("proposed", "To approve"),
    ("approved", "Approved"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
PENDING = ("proposed", "approved")
# writing relance's fields on an invoice must not run account.move's line synchronisation
NO_ACCOUNTING_SYNC = {"skip_invoice_sync": True, "skip_is_manually_modified": True}


class RelanceAction(models.Model):
    _name = "relance.action"
    _description = "Dunning action"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "planned_on desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    key = fields.Char(
        required=True, readonly=True, index=True, help="The planner's idempotency key."
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    policy_id = fields.Many2one("relance.policy", required=True, readonly=True)
    step_id = fields.Many2one("relance.policy.step", required=True, readonly=True)
    step = fields.Char(string="Step code", required=True, readonly=True)
    kind = fields.Selection(
        [(k.value, label) for k, label in STEP_KINDS.items()], required=True, readonly=True
    )
    channel = fields.Selection(
        [(c.value, label) for c, label in CHANNELS.items()], required=True, readonly=True
    )
    planned_on = fields.Date(required=True, readonly=True, index=True)
    state = fields.Selection(STATES, default="proposed", required=True, tracking=True, index=True)
    reason = fields.Char(readonly=True, help="Why the planner chose this step today.")
    line_ids = fields.One2many("relance.action.line", "action_id", readonly=True)
    move_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_move_ids", store=True
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_due = fields.Monetary(
        readonly=True, help="The net claim: overdue amounts less credits and unapplied payments."
    )
    other_totals = fields.Char(readonly=True, help="The claim in other currencies, if any.")
    indemnity_currency_id = fields.Many2one("res.currency", readonly=True)
    indemnity_total = fields.Monetary(readonly=True, currency_field="indemnity_currency_id")
    interest_total = fields.Monetary(readonly=True)
    interest_missing = fields.Text(
        readonly=True,
        help="Why the late-payment interest has no figure (a rate the law needs is not in "
        "relance's tables): the notice claims the indemnity, says the interest runs at the "
        "statutory rate, and waits for a person's approval.",
    )
    notice_deadline = fields.Date(readonly=True, help="The date the formal notice gives to pay.")
    legal_basis = fields.Text(readonly=True)
    broken_promise_ids = fields.Many2many(
        "relance.promise", string="Broken promises", readonly=True
    )
    approved_by_id = fields.Many2one("res.users", readonly=True)
    done_on = fields.Date(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="E-mail", readonly=True)
    error = fields.Text(readonly=True)

    _key_per_company = models.Constraint(
        "UNIQUE(company_id, key)", "An action is planned once per customer, step and episode."
    )

    @api.depends("partner_id", "step_id")
    def _compute_name(self):
        for action in self:
            action.name = f"{action.step_id.display_name or action.step} — {action.partner_id.name}"

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for action in self:
            action.move_ids = action.line_ids.move_id

    # --- the scheduled cycle -------------------------------------------------------------------
    @api.model
    def _cron_run_cycle(self):
        return self._run_cycle()

    @api.model
    def action_run_now(self):
        """The cycle on demand, for the companies selected in the switcher (managers only)."""
        if not self.env.user.has_group("account_relance.group_relance_manager"):
            raise UserError(self.env._("Only dunning managers can run the cycle by hand."))
        self.sudo()._run_cycle(companies=self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance.relance_action_queue_action"
        )

    @api.model
    def _run_cycle(self, companies=None, as_of=None, partner_ids=None):
        """Plan every company's customers with relance's planner, then carry out what is
        approved. Returns counts, for the log and for tests."""
        companies = companies or self.env["res.company"].search([])
        counts = {"customers": 0, "planned": 0, "withdrawn": 0, "done": 0, "failed": 0}
        for company in companies:
            day = as_of or fields.Date.context_today(self.with_company(company))
            result = self.with_company(company)._plan_company(company, day, partner_ids)
            for name, value in result.items():
                counts[name] += value
        todo = self.search(
            [("company_id", "in", companies.ids), ("state", "=", "approved")], order="id"
        )
        done = todo._execute(as_of=as_of)
        counts["done"] += len(done.filtered(lambda a: a.state == "done"))
        counts["failed"] += len(done.filtered(lambda a: a.state == "failed"))
        _logger.info("relance cycle: %s", " ".join(f"{k}={v}" for k, v in counts.items()))
        return counts

    def _plan_company(self, company, as_of, partner_ids=None):
        Partner = self.env["res.partner"]
        default_policy = company._relance_policy()
        country = company.country_id.code or "FR"
        ledger = OrmLedger(self.env, company, as_of)
        core = {}
        calendars = {}
        pending = self.search(
            [("company_id", "=", company.id), ("state", "in", PENDING)]
            + ([("partner_id", "in", list(partner_ids))] if partner_ids is not None else [])
        )
        pending_by_key = {a.key: a for a in pending}
        kept = self.browse()
        created = []
        next_dates = {}
        counts = {"customers": 0, "planned": 0, "withdrawn": 0}
        for partner_id, state in ledger.states(partner_ids):
            counts["customers"] += 1
            partner = Partner.browse(partner_id)
            policy = partner.relance_policy_id or default_policy
            if policy.id not in core:
                core[policy.id] = policy._to_core()
                calendars[policy.id] = BusinessCalendar.for_window(
                    core[policy.id].send_window, country
                )
            plan = plan_customer(state, core[policy.id], calendars[policy.id], as_of)
            for planned in plan.actions:
                existing = pending_by_key.get(planned.key)
                if existing:
                    kept |= existing
                    continue
                created.append(
                    self._values_for(company, partner, policy, state, planned, ledger.term_lines)
                )
                for line in (*planned.lines, *planned.upcoming):
                    next_dates[line.key] = as_of
            for receivable in state.receivables:
                next_dates.setdefault(receivable.ref.key, plan.next_review_on or False)
        if created:
            policies = self.env["relance.policy"].browse([v["policy_id"] for v in created])
            auto = {p.id for p in policies if p.auto_approve}
            for vals in created:  # an interest without a figure waits for a person, always
                automatic = vals["policy_id"] in auto and not vals.get("interest_missing")
                vals["state"] = "approved" if automatic else "proposed"
            self.create(created)
        withdrawn = pending - kept
        if withdrawn:
            withdrawn._withdraw(self.env._("no longer due: paid, disputed, promised or paused"))
        self._write_next_dates(next_dates)
        counts["planned"] = len(created)
        counts["withdrawn"] = len(withdrawn)
        if ledger.problems:
            _logger.warning(
                "relance: %s record(s) of %s skipped: %s",
                len(ledger.problems),
                company.name,
                "; ".join(ledger.problems[:5]),
            )
        return counts

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

    def _values_for(self, company, partner, policy, state, planned, term_lines=None):
        step = policy._step(planned.step)
        currencies = list(planned.totals)
        main = currencies[0] if currencies else company.currency_id.name
        Currency = self.env["res.currency"].with_context(active_test=False)
        claim = self._legal(planned, policy, state.customer)
        wanted = set(currencies)
        if claim is not None:
            wanted |= {c.indemnity.currency for c in claim.invoices}
        currency_ids = {c.name: c.id for c in Currency.search([("name", "in", list(wanted))])}
        currency_id = currency_ids.get(main, company.currency_id.id)
        by_key = {c.key: c for c in claim.invoices} if claim else {}
        term_lines = term_lines or {}
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
        claim = notice_claim(planned, customer, jurisdiction=policy.jurisdiction)
        if claim is not None and claim.interest_missing:
            _logger.warning("relance: notice interest without a figure: %s", claim.interest_missing)
        return claim

    # --- review ----------------------------------------------------------------------------------
    def action_approve(self):
        to_approve = self.filtered(lambda a: a.state in ("proposed", "failed"))
        to_approve.write({"state": "approved", "approved_by_id": self.env.user.id, "error": False})
        to_approve._execute()
        return True

    def action_cancel(self):
        self.filtered(lambda a: a.state in (*PENDING, "failed")).write({"state": "cancelled"})
        return True

    def action_print_notice(self):
        return self.env.ref("account_relance.action_report_relance_notice").report_action(self)

    def _withdraw(self, why):
        for action in self:
            action.message_post(
                body=self.env._("Withdrawn: %s.", why), subtype_xmlid="mail.mt_note"
            )
        self.write({"state": "cancelled"})

    # --- carrying out ----------------------------------------------------------------------------
    def _execute(self, as_of=None):
        """Send what is approved. A customer who paid since the plan is not reminded."""
        self.check_access("write")
        for action in self.filtered(lambda a: a.state == "approved"):
            day = as_of or fields.Date.context_today(action)
            owed = action.line_ids.filtered(lambda ln: ln.line_type == "overdue")
            moves = owed.move_id.sudo()
            if moves and all(m.payment_state in ("paid", "in_payment", "reversed") for m in moves):
                action._withdraw(self.env._("the invoices were paid before it was sent"))
                continue
            try:
                with self.env.cr.savepoint():
                    action.sudo()._carry_out(day)
            except UserError as exc:
                action.write({"state": "failed", "error": str(exc)})
                continue
            action.sudo()._record_progress(day)
        return self

    def _carry_out(self, day):
        self.ensure_one()
        match Channel(self.channel):
            case Channel.EMAIL:
                self._send_email()
            case Channel.PHONE_TASK:
                self._schedule_call(day)
            case Channel.LETTER:
                self._prepare_letter(day)
            case Channel.SMS:
                raise UserError(
                    self.env._(
                        "SMS is not sent from Odoo by relance: give step %s the e-mail or "
                        "phone channel.",
                        self.step,
                    )
                )
        self._post_trail()
        self.write({"state": "done", "done_on": day})

    def _send_email(self):
        template = self.step_id.mail_template_id
        if not template:
            raise UserError(
                self.env._(
                    "Step %s of policy %s has no e-mail template: choose one in Dunning > "
                    "Configuration > Policies.",
                    self.step,
                    self.policy_id.name,
                )
            )
        if not self.partner_id.email:
            raise UserError(
                self.env._(
                    "%s has no e-mail address: add one to the customer, then approve again.",
                    self.partner_id.name,
                )
            )
        mail_id = template.send_mail(self.id, force_send=False)
        self.mail_id = mail_id

    def _assignee(self):
        return (
            self.line_ids.move_id.invoice_user_id[:1]
            or self.policy_id.call_user_id
            or self.partner_id.user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )

    def _schedule_call(self, day):
        kind = StepKind(self.kind)
        activity = (
            "mail.mail_activity_data_call"
            if kind is not StepKind.ESCALATION
            else "account_relance.mail_activity_relance_escalation"
        )
        summary = (
            self.env._("Call %s: obtain a firm payment date", self.partner_id.name)
            if kind is not StepKind.ESCALATION
            else self.env._(
                "Escalate %s: collection agency or injonction de payer", self.partner_id.name
            )
        )
        self.partner_id.activity_schedule(
            activity,
            date_deadline=day,
            summary=summary,
            note=self._summary_html(),
            user_id=self._assignee().id,
        )

    def _prepare_letter(self, day):
        report = self.env.ref("account_relance.action_report_relance_notice")
        content, _kind = report._render_qweb_pdf(report.report_name, res_ids=self.ids)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.step}-{self.partner_id.name}-{day}.pdf",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        self.partner_id.message_post(
            body=self.env._("Formal notice ready to send by registered letter."),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        self.partner_id.activity_schedule(
            "account_relance.mail_activity_relance_letter",
            date_deadline=day,
            summary=self.env._("Send the formal notice by registered letter"),
            user_id=self._assignee().id,
        )

    def _summary_html(self):
        rows = Markup("").join(
            Markup("<li>%s — %s — %s</li>")
            % (ln.number, ln.due_on or "", f"{ln.amount_open:.2f} {ln.currency_id.name}")
            for ln in self.line_ids
            if ln.line_type != "credit"
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (escape(self.reason or ""), rows)

    def _post_trail(self):
        """The history, where the accountant works: a note on the customer and on each invoice
        (internal: never mailed to the customer or to followers)."""
        label = self.step_id.display_name or self.step
        channel = dict(CHANNELS).get(Channel(self.channel), self.channel)
        body = Markup("<p>%s</p>") % self.env._(
            "Dunning step %(step)s (%(channel)s) carried out by relance.",
            step=label,
            channel=channel,
        )
        self.partner_id.message_post(body=body + self._summary_html(), subtype_xmlid="mail.mt_note")
        moves = self.line_ids.move_id
        # one batch of internal notes (no notification, no follower e-mailed)
        moves._message_log_batch(
            {move.id: body for move in moves},
            author_id=self.env.user.partner_id.id,
            message_type="comment",
        )

    def _record_progress(self, day):
        """How far each item went, through the core's own bookkeeping."""
        policy = self.policy_id._to_core()
        planned = self._as_planned()
        before = {}
        for line in self.line_ids:
            target = line.term_line_id or line.move_id or line.plan_line_id
            if target and target.relance_step:
                before[line.item_key] = Progress(
                    target.relance_step,
                    target.relance_reminder_count,
                    target.relance_last_date or None,
                )
        for key, progress in progress_after(before, planned, policy, day).items():
            target = self._target_of(key)
            if target:
                target.sudo().with_context(**NO_ACCOUNTING_SYNC).write(
                    {
                        "relance_step": progress.step,
                        "relance_reminder_count": progress.reminders,
                        "relance_last_date": progress.last_on,
                    }
                )
        # a broken promise acted upon is not acted upon again
        self.broken_promise_ids.sudo().filtered(lambda p: not p.broken_on).write({"broken_on": day})

    def _target_of(self, key):
        line = self.line_ids.filtered(lambda ln: ln.item_key == key)[:1]
        return line.term_line_id or line.move_id or line.plan_line_id

    def _as_planned(self):
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
            t: self.line_ids.filtered(lambda ln, t=t: ln.line_type == t)
            for t in ("overdue", "upcoming")
        }
        return PlannedAction(
            key=self.key,
            customer_ref=source_ref(self.company_id, "partner", self.partner_id.id),
            step=self.step,
            kind=StepKind(self.kind),
            channel=Channel(self.channel),
            template=self.step_id.template,
            planned_on=self.planned_on,
            lines=tuple(claim(ln, kind_of(ln)) for ln in by_type["overdue"]),
            upcoming=tuple(claim(ln, kind_of(ln)) for ln in by_type["upcoming"]),
        )
