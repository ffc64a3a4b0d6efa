"""The platforms' side of ``benchmarks/fanout.py``, in a process of its own.

    python benchmarks/fanout_world.py --companies 1000

One Pennylane emulator (tests/emulators/pennylane, real clock, real rate limit per token)
serving one company per tenant under ``/companies/<slug>``, each with its own API token
``plt_<slug>_bench_token``, and one SMTP server (tests/smtp_server.py) taking the reminders.

Every company has the same small ledger, dated from today: three customers, a category
group "Relances" for the step categories, and

* customer 1: two invoices 3 and 5 days late -> one reminder e-mail listing both;
* customer 2: one invoice 4 days late -> one reminder e-mail;
* customer 3: one invoice paid, one due in 20 days -> nothing.

So a tenant's first cycle pulls 3 customers and 5 invoices, sends 2 e-mails and writes
each back (a category on 3 invoices, a line in 2 customers' notes).

Prints one JSON line (``port``, ``smtp_port``) once both serve; then answers each line read
on standard input with one JSON line of counts (:func:`stats`); stops when stdin closes.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import SystemClock
from tests.emulators.pennylane import (
    ALL_SCOPES,
    Grant,
    PennylaneEmulator,
    PennylaneState,
)
from tests.smtp_server import SmtpServer

EMAILS_PER_COMPANY = 2
INVOICES_TAGGED_PER_COMPANY = 3
# (customer, days from today to the due date, paid)
LEDGER = ((1, -3, False), (1, -5, False), (2, -4, False), (3, -40, True), (3, 20, False))
_NOTE_MARK = re.compile(r"\[rl:([0-9a-f]+)\]")


def token_of(slug: str) -> str:
    return f"plt_{slug}_bench_token"


def company(slug: str, clock: SystemClock, today: date) -> PennylaneState:
    """One tenant's Pennylane company: its token, category group and ledger."""
    state = PennylaneState(clock, tokens={token_of(slug): Grant(ALL_SCOPES)})
    state.add_group("Relances")
    stamp = datetime.combine(today - timedelta(days=60), time(9), tzinfo=UTC).isoformat()
    for cid in (1, 2, 3):
        state.put(
            "customers",
            {
                "id": cid,
                "name": f"Client {cid} de {slug}",
                "customer_type": "company",
                "emails": [f"compta@c{cid}.{slug}.example.fr"],
                "recipient": "Service comptabilité",
                "billing_address": {
                    "address": f"{cid} rue Pasteur",
                    "postal_code": "69001",
                    "city": "Lyon",
                    "country_alpha2": "FR",
                },
                "billing_language": "fr_FR",
                "payment_conditions": "30_days",
                "notes": "",
                "reference": f"C{cid:04d}",
                "reg_no": None,
                "vat_number": None,
                "created_at": stamp,
                "updated_at": stamp,
            },
            "insert",
        )
    for n, (cid, due_in, paid) in enumerate(LEDGER, start=1):
        iid = 1000 + n
        deadline = today + timedelta(days=due_in)
        amount = f"{600 + 100 * n}.00"
        state.put(
            "customer_invoices",
            {
                "id": iid,
                "invoice_number": f"F-{slug}-{n}",
                "label": f"Facture F-{slug}-{n}",
                "date": (deadline - timedelta(days=30)).isoformat(),
                "deadline": deadline.isoformat(),
                "currency": "EUR",
                "amount": amount,
                "currency_amount": amount,
                "remaining_amount_with_tax": "0.00" if paid else amount,
                "paid": paid,
                "status": "paid" if paid else ("late" if due_in < 0 else "upcoming"),
                "draft": False,
                "customer": {"id": cid, "url": f"/customers/{cid}"},
                "credited_invoice": None,
                "external_reference": None,
                "public_file_url": None,
                "e_invoicing": None,
                "created_at": stamp,
                "updated_at": stamp,
            },
            "insert",
        )
    for change in (*state.changes["customers"], *state.changes["customer_invoices"]):
        change.processed_at -= timedelta(hours=1)  # the books were kept before relance came
    return state


def stats(companies: dict[str, PennylaneState], smtp: SmtpServer) -> dict[str, Any]:
    """What the platforms saw: requests, 429s, write-backs, and the mail received."""
    calls = sum(len(s.calls) for s in companies.values())
    throttled = sum(s.throttled for s in companies.values())
    notes: Counter[str] = Counter()
    tagged = 0
    for slug, state in companies.items():
        with state.lock:
            for customer in state.customers.values():
                for mark in _NOTE_MARK.findall(customer.get("notes") or ""):
                    notes[f"{slug}:{mark}"] += 1
            tagged += sum(1 for cats in state.invoice_categories.values() if cats)
    keys = Counter(
        str(email.message_from_bytes(m.data, policy=email.policy.default)["X-Relance-Action"])
        for m in list(smtp.messages)
    )
    return {
        "requests": calls,
        "throttled": throttled,
        "note_lines": sum(notes.values()),
        "note_lines_twice": sum(1 for n in notes.values() if n > 1),
        "invoices_tagged": tagged,
        "mails": sum(keys.values()),
        "mails_twice": sum(1 for n in keys.values() if n > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--prefix", default="t", help="tenant slugs: PREFIX0000, PREFIX0001…")
    args = parser.parse_args()
    clock = SystemClock()
    today = clock.now().date()
    slugs = [f"{args.prefix}{n:04d}" for n in range(args.companies)]
    companies = {slug: company(slug, clock, today) for slug in slugs}
    server = PennylaneEmulator(PennylaneState(clock), companies).start()
    smtp = SmtpServer().start()
    print(json.dumps({"port": server.server_port, "smtp_port": smtp.port}), flush=True)
    for _ in sys.stdin:  # one line asked, one line answered
        print(json.dumps(stats(companies, smtp)), flush=True)
    server.shutdown()
    smtp.stop()


if __name__ == "__main__":
    main()
