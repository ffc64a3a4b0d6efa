"""A ledger small enough to figure by hand, as the store holds it on 12 March 2026; the
tests look at it as of 10 March 2026 (``AS_OF``), so what is dated 11 or 12 March is "the
future" they must not see.

Tenant ``acme``; customers C1 and C2 owe euros, C3 pounds.

==========  ====  ========  ==========  ==========  =======  ==========================
document    who   kind      issued      due         total    open on 12 March
==========  ====  ========  ==========  ==========  =======  ==========================
F-1         C1    invoice   2026-01-05  2026-02-04  1000.00  0 (P1, 20 Feb: 1000)
F-2         C1    invoice   2026-01-20  2026-02-19   500.00  0 (P2, 5 Mar: 300; P4, 12 Mar: 200)
F-3         C2    invoice   2026-02-10  2026-03-12   800.00  800.00
A-1         C2    credit    2026-02-15  2026-02-15    50.00  50.00
F-4         C3    invoice   2025-12-01  2025-12-31   300.00  300.00 GBP
F-5         C2    invoice   2026-03-11  2026-04-10   999.00  999.00 (issued after AS_OF)
==========  ====  ========  ==========  ==========  =======  ==========================

P3 (C2, 1 March): 70.00 unapplied. Actions carried out (all e-mails): reminder_1 on F-1 on
10 Feb, courtesy on F-3 on 12 Feb (F-3 not due: an "upcoming" line), reminder_1 on F-2 on
25 Feb, reminder_2 on F-2 on 5 Mar, escalation on F-2 on 11 Mar (after AS_OF); a
formal_notice on F-2 only planned, never done. Promises: PR1 (C1, 300 by 25 Feb on F-2,
recorded 20 Feb, F-2 then owing 500), PR2 (C2, 800 by 1 Mar on F-3, recorded 25 Feb), PR3
(C2, 400 by 20 Mar on F-3, recorded 8 Mar), PR4 (C1, recorded 11 Mar: after AS_OF). Plan
PL1 (C3, agreed 1 Mar, on F-4: 150 GBP on 15 Mar and 150 GBP on 15 Apr).
"""

from __future__ import annotations

from datetime import date

from connector.dunning.items import ClaimLine, ItemKind
from connector.model import (
    Allocation,
    Channel,
    Contact,
    Customer,
    Instalment,
    Payment,
    PaymentPlan,
    Platform,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
    StepKind,
)
from connector.money import Money
from connector.planner import PlannedAction
from connector.policy import default_policy
from connector.store import Store

AS_OF = date(2026, 3, 10)
POLICY = default_policy()
TENANT = "acme"


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=external_id)


def _doc(
    number: str, cid: str, issued: date, due: date, total: str, open_: str, currency: str = "EUR"
) -> Receivable:
    credit = number.startswith("A-")
    status = (
        ReceivableStatus.PAID
        if open_ == "0"
        else ReceivableStatus.OPEN
        if open_ == total
        else ReceivableStatus.PARTIALLY_PAID
    )
    return Receivable(
        ref=ref(number),
        customer_ref=ref(cid),
        kind=ReceivableKind.CREDIT_NOTE if credit else ReceivableKind.INVOICE,
        number=number,
        issued_on=issued,
        due_on=due,
        currency=currency,
        total=Money.of(total, currency),
        open_balance=Money.of(open_, currency),
        status=status,
    )


def _payment(pid: str, cid: str, on: date, amount: str, *to: tuple[str, str]) -> Payment:
    allocated = sum((Money.of(a, "EUR") for _, a in to), Money.of("0", "EUR"))
    return Payment(
        ref=ref(pid),
        customer_ref=ref(cid),
        received_on=on,
        amount=Money.of(amount, "EUR"),
        unapplied=Money.of(amount, "EUR") - allocated,
        allocations=tuple(
            Allocation(receivable_ref=ref(n), amount=Money.of(a, "EUR")) for n, a in to
        ),
    )


def _action(key: str, cid: str, step: str, kind: StepKind, on: date, number: str) -> PlannedAction:
    doc = DOCS[number]
    line = ClaimLine(
        key=doc.ref.key,
        kind=ItemKind.RECEIVABLE,
        number=number,
        issued_on=doc.issued_on,
        due_on=doc.due_on,
        open=doc.total,
        total=doc.total,
        days_late=max((on - doc.due_on).days, 0),
        ref=doc.ref,
    )
    courtesy = kind is StepKind.COURTESY
    return PlannedAction(
        key=key,
        customer_ref=ref(cid),
        step=step,
        kind=kind,
        channel=Channel.EMAIL,
        template=step,
        planned_on=on,
        lines=() if courtesy else (line,),
        upcoming=(line,) if courtesy else (),
    )


