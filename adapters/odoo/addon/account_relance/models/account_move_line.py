# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    """An invoice's receivable line is one instalment of its payment terms: when the terms
    split the invoice (30 % now, the balance at 60 days), dunning goes instalment by
    instalment and each one keeps how far it went."""

    _inherit = "account.move.line"

    relance_step = fields.Char(string="Dunning step", readonly=True, copy=False)
    relance_reminder_count = fields.Integer(string="Reminders sent", readonly=True, copy=False)
    relance_last_date = fields.Date(string="Last reminder", readonly=True, copy=False)
