# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import io
from datetime import date

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from pypdf import PdfReader

AS_OF = date(2026, 3, 2)  # a Monday, a business day in France


class RelanceCase(AccountTestInvoicingCommon):
    """Invoices built here with fixed dates: nothing relies on demo data or on today. The
    company is French, in euros, with the address its letters print."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # the calendar follows the company's country: French public holidays
        cls.env.ref("base.EUR").active = True
        cls.env.company.write(
            {
                "name": "Atelier Dupont SAS",
                "currency_id": cls.env.ref("base.EUR").id,
                "country_id": cls.env.ref("base.fr").id,
                "street": "5 quai Saint-Antoine",
                "zip": "69002",
                "city": "Lyon",
                "company_registry": "512345678",
                "vat": "FR40512345678",
                "email": "compta@dupont.example",
                "relance_legal_form": "SAS",
                "relance_rcs_city": "Lyon",
                "relance_signatory": "Claire Martin",
                "relance_signatory_title": "Responsable de la comptabilité clients",
            }
        )
        cls.policy = cls.env.ref("account_relance.policy_fr_default")
        cls.env.company.relance_policy_id = cls.policy
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie Martin SARL",
                "is_company": True,
                "email": "compta@martin.example",
                "phone": "+33 4 78 00 00 00",
                "street": "12 rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
                "lang": "en_US",
            }
        )

    @classmethod
    def invoice(cls, amount, issued, due, partner=None, company=None):
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": issued,
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def invoice_with_terms(
        cls, amount, issued, terms="account.account_payment_term_advance_60days"
    ):
        """An invoice whose payment terms split it (by default Odoo's "30% Now, Balance 60
        Days"): one receivable line per instalment, invoice_date_due the last one's date."""
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": issued,
                "invoice_payment_term_id": cls.env.ref(terms).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Consulting",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def pay(cls, move, amount=None, on=AS_OF):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"payment_date": on, **({"amount": amount} if amount else {})})
        )
        return wizard._create_payments()

    def run_cycle(self, as_of=AS_OF, company=None):
        return self.env["relance.action"]._run_cycle(
            companies=company or self.env.company, as_of=as_of
        )

    def actions(self, partner=None, **domain):
        terms = [("partner_id", "=", (partner or self.customer).id)]
        terms += [(name, "=", value) for name, value in domain.items()]
        return self.env["relance.action"].search(terms, order="id")

    def notes_on(self, record):
        note = self.env.ref("mail.mt_note")
        return record.message_ids.filtered(lambda m: m.subtype_id == note)


def pdf_text(raw):
    """The text of a PDF, as a reader would copy it (line breaks and no-break spaces as
    spaces)."""
    reader = PdfReader(io.BytesIO(raw))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
