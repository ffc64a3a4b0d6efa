# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.tests import tagged

from .common import RelanceCase, pdf_text


def _overdue(action):
    return action.line_ids.filtered(lambda ln: ln.line_type == "overdue")


@tagged("post_install", "-at_install")
class TestInstalments(RelanceCase):
    """An invoice of 1,000 with 30 % due at once and the balance at 60 days: it is owed
    instalment by instalment (it used to be chased as 1,000, late from the first date)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.split = cls.invoice_with_terms(1000, date(2026, 1, 30))
        cls.terms = cls.split.line_ids.filtered(
            lambda ln: ln.account_id.account_type == "asset_receivable"
        ).sorted(lambda ln: (ln.date_maturity, ln.id))

    def test_odoo_splits_the_invoice_in_two_receivable_lines(self):
        self.assertEqual(self.terms.mapped("date_maturity"), [date(2026, 1, 30), date(2026, 3, 31)])
        self.assertEqual(self.terms.mapped("amount_residual"), [300, 700])
        self.assertEqual(self.split.invoice_date_due, date(2026, 3, 31))

    def test_only_the_instalment_past_due_is_claimed_late_from_its_own_date(self):
        self.run_cycle(as_of=date(2026, 3, 2))
        action = self.actions()
        self.assertEqual(len(action), 1)
        line = _overdue(action)
        self.assertEqual(len(line), 1, "the 700 not yet due is not claimed")
        self.assertEqual(line.amount_open, 300)
        self.assertEqual(line.due_on, date(2026, 1, 30))
        self.assertEqual(line.days_late, 31)
        self.assertEqual((line.part, line.parts), (1, 2))
        self.assertEqual(line.term_line_id, self.terms[0])
        self.assertEqual(line.move_id, self.split)
        self.assertEqual(action.amount_due, 300)

    def test_each_instalment_keeps_its_progress_on_its_line(self):
        self.run_cycle(as_of=date(2026, 3, 2))
        action = self.actions()
        action.action_approve()
        self.assertEqual(action.state, "done", action.error)
        self.assertEqual(self.terms[0].relance_step, "reminder_1")
        self.assertEqual(self.terms[0].relance_reminder_count, 1)
        self.assertFalse(self.terms[1].relance_step, "the instalment not yet due was not chased")
        self.assertIn(self.split.name, action.mail_id.body_html)

    def test_a_paid_first_instalment_leaves_nothing_to_claim_before_the_second_falls_due(self):
        self.pay(self.split, 300, on=date(2026, 2, 2))
        self.run_cycle(as_of=date(2026, 3, 2))
        self.assertFalse(self.actions().filtered(lambda a: a.kind != "courtesy"))

    def test_the_notice_figures_the_late_instalment_only(self):
        self.terms[0].write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2026, 3, 3))
        notice = self.actions(step="formal_notice")
        self.assertEqual(notice.state, "done", notice.error)
        line = _overdue(notice)
        self.assertEqual(line.amount_open, 300)
        self.assertEqual(line.indemnity, 40, "one late payment, one indemnity")
        # 300 from 31 Jan to 3 Mar 2026 (32 days) at 12.15 %: 3.20, never the 1,000
        self.assertAlmostEqual(line.interest, 3.20, places=2)
        self.assertFalse(notice.interest_missing)


@tagged("post_install", "-at_install")
class TestNoticeWithoutRate(RelanceCase):
    """No rate for the half-year yet: the indemnity is claimed, the interest has no figure,
    and the notice waits for a person (it used to show 0.00 in both columns)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # no table holds a rate for 2031: the interest cannot be figured
        cls.late = cls.invoice(1200, date(2031, 6, 1), date(2031, 7, 1))

    def test_the_notice_waits_for_approval_with_the_indemnity_and_the_reason(self):
        self.late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2031, 8, 4))
        notice = self.actions(step="formal_notice")
        self.assertEqual(notice.state, "proposed", "an interest without a figure waits")
        self.assertIn("2031-07-01", notice.interest_missing)
        self.assertEqual(notice.indemnity_total, 40)
        self.assertEqual(_overdue(notice).indemnity, 40)
        notice.action_approve()
        self.assertEqual(notice.state, "done", notice.error)
        text = pdf_text(notice.letter_id.raw)
        self.assertIn("40.00", text, "the indemnity, which needs no rate")
        self.assertNotIn("0.00 late-payment interest", text, "never a zero as a figure")
        self.assertIn("statutory rate", text)
