"""A big tenant for the web app's benchmarks: 20,000 customers and 100,000 open invoices.

    python benchmarks/big_tenant.py --store-url sqlite:////tmp/big.sqlite
    python benchmarks/big_tenant.py --store-url postgresql+psycopg://postgres@127.0.0.1/relance_big

:func:`populate` fills a store with the ledger of a busy French wholesaler as it stands on
23 November 2026 (``TODAY``): customers with a billing contact and an address; invoices
issued over the 18 months before, due 30, 45 or 60 days later — ``invoices`` of them open
(some partly paid), four in ten more already paid, each by a payment dated between its due
date and two months after; open credit notes; payments not matched yet; promises to pay
(kept, broken, live), payment plans, disputes; and the actions carried out on the overdue
invoices, step after step of the default policy (e-mails sent, calls written, notices posted
as letters), each listing the invoices it claimed; and the audit trail those leave (each
action planned then sent or posted, each payment received, each promise recorded) — so
every figure, page, journal and timeline has data.

Rows go in with bulk inserts shaped exactly as the store writes them (the same JSON for a
customer, an action or a promise), after ``Store.open`` has built the schema; the same seed
gives the same ledger.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from connector.dunning.items import ClaimLine, ItemKind
from connector.model import (
    Contact,
    Customer,
    Dispute,
    Instalment,
    PaymentPlan,
    Platform,
    PostalAddress,
    Promise,
    SourceRef,
)
from connector.money import Money, Totals
from connector.planner import PlannedAction
from connector.policy import default_policy
from connector.store import EventType, Store
from connector.store import schema as t
from connector.store.codec import action_to_json

TODAY = date(2026, 11, 23)
CHUNK = 5_000
POLICY = default_policy()
_CITIES = ("Lyon", "Paris", "Nantes", "Lille", "Bordeaux", "Rennes", "Grenoble", "Dijon")
_TRADES = ("Boulangerie", "Atelier", "Garage", "Studio", "Cave", "Menuiserie", "Librairie")
_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand")


def _ref(tenant: str, external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


class _Ledger:
    """The rows of each table, built in memory, then written in chunks."""

    def __init__(self, tenant: str, seed: int) -> None:
        self.tenant, self.rng = tenant, random.Random(seed)
        self.rows: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in ("customers", "receivables", "payments", "actions", "events", "side")
        }
        self.side: list[tuple[Any, dict[str, Any]]] = []
        self.now = datetime(2026, 11, 23, 18, tzinfo=UTC)

    def customer(self, n: int) -> Customer:
        rng, name = self.rng, f"{self.rng.choice(_TRADES)} {self.rng.choice(_NAMES)} {n}"
        city = rng.choice(_CITIES)
        address = PostalAddress(
            lines=(f"{rng.randint(1, 120)} rue de la République",),
            postal_code=f"{rng.randint(10, 95)}{rng.randint(0, 999):03d}",
            city=city,
        )
        customer = Customer(
            ref=_ref(self.tenant, f"C{n:05d}"),
            name=name,
            address=address,
            contacts=(
                Contact(
                    name=f"Compta {name}",
                    email=f"compta{n}@example.fr",
                    phone=f"+33 4 72 {n % 100:02d} {n // 100 % 100:02d} 00",
                    primary=True,
                ),
            ),
            payment_terms_days=rng.choice((30, 45, 60)),
        )
        self.rows["customers"].append(
            {
                "tenant": self.tenant,
                "key": customer.ref.key,
                "external_id": customer.ref.external_id,
                "name": customer.name,
                "data": customer.model_dump(mode="json"),
                # as the daily run leaves it: most customers reviewed again within 3 weeks
                "next_review_on": TODAY + timedelta(days=self.rng.randint(0, 21))
                if self.rng.random() < 0.8
                else None,
            }
        )
        return customer

    def document(
        self, customer: Customer, number: str, issued: date, total: Decimal, open_: Decimal,
        *, credit: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        due = issued + timedelta(days=0 if credit else customer.payment_terms_days or 30)
        status = "paid" if open_ <= 0 else "open" if open_ == total else "partially_paid"
        row = {
            "tenant": self.tenant,
            "key": _ref(self.tenant, number).key,
            "customer_key": customer.ref.key,
            "kind": "credit_note" if credit else "invoice",
            "number": number,
            "issued_on": issued,
            "due_on": due,
            "currency": "EUR",
            "total": total,
            "open_balance": open_,
            "status": status,
            "document_url": None,
            "payment_url": None,
            "updated_at": self.now,
            "instalments": None,
            "hold": None,
        }
        self.rows["receivables"].append(row)
        return row

    def event(
        self, kind: EventType, customer: Customer, on: date, payload: dict[str, Any],
        receivables: list[str] | None = None,
    ) -> None:  # fmt: skip
        """A line of the audit trail, as the store writes it, at an hour of ``on``."""
        at = datetime(on.year, on.month, on.day, 6, tzinfo=UTC) + timedelta(
            minutes=self.rng.randint(0, 600)
        )
        self.rows["events"].append(
            {
                "tenant": self.tenant,
                "at": at,
                "kind": kind.value,
                "customer_key": customer.ref.key,
                "receivable_keys": receivables or [],
                "payload": payload,
            }
        )

    def payment(
        self, customer: Customer, pid: str, on: date, amount: Decimal, to: dict[str, Any] | None
    ) -> None:
        self.event(
            EventType.PAYMENT_RECEIVED, customer, on,
            {"payment": pid, "amount": f"{amount} EUR"}, [to["key"]] if to else [],
        )  # fmt: skip
        self.rows["payments"].append(
            {
                "tenant": self.tenant,
                "key": _ref(self.tenant, pid).key,
                "customer_key": customer.ref.key,
                "received_on": on,
                "currency": "EUR",
                "amount": amount,
                "unapplied": Decimal(0) if to else amount,
                "allocations": [{"receivable": to["key"], "amount": str(amount)}] if to else [],
            }
        )

    def actions(self, customer: Customer, docs: list[dict[str, Any]]) -> None:
        """The steps carried out on the customer's invoices, as the default policy spaces
        them from the oldest one still unpaid on each step's day."""
        for step in POLICY.steps:
            claimed = []
            for doc in docs:
                on = doc["due_on"] + timedelta(days=step.offset_days)
                paid_on = doc.get("paid_on")
                if on <= TODAY and (paid_on is None or on < paid_on):
                    claimed.append((on, doc))
            if not claimed:
                continue
            day = min(on for on, _ in claimed)
            lines = tuple(
                ClaimLine(
                    key=doc["key"],
                    kind=ItemKind.RECEIVABLE,
                    number=doc["number"],
                    issued_on=doc["issued_on"],
                    due_on=doc["due_on"],
                    open=Money(doc["total"], "EUR"),
                    total=Money(doc["total"], "EUR"),
                    days_late=max((day - doc["due_on"]).days, 0),
                    ref=_ref(self.tenant, doc["number"]),
                )
                for on, doc in claimed
                if on <= day + timedelta(days=7)
            )
            if not lines:  # the planner never plans a step that claims nothing
                continue
            action = PlannedAction(
                # as the planner keys it: the customer, the step, the first invoice claimed
                key=f"{customer.ref.key}|{step.name}|{lines[0].ref.key}",
                customer_ref=customer.ref,
                step=step.name,
                kind=step.kind,
                channel=step.channel,
                template=step.template,
                planned_on=day,
                lines=lines,  # a courtesy reminder sent alone claims the invoices not yet due
                totals=Totals(line.open for line in lines),
            )
            letter = step.channel.value == "letter"
            claimed_keys = [line.key for line in lines]
            self.event(
                EventType.ACTION_PLANNED, customer, day,
                {
                    "action": action.key, "step": step.name, "channel": step.channel.value,
                    "reason": f"{lines[0].number} is {lines[0].days_late} day(s) late",
                    "totals": {"EUR": str(action.totals.get("EUR", Money(Decimal(0), "EUR")))},
                },
                claimed_keys,
            )  # fmt: skip
            if letter:
                posted = day + timedelta(days=1)
                self.event(
                    EventType.LETTER_POSTED, customer, posted,
                    {"action": action.key, "step": step.name, "posted_on": posted.isoformat()},
                    claimed_keys,
                )  # fmt: skip
            else:
                self.event(
                    EventType.ACTION_SENT, customer, day,
                    {"action": action.key, "receipt": f"<{action.key}@relance>"},
                )  # fmt: skip
            self.rows["actions"].append(
                {
                    "tenant": self.tenant,
                    "key": action.key,
                    "customer_key": customer.ref.key,
                    "step": step.name,
                    "kind": step.kind.value,
                    "channel": step.channel.value,
                    "status": "posted" if letter else "sent",
                    "planned_on": day,
                    "payload": action_to_json(action),
                    "attempts": 1,
                    "created_at": self.now,
                    "updated_at": self.now,
                    "sent_at": self.now,
                    "receipt": f"<{action.key}@relance>",
                    "error": None,
                    "details": {"posted_on": (day + timedelta(days=1)).isoformat()}
                    if letter
                    else None,
                }
            )


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(8_000, 900_000)) / 100


