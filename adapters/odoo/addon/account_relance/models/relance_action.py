# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The queue of dunning actions: planned by relance's core, reviewed and carried out here."""

import logging

from markupsafe import Markup, escape
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from connector.model import Channel, StepKind

from ..planning import PENDING, CompanyPlanner
from ..progress import record_progress
from .relance_policy_step import CHANNELS, STEP_KINDS

_logger = logging.getLogger(__name__)

STATES = [
    ("proposed", "To approve"),
    ("approved", "Approved"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
# how far a carried-out action got, in words a court would accept (connector's Delivery)
DELIVERIES = [
    ("sent", "Sent"),  # an e-mail handed to Odoo's outgoing mail server
    ("written", "To do"),  # a phone call or hand-over for your staff
    ("prepared", "To post"),  # a letter printed by relance, its posting not recorded yet
    ("posted", "Posted"),  # a letter whose posting date (and tracking number) is recorded
]


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
    cancelled_by_id = fields.Many2one(
        "res.users",
        string="Cancelled by",
        readonly=True,
        help="The person who cancelled it: the step is not planned again for these invoices, "
        "and the customer is listed as blocked by it, until someone releases it. Empty when "
        "relance withdrew it (paid, disputed, promised or paused since it was planned): the "
        "step then comes back by itself if it falls due again.",
    )
    released_by_id = fields.Many2one(
        "res.users",
        string="Released by",
        readonly=True,
        help="The person who released it after a cancel: the next cycle plans the step again, "
        "with that day's figures, and it waits for a person's approval.",
    )
    done_on = fields.Date(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="E-mail", readonly=True)
    error = fields.Text(readonly=True)
    language = fields.Char(readonly=True, help="The language the customer reads it in.")
    subject = fields.Char(readonly=True)
    body_html = fields.Html(
        string="Message",
        readonly=True,
        sanitize=False,
        help="The message as it goes out, written by relance (values escaped by relance).",
    )
    body_text = fields.Text(string="Message (text)", readonly=True)
    letter_id = fields.Many2one("ir.attachment", string="Letter", readonly=True)
    delivery = fields.Selection(DELIVERIES, readonly=True, tracking=True)
    posted_on = fields.Date(
        tracking=True, help="The day the letter was posted: the next step counts from it."
    )
    tracking_number = fields.Char(tracking=True, help="The registered letter's number.")
    received_on = fields.Date(
        tracking=True,
        help="The day the customer received it (the AR's date): the notice's deadline runs "
        "from it. Until it is recorded, the policy's delivery days are counted from posting.",
    )

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
        counts = {
            "customers": 0,
            "planned": 0,
            "withdrawn": 0,
            "blocked": 0,
            "done": 0,
            "failed": 0,
        }
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
        return CompanyPlanner(self, company, as_of).run(partner_ids)

    # --- review ----------------------------------------------------------------------------------
    def action_approve(self):
        to_approve = self.filtered(lambda a: a.state in ("proposed", "failed"))
        to_approve.write({"state": "approved", "approved_by_id": self.env.user.id, "error": False})
        to_approve._execute()
        return True

    def action_cancel(self):
        """A person's « not this one »: the step is not planned again for these invoices, and
        the customer is listed as blocked by it, until someone releases it (the core's
        cancelled step). Planning it again the next day, and sending it under a policy that
        approves automatically, would undo what the person decided."""
        self.filtered(lambda a: a.state in (*PENDING, "failed")).write(
            {"state": "cancelled", "cancelled_by_id": self.env.user.id, "released_by_id": False}
        )
        return True

    def action_release(self):
        """« Send it after all »: the next cycle plans the step again, with that day's figures,
        on this same record. It waits for a person's approval even under a policy that
        approves automatically: what it will say is written then, and no one has read it."""
        self.check_access("write")
        for action in self:
            if action.state != "cancelled" or not action.cancelled_by_id:
                raise UserError(
                    self.env._(
                        "Only an action a person cancelled can be released: %s.", action.name
                    )
                )
        for action in self:
            action.message_post(
                body=self.env._(
                    "Released by %s: the next cycle plans this step again, with that day's "
                    "figures, for approval.",
                    self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.write({"cancelled_by_id": False, "released_by_id": self.env.user.id})
        return True

    def action_print_notice(self):
        """The letter as it is printed and posted (relance's PDF, kept on the action)."""
        self.ensure_one()
        if not self.letter_id:
            raise UserError(self.env._("This action has no letter to print."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.letter_id.id}?download=true",
            "target": "new",
        }

    def action_record_posting(self):
        """A letter's posting, recorded: from then on it counts as sent, and the customer's
        schedule goes on from the posting day (plus the deadline it gives)."""
        for action in self:
            if action.channel != Channel.LETTER.value or action.state != "done":
                raise UserError(self.env._("Only a letter that was printed can be posted."))
            if not action.posted_on:
                raise UserError(
                    self.env._(
                        "Enter the day %s's letter was posted first.", action.partner_id.name
                    )
                )
            action.delivery = "posted"
            action.partner_id.message_post(
                body=self.env._(
                    "%(step)s posted on %(day)s%(tracking)s.",
                    step=action.step_id.display_name or action.step,
                    day=action.posted_on,
                    tracking=(
                        self.env._(", registered letter %s", action.tracking_number)
                        if action.tracking_number
                        else ""
                    ),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    @api.constrains("posted_on", "received_on", "done_on")
    def _check_posting(self):
        for action in self:
            if action.posted_on and action.done_on and action.posted_on < action.done_on:
                raise ValidationError(
                    self.env._("A letter is posted on or after the day it was printed.")
                )
            if action.received_on and (
                not action.posted_on or action.received_on < action.posted_on
            ):
                raise ValidationError(
                    self.env._("A letter is received on or after the day it was posted.")
                )

    def _withdraw(self, why):
        """relance's own cancel (paid, disputed, promised or paused since it was planned): no
        person is named, so nothing is blocked and the step comes back if it falls due again."""
        for action in self:
            action.message_post(
                body=self.env._("Withdrawn: %s.", why), subtype_xmlid="mail.mt_note"
            )
        self.write({"state": "cancelled", "cancelled_by_id": False})

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
        delivery = {
            Channel.EMAIL: "sent",
            Channel.LETTER: "prepared",
        }.get(Channel(self.channel), "written")
        self.write({"state": "done", "done_on": day, "delivery": delivery})

    def _send_email(self):
        """The message relance wrote (or, when the step names one, the step's own Odoo
        template), through Odoo's mail queue, linked to this action."""
        if not self.partner_id.email:
            raise UserError(
                self.env._(
                    "%s has no e-mail address: add one to the customer, then approve again.",
                    self.partner_id.name,
                )
            )
        template = self.step_id.mail_template_id
        if template:
            self.mail_id = template.send_mail(self.id, force_send=False)
            return
        if not self.body_html:
            raise UserError(
                self.env._(
                    "There is no message to send: %s. Correct it, then plan again.",
                    self.error or self.env._("it was not written"),
                )
            )
        company = self.company_id
        self.mail_id = self.env["mail.mail"].create(
            {
                "subject": self.subject,
                "body_html": self.body_html,
                "email_from": company.email_formatted or self.env.user.email_formatted,
                "recipient_ids": [fields.Command.link(self.partner_id.id)],
                "model": self._name,
                "res_id": self.id,
                "auto_delete": False,
            }
        )

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
        if not self.letter_id:
            raise UserError(
                self.env._(
                    "The letter was not written: %s. Correct it, then plan again.",
                    self.error or self.env._("no reason given"),
                )
            )
        self.partner_id.message_post(
            body=self.env._("%s ready to print and post.", self.step_id.display_name or self.step),
            attachment_ids=self.letter_id.copy(
                {"res_model": "res.partner", "res_id": self.partner_id.id}
            ).ids,
            subtype_xmlid="mail.mt_note",
        )
        self.partner_id.activity_schedule(
            "account_relance.mail_activity_relance_letter",
            date_deadline=day,
            summary=self.env._(
                "Post the letter (%s), then record its posting on the action",
                self.step_id.display_name or self.step,
            ),
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
        """How far each item went, through the core's own bookkeeping (``..progress``)."""
        record_progress(self, day)
