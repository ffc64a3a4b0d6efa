# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RelanceCase


@tagged("post_install", "-at_install")
class TestPolicy(RelanceCase):
    def test_the_french_default_comes_from_the_core(self):
        from connector.policy import default_policy

        core = default_policy()
        steps = self.policy.step_ids.sorted("offset_days")
        self.assertEqual(steps.mapped("name"), [s.name for s in core.steps])
        self.assertEqual(self.policy._to_core().steps, core.steps)
        self.assertEqual(self.policy.max_reminders, 2)

    def test_the_core_refuses_a_policy_it_cannot_run(self):
        reminder = self.policy.step_ids.filtered(lambda s: s.name == "reminder_2")
        with self.assertRaisesRegex(ValidationError, "reminders come before the formal notice"):
            reminder.offset_days = 45

    def test_a_customer_policy_overrides_the_company_default(self):
        strict = self.policy.copy({"name": "Strict"})
        strict.step_ids.filtered(lambda s: s.name == "reminder_1").offset_days = 0
        strict.step_ids.filtered(lambda s: s.name == "courtesy").unlink()
        self.customer.relance_policy_id = strict
        self.invoice(300, "2026-02-01", "2026-03-01")
        self.run_cycle()
        self.assertEqual(self.actions().policy_id, strict)
