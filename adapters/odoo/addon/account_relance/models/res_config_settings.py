# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    relance_policy_id = fields.Many2one(
        related="company_id.relance_policy_id", readonly=False, string="Default dunning policy"
    )
    relance_auto_approve = fields.Boolean(
        related="company_id.relance_policy_id.auto_approve", readonly=False
    )
    relance_legal_form = fields.Char(related="company_id.relance_legal_form", readonly=False)
    relance_share_capital = fields.Monetary(
        related="company_id.relance_share_capital", readonly=False
    )
    relance_rcs_city = fields.Char(related="company_id.relance_rcs_city", readonly=False)
    relance_signatory = fields.Char(related="company_id.relance_signatory", readonly=False)
    relance_signatory_title = fields.Char(
        related="company_id.relance_signatory_title", readonly=False
    )
