# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from connector.model import Channel, StepKind

STEP_KINDS = {
    StepKind.COURTESY: "Courtesy reminder (before the due date)",
    StepKind.REMINDER: "Reminder",
    StepKind.CALL: "Phone call",
    StepKind.NOTICE: "Formal notice",
    StepKind.ESCALATION: "Escalation",
}
CHANNELS = {
    Channel.EMAIL: "E-mail",
    Channel.LETTER: "Letter",
    Channel.PHONE_TASK: "Phone call task",
    Channel.SMS: "SMS",
}


def fallback_channels(text):
    """``"letter, phone_task"`` -> ``["letter", "phone_task"]`` (the core checks the names)."""
    return [part.strip().lower() for part in (text or "").split(",") if part.strip()]


class RelancePolicyStep(models.Model):
    _name = "relance.policy.step"
    _description = "Dunning policy step"
    _order = "policy_id, offset_days, id"

    policy_id = fields.Many2one("relance.policy", required=True, ondelete="cascade", index=True)
    name = fields.Char(
        required=True, help="A short code: lower case letters, digits and underscores."
    )
    label = fields.Char(translate=True)
    kind = fields.Selection([(k.value, label) for k, label in STEP_KINDS.items()], required=True)
    offset_days = fields.Integer(
        required=True, help="Days from the due date; negative only for the courtesy step."
    )
    channel = fields.Selection([(c.value, label) for c, label in CHANNELS.items()], required=True)
    template = fields.Char(required=True, default="reminder_1")
    mail_template_id = fields.Many2one(
        "mail.template",
        domain=[("model", "=", "relance.action")],
        help="Leave empty to send relance's own wording (French or English, the customer's "
        "language, checked against its house style). An Odoo e-mail template of the dunning "
        "action model chosen here replaces it.",
    )
    currency_id = fields.Many2one(related="policy_id.currency_id")
    min_open_amount = fields.Monetary(
        help="The step is skipped when the customer owes less than this."
    )
    min_gap_days = fields.Integer(help="At least this many days since the previous action.")
    fallback = fields.Char(
        help="Channels tried in order when the step's own cannot reach the customer (no e-mail "
        "address, no postal address, no phone number), comma separated: letter, phone_task, "
        "email. Without one, a customer the step cannot reach is shown as blocked.",
    )
    deadline_days = fields.Integer(
        help="The deadline the message gives to pay, in days from its receipt: the next step "
        "waits until it has passed. 0: none (a formal notice's is the policy's).",
    )

    _name_per_policy = models.Constraint(
        "UNIQUE(policy_id, name)", "Step codes are unique within a policy."
    )

    @api.constrains(
        "name",
        "kind",
        "offset_days",
        "channel",
        "template",
        "min_open_amount",
        "min_gap_days",
        "fallback",
        "deadline_days",
    )
    def _check_with_core(self):
        self.policy_id._check_with_core()

    def _core_mapping(self):
        self.ensure_one()
        return {
            "name": self.name,
            "kind": self.kind,
            "offset_days": self.offset_days,
            "channel": self.channel,
            "template": self.template,
            "min_open_amount": str(self.min_open_amount),
            "min_gap_days": self.min_gap_days,
            "fallback": fallback_channels(self.fallback),
            "deadline_days": self.deadline_days or None,
        }

    def _compute_display_name(self):
        for step in self:
            step.display_name = step.label or step.name
