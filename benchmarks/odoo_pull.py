"""A full pull of 10,000 open invoices from the Odoo emulator, over JSON-2 and JSON-RPC.

    python benchmarks/odoo_pull.py
    python benchmarks/odoo_pull.py --invoices 2000

or from a real Odoo (the database benchmarks/odoo_addon_cycle.py seeds, for instance), over
each protocol it serves:

    RELANCE_BENCH_ODOO_KEY=… python benchmarks/odoo_pull.py --url http://127.0.0.1:8069 \
        --database bench --login admin

Prints, per protocol: requests (search_read pages of 500, the instalment lines, the
partners), wall time, and the invoices read. The emulator runs in-process on loopback; Odoo
itself sets no rate limit, relance paces itself at 20 requests a second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import SystemClock
from connector.http import HttpClient
from connector.source import Resource
from tests.emulators.odoo import OdooEmulator, OdooState, seed


def full_pull(source: OdooSource) -> tuple[int, int, float]:
    """Customers and open invoices read whole: (customers, invoices, seconds)."""
    started = time.perf_counter()
    customers = sum(len(b.customers) for b in source.pull(Resource.CUSTOMERS, None))
    invoices = sum(len(b.receivables) for b in source.pull(Resource.RECEIVABLES, None))
    return customers, invoices, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--url", help="a real Odoo instead of the emulator")
    parser.add_argument("--database")
    parser.add_argument("--login")
    args = parser.parse_args()
    clock = SystemClock()
    if args.url:
        return real(args, clock)
    for version, name in (((19, 0), "JSON-2 (Odoo 19)"), ((17, 0), "JSON-RPC (Odoo 17)")):
        state = OdooState(clock, version=version)
        # every invoice open: the seed's paid share is kept, so ask for enough to get 10k open
        seed(state, customers=args.customers, invoices=args.invoices * 2, today=clock.now().date())
        opened = [
            m
            for m in state.records["account.move"].values()
            if m["state"] == "posted" and m["payment_state"] in ("not_paid", "partial")
        ]
        for extra in opened[args.invoices :]:  # trim to the size asked
            state.put("account.move", {**extra, "payment_state": "paid", "amount_residual": 0.0})
        server = OdooEmulator(state).start()
        http = HttpClient(POLICY, base_url=server.url, tenant="b", clock=clock, classify=classify)
        client = OdooClient(http, database="acme", login="relance-bot", key="odoo-key-0123456789")
        source = OdooSource(client, "b", clock)
        state.calls.clear()
        customers, invoices, wall = full_pull(source)
        print(
            f"{name}: {invoices} open invoices and {customers} customers in "
            f"{len(state.calls)} requests, {wall:.1f} s"
        )
        http.close()
        server.stop()


def real(args: argparse.Namespace, clock: SystemClock) -> None:
    key = os.environ.get("RELANCE_BENCH_ODOO_KEY")
    if not (key and args.database and args.login):
        sys.exit("--url needs --database, --login and RELANCE_BENCH_ODOO_KEY")
    for protocol in (None, "jsonrpc", "xmlrpc"):
        http = HttpClient(POLICY, base_url=args.url, tenant="b", clock=clock, classify=classify)
        calls: list[str] = []
        http.session.hooks["response"].append(lambda r, *a, seen=calls, **k: seen.append(r.url))
        client = OdooClient(
            http, database=args.database, login=args.login, key=key, protocol=protocol
        )
        source = OdooSource(client, "b", clock)
        customers, invoices, wall = full_pull(source)
        print(
            f"real Odoo {client.version} over {client.protocol}: {invoices} open invoices and "
            f"{customers} customers in {len(calls)} requests, {wall:.1f} s"
        )
        http.close()


if __name__ == "__main__":
    main()
