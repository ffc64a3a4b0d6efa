# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class RelanceActionLine(models.Model):
    _name = "relance.action.line"
    _description = "Invoice listed in a dunning action"
    _order = "action_id, sequence, id"

    action_id = fields.Many2one("relance.action", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="action_id.company_id", store=True)
    sequence = fields.Integer()
    line_type = fields.Selection(
        [
            ("overdue", "Claimed"),  # what the message asks to pay (a courtesy: soon due)
            ("upcoming", "Not yet due"),
            ("credit", "Credit or unapplied payment"),
        ],
        required=True,
        default="overdue",
    )
    item_key = fields.Char(required=True, help="The item's key in relance's planner.")
    move_id = fields.Many2one("account.move", string="Invoice", index=True, ondelete="cascade")
    plan_line_id = fields.Many2one("relance.payment.plan.line", ondelete="cascade")
    term_line_id = fields.Many2one(
        "account.move.line",
        string="Instalment",
        ondelete="cascade",
        help="The invoice's receivable line this instalment of its payment terms is.",
    )
    number = fields.Char(required=True)
    part = fields.Integer(help="Which instalment of the invoice or the plan (from 1).")
    parts = fields.Integer(help="Of how many instalments; 0 for a whole invoice.")
    issued_on = fields.Date()
    due_on = fields.Date()
    days_late = fields.Integer()
    currency_id = fields.Many2one("res.currency", required=True)
    amount_total = fields.Monetary(string="Total")
    amount_open = fields.Monetary(string="Still due")
    indemnity_currency_id = fields.Many2one(
        "res.currency", help="The law fixes the indemnity in its own currency (EUR 40 in France)."
    )
    indemnity = fields.Monetary(
        string="Recovery indemnity",
        currency_field="indemnity_currency_id",
        help="The fixed recovery indemnity the law allows.",
    )
    interest = fields.Monetary(
        string="Late-payment interest",
        help="Left at zero and not printed when the action's interest has no figure.",
    )
