"""Run the QuickBooks emulator in its own process (for benchmarks).

    python -m tests.emulators.quickbooks --customers 20000 --invoices 100000

Prints one JSON line (port, realm, an access token valid for an hour, the verifier) once it
serves; stops when its standard input closes. ``GET /_stats`` answers the request count.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta

from connector.clock import SystemClock

from .seed import seed
from .server import QuickBooksEmulator
from .state import REALM, QuickBooksState


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--paid-share", type=float, default=0.0)
    args = parser.parse_args()
    clock = SystemClock()
    state = QuickBooksState(clock)
    seeded = seed(
        state,
        customers=args.customers,
        invoices=args.invoices,
        today=clock.now().date(),
        paid_share=args.paid_share,
    )
    for change in state.changes:  # the books were kept long before relance arrived
        change.at -= timedelta(hours=1)
    server = QuickBooksEmulator(state).start()
    token = state.issue_pair()["access_token"]
    line = {
        "port": server.server_port,
        "realm": REALM,
        "token": token,
        "open_invoices": seeded.open_invoices,
        "payments": seeded.payments,
        "credit_memos": seeded.credit_memos,
    }
    print(json.dumps(line), flush=True)
    sys.stdin.read()  # until the parent closes it
    server.stop()


if __name__ == "__main__":
    main()
