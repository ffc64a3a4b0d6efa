# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.tests import tagged

from .common import RelanceCase


@tagged("post_install", "-at_install")
class TestFrench(RelanceCase):
    """A French customer is written to in French, from the same editable templates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["account_relance"], ["fr_FR"])
        cls.customer.lang = "fr_FR"
        cls.late = cls.invoice(1000, date(2026, 1, 15), date(2026, 2, 1))

    def test_the_reminder_goes_out_in_french(self):
        self.run_cycle()
        action = self.actions()
        action.action_approve()
        mail = action.mail_id
        self.assertIn("rappel de paiement", mail.subject)
        self.assertIn("Sauf erreur de notre part", mail.body_html)
        self.assertIn(self.late.name, mail.body_html)

    def test_an_english_customer_still_reads_english(self):
        self.customer.lang = "en_US"
        self.run_cycle()
        action = self.actions()
        action.action_approve()
        self.assertIn("Unless we are mistaken", action.mail_id.body_html)

    def test_the_formal_notice_is_printed_in_french(self):
        self.late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2026, 3, 3))
        notice = self.actions(step="formal_notice")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "relance.action"), ("res_id", "=", notice.id)]
        )
        content = attachment.raw.decode(errors="replace")
        self.assertIn("Mise en demeure de payer", content)
        self.assertIn("injonction de payer", content)
