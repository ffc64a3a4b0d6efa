"""`relance payment-plan` and `relance promise`: add, list, cancel, from a user's seat.

The path that made a letter claim 6,475 EUR where 4,075 EUR was due: the same invoice put in a
second payment plan, whose instalments were then claimed a second time. That second plan is
now refused, naming the first, and what is claimed stays what is owed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import Run, as_json
from .test_commands import CREDITOR

AS_OF = "2026-11-23"

CUSTOMERS = """\
id,name,kind,email,contact_name,address,postal_code,city
C1,Imprimerie Vautrin,b2b,compta@vautrin.example.fr,Service comptabilité,3 rue Mercière,69002,Lyon
"""
INVOICES = """\
number,customer_id,kind,issued_on,due_on,currency,total,open,document_url
F-1,C1,invoice,2026-08-01,2026-08-31,EUR,2400.00,2400.00,
F-2,C1,invoice,2026-08-15,2026-09-14,EUR,1675.00,1675.00,
"""
PAYMENTS = "id,customer_id,received_on,currency,amount,unapplied,invoices\n"
SCHEDULE = "2026-10-01=1200,2026-11-01=1200"


def _ledger(workdir: Path, relance: Run) -> None:
    code, out, err = relance("init", "--tenant", "vautrin", "--name", "Atelier Lumen")
    assert code == 0, err
    config = workdir / "tenants" / "vautrin.toml"
    config.write_text(config.read_text(encoding="utf-8").split("[creditor]")[0] + CREDITOR)
    ledger = workdir / "ledger"
    ledger.mkdir()
    for name, text in (
        ("customers.csv", CUSTOMERS),
        ("invoices.csv", INVOICES),
        ("payments.csv", PAYMENTS),
    ):
        (ledger / name).write_text(text, encoding="utf-8")
    code, out, err = relance("import", "ledger", "--json")
    assert code == 0, err
    assert as_json(out)["imported"]["receivables"] == 2


def _claimed(relance: Run) -> list[dict[str, Any]]:
    code, out, err = relance("plan", "--as-of", AS_OF, "--json")
    assert code == 0, err
    return [a for a in as_json(out)["actions"] if a["customer"] == "C1"]


def test_a_second_plan_on_an_invoice_is_refused_and_the_claim_stays_what_is_owed(
    workdir: Path, relance: Run
) -> None:
    _ledger(workdir, relance)
    code, out, err = relance(
        "payment-plan", "add", "C1", "--invoice", "F-1", "--schedule", SCHEDULE,
        "--on", "2026-09-20", "--json",
    )  # fmt: skip
    assert code == 0, err
    first = as_json(out)["plan"]

    # the same invoice, agreed again (by hand, or by a second person): refused, first named
    code, out, err = relance(
        "payment-plan", "add", "C1", "--invoice", "F-1", "--schedule", SCHEDULE,
        "--on", "2026-09-25", "--json",
    )  # fmt: skip
    assert code == 5
    refusal = as_json(out)
    assert refusal["type"] == "ConflictError" and refusal["exit_code"] == 5
    assert f"invoice F-1 is already in payment plan {first}" in refusal["error"]
    assert f"relance payment-plan cancel {first}" in refusal["hint"]
    # and without --json, the same words on stderr
    code, out, err = relance(
        "payment-plan", "add", "C1", "--invoice", "F-1", "--schedule", SCHEDULE,
    )  # fmt: skip
    assert code == 5 and f"already in payment plan {first}" in err and out == ""

    code, out, _ = relance("payment-plan", "list", "--json", "--as-of", AS_OF)
    (listed,) = as_json(out)
    assert listed["id"] == first and listed["status"] == "broken"  # both instalments unpaid

    # what the letter claims: F-2 (1,675) and the plan's two unpaid instalments (2,400),
    # not the instalments twice (6,475)
    (action,) = _claimed(relance)
    assert action["totals"] == {"EUR": "4075.00"}
    instalments = [line for line in action["invoices"] if line != "F-2"]
    assert len(action["invoices"]) == 3 and len(instalments) == 2
    assert all(first in line for line in instalments)  # the first plan's, once


def test_plans_are_listed_cancelled_and_replaced(workdir: Path, relance: Run) -> None:
    _ledger(workdir, relance)
    code, out, err = relance(
        "payment-plan", "add", "Vautrin", "--schedule", "2026-12-15=2000,2027-01-15=2075",
        "--on", "2026-11-20", "--json",
    )  # fmt: skip
    assert code == 0, err
    first = as_json(out)["plan"]
    code, out, _ = relance("payment-plan", "list", "--as-of", AS_OF, "--json")
    (row,) = as_json(out)
    assert row == {
        "id": first,
        "customer": "files:vautrin:C1",
        "customer_name": "Imprimerie Vautrin",
        "invoices": ["F-1", "F-2"],
        "total": "4075.00",
        "paid": "0.00",
        "currency": "EUR",
        "instalments": [
            {"due_on": "2026-12-15", "amount": "2000"},
            {"due_on": "2027-01-15", "amount": "2075"},
        ],
        "agreed_on": "2026-11-20",
        "cancelled_on": None,
        "status": "live",
    }
    code, out, _ = relance("payment-plan", "list", "--as-of", AS_OF)
    assert code == 0 and first in out and "live" in out and "2026-12-15" in out

    code, out, err = relance(
        "payment-plan", "cancel", first, "--on", "2026-11-22", "--reason", "customer asked "
        "for three instalments", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert as_json(out) == {"plan": first, "cancelled_on": "2026-11-22"}
    code, out, _ = relance("payment-plan", "cancel", first, "--json")
    assert code == 5 and "already cancelled on 2026-11-22" in as_json(out)["error"]

    code, out, err = relance(
        "payment-plan", "add", "C1", "--on", "2026-11-22", "--json",
        "--schedule", "2026-12-15=1500,2027-01-15=1500,2027-02-15=1075",
    )  # fmt: skip
    assert code == 0, err
    second = as_json(out)["plan"]
    code, out, _ = relance("payment-plan", "list", "--as-of", AS_OF, "--json")
    assert {r["id"]: r["status"] for r in as_json(out)} == {first: "cancelled", second: "live"}
    code, out, _ = relance("payment-plan", "list", "--status", "live", "--as-of", AS_OF, "--json")
    assert [r["id"] for r in as_json(out)] == [second]

    # a list for an earlier day shows the plans as they stood then
    code, out, _ = relance("payment-plan", "list", "--as-of", "2026-11-21", "--json")
    assert {r["id"]: r["status"] for r in as_json(out)} == {first: "live"}
    code, out, _ = relance("payment-plan", "list", "--as-of", "2026-11-19", "--json")
    assert as_json(out) == []

    # 1,500 paid on 14 December: the first instalment is met, and a list for a day before
    # the payment does not see it
    paid = workdir / "ledger"
    (paid / "invoices.csv").write_text(INVOICES.replace("2400.00,2400.00", "2400.00,900.00"))
    (paid / "payments.csv").write_text(PAYMENTS + "P1,C1,2026-12-14,EUR,1500.00,0,F-1:1500\n")
    assert relance("import", "ledger")[0] == 0
    code, out, _ = relance("payment-plan", "list", "--as-of", "2026-12-16", "--json")
    (after,) = [r for r in as_json(out) if r["id"] == second]
    assert (after["paid"], after["status"]) == ("1500.00", "live")
    code, out, _ = relance("payment-plan", "list", "--as-of", "2026-12-13", "--json")
    (before,) = [r for r in as_json(out) if r["id"] == second]
    assert (before["paid"], before["status"]) == ("0.00", "live")

    code, out, _ = relance("history", "C1", "--json")
    cancelled = [e for e in as_json(out) if e["kind"] == "plan_cancelled"]
    assert cancelled[0]["payload"] == {
        "id": first,
        "cancelled_on": "2026-11-22",
        "reason": "customer asked for three instalments",
    }


def test_promises_are_listed_with_where_they_stand_and_cancelled(
    workdir: Path, relance: Run
) -> None:
    _ledger(workdir, relance)
    code, out, err = relance(
        "promise", "add", "C1", "--amount", "1675", "--by", "2026-11-30", "--invoice", "F-2",
        "--on", "2026-11-18", "--json",
    )  # fmt: skip
    assert code == 0, err
    promise = as_json(out)["promise"]
    code, out, _ = relance("promise", "list", "--as-of", AS_OF, "--json")
    (row,) = as_json(out)
    assert (row["id"], row["status"], row["invoices"], row["amount"]) == (
        promise,
        "live",
        ["F-2"],
        "1675",
    )
    assert (row["recorded_on"], row["promised_on"]) == ("2026-11-18", "2026-11-30")
    code, out, _ = relance("promise", "list", "--as-of", "2026-11-17", "--json")
    assert as_json(out) == []  # not yet recorded on that day
    code, out, _ = relance("promise", "list", "--as-of", "2026-12-03", "--json")
    assert as_json(out)[0]["status"] == "broken"  # 30 November + 2 days' grace went by
    # while it is live, F-2 is held: the claim covers F-1 only
    (action,) = _claimed(relance)
    assert action["invoices"] == ["F-1"]

    code, out, err = relance("promise", "cancel", promise, "--on", "2026-11-21", "--json")
    assert code == 0, err
    code, out, _ = relance("promise", "list", "--as-of", AS_OF, "--json")
    assert as_json(out)[0]["status"] == "cancelled"
    (action,) = _claimed(relance)
    assert sorted(action["invoices"]) == ["F-1", "F-2"]
    code, out, _ = relance("promise", "list", "--status", "live", "--json")
    assert as_json(out) == []
