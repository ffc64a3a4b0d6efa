# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class RelancePaymentPlanLine(models.Model):
    _name = "relance.payment.plan.line"
    _description = "Payment plan instalment"
    _order = "plan_id, due_on, id"

    plan_id = fields.Many2one("relance.payment.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    due_on = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    # how far dunning went on this instalment (written by the cycle)
    relance_step = fields.Char(string="Dunning step", readonly=True)
    relance_reminder_count = fields.Integer(readonly=True)
    relance_last_date = fields.Date(readonly=True)
