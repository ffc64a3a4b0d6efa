"""Planning cost of a daily cycle, in time and peak memory.

    python benchmarks/plan.py                 # 10k, 100k and 1M open receivables
    python benchmarks/plan.py --sizes 10000   # one size
    python benchmarks/plan.py --store         # also the store-backed day where 1% is due

Each size runs in its own process so its peak RSS is its own. Ledgers are synthetic and
seeded: 1M open receivables over 200k customers (5 per customer), due dates spread over the
150 days around the as-of date, a few credit notes, disputes and promises.

Two figures per size:
* "full plan": every customer planned (the first cycle after an import);
* "due day": only the customers the store says are due for review that day (next_review_on),
  which is what the daily cycle reads; with --store it is measured through the real store.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from connector.calendar import BusinessCalendar
from connector.model import (
    Customer,
    Platform,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.planner import CustomerState, plan
from connector.policy import default_policy

AS_OF = date(2026, 11, 24)  # a Tuesday
PER_CUSTOMER = 5


def _ref(kind: str, n: int) -> SourceRef:
    return SourceRef.model_construct(
        platform=Platform.FILES, tenant="bench", external_id=f"{kind}{n}"
    )


def states(receivables: int, seed: int = 7) -> Iterator[CustomerState]:
    """Synthetic customer states, built one at a time (model_construct: store-loaded data)."""
    rng = random.Random(seed)
    customers = max(1, receivables // PER_CUSTOMER)
    n = 0
    for c in range(customers):
        cref = _ref("C", c)
        customer = Customer.model_construct(
            ref=cref,
            name=f"Client {c}",
            language="fr",
            country="FR",
            timezone="Europe/Paris",
            contacts=(),
        )
        docs = []
        for _ in range(PER_CUSTOMER):
            due = AS_OF + timedelta(days=rng.randint(-120, 30))
            amount = Money(rng.choice((80, 240, 1200, 5400)) * 1, "EUR")
            kind = ReceivableKind.CREDIT_NOTE if rng.random() < 0.02 else ReceivableKind.INVOICE
            docs.append(
                Receivable.model_construct(
                    ref=_ref("F", n),
                    customer_ref=cref,
                    kind=kind,
                    number=f"F{n}",
                    issued_on=due - timedelta(days=30),
                    due_on=due,
                    currency="EUR",
                    total=amount,
                    open_balance=amount,
                    status=ReceivableStatus.OPEN,
                    document_url=None,
                    payment_url=None,
                )
            )
            n += 1
        yield CustomerState(customer=customer, receivables=docs)


def run_one(receivables: int) -> dict[str, float | int]:
    policy = default_policy()
    calendar = BusinessCalendar.for_window(policy.send_window, "FR")

    started = time.perf_counter()
    built = sum(1 for _ in states(receivables))
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    actions = 0
    due_next: dict[date, int] = {}
    for customer_plan in plan(states(receivables), policy, calendar, AS_OF):
        actions += len(customer_plan.actions)
        if customer_plan.next_review_on is not None:
            due_next[customer_plan.next_review_on] = (
                due_next.get(customer_plan.next_review_on, 0) + 1
            )
    full_s = time.perf_counter() - started

    # the next day: only customers whose next_review_on has come (what the store selects)
    next_day = min(due_next) if due_next else AS_OF
    due_customers = due_next.get(next_day, 0)
    sample = list(islice(states(receivables, seed=11), due_customers))
    started = time.perf_counter()
    day_actions = sum(len(p.actions) for p in plan(sample, policy, calendar, next_day))
    day_s = time.perf_counter() - started
    return {
        "receivables": receivables,
        "customers": built,
        "build_s": round(build_s, 2),
        "full_plan_s": round(full_s - build_s, 2),
        "full_plan_with_build_s": round(full_s, 2),
        "actions": actions,
        "due_next_day_customers": due_customers,
        "due_day_plan_s": round(day_s, 3),
        "due_day_actions": day_actions,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--store", action="store_true", help="also measure the store-backed due day"
    )
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(out)
        print(" ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
    if args.store:
        from store_day import measure

        with tempfile.TemporaryDirectory() as tmp:
            for size in args.sizes:
                print(measure(size, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
