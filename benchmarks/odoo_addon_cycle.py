"""The add-on's cycle inside Odoo over 10,000 open invoices, beside OCA's account_credit_control.

Runs inside ``odoo shell`` on a database with both modules installed (OCA's is on PyPI as
``odoo-addon-account-credit-control``; unpack its wheel into the addons path):

    odoo -d bench -i account_relance,account_credit_control --stop-after-init
    RELANCE_BENCH_INVOICES=10000 odoo shell -d bench < benchmarks/odoo_addon_cycle.py

The first run creates the customers and the posted invoices (1 customer per 10 invoices, due
dates spread over the 120 days before the as-of date) and commits them; later runs reuse them.
Each measured step runs in a savepoint that is rolled back, so runs are repeatable.

Prints, for relance: planning (the ORM read of the ledger and the planner), then approving and
carrying out every planned action (e-mails queued, notes, activities, letters); for OCA: one
``credit.control.run`` generating its credit lines on the same invoices with its 3-time policy.
"""
# ruff: noqa: F821  (``env`` is given by odoo shell)

import os
import time
from datetime import date, timedelta

from odoo import Command

AS_OF = date(2026, 3, 2)
INVOICES = int(os.environ.get("RELANCE_BENCH_INVOICES", "10000"))
PER_CUSTOMER = 10
BATCH = 500

env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))
company = env.company
Move = env["account.move"]
Partner = env["res.partner"]


def seed():
    have = Move.search_count([("move_type", "=", "out_invoice"), ("state", "=", "posted")])
    if have >= INVOICES:
        return have, 0.0
    started = time.perf_counter()
    company.country_id = env.ref("base.fr")
    customers = Partner.create(
        [
            {"name": f"Client {n:05d} SAS", "is_company": True, "email": f"ar{n}@client.example"}
            for n in range(INVOICES // PER_CUSTOMER)
        ]
    )
    for start in range(have, INVOICES, BATCH):
        values = []
        for n in range(start, min(start + BATCH, INVOICES)):
            due = AS_OF - timedelta(days=(n * 7) % 120) + timedelta(days=4)
            values.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": customers[n // PER_CUSTOMER].id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": 100 + (n % 37) * 25,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        Move.create(values).action_post()
        env.cr.commit()
        print(f"  seeded {min(start + BATCH, INVOICES)}/{INVOICES} invoices", flush=True)
    return INVOICES, time.perf_counter() - started


def measured(label, work):
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    result = work()
    env.flush_all()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s, {env.cr.sql_log_count - queries} queries; {result}")
    return seconds


count, seeding = seed()
print(
    f"ledger: {count} posted invoices, {count // PER_CUSTOMER} customers (seeding {seeding:.0f} s)"
)
Action = env["relance.action"]
policy = env.ref("account_relance.policy_fr_default")

with env.cr.savepoint(flush=False) as point:
    policy.auto_approve = False
    plan_s = measured("relance plan", lambda: Action._run_cycle(companies=company, as_of=AS_OF))
    proposed = Action.search([("state", "=", "proposed")])
    by_channel = {
        c: len(proposed.filtered(lambda a, c=c: a.channel == c))
        for c in ("email", "phone_task", "letter")
    }
    run_s = measured(
        f"relance approve and carry out {len(proposed)} actions {by_channel}",
        lambda: (
            proposed.action_approve(),
            len(proposed.filtered(lambda a: a.state == "done")),
        )[1],
    )
    point.rollback()

if "credit.control.run" in env:
    OcaPolicy = env["credit.control.policy"]
    oca = env.ref("account_credit_control.credit_control_3_time")
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)]
    )
    with env.cr.savepoint(flush=False) as point:
        oca.account_ids = [Command.set(receivable.ids)]
        run = env["credit.control.run"].create(
            {"date": AS_OF, "policy_ids": [Command.set(oca.ids)]}
        )
        oca_s = measured(
            "OCA account_credit_control run (credit lines)",
            lambda: (run.generate_credit_lines(), len(run.line_ids))[1],
        )
        point.rollback()
    print(f"relance plan vs OCA run: {plan_s:.1f} s vs {oca_s:.1f} s")
else:
    print("account_credit_control is not installed: no reference figure")
