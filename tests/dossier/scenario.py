"""A customer's whole collection story, played by the real executor on a real store.

Invoices (one partly paid, one disputed, one not yet due), a credit note, an unapplied
payment, a promise, a payment plan, reminders by e-mail written to the outbox, a formal
notice by registered letter whose tracking is recorded afterwards, and hostile values in
every field a platform fills (numbers, names, ids), so the file is tested as a court, a
spreadsheet and an unzip would read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

from fpdf import FPDF

from connector.calendar import BusinessCalendar
from connector.channels import channels_for
from connector.clock import FrozenClock
from connector.errors import Unsupported
from connector.executor import Executor
from connector.model import (
    Allocation,
    Contact,
    Creditor,
    Customer,
    Dispute,
    Instalment,
    Payment,
    PaymentPlan,
    Platform,
    PostalAddress,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.policy import default_policy
from connector.store import ActionStatus, Store
from tests.integration.builders import MemorySource

TENANT = "acme"
START = date(2025, 12, 29)
AS_OF = date(2026, 5, 15)  # inside the rate tables: every figure is computed
CUSTOMER_ID = "../C:\\evil\x07"
NAME = '=HYPERLINK("http://evil.example","Garage Perrin")'
TRACKING = "1A 234 567 8901 2"
POSTED_ON = date(2026, 2, 5)
RECEIVED_ON = date(2026, 2, 7)

CREDITOR = Creditor(
    name="Atelier Lumen",
    legal_form="SAS",
    registration_id="512 345 678",
    rcs_city="Lyon",
    share_capital=Money.of("10000", "EUR"),
    vat_id="FR47512345678",
    email="relances@lumen.example",
    iban="FR76 3000 6000 0112 3456 7890 189",
    address=PostalAddress(lines=("14 rue Burdeau",), postal_code="69001", city="Lyon"),
    signatory="Claire Martin",
    signatory_title="Comptabilité clients",
)

# numbers a platform could hand over: formulas, paths, a drive letter, a control character
PASSWD = "../../etc/passwd"  # claimed, no PDF at the source: rebuilt
FORMULA = "=1+1"  # claimed, partly paid, the source has its PDF
DRIVE = "C:\\x"  # disputed: not claimed
CMD = "+cmd|' /C calc'!A0"  # not yet due: not claimed
CREDIT = "-2+3"  # an open credit note
UNAPPLIED = "@SUM(A1:A9)"  # a payment not allocated to any invoice


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=external_id)


def _document(
    number: str, issued: date, due: date, total: str, open_: str, kind: ReceivableKind
) -> Receivable:
    balance = Money.of(open_, "EUR")
    return Receivable(
        ref=ref(number),
        customer_ref=ref(CUSTOMER_ID),
        kind=kind,
        number=number,
        issued_on=issued,
        due_on=due,
        currency="EUR",
        total=Money.of(total, "EUR"),
        open_balance=balance,
        status=ReceivableStatus.PARTIALLY_PAID
        if balance != Money.of(total, "EUR")
        else ReceivableStatus.OPEN,
        document_url=f"https://factures.lumen.example/{number}.pdf",
    )


INVOICES = (
    _document(
        PASSWD, date(2025, 12, 1), date(2026, 1, 5), "1200.00", "1200.00", ReceivableKind.INVOICE
    ),
    _document(
        FORMULA, date(2025, 12, 20), date(2026, 1, 19), "3000.00", "1800.00", ReceivableKind.INVOICE
    ),
    _document(
        DRIVE, date(2026, 1, 16), date(2026, 2, 15), "500.00", "500.00", ReceivableKind.INVOICE
    ),
    _document(CMD, date(2026, 5, 1), date(2026, 5, 31), "800.00", "800.00", ReceivableKind.INVOICE),
    _document(
        CREDIT, date(2026, 2, 2), date(2026, 2, 2), "150.00", "150.00", ReceivableKind.CREDIT_NOTE
    ),
)
PAYMENTS = (
    Payment(
        ref=ref("P-1"),
        customer_ref=ref(CUSTOMER_ID),
        received_on=date(2026, 1, 10),
        amount=Money.of("1200.00", "EUR"),
        unapplied=Money.of("0", "EUR"),
        allocations=(Allocation(receivable_ref=ref(FORMULA), amount=Money.of("1200.00", "EUR")),),
    ),
    Payment(
        ref=ref(UNAPPLIED),
        customer_ref=ref(CUSTOMER_ID),
        received_on=date(2026, 3, 20),
        amount=Money.of("100.00", "EUR"),
        unapplied=Money.of("100.00", "EUR"),
    ),
)


def _source_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "Facture d'origine (source)")
    return bytes(pdf.output())


SOURCE_PDF = _source_pdf()  # the same bytes every time: compared with the file's copy


@dataclass
class InvoiceSource(MemorySource):
    """The platform keeps the PDF of one invoice, not of the others."""

    platform: ClassVar[Platform] = Platform.FILES

    def document(self, ref: SourceRef) -> bytes:
        if ref.external_id == FORMULA:
            return SOURCE_PDF
        raise Unsupported("no PDF for this invoice")


@dataclass(frozen=True)
class Scenario:
    store: Store
    outbox: Path
    customer_ref: SourceRef
    notice_key: str


def play(store: Store, outbox: Path, clock: FrozenClock) -> Scenario:
    """Seed the ledger and run every business day from START to AS_OF."""
    store.ensure_tenant(TENANT, platform=Platform.FILES, name=CREDITOR.name)
    customer = Customer(
        ref=ref(CUSTOMER_ID),
        name=NAME,
        registration_id="311 647 753",
        address=PostalAddress(
            lines=("54 rue de la République",), postal_code="69200", city="Vénissieux"
        ),
        contacts=(Contact(name="Comptabilité", email="ap@perrin.example", primary=True),),
    )
    store.upsert_ledger(
        TENANT, customers=[customer], receivables=list(INVOICES), payments=list(PAYMENTS)
    )
    store.add_dispute(
        TENANT,
        Dispute(
            id="D-1",
            receivable_ref=ref(DRIVE),
            opened_on=date(2026, 2, 20),
            reason="=livraison incomplète",
        ),
    )
    store.add_promise(
        TENANT,
        Promise(
            id="PR-1",
            customer_ref=ref(CUSTOMER_ID),
            promised_on=date(2026, 3, 31),
            amount=Money.of("500.00", "EUR"),
            recorded_on=date(2026, 3, 16),
            balance_at_promise=Money.of("3000.00", "EUR"),
            note="@virement annoncé",
        ),
    )
    store.add_plan(
        TENANT,
        PaymentPlan(
            id="PL-1",
            customer_ref=ref(CUSTOMER_ID),
            agreed_on=date(2026, 4, 20),
            receivable_refs=(ref(FORMULA),),
            instalments=(
                Instalment(due_on=date(2026, 5, 5), amount=Money.of("900.00", "EUR")),
                Instalment(due_on=date(2026, 6, 5), amount=Money.of("900.00", "EUR")),
            ),
            balance_at_plan=Money.of("1800.00", "EUR"),
            cancelled_on=date(2026, 5, 12),
        ),
    )
    # the notice goes as planned (no approval): the dossier is about what was sent
    policy = default_policy().model_copy(update={"approval": frozenset()})
    executor = Executor(
        store=store,
        tenant=TENANT,
        policy=policy,
        calendar=BusinessCalendar.for_window(policy.send_window, "FR"),
        creditor=CREDITOR,
        channels=channels_for(outbox_dir=outbox, smtp=None, clock=clock, creditor=CREDITOR),
        clock=clock,
    )
    day = START
    while day <= AS_OF:
        clock.advance(FrozenClock.on(day).now() - clock.now())
        if executor.calendar.is_send_day(day):
            executor.run(day)
        # as `relance action letter KEY --tracking … --posted-on …`, then `--received-on …`
        for letter in store.letters_to_post(TENANT):
            store.record_posting(
                TENANT, letter.key, policy=policy, posted_on=POSTED_ON, tracking_number=TRACKING
            )
        if day == RECEIVED_ON:
            for letter in store.actions(TENANT, status=ActionStatus.POSTED):
                store.record_posting(TENANT, letter.key, policy=policy, received_on=day)
        day += timedelta(days=1)
    (notice,) = store.actions(TENANT, status=ActionStatus.POSTED)
    return Scenario(store, outbox, ref(CUSTOMER_ID), notice.key)
