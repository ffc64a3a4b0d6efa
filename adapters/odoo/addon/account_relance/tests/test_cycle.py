# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import ast
from datetime import date

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import AS_OF, RelanceCase, pdf_text


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

    def blocked(self):
        return self.customer.with_company(self.env.company).relance_blocked

    def only_the_late_invoice(self):
        self.soon.button_draft()
        self.soon.button_cancel()

    def test_a_step_a_person_cancelled_is_not_proposed_again(self):
        """A person's cancel is « not this one »: the next cycles plan the step no more for
        those invoices and say so on the customer, until someone releases it (they used to
        propose it again the next day, the person's decision undone)."""
        self.run_cycle()
        (action,) = self.actions()
        action.action_cancel()
        self.assertEqual((action.state, action.cancelled_by_id), ("cancelled", self.env.user))
        for day in (date(2026, 3, 3), date(2026, 3, 10)):
            counts = self.run_cycle(as_of=day)
            self.assertEqual(self.actions(step="reminder_1"), action, f"not again on {day}")
            self.assertEqual(action.state, "cancelled")
            self.assertEqual(counts["blocked"], 1)
            others = self.actions() - action
            # the customer's other invoice goes on meanwhile, on its own
            self.assertNotIn(self.late, others.line_ids.move_id, f"{day}: {others.mapped('step')}")
        self.assertIn(f"cancelled by {self.env.user.name}", self.blocked())
        self.assertIn("release it", self.blocked())
        listed = self.env.ref("account_relance.relance_blocked_partner_action")
        domain = ast.literal_eval(listed.domain)
        self.assertIn(self.customer, self.env["res.partner"].search(domain))

    def test_a_cancelled_step_is_not_sent_under_automatic_approval(self):
        """The worst of the old behaviour: a policy that approves by itself sent the very
        message a person had cancelled."""
        self.only_the_late_invoice()
        self.run_cycle()
        (action,) = self.actions()
        action.action_cancel()
        self.policy.auto_approve = True
        counts = self.run_cycle(as_of=date(2026, 3, 3))
        self.assertEqual(self.actions(), action)
        self.assertEqual(action.state, "cancelled")
        self.assertFalse(action.approved_by_id)
        self.assertEqual((counts["planned"], counts["done"]), (0, 0))
        self.assertFalse(action.mail_id)
        mails = self.env["mail.mail"].search(
            [("model", "=", "relance.action"), ("res_id", "=", action.id)]
        )
        self.assertFalse(mails, "no e-mail queued for the customer")
        self.assertIn("cancelled by", self.blocked())

    def test_a_released_step_is_planned_again_for_approval(self):
        """« Release: send it after all »: the next cycle plans the step again on the same
        record, with that day's figures, and it waits for a person even under automatic
        approval (its message is written then, and no one has read it)."""
        self.only_the_late_invoice()
        self.run_cycle()
        (action,) = self.actions()
        lines = len(action.line_ids)
        action.action_cancel()
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2026, 3, 3))
        action.action_release()
        self.assertFalse(action.cancelled_by_id, "no longer blocks")
        self.assertEqual(action.released_by_id, self.env.user)
        note = self.notes_on(action).filtered(lambda m: "Released by" in m.body)
        self.assertIn(self.env.user.name, note.body, "the chatter says who released it")
        counts = self.run_cycle(as_of=date(2026, 3, 4))
        self.assertEqual(self.actions(), action, "the same record, no second one")
        self.assertEqual((action.state, action.planned_on), ("proposed", date(2026, 3, 4)))
        self.assertEqual(len(action.line_ids), lines, "its lines renewed, not added to")
        overdue = action.line_ids.filtered(lambda ln: ln.line_type == "overdue")
        self.assertEqual(overdue.days_late, 31, "that day's figures")
        self.assertEqual(counts["done"], 0)
        self.assertFalse(action.mail_id)
        self.assertFalse(self.blocked())
        action.action_approve()
        self.assertEqual(action.state, "done")
        self.assertTrue(action.mail_id)

    def test_only_a_person_s_cancel_is_released(self):
        self.run_cycle()
        (action,) = self.actions()
        with self.assertRaises(UserError):
            action.action_release()
        self.pay(self.late)
        self.run_cycle(as_of=date(2026, 3, 3))
        self.assertEqual(action.state, "cancelled")
        with self.assertRaises(UserError):
            action.action_release()

    def test_an_action_relance_withdrew_blocks_nothing(self):
        """Withdrawn by relance (here: the customer paused since it was planned), no person
        decided against the step: it comes back by itself once due again."""
        self.run_cycle()
        (action,) = self.actions()
        self.customer.write({"relance_paused": True, "relance_pause_since": date(2026, 3, 2)})
        counts = self.run_cycle(as_of=date(2026, 3, 3))
        self.assertEqual((action.state, counts["withdrawn"]), ("cancelled", 1))
        self.assertFalse(action.cancelled_by_id)
        self.assertFalse(self.blocked())
        self.customer.relance_paused = False
        counts = self.run_cycle(as_of=date(2026, 3, 4))
        self.assertEqual(self.actions(), action, "the same record, reopened")
        self.assertEqual((action.state, action.planned_on), ("proposed", date(2026, 3, 4)))
        self.assertEqual(counts["blocked"], 0)
        self.assertFalse(self.blocked())

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
        self.assertFalse(action.cancelled_by_id, "withdrawn by relance, not by a person")

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
            if step == "escalation":
                # the notice is printed, not posted: the schedule waits for it, and says so
                self.run_cycle(as_of=day)
                self.assertEqual(self.actions(state="done")[-1:].step, "formal_notice")
                self.assertIn("post", self.customer.with_company(self.env.company).relance_blocked)
                notice = self.actions(step="formal_notice")
                self.assertEqual(notice.delivery, "prepared")
                notice.write({"posted_on": date(2026, 3, 3), "tracking_number": "1A 234 567 8"})
                notice.action_record_posting()
                self.assertEqual(notice.delivery, "posted")
            self.run_cycle(as_of=day)
            done = self.actions(state="done")
            self.assertEqual(done[-1:].step, step, f"on {day}: {self.actions().mapped('state')}")
            self.assertEqual(done[-1:].done_on, day)
        self.assertFalse(self.customer.with_company(self.env.company).relance_blocked)
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
        self.assertEqual(notice.delivery, "prepared", "a letter is prepared until posted")
        text = pdf_text(notice.letter_id.raw)
        self.assertIn(self.late.name, text)
        self.assertIn("Formal notice", text)
        self.assertIn("Registered post with proof of delivery", text)
        self.assertIn("€40.00", text)
        self.assertIn("Claire Martin", text, "the signature")

    def test_each_company_is_planned_on_its_own(self):
        other = self.setup_other_company(name="Filiale SAS")["company"]
        self.invoice(800, date(2026, 1, 10), date(2026, 1, 31), company=other)
        self.run_cycle(company=self.env.company | other)
        mine = self.actions(company_id=self.env.company.id)
        theirs = self.actions(company_id=other.id)
        self.assertEqual(len(mine), 1)
        self.assertEqual(len(theirs), 1)
        self.assertEqual(theirs.line_ids.move_id.company_id, other)

    def test_a_customer_without_an_email_address_gets_a_letter(self):
        """The step's fallback (reminders: a letter, else a call) reaches the customer."""
        self.customer.email = False
        self.run_cycle()
        action = self.actions()
        self.assertEqual((action.step, action.channel), ("reminder_1", "letter"))
        self.assertIn("Reminder", pdf_text(action.letter_id.raw))
        self.assertFalse(self.customer.with_company(self.env.company).relance_blocked)

    def test_a_customer_nothing_reaches_is_shown_as_blocked(self):
        self.customer.write({"email": False, "street": False, "city": False, "phone": False})
        counts = self.run_cycle()
        self.assertFalse(self.actions().filtered(lambda a: a.step == "reminder_1"))
        self.assertEqual(counts["blocked"], 1)
        blocked = self.customer.with_company(self.env.company).relance_blocked
        self.assertIn("no e-mail address", blocked)
        listed = self.env.ref("account_relance.relance_blocked_partner_action")
        domain = ast.literal_eval(listed.domain)
        self.assertIn(self.customer, self.env["res.partner"].search(domain))
        self.customer.email = "compta@martin.example"
        self.run_cycle()
        self.assertFalse(self.customer.with_company(self.env.company).relance_blocked)

    def test_an_invoice_is_in_one_live_payment_plan_only(self):
        def plan():
            return self.env["relance.payment.plan"].create(
                {
                    "partner_id": self.customer.id,
                    "agreed_on": date(2026, 2, 20),
                    "move_ids": [Command.set(self.late.ids)],
                    "line_ids": [Command.create({"due_on": date(2026, 3, 20), "amount": 1000})],
                }
            )

        first = plan()
        with self.assertRaises(ValidationError) as refused:  # Odoo's: rolled back
            plan()
        self.assertIn(first.display_name, str(refused.exception))
        self.assertIn(self.late.name, str(refused.exception))
        first.action_cancel()
        self.assertTrue(plan(), "once the first is cancelled, a new plan may take the invoice")

    def test_a_run_for_an_earlier_day_sees_nothing_recorded_after_it(self):
        self.env["relance.promise"].create(
            {
                "partner_id": self.customer.id,
                "promised_on": date(2026, 3, 20),
                "recorded_on": date(2026, 3, 1),
                "amount": 1000,
            }
        )
        self.run_cycle(as_of=date(2026, 2, 2))  # the promise did not exist yet
        self.assertEqual(self.actions().step, "reminder_1")


