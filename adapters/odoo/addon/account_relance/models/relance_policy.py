# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A dunning policy: settings and steps kept as records, checked and run by relance's core."""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from connector.errors import ConfigError
from connector.legal.claim import JURISDICTIONS
from connector.model import StepKind
from connector.policy import (
    DayBasis,
    NoticeCoverage,
    Policy,
    Weekday,
    default_policy,
    policy_from_mapping,
)

NOTICE_COVERAGE = [
    (
        NoticeCoverage.REMINDED_OR_OVERDUE.value,
        "Invoices reminded at least once, or overdue long enough",
    ),
    (NoticeCoverage.REMINDED.value, "Only invoices reminded at least once"),
    (NoticeCoverage.ALL_OVERDUE.value, "Every overdue invoice, however recent"),
]
# the default policy's steps, named for people (the code stays the planner's)
STEP_LABELS = {
    "courtesy": ("Courtesy reminder", "Relance préventive"),
    "reminder_1": ("First reminder", "Première relance"),
    "phone_call": ("Phone call", "Relance téléphonique"),
    "reminder_2": ("Second reminder", "Seconde relance"),
    "formal_notice": ("Formal notice", "Mise en demeure"),
    "escalation": ("Escalation", "Recouvrement contentieux"),
}
WEEKDAYS = [(day.value, day.value.capitalize()) for day in Weekday]


