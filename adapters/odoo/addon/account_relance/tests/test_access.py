# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RelanceCase


@tagged("post_install", "-at_install")
class TestAccess(RelanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice(1000, date(2026, 1, 15), date(2026, 2, 1))
        cls.env["relance.action"]._run_cycle(companies=cls.env.company, as_of=date(2026, 3, 2))
        cls.action = cls.env["relance.action"].search([("partner_id", "=", cls.customer.id)])
        company = cls.env.company
        cls.viewer = new_test_user(
            cls.env,
            login="relance_viewer",
            groups="account_relance.group_relance_readonly",
            company_id=company.id,
        )
        cls.clerk = new_test_user(
            cls.env,
            login="relance_clerk",
            groups="account_relance.group_relance_user",
            company_id=company.id,
        )
        cls.boss = new_test_user(
            cls.env,
            login="relance_boss",
            groups="account_relance.group_relance_manager",
            company_id=company.id,
        )

    def test_read_only_sees_and_changes_nothing(self):
        action = self.action.with_user(self.viewer)
        self.assertEqual(action.step, "reminder_1")
        with self.assertRaises(AccessError):
            action.action_approve()
        with self.assertRaises(AccessError):
            self.policy.with_user(self.viewer).write({"max_reminders": 1})
        with self.assertRaises(AccessError):
            self.env["relance.promise"].with_user(self.viewer).create(
                {"partner_id": self.customer.id, "promised_on": date(2026, 3, 9), "amount": 10}
            )

    def test_a_user_approves_without_any_accounting_right(self):
        self.assertFalse(self.clerk.has_group("account.group_account_invoice"))
        self.action.with_user(self.clerk).action_approve()
        self.assertEqual(self.action.state, "done")
        self.assertEqual(self.action.approved_by_id, self.clerk)
        with self.assertRaises(AccessError):
            self.policy.with_user(self.clerk).write({"max_reminders": 1})

    def test_a_user_cancels_and_releases_a_viewer_does_neither(self):
        with self.assertRaises(AccessError):
            self.action.with_user(self.viewer).action_cancel()
        self.action.with_user(self.clerk).action_cancel()
        self.assertEqual(self.action.state, "cancelled")
        self.assertEqual(self.action.cancelled_by_id, self.clerk)
        with self.assertRaises(AccessError):
            self.action.with_user(self.viewer).action_release()
        self.action.with_user(self.clerk).action_release()
        self.assertEqual(self.action.released_by_id, self.clerk)

    def test_a_manager_edits_policies(self):
        self.policy.with_user(self.boss).write({"max_reminders": 1})
        self.assertEqual(self.policy.max_reminders, 1)

    def test_another_company_s_dunning_is_invisible(self):
        other = self.setup_other_company(name="Filiale SAS")["company"]
        self.invoice(800, date(2026, 1, 10), date(2026, 1, 31), company=other)
        self.env["relance.action"]._run_cycle(companies=other, as_of=date(2026, 3, 2))
        theirs = self.env["relance.action"].search([("company_id", "=", other.id)])
        self.assertTrue(theirs)
        seen = self.env["relance.action"].with_user(self.clerk).search([])
        self.assertNotIn(theirs, seen)
        self.assertIn(self.action, seen)
        with self.assertRaises(AccessError):
            theirs.with_user(self.clerk).read(["step"])
