"""A full and an incremental Pennylane pull against the emulator, its rate limit on.

    python benchmarks/pennylane_pull.py                          # 20k invoices, 5k customers
    python benchmarks/pennylane_pull.py --invoices 2000 --customers 500   # a quick look

The emulator (tests/emulators/pennylane) runs on loopback with the real clock and its
25-requests-per-5-seconds window per token, as Pennylane documents. Printed figures:

* requests made and 429s received (target: 0);
* wall time against the floor the rate limit alone imposes — N requests at 25 per 5 s
  cannot take less than (ceil(N / 25) - 1) x 5 s (target: within 10 % of it);
* the payments: one read of matched transactions per partly paid invoice (the first sync
  only; ``--no-payments`` skips it), requests and time;
* the incremental pull after 1 % of the invoices changed: requests and time.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from connector.clock import SystemClock
from connector.http import HttpClient
from connector.source import Cursor, Resource
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState, seed
from tests.pennylane.conftest import StaticToken


def floor_seconds(requests: int) -> float:
    return max(0, math.ceil(requests / 25) - 1) * 5.0


def pull(
    source: PennylaneSource,
    cursors: dict[Resource, Cursor | None],
    resources: tuple[Resource, ...] = (Resource.CUSTOMERS, Resource.RECEIVABLES),
) -> tuple[int, int, int]:
    customers = receivables = payments = 0
    for resource in resources:
        for batch in source.pull(resource, cursors.get(resource)):
            customers += len(batch.customers)
            receivables += len(batch.receivables)
            payments += len(batch.payments)
            cursors[resource] = batch.cursor
    return customers, receivables, payments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--no-payments", action="store_true")
    args = parser.parse_args()

    clock = SystemClock()
    state = PennylaneState(clock)
    today = clock.now().date()
    seeded = seed(state, customers=args.customers, invoices=args.invoices, today=today)
    # the ledger was built before the first sync; changelog entries predate it
    for changes in state.changes.values():
        for change in changes:
            change.processed_at -= timedelta(hours=1)
    server = PennylaneEmulator(state).start()
    http = HttpClient(
        POLICY,
        base_url=server.base_url,
        tenant="bench",
        clock=clock,
        auth=StaticToken(),
        classify=classify,
    )
    source = PennylaneSource(
        PennylaneClient(http), "bench", clock, read_payments=not args.no_payments
    )
    print(
        f"ledger: {seeded.customers} customers, {seeded.invoices} invoices "
        f"({seeded.open_invoices} open, {seeded.credit_notes} credit notes)"
    )

    cursors: dict[Resource, Cursor | None] = {}
    started = time.perf_counter()
    customers, receivables, _ = pull(source, cursors)
    wall = time.perf_counter() - started
    calls = len(state.calls)
    floor = floor_seconds(calls)
    print(f"full pull: {customers} customers, {receivables} receivables")
    overhead = f"{100 * (wall - floor) / floor:.1f} %" if floor else "n/a (within one burst)"
    print(
        f"  requests {calls}, 429s {state.throttled}, wall {wall:.1f} s, "
        f"rate-limit floor {floor:.1f} s, overhead {overhead}"
    )

    if not args.no_payments:
        time.sleep(5.2)
        before = len(state.calls)
        started = time.perf_counter()
        _, _, payments = pull(source, cursors, (Resource.PAYMENTS,))
        wall = time.perf_counter() - started
        calls = len(state.calls) - before
        print(f"payments of partly paid invoices: {payments} payments")
        print(
            f"  requests {calls}, 429s {state.throttled}, wall {wall:.1f} s, "
            f"rate-limit floor {floor_seconds(calls):.1f} s"
        )

    # 1 % of the invoices change (payments, edits), then the incremental pull
    time.sleep(1.0)
    changed = sorted(state.invoices)[:: max(1, 100)][: max(1, args.invoices // 100)]
    for invoice_id in changed:
        record = state.invoices[invoice_id]
        state.put("customer_invoices", {**record, "remaining_amount_with_tax": "0.00"})
    time.sleep(5.2)  # a fresh rate-limit window, so the figure is the pull's own
    before, throttled = len(state.calls), state.throttled
    started = time.perf_counter()
    customers, receivables, payments = pull(
        source, cursors, (Resource.CUSTOMERS, Resource.RECEIVABLES, Resource.PAYMENTS)
    )
    wall = time.perf_counter() - started
    calls = len(state.calls) - before
    print(f"incremental pull after {len(changed)} changed invoices: {receivables} receivables")
    print(f"  {payments} payments read with them")
    print(f"  requests {calls}, 429s {state.throttled - throttled}, wall {wall:.2f} s")
    http.close()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
