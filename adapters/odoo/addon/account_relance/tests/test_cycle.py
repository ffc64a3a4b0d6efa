# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo import fields
from odoo.tests import tagged

from .common import AS_OF, RelanceCase


@tagged("post_install", "-at_install")
class TestCycle(RelanceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late = cls.invoice(1000, date(2026, 1, 15), date(2026, 2, 1))
        cls.soon = cls.invoice(500, date(2026, 2, 20), date(2026, 3, 5))

    def test_cycle_plans_one_action_per_customer_and_waits_for_approval(self):
        counts = self.run_cycle()
        action = self.actions()
        self.assertEqual(len(action), 1)
        self.assertEqual(counts["planned"], 1)
        self.assertEqual(action.state, "proposed")
        self.assertEqual(action.step, "reminder_1")
        self.assertEqual(action.channel, "email")
        self.assertEqual(action.planned_on, AS_OF)
        overdue = action.line_ids.filtered(lambda ln: ln.line_type == "overdue")
        upcoming = action.line_ids.filtered(lambda ln: ln.line_type == "upcoming")
        self.assertEqual(overdue.move_id, self.late)
        self.assertEqual(overdue.days_late, 29)
        self.assertEqual(upcoming.move_id, self.soon, "the courtesy mention rides along")
        self.assertEqual(action.amount_due, 1000)
        self.assertFalse(action.mail_id, "nothing is sent before approval")
        self.assertEqual(self.late.relance_next_date, AS_OF)

    def test_the_same_day_twice_plans_nothing_new(self):
        self.run_cycle()
        counts = self.run_cycle()
        self.assertEqual(counts["planned"], 0)
        self.assertEqual(len(self.actions()), 1)

    def test_approval_sends_through_the_mail_queue_and_leaves_the_trail(self):
        self.run_cycle()
        action = self.actions()
        action.action_approve()
        self.assertEqual(action.state, "done")
        self.assertEqual(action.done_on, fields.Date.context_today(action))
        self.assertTrue(action.mail_id)
        self.assertEqual(action.mail_id.recipient_ids, self.customer)
        self.assertIn(self.late.name, action.mail_id.body_html)
        self.assertEqual(self.late.relance_step, "reminder_1")
        self.assertEqual(self.late.relance_reminder_count, 1)
        self.assertEqual(self.soon.relance_step, "courtesy")
        self.assertEqual(self.soon.relance_reminder_count, 0)
        notes = self.notes_on(self.late)
        self.assertTrue(notes.filtered(lambda m: "relance" in m.body))
        self.assertFalse(notes.partner_ids, "a note notifies no one")
        self.assertTrue(self.notes_on(self.customer))

    def test_a_payment_withdraws_what_was_planned(self):
        self.run_cycle()
        action = self.actions()
        self.pay(self.late)
        self.assertIn(self.late.payment_state, ("paid", "in_payment"))
        action.action_approve()
        self.assertEqual(action.state, "cancelled")
        self.assertFalse(action.mail_id, "a customer who paid is never reminded")

    def test_a_payment_before_the_next_cycle_cancels_the_queue(self):
        self.run_cycle()
        action = self.actions()
        self.pay(self.late)
        counts = self.run_cycle()
        self.assertEqual(action.state, "cancelled")
        self.assertEqual(counts["withdrawn"], 1)

    def test_a_dispute_holds_the_invoice(self):
        self.late.action_relance_dispute()
        self.late.relance_dispute_date = date(2026, 2, 20)
        self.run_cycle()
        action = self.actions()
        self.assertEqual(action.step, "courtesy", "only the invoice not yet due is mentioned")
        self.assertNotIn(self.late, action.line_ids.move_id)

    def test_a_promise_holds_until_its_date(self):
        self.env["relance.promise"].create(
            {
                "partner_id": self.customer.id,
                "promised_on": date(2026, 3, 10),
                "recorded_on": date(2026, 2, 27),
                "amount": 1000,
            }
        )
        self.run_cycle()
        self.assertFalse(self.actions().filtered(lambda a: a.step == "reminder_1"))
        self.run_cycle(as_of=date(2026, 3, 13))  # promised date + 2 days of grace passed
        broken = self.actions().filtered(lambda a: a.reason == "promise to pay broken")
        self.assertTrue(broken)

    def test_a_paused_customer_gets_nothing(self):
        self.customer.write({"relance_paused": True, "relance_pause_since": date(2026, 3, 1)})
        self.run_cycle()
        self.assertFalse(self.actions())

    def test_the_whole_schedule_on_auto_approval(self):
        """Reminder, call, second reminder, formal notice, escalation: one step at a time."""
        self.policy.auto_approve = True
        self.soon.button_draft()
        self.soon.button_cancel()
        plan = [
            (date(2026, 2, 2), "reminder_1"),
            (date(2026, 2, 9), "phone_call"),
            (date(2026, 2, 16), "reminder_2"),
            (date(2026, 3, 3), "formal_notice"),
            (date(2026, 4, 2), "escalation"),
        ]
        for day, step in plan:
            self.run_cycle(as_of=day)
            done = self.actions(state="done")
            self.assertEqual(done[-1:].step, step, f"on {day}: {self.actions().mapped('state')}")
            self.assertEqual(done[-1:].done_on, day)
        self.assertEqual(self.late.relance_reminder_count, 2, "two reminders, then the notice")
        activities = self.customer.activity_ids
        call = self.env.ref("mail.mail_activity_data_call")
        self.assertIn(call, activities.activity_type_id)
        letter = self.env.ref("account_relance.mail_activity_relance_letter")
        self.assertIn(letter, activities.activity_type_id)

    def test_the_formal_notice_lists_the_indemnity_and_the_interest(self):
        self.late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2026, 3, 3))
        notice = self.actions(step="formal_notice")
        self.assertEqual(notice.state, "done", notice.error)
        line = notice.line_ids.filtered(lambda ln: ln.move_id == self.late)
        self.assertEqual(line.indemnity, 40)
        self.assertEqual(
            line.indemnity_currency_id.name, "EUR", "the law's 40 EUR, whatever the ledger"
        )
        self.assertGreater(line.interest, 0)
        self.assertEqual(notice.indemnity_total, 40)
        self.assertEqual(notice.notice_deadline, date(2026, 3, 11))
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "relance.action"), ("res_id", "=", notice.id)]
        )
        self.assertEqual(len(attachment), 1)
        content = attachment.raw.decode(errors="replace")
        self.assertIn(self.late.name, content)
        self.assertIn("Formal notice", content)

    def test_each_company_is_planned_on_its_own(self):
        other = self.setup_other_company(name="Filiale SAS")["company"]
        self.invoice(800, date(2026, 1, 10), date(2026, 1, 31), company=other)
        self.run_cycle(company=self.env.company | other)
        mine = self.actions(company_id=self.env.company.id)
        theirs = self.actions(company_id=other.id)
        self.assertEqual(len(mine), 1)
        self.assertEqual(len(theirs), 1)
        self.assertEqual(theirs.line_ids.move_id.company_id, other)