@tagged("post_install", "-at_install")
class TestDeductions(RelanceCase):
    """An open credit note and a payment not yet matched are lines of the statement, deducted
    once: the customer reads lines that add up to the total claimed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late = cls.invoice(1000, date(2026, 1, 15), date(2026, 2, 1))
        refund = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.customer.id,
                "invoice_date": date(2026, 2, 10),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Remise commerciale",
                            "quantity": 1,
                            "price_unit": 150,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        cls.refund = refund
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.customer.id,
                "amount": 200,
                "date": date(2026, 2, 20),
            }
        )
        payment.action_post()
        cls.payment = payment

    def test_credits_and_unapplied_payments_are_lines_that_add_up(self):
        self.run_cycle()
        action = self.actions()
        credits = action.line_ids.filtered(lambda ln: ln.line_type == "credit")
        self.assertEqual(sorted(credits.mapped("amount_open")), [150, 200])
        self.assertEqual(action.amount_due, 650, "1,000 less 150 and 200")
        overdue = action.line_ids.filtered(lambda ln: ln.line_type == "overdue")
        self.assertEqual(
            sum(overdue.mapped("amount_open")) - sum(credits.mapped("amount_open")), 650
        )
        action.action_approve()
        body = action.mail_id.body_html
        self.assertIn(self.refund.name, body, "the credit note is named")
        self.assertIn("150.00", body)
        self.assertIn("200.00", body)
        self.assertIn("650.00", body, "the total is the lines less the deductions")


@tagged("post_install", "-at_install")
class TestPlanNow(RelanceCase):
    def test_plan_reminders_now_opens_the_queue_it_planned(self):
        self.invoice(1000, date(2026, 1, 15), date(2026, 2, 1))
        result = self.env.ref("account_relance.relance_action_server_run").run()
        self.assertEqual(result["res_model"], "relance.action", "feedback: the queue opens")
        self.assertTrue(self.actions())
