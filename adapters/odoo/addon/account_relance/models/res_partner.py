# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    relance_policy_id = fields.Many2one(
        "relance.policy",
        string="Dunning policy",
        company_dependent=True,
        help="Leave empty to follow the company's default policy.",
    )
    relance_paused = fields.Boolean(string="Dunning paused", tracking=True)
    relance_pause_since = fields.Date(string="Paused since")
    relance_pause_until = fields.Date(
        string="Paused until", help="Empty: until someone resumes dunning."
    )
    relance_pause_reason = fields.Char(string="Pause reason")
    relance_blocked = fields.Text(
        string="Dunning blocked",
        company_dependent=True,
        readonly=True,
        help="A step is due but does not go out (no e-mail or postal address, a letter "
        "waiting to be posted, a step a person cancelled…): what stops it, written by the last "
        "cycle. Give the customer what is missing, record the letter's posting, or release the "
        "cancelled action, and the schedule goes on.",
    )
    relance_step = fields.Char(string="Dunning step", compute="_compute_relance")
    relance_last_date = fields.Date(string="Last reminder", compute="_compute_relance")
    relance_next_date = fields.Date(string="Next reminder", compute="_compute_relance")
    relance_promised_date = fields.Date(string="Promised date", compute="_compute_relance")
    relance_action_count = fields.Integer(compute="_compute_relance")

    @api.depends_context("company")
    def _compute_relance(self):
        company = self.env.company
        Move = self.env["account.move"]
        Promise = self.env["relance.promise"]
        Action = self.env["relance.action"]
        for partner in self:
            commercial = partner.commercial_partner_id
            moves = Move.search(
                [
                    ("company_id", "=", company.id),
                    ("commercial_partner_id", "=", commercial.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
            reached = moves.filtered("relance_last_date").sorted("relance_last_date")
            partner.relance_step = reached[-1:].relance_step or False
            partner.relance_last_date = reached[-1:].relance_last_date or False
            upcoming = moves.filtered("relance_next_date").mapped("relance_next_date")
            partner.relance_next_date = min(upcoming) if upcoming else False
            promise = Promise.search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", commercial.id),
                    ("broken_on", "=", False),
                ],
                order="promised_on desc",
                limit=1,
            )
            partner.relance_promised_date = promise.promised_on or False
            partner.relance_action_count = Action.search_count(
                [("company_id", "=", company.id), ("partner_id", "=", commercial.id)]
            )

    @api.onchange("relance_paused")
    def _onchange_relance_paused(self):
        if self.relance_paused and not self.relance_pause_since:
            self.relance_pause_since = fields.Date.context_today(self)

    def action_relance_pause(self):
        self.write({"relance_paused": True, "relance_pause_since": fields.Date.context_today(self)})

    def action_relance_resume(self):
        self.write({"relance_paused": False, "relance_pause_until": False})

    def action_view_relance_actions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_relance.relance_action_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
