"""Seeds a real Odoo database for tests/odoo/test_real_server.py (run inside ``odoo shell``).

    odoo -d relance_real -i account,base_automation --stop-after-init
    odoo shell -d relance_real < tests/odoo/real/seed.py

Writes an API key for the admin user to the file named by RELANCE_SEED_KEY_FILE (default:
``odoo-api-key`` in the working directory) and commits. Not imported by pytest. The database
has two companies: the main one (the seeded ledger, including an invoice of 1,000 with 30 %
due at once and 70 % at 60 days) and "Relance Filiale SAS" with one invoice of 3,000 to the
same customer.
"""

# ruff: noqa
import os
import datetime
from odoo import Command

env = env(context=dict(env.context, tracking_disable=True))
company = env.company
company.country_id = env.ref("base.fr")
env.ref("base.EUR").active = True
company.currency_id = env.ref("base.EUR")  # allowed while no entry exists
P = env["res.partner"]
acme = P.create(
    {
        "name": "ACME SAS",
        "is_company": True,
        "email": "compta@acme.example",
        "phone": "+33 1 23 45 67 89",
        "street": "1 rue de la Paix",
        "zip": "75002",
        "city": "Paris",
        "country_id": env.ref("base.fr").id,
        "lang": "en_US",
    }
)
P.create({"name": "Jeanne Contact", "parent_id": acme.id, "email": "jeanne@acme.example"})
bob = P.create({"name": "Bob Dupont", "email": "bob@example.org"})


def inv(partner, amount, issued, due, move_type="out_invoice", term=False):
    dates = (
        {"invoice_payment_term_id": term.id}
        if term
        else {"invoice_date_due": due, "invoice_payment_term_id": False}
    )
    m = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": issued,
            **dates,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Service",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    m.action_post()
    return m


d = datetime.date
a1 = inv(acme, 1200, d(2026, 9, 1), d(2026, 10, 1))
a2 = inv(acme, 800, d(2026, 10, 15), d(2026, 11, 15))
# 30 % at once, 70 % in 60 days: invoice_date_due holds only the last instalment
a3 = inv(
    acme, 1000, d(2026, 10, 1), None, term=env.ref("account.account_payment_term_advance_60days")
)
b1 = inv(bob, 90, d(2026, 10, 1), d(2026, 10, 31))
inv(acme, 100, d(2026, 10, 20), d(2026, 10, 20), "out_refund")
paid = inv(bob, 50, d(2026, 9, 1), d(2026, 9, 30))


def pay(move, amount):
    w = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=move.ids)
        .create({"payment_date": d(2026, 11, 2), "amount": amount})
    )
    return w._create_payments()


pay(a2, 300)
pay(paid, 50)
# an over-payment of 20 left unapplied
w = (
    env["account.payment.register"]
    .with_context(active_model="account.move", active_ids=b1.ids)
    .create({"payment_date": d(2026, 11, 3), "amount": 110, "payment_difference_handling": "open"})
)
w._create_payments()
# a draft, never read
env["account.move"].create(
    {
        "move_type": "out_invoice",
        "partner_id": acme.id,
        "invoice_line_ids": [Command.create({"name": "Draft", "quantity": 1, "price_unit": 10})],
    }
)
# a second company with an invoice of its own, to the same customer: a tenant must name its
# company (one letter speaks for one creditor)
# install_mode: creating a French company would otherwise install the localisation's extra
# modules on the spot (Odoo 19 tries account_peppol), which odoo shell cannot do
other = (
    env["res.company"]
    .with_context(install_mode=True)
    .create({"name": "Relance Filiale SAS", "country_id": env.ref("base.fr").id})
)
admin = env.ref("base.user_admin")
admin.company_ids |= other
env["account.chart.template"].try_loading("fr", company=other, install_demo=False)
env_other = env(context=dict(env.context, allowed_company_ids=[other.id]))
filiale = (
    env_other["account.move"]
    .with_company(other)
    .create(
        {
            "move_type": "out_invoice",
            "partner_id": acme.id,
            "invoice_date": d(2026, 9, 15),
            "invoice_date_due": d(2026, 10, 15),
            "invoice_payment_term_id": False,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Service",
                        "quantity": 1,
                        "price_unit": 3000,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
)
filiale.action_post()
key = (
    env["res.users.apikeys"]
    .with_user(admin)
    ._generate(None, "relance tests", datetime.datetime.now() + datetime.timedelta(days=30))
)
open(os.environ.get("RELANCE_SEED_KEY_FILE", "odoo-api-key"), "w").write(key)
env.cr.commit()
print("seeded", a1.name, a2.name, a3.name, b1.name, a3.invoice_date_due, filiale.name, other.id)
