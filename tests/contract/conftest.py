"""One harness per source: the same contract suite runs over every adapter.

A harness gives a source over realistic data, the clock it runs on, and one way to change
that data as the business would (an invoice paid in full). QuickBooks and Odoo join the
``params`` list when their adapters land.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.files.source import FileSource
from adapters.odoo.client import POLICY as ODOO_POLICY
from adapters.odoo.client import OdooClient
from adapters.odoo.client import classify as odoo_classify
from adapters.odoo.source import OdooSource
from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from adapters.pennylane.writeback import WriteOptions
from adapters.quickbooks.client import POLICY as QB_POLICY
from adapters.quickbooks.client import QuickBooksClient
from adapters.quickbooks.client import classify as qb_classify
from adapters.quickbooks.source import QuickBooksSource
from connector.clock import FrozenClock
from connector.http import HttpClient
from connector.model import SourceRef
from connector.settings import FilesSourceConfig
from connector.source import Source
from tests.emulators.odoo import OdooEmulator, OdooState
from tests.emulators.odoo import seed as odoo_seed
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState, seed
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState
from tests.emulators.quickbooks import seed as qb_seed
from tests.pennylane.conftest import StaticToken
from tests.secrets_watch import watch

WEBHOOK_SECRET = "whsec_contract_suite"
QB_VERIFIER = "qbo-contract-verifier"
watch(WEBHOOK_SECRET, QB_VERIFIER)
SAMPLE = Path(__file__).parents[2] / "adapters" / "files" / "sample"


@dataclass
class Harness:
    name: str
    source: Source
    clock: FrozenClock
    pay_in_full: Callable[[SourceRef], None]
    writes_back: bool  # whether the platform keeps a trail (files do not)


def _files(tmp_path: Path) -> Iterator[Harness]:
    folder = tmp_path / "ledger"
    shutil.copytree(SAMPLE, folder)
    clock = FrozenClock.on(date(2026, 3, 10))

    def pay(ref: SourceRef) -> None:
        path = folder / "invoices.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        number = ref.external_id.split(":")[-1]
        for row in rows:
            if row["number"] == number or ref.external_id.endswith(row["number"]):
                row["open"] = "0"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        clock.advance(timedelta(minutes=1))

    yield Harness("files", FileSource("acme", FilesSourceConfig(csv_dir=folder)), clock, pay, False)


def _pennylane() -> Iterator[Harness]:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = PennylaneState(clock)
    seed(state, customers=60, invoices=400, today=clock.now().date())
    state.add_group("Relances")
    server = PennylaneEmulator(state)
    server.start()
    http = HttpClient(
        POLICY,
        base_url=server.base_url,
        tenant="acme",
        clock=clock,
        auth=StaticToken(),
        classify=classify,
    )
    source = PennylaneSource(
        PennylaneClient(http),
        "acme",
        clock,
        options=WriteOptions(category_group="Relances"),
        webhook_secret=WEBHOOK_SECRET,
    )

    def pay(ref: SourceRef) -> None:
        clock.advance(timedelta(minutes=1))
        record = state.invoices[int(ref.external_id.split(":")[1])]
        state.put(
            "customer_invoices",
            {**record, "remaining_amount_with_tax": "0.00", "paid": True, "status": "paid"},
        )
        clock.advance(timedelta(minutes=1))

    try:
        yield Harness("pennylane", source, clock, pay, True)
    finally:
        http.close()
        server.shutdown()
        server.server_close()


def _quickbooks() -> Iterator[Harness]:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = QuickBooksState(clock)
    qb_seed(state, customers=60, invoices=400, today=clock.now().date())
    server = QuickBooksEmulator(state).start()
    http = HttpClient(
        QB_POLICY,
        base_url=server.base_url,
        tenant="acme",
        clock=clock,
        auth=StaticToken(state.issue_pair()["access_token"]),
        classify=qb_classify,
    )
    source = QuickBooksSource(QuickBooksClient(http, REALM), "acme", clock, verifier=QB_VERIFIER)

    def pay(ref: SourceRef) -> None:
        clock.advance(timedelta(minutes=1))
        kind, _, qbo_id = ref.external_id.partition(":")
        entity = "Invoice" if kind == "invoice" else "CreditMemo"
        record = state.data[REALM][entity][qbo_id]
        state.put(entity, {**record, "Balance": Decimal(0), "RemainingCredit": Decimal(0)})
        clock.advance(timedelta(minutes=1))

    try:
        yield Harness("quickbooks", source, clock, pay, True)
    finally:
        http.close()
        server.stop()


def _odoo() -> Iterator[Harness]:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = OdooState(clock)
    odoo_seed(state, customers=10, invoices=300, today=clock.now().date())
    server = OdooEmulator(state).start()
    http = HttpClient(
        ODOO_POLICY, base_url=server.url, tenant="acme", clock=clock, classify=odoo_classify
    )
    client = OdooClient(http, database="acme", login="relance-bot", key="odoo-key-0123456789")
    source = OdooSource(client, "acme", clock)

    def pay(ref: SourceRef) -> None:
        clock.advance(timedelta(minutes=1))
        move = state.records["account.move"][int(ref.external_id.split(":")[1])]
        state.put("account.move", {**move, "payment_state": "paid", "amount_residual": 0.0})
        clock.advance(timedelta(minutes=1))

    try:
        yield Harness("odoo", source, clock, pay, True)
    finally:
        http.close()
        server.stop()


@pytest.fixture(params=["files", "pennylane", "quickbooks", "odoo"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "files":
        yield from _files(tmp_path)
    elif request.param == "pennylane":
        yield from _pennylane()
    elif request.param == "quickbooks":
        yield from _quickbooks()
    else:
        yield from _odoo()
