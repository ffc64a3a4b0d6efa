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
