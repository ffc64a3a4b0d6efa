# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.tests import tagged

from .common import RelanceCase, pdf_text


@tagged("post_install", "-at_install")
class TestFrench(RelanceCase):
    """A French customer is written to in French, with relance's own wording (the daemon's,
    held to docs/writing.md), an English one in English."""

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
        self.assertEqual(mail.subject, action.subject, "what was approved is what goes out")
        self.assertIn("Relance\u00a0: 1\u00a0facture échue", mail.subject)
        self.assertIn("Madame, Monsieur,", mail.body_html)
        self.assertIn(self.late.name, mail.body_html)
        self.assertIn("1\u00a0000,00\u00a0€", mail.body_html, "French figures")
        self.assertIn("1er\u00a0février 2026", mail.body_html, "French dates")
        self.assertNotIn("facture(s)", mail.body_html)
        self.assertNotIn("malgré nos relances", mail.body_html, "only after two reminders")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn("<strong>Atelier Dupont SAS</strong>", mail.body_html, "signed once")

    def test_an_english_customer_still_reads_english(self):
        self.customer.lang = "en_US"
        self.run_cycle()
        action = self.actions()
        action.action_approve()
        body = action.mail_id.body_html
        self.assertIn("Dear Sir or Madam,", body)
        self.assertIn("1,000.00", body)
        self.assertNotIn("Madame", body)

    def test_the_formal_notice_is_printed_in_french(self):
        self.late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        self.run_cycle(as_of=date(2026, 3, 3))
        notice = self.actions(step="formal_notice")
        self.assertEqual(notice.state, "done", notice.error)
        text = pdf_text(notice.letter_id.raw)
        self.assertIn("Lettre recommandée avec accusé de réception", text)
        self.assertIn("Mise en demeure", text)
        self.assertIn("Lyon, le 3 mars 2026", text, "place, then date")
        self.assertIn("12 rue de la République", text, "the recipient's address in the window")
        self.assertIn("à compter de la réception", text, "the deadline runs from receipt")
        self.assertIn("40,00 € par facture", text, "the recovery indemnity")
        self.assertIn("RCS Lyon", text, "the letterhead's registration")
        self.assertTrue(self.env.company.uses_default_logo)
        raw = notice.letter_id.raw.decode("latin-1")
        self.assertNotIn("/Subtype /Image", raw, "no placeholder logo")

    def test_a_cancelled_step_is_explained_in_french(self):
        """The blocked reason and the release's note, for a French-speaking accountant."""
        self.run_cycle()
        action = self.actions()
        action.action_cancel()
        Action = self.env["relance.action"].with_context(lang="fr_FR")
        Action._run_cycle(companies=self.env.company, as_of=date(2026, 3, 3))
        blocked = self.customer.with_company(self.env.company).relance_blocked
        self.assertIn(f"\u00a0: {self.env.user.name} a annulé cette étape", blocked)
        self.assertIn("ouvrez l’action annulée et libérez-la", blocked)
        action.with_context(lang="fr_FR").action_release()
        note = self.notes_on(action).filtered(lambda m: "Libérée par" in m.body)
        self.assertIn(self.env.user.name, note.body)

    def test_what_blocks_a_customer_is_said_in_french(self):
        """The list of blocked customers and the field's help name a cancelled step too."""
        listed = self.env.ref("account_relance.relance_blocked_partner_action")
        self.assertIn("étape annulée par une personne", str(listed.with_context(lang="fr_FR").help))
        Partner = self.env["res.partner"].with_context(lang="fr_FR")
        self.assertIn(
            "libérez l’action annulée",
            Partner.fields_get(["relance_blocked"])["relance_blocked"]["help"],
        )

    def test_what_blocks_a_customer_is_said_in_french_with_odoo_s_buttons(self):
        """No English reason and no command line in a French company's blocked list: a
        customer nothing reaches, and a notice printed but not posted."""
        French = self.env["relance.action"].with_context(lang="fr_FR")
        contact = {"email": self.customer.email, "street": self.customer.street}
        self.customer.write({"email": False, "street": False, "city": False, "phone": False})
        French._run_cycle(companies=self.env.company, as_of=date(2026, 2, 2))
        blocked = self.customer.with_company(self.env.company).relance_blocked
        self.assertIn("Première relance\u00a0: aucun de ses canaux n’atteint le client", blocked)
        self.assertIn("(e-mail\u00a0: aucune adresse e-mail\u00a0; courrier\u00a0:", blocked)
        self.assertIn("complétez les coordonnées du client", blocked)
        self.assertNotIn("no e-mail address", blocked)

        self.customer.write({**contact, "city": "Lyon", "zip": "69002"})
        self.late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.policy.auto_approve = True
        French._run_cycle(companies=self.env.company, as_of=date(2026, 3, 3))
        self.assertEqual(self.actions(step="formal_notice").delivery, "prepared")
        French._run_cycle(companies=self.env.company, as_of=date(2026, 4, 2))
        blocked = self.customer.with_company(self.env.company).relance_blocked
        self.assertIn("Mise en demeure\u00a0: le courrier imprimé le ", blocked)
        self.assertIn("attend d’être posté", blocked)
        self.assertIn("cliquez sur «\u00a0Enregistrer l’envoi\u00a0»", blocked)
        self.assertNotIn("relance action", blocked)

    def test_french_added_after_the_add_on_labels_the_default_steps(self):
        """The class adds French after the module was installed (as a database that gets
        French later): the default steps are labelled in French then, and a label a person
        chose is kept when French is loaded again."""
        steps = self.policy.step_ids.with_context(lang="fr_FR")
        labels = {s.name: s.label for s in steps}
        self.assertEqual(labels["reminder_1"], "Première relance")
        self.assertEqual(labels["formal_notice"], "Mise en demeure")
        self.assertEqual(
            self.policy.step_ids.with_context(lang="en_US")
            .filtered(lambda s: s.name == "reminder_1")
            .label,
            "First reminder",
        )
        chosen = steps.filtered(lambda s: s.name == "reminder_2")
        chosen.label = "Deuxième rappel"
        self.env["ir.module.module"]._load_module_terms(["account_relance"], ["fr_FR"])
        self.assertEqual(chosen.label, "Deuxième rappel")