def _issued(rng: random.Random, open_: bool) -> date:
    """Over 18 months, more recent than old: what is still open is mostly recent."""
    back = int(rng.triangular(0, 540, 0 if open_ else 200))
    return TODAY - timedelta(days=back)


def _build(tenant: str, customers: int, invoices: int, seed: int) -> _Ledger:
    ledger = _Ledger(tenant, seed)
    rng = ledger.rng
    people = [ledger.customer(n) for n in range(1, customers + 1)]
    docs: dict[str, list[dict[str, Any]]] = {c.ref.key: [] for c in people}
    for n in range(invoices + invoices * 4 // 10):
        customer = people[n % customers]
        number = n + 1
        is_open = n < invoices
        issued = _issued(rng, is_open)
        total = _amount(rng)
        if is_open:
            paid = total * rng.choice((0, 0, 0, 0, 0, Decimal("0.3"), Decimal("0.5")))
            paid = paid.quantize(Decimal("0.01"))
            row = ledger.document(customer, f"F-{number:07d}", issued, total, total - paid)
            if paid:
                on = min(row["due_on"] + timedelta(days=rng.randint(0, 40)), TODAY)
                ledger.payment(customer, f"P-{number:07d}", max(on, issued), paid, row)
        else:
            row = ledger.document(customer, f"F-{number:07d}", issued, total, Decimal(0))
            on = row["due_on"] + timedelta(days=rng.randint(-10, 60))
            row["paid_on"] = min(max(on, issued), TODAY)
            ledger.payment(customer, f"P-{number:07d}", row["paid_on"], total, row)
        docs[customer.ref.key].append(row)
    for n in range(invoices // 50):  # open credit notes
        customer = rng.choice(people)
        ledger.document(
            customer, f"A-{n:06d}", _issued(rng, True), _amount(rng) / 4, _amount(rng) / 4,
            credit=True,
        )  # fmt: skip
    for n in range(customers // 100):  # payments not matched yet
        customer = rng.choice(people)
        on = TODAY - timedelta(days=rng.randint(0, 90))
        ledger.payment(customer, f"U-{n:06d}", on, _amount(rng) / 2, None)
    for customer in people:
        mine = docs[customer.ref.key]
        ledger.actions(customer, mine)
        _commitments(ledger, customer, [d for d in mine if d["status"] != "paid"])
    return ledger


def _commitments(ledger: _Ledger, customer: Customer, open_: list[dict[str, Any]]) -> None:
    """Promises for 1 customer in 20, a plan for 1 in 100, a dispute for 1 in 100."""
    rng, n = ledger.rng, int(customer.ref.external_id[1:])
    late = [d for d in open_ if d["due_on"] < TODAY]
    if not late:
        return
    doc = late[0]
    owed = doc["open_balance"]
    if n % 20 == 0:
        recorded = min(TODAY, doc["due_on"] + timedelta(days=rng.randint(5, 200)))
        promise = Promise(
            id=f"PR-{n}",
            customer_ref=customer.ref,
            promised_on=recorded + timedelta(days=rng.randint(3, 40)),
            amount=Money(owed, "EUR"),
            recorded_on=recorded,
            balance_at_promise=Money(owed, "EUR"),
            receivable_refs=(_ref(ledger.tenant, doc["number"]),),
        )
        ledger.side.append((t.promises, {"id": promise.id, **_side(ledger, customer, promise)}))
        ledger.event(
            EventType.PROMISE_RECORDED, customer, recorded,
            promise.model_dump(mode="json"),
            [doc["key"]],
        )  # fmt: skip
    if n % 100 == 1:
        agreed = TODAY - timedelta(days=rng.randint(0, 60))
        parts = 3
        each = (owed / parts).quantize(Decimal("0.01"))
        amounts = [each] * (parts - 1) + [owed - each * (parts - 1)]
        plan = PaymentPlan(
            id=f"PL-{n}",
            customer_ref=customer.ref,
            agreed_on=agreed,
            receivable_refs=(_ref(ledger.tenant, doc["number"]),),
            instalments=tuple(
                Instalment(due_on=agreed + timedelta(days=30 * (i + 1)), amount=Money(a, "EUR"))
                for i, a in enumerate(amounts)
            ),
            balance_at_plan=Money(owed, "EUR"),
        )
        ledger.side.append((t.plans, {"id": plan.id, **_side(ledger, customer, plan)}))
    if n % 100 == 2:
        dispute = Dispute(
            id=f"D-{n}",
            receivable_ref=_ref(ledger.tenant, doc["number"]),
            opened_on=min(TODAY, doc["due_on"] + timedelta(days=10)),
            reason="livraison incomplète",
        )
        ledger.side.append((t.disputes, {"id": dispute.id, **_side(ledger, customer, dispute)}))


def _side(ledger: _Ledger, customer: Customer, record: Any) -> dict[str, Any]:
    return {
        "tenant": ledger.tenant,
        "customer_key": customer.ref.key,
        "data": record.model_dump(mode="json"),
    }


def populate(
    store_url: str,
    tenant: str = "big",
    customers: int = 20_000,
    invoices: int = 100_000,
    seed: int = 7,
) -> dict[str, int]:
    """Fill the store at ``store_url`` (created if need be) with the big tenant; ``invoices``
    open invoices among ``customers`` customers. Returns the rows written per table."""
    ledger = _build(tenant, customers, invoices, seed)
    store = Store.open(store_url)
    try:
        store.ensure_tenant(tenant, platform=Platform.FILES, name=f"{tenant} (benchmark)")
        ledger.rows["events"].sort(key=lambda row: row["at"])  # the trail's order is its ids'
        with store.engine.begin() as conn:
            for name, table in (
                ("customers", t.customers),
                ("receivables", t.receivables),
                ("payments", t.payments),
                ("actions", t.actions),
                ("events", t.events),
            ):
                rows = [{k: v for k, v in r.items() if k != "paid_on"} for r in ledger.rows[name]]
                for chunk in _chunks(rows):
                    conn.execute(insert(table), chunk)
            for table, row in ledger.side:
                conn.execute(insert(table), row)
        # the actions went in as rows: what the store writes as each is carried out, at once
        store.rebuild_action_steps(tenant)
        # as the store does after an import of this size (the rows went in around it)
        store.refresh_statistics()
    finally:
        store.close()
    written = {name: len(rows) for name, rows in ledger.rows.items() if rows}
    written["promises, plans, disputes"] = len(ledger.side)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store-url", required=True)
    parser.add_argument("--tenant", default="big")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    written = populate(args.store_url, args.tenant, args.customers, args.invoices, args.seed)
    elapsed = time.perf_counter() - started
    print(", ".join(f"{n} {name}" for name, n in written.items()))
    print(f"populated tenant {args.tenant!r} in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
