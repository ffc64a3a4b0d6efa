"""A full QuickBooks sync of 100k open invoices and 20k customers, then an incremental one;
beside it, the same full pull with the python-quickbooks library.

    pip install -e '.[bench]'            # python-quickbooks, only for the side-by-side
    python benchmarks/quickbooks_pull.py
    python benchmarks/quickbooks_pull.py --invoices 10000 --customers 2000   # a quick look

The emulator (tests/emulators/quickbooks) runs in its own process with the real clock and
QuickBooks' throttles (500 requests a minute per company, 10 at once); each variant runs in
its own process too, so its peak memory is its own. Printed per variant: requests, 429s,
wall time and peak RSS. relance's full sync goes into a SQLite store; the minimum number of
requests is one per 1000 rows of each entity (plus the page that comes back short).

python-quickbooks is used as its README shows: ``Entity.where(..., start_position,
max_results, qb=client)`` page after page, first with its default page of 100, then with the
largest page (1000). It does not pace itself; a 429 is waited out for 60 s and the page asked
again, as an application using it would have to.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def stats(origin: str) -> dict[str, int]:
    return dict(requests.get(f"{origin}/_stats", timeout=10).json())


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_relance(origin: str, token: str, realm: str) -> dict[str, Any]:
    from adapters.quickbooks.client import POLICY, QuickBooksClient, classify
    from adapters.quickbooks.source import QuickBooksSource
    from connector.clock import SystemClock
    from connector.http import HttpClient
    from connector.model import Platform
    from connector.store import Store
    from connector.sync import sync
    from tests.pennylane.conftest import StaticToken

    clock = SystemClock()
    http = HttpClient(
        POLICY,
        base_url=f"{origin}/v3/company",
        tenant="bench",
        clock=clock,
        auth=StaticToken(token),
        classify=classify,
    )
    source = QuickBooksSource(QuickBooksClient(http, realm), "bench", clock)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/bench.sqlite", clock=clock)
        store.ensure_tenant("bench", platform=Platform.QUICKBOOKS)
        before, started = stats(origin), time.perf_counter()
        report = sync(store, "bench", source, clock=clock)
        after = stats(origin)
        out["full"] = {
            "requests": after["calls"] - before["calls"],
            "throttled": after["throttled"] - before["throttled"],
            "seconds": round(time.perf_counter() - started, 1),
            "receivables": report.counts.get("receivables", 0),
            "peak_mb": round(peak_mb()),
        }
        time.sleep(1.0)
        touched = requests.post(f"{origin}/_touch?share=0.01", timeout=60).json()["touched"]
        before, started = stats(origin), time.perf_counter()
        report = sync(store, "bench", source, clock=clock)
        after = stats(origin)
        out["incremental"] = {
            "changed": touched,
            "requests": after["calls"] - before["calls"],
            "seconds": round(time.perf_counter() - started, 2),
            "closed": report.counts.get("closed", 0),
        }
        store.close()
    http.close()
    return out


def run_library(origin: str, token: str, realm: str, page: int) -> dict[str, Any]:
    import intuitlib.client  # type: ignore[import-untyped]
    from quickbooks import QuickBooks  # type: ignore[import-untyped]
    from quickbooks.objects.creditmemo import CreditMemo  # type: ignore[import-untyped]
    from quickbooks.objects.customer import Customer  # type: ignore[import-untyped]
    from quickbooks.objects.invoice import Invoice  # type: ignore[import-untyped]
    from quickbooks.objects.payment import Payment  # type: ignore[import-untyped]

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the emulator is plain HTTP on loopback
    # no internet here: the discovery document Intuit's client fetches is the emulator's
    intuitlib.client.get_discovery_doc = lambda environment, session=None: {
        "authorization_endpoint": f"{origin}/connect/oauth2",
        "token_endpoint": f"{origin}/oauth2/v1/tokens/bearer",
        "revocation_endpoint": f"{origin}/v2/oauth2/tokens/revoke",
        "issuer": origin,
        "jwks_uri": f"{origin}/jwks",
        "userinfo_endpoint": f"{origin}/userinfo",
    }
    auth = intuitlib.client.AuthClient(
        "relance-qbo", "qbo-secret", "http://127.0.0.1/cb", "production", access_token=token
    )
    client = QuickBooks(auth_client=auth, company_id=realm, minorversion=75)
    client.api_url_v3 = f"{origin}/v3"
    waits = 0

    def every(entity: Any, where: str = "") -> int:
        nonlocal waits
        count, start = 0, 1
        while True:
            try:
                rows = entity.where(where, start_position=start, max_results=page, qb=client)
            except Exception as exc:  # the library raises on a 429: wait, ask again
                if "429" not in str(exc) and "3001" not in str(exc) and "Throttle" not in str(exc):
                    raise
                waits += 1
                time.sleep(60)
                continue
            count += len(rows)
            if len(rows) < page:
                return count
            start += page

    before, started = stats(origin), time.perf_counter()
    counts = {
        "customers": every(Customer),
        "invoices": every(Invoice, "Balance > '0'"),
        "credit_memos": every(CreditMemo),
        "payments": every(Payment),
    }
    after = stats(origin)
    return {
        "page": page,
        "requests": after["calls"] - before["calls"],
        "throttled": after["throttled"] - before["throttled"],
        "waits": waits,
        "seconds": round(time.perf_counter() - started, 1),
        "rows": counts,
        "peak_mb": round(peak_mb()),
    }


def child(args: argparse.Namespace) -> None:
    origin = f"http://127.0.0.1:{args.port}"
    if args.variant == "relance":
        result = run_relance(origin, args.token, args.realm)
    else:
        result = run_library(origin, args.token, args.realm, int(args.variant.split("-")[1]))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--variant")
    parser.add_argument("--port", type=int)
    parser.add_argument("--token")
    parser.add_argument("--realm")
    parser.add_argument("--skip-library", action="store_true")
    args = parser.parse_args()
    if args.variant:
        return child(args)

    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.emulators.quickbooks",
            "--customers",
            str(args.customers),
            "--invoices",
            str(args.invoices),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert emulator.stdout is not None and emulator.stdin is not None
    info = json.loads(emulator.stdout.readline())
    print(
        f"emulated company: {args.customers} customers, {info['open_invoices']} open invoices, "
        f"{info['payments']} payments, {info['credit_memos']} credit memos"
    )
    floor = (
        math.ceil((args.customers + 1) / 1000)
        + math.ceil((info["open_invoices"] + 1) / 1000)
        + math.ceil((info["credit_memos"] + 1) / 1000)
        + math.ceil((info["payments"] + 1) / 1000)
    )
    variants = ["relance"] + ([] if args.skip_library else ["library-100", "library-1000"])
    results: dict[str, Any] = {}
    try:
        for variant in variants:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--variant",
                    variant,
                    "--port",
                    str(info["port"]),
                    "--token",
                    info["token"],
                    "--realm",
                    info["realm"],
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(f"{variant}: failed\n{done.stderr[-2000:]}")
                continue
            results[variant] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{variant}: {json.dumps(results[variant])}", flush=True)
            time.sleep(61)  # a fresh throttle minute for the next variant
    finally:
        emulator.stdin.close()
        emulator.wait(timeout=60)

    if "relance" in results:
        full, inc = results["relance"]["full"], results["relance"]["incremental"]
        print(
            f"relance full sync: {full['requests']} requests (minimum by page size: {floor} "
            f"+ 1 for terms), {full['throttled']} x 429, {full['seconds']} s, "
            f"peak {full['peak_mb']} MB, {full['receivables']} receivables stored"
        )
        print(
            f"relance incremental after {inc['changed']} invoices changed: "
            f"{inc['requests']} requests, {inc['seconds']} s, {inc['closed']} closed"
        )
    for variant in ("library-100", "library-1000"):
        if variant not in results:
            continue
        lib = results[variant]
        line = (
            f"python-quickbooks, pages of {lib['page']}: {lib['requests']} requests, "
            f"{lib['throttled']} x 429 ({lib['waits']} waits of 60 s), {lib['seconds']} s, "
            f"peak {lib['peak_mb']} MB"
        )
        if "relance" in results:
            full = results["relance"]["full"]
            line += (
                f" — ratio to relance: requests x{lib['requests'] / full['requests']:.1f}, "
                f"time x{lib['seconds'] / max(full['seconds'], 0.1):.1f}"
            )
        print(line)
    return None


if __name__ == "__main__":
    main()
