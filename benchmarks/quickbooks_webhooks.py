"""QuickBooks webhooks at Intuit's one address per app: how fast ``/webhooks/quickbooks`` answers.

    python benchmarks/quickbooks_webhooks.py --tenants 300 --deliveries 400

Intuit wants a 200 within 3 seconds (developer.intuit.com … webhooks/best-practices). The
receiver is ``connector.receiver.create_app`` under uvicorn on loopback, over a SQLite store
holding ``--tenants`` QuickBooks tenants, each connected to its own company as ``relance
connect`` leaves it (tokens and realmId encrypted in the vault), their sources opened the
way the receiver opens them (``QuickBooksSource.from_tenant``). Printed:

* how long the realm -> tenants directory takes to build when the receiver starts (every
  tenant's source opened once), and the first delivery's latency after it; with
  ``--cold`` (no startup), the first delivery builds the directory itself;
* then ``--deliveries`` signed deliveries one after the other, each naming three
  companies (legacy and CloudEvents alternately), with p50, p99 and the maximum.

Nothing is timed in the test suite; this is the measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VERIFIER = "bench-verifier-0123456789"  # a throwaway verifier for the benchmark


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--deliveries", type=int, default=400)
    parser.add_argument(
        "--cold", action="store_true", help="no startup (lifespan off): the first delivery builds"
    )
    args = parser.parse_args()

    import uvicorn
    from cryptography.fernet import Fernet
    from pydantic import SecretStr

    from adapters.quickbooks.source import QuickBooksSource
    from connector.clock import SystemClock
    from connector.model import Creditor, Platform
    from connector.oauth import Token, TokenVault, load_fernet
    from connector.receiver import create_app
    from connector.settings import OAuthAppConfig, QuickBooksOptions, Settings, TenantConfig
    from connector.source import Source
    from connector.store import Store
    from tests.emulators.quickbooks import QuickBooksState

    clock = SystemClock()
    workdir = Path(tempfile.mkdtemp(prefix="relance-qbo-webhooks-"))
    settings = Settings(
        secret_key=SecretStr(Fernet.generate_key().decode()),
        quickbooks=OAuthAppConfig(
            client_id="bench", client_secret=SecretStr("bench"),
            webhook_verifier=SecretStr(VERIFIER),
        ),
    )  # fmt: skip
    store = Store.open(f"sqlite:///{workdir / 'relance.sqlite'}", clock=clock)
    vault = TokenVault(store, load_fernet(settings))
    realms = {f"t{n:04d}": str(9130350000000000 + n) for n in range(args.tenants)}
    for slug, realm in realms.items():
        store.ensure_tenant(slug, platform=Platform.QUICKBOOKS)
        vault.save(
            slug, "quickbooks",
            Token("at", "rt", clock.now() + timedelta(hours=1), {"realmId": realm}),
        )  # fmt: skip
    opened: dict[str, Source | None] = {}

    def source_for(slug: str) -> Source | None:
        if slug not in opened:
            config = TenantConfig(
                slug=slug, platform=Platform.QUICKBOOKS, creditor=Creditor(name=slug),
                language="en", country="US", api_url="http://127.0.0.1:9/v3/company",
                quickbooks=QuickBooksOptions(),
            )  # fmt: skip
            opened[slug] = QuickBooksSource.from_tenant(
                config, clock=clock, store=store, settings=settings
            )
        return opened[slug]

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, source_for), host="127.0.0.1", port=0, log_level="warning",
            lifespan="off" if args.cold else "on",
        )
    )  # fmt: skip
    started = time.perf_counter()
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    if not args.cold:  # the directory is built at startup, in the background
        while len(opened) < args.tenants:
            time.sleep(0.01)
        warm = time.perf_counter() - started
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/webhooks/quickbooks"

    state = QuickBooksState(clock)
    names = sorted(realms)
    session = requests.Session()

    def deliver(n: int) -> float:
        picked = [realms[names[(n * 7 + k * 13) % len(names)]] for k in range(3)]
        headers, body = state.delivery(
            {realm: [("Invoice", str(1000 + n), "Update")] for realm in picked},
            verifier=VERIFIER,
            cloudevents=n % 2 == 1,
        )
        started = time.perf_counter()
        answer = session.post(url, headers=headers, data=body, timeout=3)
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200, answer.text
        return elapsed

    first = deliver(0)
    times = [deliver(n) for n in range(1, args.deliveries + 1)]
    times.sort()
    stored = sum(len(store.pending_inbound(slug)) for slug in realms)
    print(f"tenants={args.tenants} (one company each); deliveries={args.deliveries + 1}, "
          f"3 companies each; events stored={stored}")  # fmt: skip
    if args.cold:
        print(f"first delivery (it builds the directory): {first * 1000:.0f} ms")
    else:
        print(f"directory built at start in {warm * 1000:.0f} ms; first delivery "
              f"{first * 1000:.0f} ms")  # fmt: skip
    print(
        f"then: p50 {statistics.median(times) * 1000:.1f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.1f} ms, "
        f"max {times[-1] * 1000:.1f} ms (Intuit's limit: 3000 ms)"
    )
    server.should_exit = True
    for source in opened.values():
        getattr(source, "close", lambda: None)()
    store.close()


if __name__ == "__main__":
    main()
