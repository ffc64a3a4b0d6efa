# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup
from odoo import api, fields, models

from .relance_rates import PARAMETER


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

    # the legal rate tables (see relance_rates.py): what they cover, and the French legal
    # rate's source at the Banque de France (Webstat answers with a free API key only)
    relance_rates_coverage = fields.Html(compute="_compute_relance_rates_coverage")
    relance_webstat_api_key = fields.Char(
        string="Webstat API key", config_parameter=PARAMETER + "webstat_api_key"
    )
    relance_fr_legal_series_a = fields.Char(
        string="Series: private creditors", config_parameter=PARAMETER + "fr_legal_series_a"
    )
    relance_fr_legal_series_b = fields.Char(
        string="Series: every other case", config_parameter=PARAMETER + "fr_legal_series_b"
    )

    @api.depends("company_id")
    def _compute_relance_rates_coverage(self):
        Rates = self.env["relance.rates"]
        policies = self.env["relance.policy"].search([])
        lines = Rates._coverage_lines([j for j in policies.mapped("jurisdiction") if j])
        html = _list(lines)
        last = Rates._last_update()
        if last:
            at = fields.Datetime.context_timestamp(self, fields.Datetime.from_string(last["at"]))
            html += Markup("<p>%s</p>") % self.env._(
                "Last update: %(at)s", at=at.strftime("%Y-%m-%d %H:%M")
            )
            html += _list(
                [(f"{o['table']}: {o['message']}", o["ok"]) for o in last.get("outcomes", [])]
            )
        for settings in self:
            settings.relance_rates_coverage = html

    def action_relance_update_rates(self):
        """Fetch the official series now; the settings then show what came of each."""
        report = self.env["relance.rates"]._update()
        ok = all(o.ok for o in report.outcomes)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Legal rate tables"),
                "message": self.env._("Updated: see what came of each source below.")
                if ok
                else self.env._("Not every source answered: see below what came of each."),
                "type": "success" if ok else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


def _list(lines):
    """``(sentence, fine)`` pairs as a list, the ones that need someone's attention marked."""
    items = Markup("").join(
        Markup('<li class="%s">%s</li>') % ("" if fine else "text-warning fw-bold", text)
        for text, fine in lines
    )
    return Markup("<ul>%s</ul>") % items
