# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

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


@tagged("post_install", "-at_install")
class TestCountryDefault(RelanceCase):
    """A company outside France follows the reminders-only policy: no formal notice, and no
    French article in what its customers read."""

    def test_a_us_company_sends_reminders_without_french_law(self):
        # the generic chart of accounts, then the country: Odoo's test helper would otherwise
        # want the US localisation installed, which a community test database does not have
        company = self.setup_other_company(name="Lumen Inc")["company"]
        company.country_id = self.env.ref("base.us")
        self.assertEqual(
            company._relance_policy(), self.env.ref("account_relance.policy_reminders_only")
        )
        self.assertEqual(self.env.company._relance_policy(), self.policy, "France: French default")
        client = self.env["res.partner"].create(
            {
                "name": "Acme Corp",
                "is_company": True,
                "email": "ap@acme.example",
                "lang": "en_US",
                "street": "1 Main St",
                "city": "Boston",
                "country_id": self.env.ref("base.us").id,
            }
        )
        self.invoice(1000, date(2026, 1, 15), date(2026, 2, 1), partner=client, company=company)
        self.env.ref("account_relance.policy_reminders_only").auto_approve = True
        for day in (2, 9, 16, 23):  # every step it has, one per week, then months on
            self.run_cycle(as_of=date(2026, 2, day), company=company)
        first = self.actions(partner=client)[:1]
        self.assertEqual((first.step, first.planned_on), ("reminder_1", date(2026, 2, 2)))
        self.assertNotIn("L441-10", first.body_text)
        self.assertNotIn("Commercial Code", first.body_text)
        for month in (3, 4, 6):
            self.run_cycle(as_of=date(2026, month, 2), company=company)
        steps = self.actions(partner=client, state="done").mapped("step")
        self.assertIn("reminder_2", steps)
        self.assertFalse({"formal_notice", "escalation"} & set(steps), steps)