DOCS = {
    d.number: d
    for d in (
        _doc("F-1", "C1", date(2026, 1, 5), date(2026, 2, 4), "1000.00", "0"),
        _doc("F-2", "C1", date(2026, 1, 20), date(2026, 2, 19), "500.00", "0"),
        _doc("F-3", "C2", date(2026, 2, 10), date(2026, 3, 12), "800.00", "800.00"),
        _doc("A-1", "C2", date(2026, 2, 15), date(2026, 2, 15), "50.00", "50.00"),
        _doc("F-4", "C3", date(2025, 12, 1), date(2025, 12, 31), "300.00", "300.00", "GBP"),
        _doc("F-5", "C2", date(2026, 3, 11), date(2026, 4, 10), "999.00", "999.00"),
    )
}


def _promise(pid: str, cid: str, by: date, amount: str, recorded: date, balance: str) -> Promise:
    return Promise(
        id=pid,
        customer_ref=ref(cid),
        promised_on=by,
        amount=Money.of(amount, "EUR"),
        recorded_on=recorded,
        balance_at_promise=Money.of(balance, "EUR"),
        receivable_refs=(ref("F-2") if cid == "C1" else ref("F-3"),),
    )


def build(store: Store) -> None:
    store.ensure_tenant(TENANT, platform=Platform.FILES, name="Acme")
    customers = [
        Customer(
            ref=ref(cid),
            name=f"Client {cid} <&> « test »",
            contacts=(Contact(name="Compta", email=f"{cid.lower()}@example.fr", primary=True),),
        )
        for cid in ("C1", "C2", "C3")
    ]
    payments = [
        _payment("P1", "C1", date(2026, 2, 20), "1000.00", ("F-1", "1000.00")),
        _payment("P2", "C1", date(2026, 3, 5), "300.00", ("F-2", "300.00")),
        _payment("P3", "C2", date(2026, 3, 1), "70.00"),
        _payment("P4", "C1", date(2026, 3, 12), "200.00", ("F-2", "200.00")),
    ]
    store.upsert_ledger(
        TENANT, customers=customers, receivables=list(DOCS.values()), payments=payments
    )
    done = [
        _action("a1", "C1", "reminder_1", StepKind.REMINDER, date(2026, 2, 10), "F-1"),
        _action("a2", "C2", "courtesy", StepKind.COURTESY, date(2026, 2, 12), "F-3"),
        _action("a3", "C1", "reminder_1", StepKind.REMINDER, date(2026, 2, 25), "F-2"),
        _action("a4", "C1", "reminder_2", StepKind.REMINDER, date(2026, 3, 5), "F-2"),
        _action("a5", "C1", "escalation", StepKind.ESCALATION, date(2026, 3, 11), "F-2"),
    ]
    for action in done:
        store.record_action(TENANT, action)
        store.mark_sending(TENANT, action.key)
        store.mark_sent(
            TENANT, action.key, receipt="<id@x>", policy=POLICY, done_on=action.planned_on
        )
    store.record_action(
        TENANT, _action("a6", "C1", "formal_notice", StepKind.NOTICE, date(2026, 3, 1), "F-2")
    )
    for promise in (
        _promise("PR1", "C1", date(2026, 2, 25), "300.00", date(2026, 2, 20), "500.00"),
        _promise("PR2", "C2", date(2026, 3, 1), "800.00", date(2026, 2, 25), "800.00"),
        _promise("PR3", "C2", date(2026, 3, 20), "400.00", date(2026, 3, 8), "800.00"),
        _promise("PR4", "C1", date(2026, 3, 20), "100.00", date(2026, 3, 11), "200.00"),
    ):
        store.add_promise(TENANT, promise)
    store.add_plan(
        TENANT,
        PaymentPlan(
            id="PL1",
            customer_ref=ref("C3"),
            agreed_on=date(2026, 3, 1),
            receivable_refs=(ref("F-4"),),
            instalments=(
                Instalment(due_on=date(2026, 3, 15), amount=Money.of("150.00", "GBP")),
                Instalment(due_on=date(2026, 4, 15), amount=Money.of("150.00", "GBP")),
            ),
            balance_at_plan=Money.of("300.00", "GBP"),
        ),
    )
