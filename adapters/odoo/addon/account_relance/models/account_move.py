# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    relance_step = fields.Char(string="Dunning step", readonly=True, copy=False)
    relance_reminder_count = fields.Integer(string="Reminders sent", readonly=True, copy=False)
    relance_last_date = fields.Date(string="Last reminder", readonly=True, copy=False)
    relance_next_date = fields.Date(string="Next reminder", readonly=True, copy=False, index=True)
    relance_disputed = fields.Boolean(string="Disputed", copy=False, tracking=True)
    relance_dispute_date = fields.Date(string="Disputed since", copy=False)
    relance_dispute_reason = fields.Char(string="Dispute reason", copy=False)
    relance_promised_date = fields.Date(string="Promised date", compute="_compute_promised")

    def _compute_promised(self):
        Promise = self.env["relance.promise"]
        for move in self:
            promise = Promise.search(
                [
                    ("company_id", "=", move.company_id.id),
                    ("partner_id", "=", move.commercial_partner_id.id),
                    ("broken_on", "=", False),
                    "|",
                    ("move_ids", "=", False),
                    ("move_ids", "in", move.id),
                ],
                order="promised_on desc",
                limit=1,
            )
            move.relance_promised_date = promise.promised_on or False

    def action_relance_dispute(self):
        for move in self.filtered(lambda m: not m.relance_disputed):
            move.write(
                {
                    "relance_disputed": True,
                    "relance_dispute_date": fields.Date.context_today(move),
                }
            )
            move.message_post(
                body=self.env._("Dispute opened: dunning of this invoice is on hold."),
                subtype_xmlid="mail.mt_note",
            )

    def action_relance_resolve_dispute(self):
        for move in self.filtered("relance_disputed"):
            move.relance_disputed = False
            move.message_post(
                body=self.env._("Dispute resolved: dunning of this invoice resumes."),
                subtype_xmlid="mail.mt_note",
            )
