"""A reminder a real SMTP relay took is filed in the collection file as it went out: the
copy the e-mail channel kept at sending, byte for byte what the relay received."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from connector.calendar import BusinessCalendar
from connector.channels import channels_for
from connector.clock import FrozenClock
from connector.dossier import build_dossier
from connector.executor import Executor
from connector.model import (
    Contact,
    Customer,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.policy import default_policy
from connector.settings import SmtpConfig
from connector.store import ActionStatus, Store
from tests.smtp_server import SmtpServer

from .scenario import CREDITOR, TENANT

DAY = date(2026, 3, 10)


def _ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=external_id)


def test_a_reminder_the_relay_took_is_filed_as_the_copy_kept_at_sending(tmp_path: Path) -> None:
    relay = SmtpServer().start()
    clock = FrozenClock.on(DAY)
    policy = default_policy()
    try:
        with Store.open(f"sqlite:///{tmp_path / 'relance.sqlite'}", clock=clock) as store:
            store.ensure_tenant(TENANT, platform=Platform.FILES, name=CREDITOR.name)
            customer = Customer(
                ref=_ref("C1"),
                name="Menuiserie Girard",
                address=PostalAddress(
                    lines=("54 rue Garibaldi",), postal_code="69006", city="Lyon"
                ),
                contacts=(Contact(name="Comptabilité", email="ap@girard.example", primary=True),),
            )
            invoice = Receivable(
                ref=_ref("F-1"),
                customer_ref=customer.ref,
                number="F-1",
                issued_on=date(2026, 2, 7),
                due_on=date(2026, 3, 9),
                currency="EUR",
                total=Money.of("1200", "EUR"),
                open_balance=Money.of("1200", "EUR"),
                status=ReceivableStatus.OPEN,
            )
            store.upsert_ledger(TENANT, customers=[customer], receivables=[invoice], payments=[])
            smtp = SmtpConfig(host="127.0.0.1", port=relay.port, security="none", timeout=5)
            Executor(
                store=store,
                tenant=TENANT,
                policy=policy,
                calendar=BusinessCalendar.for_window(policy.send_window, "FR"),
                creditor=CREDITOR,
                channels=channels_for(
                    outbox_dir=tmp_path / "outbox", smtp=smtp, clock=clock, creditor=CREDITOR
                ),
                clock=clock,
            ).run(DAY)
            (sent,) = store.actions(TENANT, status=ActionStatus.SENT)
            assert sent.receipt is not None and sent.receipt.startswith("<")  # a Message-ID
            result = build_dossier(
                store,
                TENANT,
                customer.ref,
                creditor=CREDITOR,
                policy=policy,
                as_of=DAY,
                out=tmp_path / "dossier.zip",
            )
    finally:
        relay.stop()
    (went,) = relay.messages
    with zipfile.ZipFile(result.path) as archive:
        (eml,) = [n for n in archive.namelist() if n.endswith("-reminder_1.eml")]
        assert archive.read(eml) == went.data
        assert not [n for n in archive.namelist() if n.endswith("-reminder_1.txt")], "not rebuilt"
