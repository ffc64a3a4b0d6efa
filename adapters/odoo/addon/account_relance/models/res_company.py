# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_policy_id = fields.Many2one(
        "relance.policy",
        string="Default dunning policy",
        help="Customers without a policy of their own follow this one.",
    )

    def _relance_policy(self):
        self.ensure_one()
        policy = self.relance_policy_id or self.env.ref(
            "account_relance.policy_fr_default", raise_if_not_found=False
        )
        if not policy:
            raise UserError(
                self.env._(
                    "%s has no dunning policy: choose one in Settings > Invoicing > Dunning.",
                    self.name,
                )
            )
        return policy
