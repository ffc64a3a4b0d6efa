# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RelancePaymentPlan(models.Model):
    _name = "relance.payment.plan"
    _description = "Payment plan (échéancier)"
    _inherit = ["mail.thread"]
    _order = "agreed_on desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, tracking=True
    )
    agreed_on = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    cancelled_on = fields.Date(tracking=True)
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        required=True,
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted')]",
    )
    line_ids = fields.One2many("relance.payment.plan.line", "plan_id", string="Instalments")
    balance_at_plan = fields.Monetary(
        help="What the invoices still owed when the plan was agreed; payments since then are "
        "applied to the instalments in order."
    )
    amount_planned = fields.Monetary(compute="_compute_amount_planned")

    @api.depends("partner_id", "agreed_on")
    def _compute_name(self):
        for plan in self:
            plan.name = f"{plan.partner_id.name or ''} — {plan.agreed_on or ''}"

    @api.depends("line_ids.amount")
    def _compute_amount_planned(self):
        for plan in self:
            plan.amount_planned = sum(plan.line_ids.mapped("amount"))

    @api.constrains("line_ids", "move_ids")
    def _check_lines(self):
        for plan in self:
            if not plan.line_ids:
                raise ValidationError(self.env._("A payment plan needs at least one instalment."))
            if plan.move_ids.filtered(lambda m, p=plan: m.currency_id != p.currency_id):
                raise ValidationError(
                    self.env._("Every invoice of a plan is in the plan's currency (%s).")
                    % plan.currency_id.name
                )

    @api.constrains("move_ids", "cancelled_on")
    def _check_one_live_plan_per_invoice(self):
        """An invoice is in one live plan at most: two would claim its balance twice."""
        for plan in self.filtered(lambda p: not p.cancelled_on):
            other = self.search(
                [
                    ("id", "!=", plan.id),
                    ("move_ids", "in", plan.move_ids.ids),
                    ("cancelled_on", "=", False),
                ],
                limit=1,
            )
            if other:
                shared = (plan.move_ids & other.move_ids)[:1]
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s is already in the payment plan %(plan)s: cancel "
                        "that plan first, or add the instalments to it.",
                        invoice=shared.name,
                        plan=other.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        for plan in plans.filtered(lambda p: not p.balance_at_plan):
            plan.balance_at_plan = sum(plan.move_ids.mapped("amount_residual"))
        for plan in plans:
            plan.partner_id.commercial_partner_id.message_post(
                body=self.env._(
                    "Payment plan agreed on %(date)s: %(count)s instalment(s).",
                    date=plan.agreed_on,
                    count=len(plan.line_ids),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return plans

    def action_cancel(self):
        self.write({"cancelled_on": fields.Date.context_today(self)})