class RelancePolicy(models.Model):
    _name = "relance.policy"
    _description = "Dunning policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the policy between companies."
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: (
            self.env.ref("base.EUR", raise_if_not_found=False) or self.env.company.currency_id
        ),
        help="The currency of the thresholds below.",
    )
    day_basis = fields.Selection(
        [(DayBasis.CALENDAR.value, "Calendar days"), (DayBasis.BUSINESS.value, "Business days")],
        default=DayBasis.CALENDAR.value,
        required=True,
        help="How step offsets are counted from the due date.",
    )
    max_reminders = fields.Integer(default=2, help="Reminders before the formal notice.")
    small_amount = fields.Monetary(
        default=150, help="Below this open amount, fewer reminders before the notice."
    )
    max_reminders_small = fields.Integer(default=1)
    promise_grace_days = fields.Integer(
        default=2, help="Nothing is sent until a promised date plus these days."
    )
    notice_deadline_days = fields.Integer(
        default=8, help="The deadline to pay stated in the formal notice."
    )
    notice_covers = fields.Selection(
        NOTICE_COVERAGE,
        default=NoticeCoverage.REMINDED_OR_OVERDUE.value,
        required=True,
        help="Which overdue invoices the formal notice lists; the others stay in the ordinary "
        "schedule and get their own reminders first.",
    )
    notice_min_days_overdue = fields.Integer(
        help="Days late from which an invoice never reminded is in the notice anyway. "
        "0: when the notice step would fall due for it on its own.",
    )
    letter_delivery_days = fields.Integer(
        default=3,
        help="Until its receipt is recorded, a letter counts as received this many days "
        "after its posting (the notice's deadline runs from receipt).",
    )
    send_days = fields.Char(
        default="mon,tue,wed,thu,fri",
        required=True,
        help="Days reminders may go out, comma separated: mon, tue, wed, thu, fri, sat, sun.",
    )
    skip_public_holidays = fields.Boolean(default=True)
    jurisdiction = fields.Selection(
        [(code, code) for code in JURISDICTIONS],
        default="FR",
        required=True,
        help="The law that sets the recovery indemnity and the late-payment interest.",
    )
    auto_approve = fields.Boolean(
        help="Send planned actions without waiting for someone to approve them."
    )
    call_user_id = fields.Many2one(
        "res.users",
        string="Calls assigned to",
        help="Who gets phone-call activities when the customer has no salesperson.",
    )
    step_ids = fields.One2many("relance.policy.step", "policy_id", copy=True)

    # --- to and from the core ----------------------------------------------------------------
    def _core_mapping(self):
        self.ensure_one()
        return {
            "policy": {
                "name": self.name,
                "currency": self.currency_id.name,
                "day_basis": self.day_basis,
                "max_reminders": self.max_reminders,
                "small_amount": str(self.small_amount),
                "max_reminders_small": self.max_reminders_small,
                "promise_grace_days": self.promise_grace_days,
                "notice_deadline_days": self.notice_deadline_days,
                "notice_covers": self.notice_covers,
                "letter_delivery_days": self.letter_delivery_days,
                **(
                    {"notice_min_days_overdue": self.notice_min_days_overdue}
                    if self.notice_min_days_overdue
                    else {}
                ),
            },
            "send_window": {
                "days": [d.strip().lower() for d in (self.send_days or "").split(",") if d.strip()],
                "skip_public_holidays": self.skip_public_holidays,
            },
            "steps": [step._core_mapping() for step in self.step_ids.sorted("offset_days")],
        }

    def _to_core(self) -> Policy:
        """The policy as relance's planner reads it; a refused one says what to change."""
        self.ensure_one()
        try:
            return policy_from_mapping(self._core_mapping(), origin=f"policy {self.name!r}")
        except ConfigError as exc:
            raise ValidationError(str(exc)) from None

    @api.constrains(
        "day_basis",
        "max_reminders",
        "small_amount",
        "max_reminders_small",
        "promise_grace_days",
        "notice_deadline_days",
        "notice_covers",
        "notice_min_days_overdue",
        "letter_delivery_days",
        "send_days",
        "step_ids",
    )
    def _check_with_core(self):
        for policy in self:
            if policy.step_ids:
                policy._to_core()

    @api.model
    def _load_core_default(self, policy_ids):
        """Fill a policy with relance's French default (settings and steps) from the core."""
        core = default_policy()
        for policy in self.browse(policy_ids):
            if policy.step_ids:
                continue  # already configured: an update never overwrites a user's policy
            policy.write(
                {
                    "day_basis": core.day_basis.value,
                    "max_reminders": core.max_reminders,
                    "small_amount": float(core.small_amount),
                    "max_reminders_small": core.max_reminders_small,
                    "promise_grace_days": core.promise_grace_days,
                    "notice_deadline_days": core.notice_deadline_days,
                    "notice_covers": core.notice_covers.value,
                    "notice_min_days_overdue": core.notice_min_days_overdue or 0,
                    "letter_delivery_days": core.letter_delivery_days,
                    "send_days": ",".join(d.value for d in core.send_window.days),
                    "skip_public_holidays": core.send_window.skip_public_holidays,
                    "step_ids": [
                        fields.Command.create(
                            {
                                "name": step.name,
                                "label": STEP_LABELS.get(step.name, (step.name,))[0],
                                "kind": step.kind.value,
                                "offset_days": step.offset_days,
                                "channel": step.channel.value,
                                "template": step.template,
                                "min_open_amount": float(step.min_open_amount),
                                "min_gap_days": step.min_gap_days,
                                "fallback": ",".join(c.value for c in step.fallback),
                                "deadline_days": step.deadline_days or 0,
                            }
                        )
                        for step in core.steps
                    ],
                }
            )
            policy._label_steps_in_french()
        return True

    def _label_steps_in_french(self):
        """The default steps' labels in French, when the database has French; a label a
        person changed (its French is not the English default's) is kept."""
        if not self.env["res.lang"]._lang_get("fr_FR"):
            return
        for step in self.step_ids.with_context(lang="fr_FR"):
            english, french = STEP_LABELS.get(step.name, (None, None))
            if french and step.label in (english, False, ""):
                step.label = french

    @api.model
    def _load_reminders_only(self, policy_ids):
        """Fill a policy with the French default's steps up to the second reminder: a
        courtesy reminder, two reminders and a call, no formal notice and no escalation (a
        notice's wording cites the law of a country; this policy cites none)."""
        core = default_policy()
        kept = [
            s for s in core.steps if s.kind in (StepKind.COURTESY, StepKind.REMINDER, StepKind.CALL)
        ]
        for policy in self.browse(policy_ids):
            if policy.step_ids:
                continue
            policy.write(
                {
                    "day_basis": core.day_basis.value,
                    "max_reminders": core.max_reminders,
                    "max_reminders_small": core.max_reminders_small,
                    "small_amount": 0.0,
                    "promise_grace_days": core.promise_grace_days,
                    "skip_public_holidays": core.send_window.skip_public_holidays,
                    "step_ids": [
                        fields.Command.create(
                            {
                                "name": step.name,
                                "label": STEP_LABELS.get(step.name, (step.name,))[0],
                                "kind": step.kind.value,
                                "offset_days": step.offset_days,
                                "channel": step.channel.value,
                                "template": step.template,
                                "min_gap_days": step.min_gap_days,
                                "fallback": ",".join(c.value for c in step.fallback),
                                "deadline_days": step.deadline_days or 0,
                            }
                        )
                        for step in kept
                    ],
                }
            )
            policy._label_steps_in_french()
        return True

    def _step(self, name):
        self.ensure_one()
        step = self.step_ids.filtered(lambda s: s.name == name)[:1]
        if not step:
            raise ValidationError(
                _(
                    "The policy %(policy)s has no step %(step)s; its steps are %(steps)s.",
                    policy=self.name,
                    step=name,
                    steps=", ".join(self.step_ids.mapped("name")),
                )
            )
        return step
