"""Builders for whole-cycle tests: a small ledger as model objects, and a source in memory.

The in-memory source implements connector.source.Source the way a platform adapter does
(fresh balances, write-back); it stands in for no network service.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

from connector.calendar import BusinessCalendar
from connector.channels import channels_for
from connector.clock import FrozenClock
from connector.errors import Unsupported
from connector.executor import Executor
from connector.model import (
    Contact,
    Creditor,
    Customer,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableStatus,
    SourceRef,
    StepKind,
)
from connector.money import Money
from connector.policy import Policy, default_policy
from connector.settings import SmtpConfig
from connector.source import Batch, Cursor, Event, Outcome, Resource, WriteReceipt
from connector.store import Store
from tests.smtp_server import SmtpServer

TENANT = "acme"


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=external_id)


def customer(
    cid: str,
    name: str,
    *,
    email: str | None = "ap@example.com",
    language: str = "fr",
    address: bool = True,
    phone: str | None = "+33 1 00 00 00 00",
) -> Customer:
    return Customer(
        ref=ref(cid),
        name=name,
        language=language,
        address=PostalAddress(lines=("1 rue de la Paix",), postal_code="75002", city="Paris")
        if address
        else None,
        contacts=(Contact(name="Comptabilité", email=email, phone=phone, primary=True),),
    )


def relay(server: SmtpServer) -> SmtpConfig:
    """The SMTP settings of a test server on loopback."""
    return SmtpConfig(host="127.0.0.1", port=server.port, security="none", timeout=5)


def invoice(
    iid: str,
    cid: str,
    due: date,
    amount: str,
    *,
    open_: str | None = None,
    issued: date | None = None,
) -> Receivable:
    total = Money.of(amount, "EUR")
    balance = Money.of(open_ if open_ is not None else amount, "EUR")
    return Receivable(
        ref=ref(iid),
        customer_ref=ref(cid),
        number=iid,
        issued_on=issued or due - timedelta(days=30),
        due_on=due,
        currency="EUR",
        total=total,
        open_balance=balance,
        status=ReceivableStatus.OPEN if balance.is_positive else ReceivableStatus.PAID,
    )


CREDITOR = Creditor(
    name="Atelier Test SAS",
    registration_id="123 456 789",
    email="relances@example.com",
    reply_to="compta@example.com",
    iban="FR76 3000 6000 0112 3456 7890 189",
    address=PostalAddress(lines=("2 quai Test",), postal_code="69002", city="Lyon"),
    signatory="Claire Martin",
)


@dataclass
class MemorySource:
    """A source whose balances the test controls; records what is written back."""

    platform: ClassVar[Platform] = Platform.FILES
    balances: dict[str, Money] = field(default_factory=dict)
    written: list[tuple[str, Outcome]] = field(default_factory=list)
    balance_calls: int = 0

    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        raise Unsupported("the test source has nothing to pull")

    def open_balance(self, ref: SourceRef) -> Money:
        self.balance_calls += 1
        return self.balances[ref.key]

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        self.written.append((ref.key, outcome))
        return WriteReceipt(written={ref.key: outcome.step})

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        raise Unsupported("no webhooks")

    def document(self, ref: SourceRef) -> bytes:
        raise Unsupported("no invoice PDFs")


def make_executor(
    store: Store,
    outbox: Path,
    source: MemorySource | None,
    day: date,
    smtp: SmtpConfig | None = None,
    policy: Policy | None = None,
) -> Executor:
    policy = policy or default_policy()
    clock = FrozenClock.on(day)
    return Executor(
        store=store,
        tenant=TENANT,
        policy=policy,
        calendar=BusinessCalendar.for_window(policy.send_window, "FR"),
        creditor=CREDITOR,
        channels=channels_for(outbox_dir=outbox, smtp=smtp, clock=clock, creditor=CREDITOR),
        clock=clock,
        source=source,
    )


def without_approval(policy: Policy | None = None) -> Policy:
    """The default policy (or ``policy``) with no step waiting for a person's approval: for
    the tests about something else than approval."""
    return (policy or default_policy()).model_copy(update={"approval": frozenset()})


def approving(*kinds: str) -> Policy:
    """The default policy with the steps of ``kinds`` waiting for a person's approval."""
    return default_policy().model_copy(update={"approval": frozenset(map(StepKind, kinds))})
