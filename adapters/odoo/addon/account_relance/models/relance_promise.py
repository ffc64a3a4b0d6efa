# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class RelancePromise(models.Model):
    _name = "relance.promise"
    _description = "Promise to pay"
    _inherit = ["mail.thread"]
    _order = "promised_on desc, id desc"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        tracking=True,
    )
    promised_on = fields.Date(string="Promised date", required=True, tracking=True)
    recorded_on = fields.Date(required=True, default=fields.Date.context_today)
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    amount = fields.Monetary(required=True, tracking=True)
    balance_at_promise = fields.Monetary(
        help="What the customer owed on the promised invoices when the promise was made: "
        "the promise is kept once that balance has fallen by the amount.",
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'),"
        " ('state', '=', 'posted'), ('payment_state', 'in', ('not_paid', 'partial'))]",
        help="Leave empty when the promise covers every open invoice.",
    )
    broken_on = fields.Date(readonly=True, help="When relance acted on the broken promise.")
    note = fields.Text()

    _positive_amount = models.Constraint("CHECK(amount > 0)", "A promise is for a positive amount.")

    def _covered_moves(self):
        self.ensure_one()
        if self.move_ids:
            return self.move_ids
        return self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("currency_id", "=", self.currency_id.id),
            ]
        )

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        for promise in promises.filtered(lambda p: not p.balance_at_promise):
            promise.balance_at_promise = sum(promise._covered_moves().mapped("amount_residual"))
        for promise in promises:
            promise.partner_id.commercial_partner_id.message_post(
                body=self.env._(
                    "Promise to pay %(amount)s by %(date)s recorded.",
                    amount=promise.amount,
                    date=promise.promised_on,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return promises

    def _compute_display_name(self):
        for promise in self:
            promise.display_name = f"{promise.partner_id.name} — {promise.promised_on}"
