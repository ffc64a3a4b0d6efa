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
from pathlib import Path

import pytest

from adapters.files.source import FileSource
from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from adapters.pennylane.writeback import WriteOptions
from connector.clock import FrozenClock
from connector.http import HttpClient
from connector.model import SourceRef
from connector.settings import FilesSourceConfig
from connector.source import Source
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState, seed
from tests.pennylane.conftest import StaticToken
from tests.secrets_watch import watch

WEBHOOK_SECRET = "whsec_contract_suite"
watch(WEBHOOK_SECRET)
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


@pytest.fixture(params=["files", "pennylane"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "files":
        yield from _files(tmp_path)
    else:
        yield from _pennylane()
