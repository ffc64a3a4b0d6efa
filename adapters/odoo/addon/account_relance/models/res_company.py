# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError

# France and the overseas territories and Monaco whose ISO codes Odoo gives them, where the
# Code de commerce's late-payment rules apply
FRENCH_LAW = {"FR", "GP", "MQ", "GF", "RE", "YT", "MC", "BL", "MF", "PM"}


class ResCompany(models.Model):
    _inherit = "res.company"

    relance_policy_id = fields.Many2one(
        "relance.policy",
        string="Default dunning policy",
        help="Customers without a policy of their own follow this one. Empty: the French "
        "default for a company in France, reminders only (no formal notice, no legal wording) "
        "elsewhere.",
    )
    # what a French business letter prints and Odoo does not hold (Code de commerce R123-237)
    relance_legal_form = fields.Char(string="Legal form", help="SAS, SARL, SA, Ltd …")
    relance_share_capital = fields.Monetary(
        string="Share capital", help="Printed on letters: « SAS au capital de 10 000 € »."
    )
    relance_rcs_city = fields.Char(
        string="RCS city", help="The city of the trade registry: « RCS Lyon 512 345 678 »."
    )
    relance_signatory = fields.Char(
        string="Signatory", help="The person who signs reminders and the formal notice."
    )
    relance_signatory_title = fields.Char(
        string="Signatory's title", help="« Responsable de la comptabilité clients »"
    )

    def _relance_policy(self):
        self.ensure_one()
        default = (
            "policy_fr_default" if self.country_id.code in FRENCH_LAW else "policy_reminders_only"
        )
        policy = self.relance_policy_id or self.env.ref(
            f"account_relance.{default}", raise_if_not_found=False
        )
        if not policy:
            raise UserError(
                self.env._(
                    "%s has no dunning policy: choose one in Settings > Invoicing > Dunning.",
                    self.name,
                )
            )
        return policy
