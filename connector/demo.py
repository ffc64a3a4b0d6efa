"""The embedded demo: a sample ledger, a SQLite store, an outbox folder, a replayed month.

Everything lands in one folder the user names; running it again starts that folder's demo
over (only the files the demo itself writes are replaced). The replay shows each day only
what existed on it (:mod:`connector.replay`).
"""

from __future__ import annotations

import shutil
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from connector.calendar import BusinessCalendar
from connector.channels import channels_for
from connector.clock import FrozenClock
from connector.dossier import build_dossier, dossier_name
from connector.errors import ConfigError, StoreError
from connector.executor import INTEREST_WITHOUT_RATE, Executor
from connector.model import (
    Channel,
    Platform,
    ReceivableKind,
    SourceRef,
    StepKind,
)
from connector.policy import default_policy
from connector.replay import LedgerOnDay, Scenario
from connector.settings import TenantConfig, load_tenant_config
from connector.sources import open_source
from connector.store import ActionStatus, Store
from connector.store.ledger import ref_from_key
from connector.sync import sync

__all__ = ["DEMO_DAY", "DEMO_START", "DemoResult", "run_demo"]

DEMO_DAY = date(2026, 11, 23)
DEMO_START = date(2026, 10, 1)
TENANT = "lumen"
DEMO_PERSON = "demo"  # who approves, in the audit trail, what the replay's past days sent
# what the replay leaves awaiting approval: the notices and escalations of the last week (from
# the same weekday a week before the last day), for the person trying the demo to review
LEFT_TO_APPROVE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DemoAction:
    day: date
    customer_ref: SourceRef
    kind: StepKind
    customer_name: str
    step: str
    channel: Channel
    status: ActionStatus
    detail: str


@dataclass(slots=True)
class DemoResult:
    directory: Path
    outbox: Path
    creditor: str
    customers: int = 0
    receivables: int = 0
    days: int = 0
    seconds: float = 0.0
    done: list[DemoAction] = field(default_factory=list)  # carried out: sent, written, letters
    last_day: list[DemoAction] = field(default_factory=list)
    posted: int = 0  # letters whose posting the demo recorded, as a person would
    awaiting_approval: list[str] = field(default_factory=list)  # action keys left to approve
    example_customer: str = ""
    dossier: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        def row(a: DemoAction) -> dict[str, str]:
            return {
                "day": a.day.isoformat(),
                "customer": a.customer_name,
                "step": a.step,
                "channel": str(a.channel),
                "status": a.status.value,
                "detail": a.detail,
            }

        return {
            "directory": str(self.directory),
            "outbox": str(self.outbox),
            "creditor": self.creditor,
            "customers": self.customers,
            "receivables": self.receivables,
            "days": self.days,
            "done": [row(a) for a in self.done],
            "letters_posted": self.posted,
            "awaiting_approval": list(self.awaiting_approval),
            "last_day": [row(a) for a in self.last_day],
            "dossier": str(self.dossier) if self.dossier else None,
        }


def sample_dir() -> Path:
    """The bundled sample ledger, found through the ``relance.samples`` entry point."""
    found = [ep for ep in entry_points(group="relance.samples") if ep.name == "demo"]
    if not found:
        raise ConfigError(
            "the sample ledger is not installed", hint="reinstall relance: pip install -e ."
        )
    path = found[0].load()()
    assert isinstance(path, Path)
    return path


TENANT_FILE = """\
slug = "{slug}"
platform = "files"
country = "FR"
timezone = "Europe/Paris"
language = "fr"

[files]
csv_dir = "{ledger}"

[creditor]
{creditor}
"""


def demo_store_url(directory: Path) -> str:
    """The demo's own store: a SQLite file in its folder."""
    return f"sqlite:///{(directory.resolve() / 'relance.sqlite').as_posix()}"


def _prepare(directory: Path, ledger: Path, creditor: dict[str, Any], store_url: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("relance.sqlite", "relance.sqlite-wal", "relance.sqlite-shm"):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / "outbox", ignore_errors=True)
    (directory / "tenants").mkdir(exist_ok=True)
    lines = []
    for key, value in creditor.items():
        if key == "address":
            continue
        if key == "logo":  # a file of the sample, wherever the sample is installed
            value = (ledger / value).as_posix()
        lines.append(f"{key} = {_toml_str(value)}")
    address = creditor.get("address")
    if isinstance(address, dict):
        lines.append("\n[creditor.address]")
        lines.extend(f"{k} = {_toml_str(v)}" for k, v in address.items())
    tenant_file = directory / "tenants" / f"{TENANT}.toml"
    tenant_file.write_text(
        TENANT_FILE.format(slug=TENANT, ledger=ledger.as_posix(), creditor="\n".join(lines)),
        encoding="utf-8",
    )
    root = directory.resolve()
    (directory / "relance.toml").write_text(
        f"store_url = {_toml_str(store_url)}\n"
        f'outbox_dir = "{(root / "outbox").as_posix()}"\n'
        f'tenants_dir = "{(root / "tenants").as_posix()}"\n',
        encoding="utf-8",
    )
    return tenant_file


def _toml_str(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_str(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_str(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def run_demo(
    directory: Path,
    *,
    start: date = DEMO_START,
    end: date = DEMO_DAY,
    store_url: str | None = None,
) -> DemoResult:
    """Replay the sample ledger day by day, from ``start`` to ``end``.

    The store is ``directory/relance.sqlite``, made anew, unless ``store_url`` names another
    (a PostgreSQL database, to try the web app with replicas): that store must not hold the
    demo's tenant yet (:class:`DemoStoreNotEmpty`), so nothing already stored is touched.

    Each day (weekends included) the store syncs the ledger as it stood that day and records
    the scenario's side states dated that day; on send days the cycle runs. Nothing a day
    plans, sends or records depends on what came after it.
    """
    began = time.perf_counter()
    ledger = sample_dir()
    scenario = tomllib.loads((ledger / "dunning.toml").read_text(encoding="utf-8"))
    url = store_url or demo_store_url(directory)
    if store_url is not None:
        _check_empty(store_url)
    tenant_file = _prepare(directory, ledger, scenario["creditor"], url)
    config = load_tenant_config(tenant_file)
    outbox = directory.resolve() / "outbox"
    clock = FrozenClock.on(start, hour=10, timezone=config.timezone)
    result = DemoResult(directory.resolve(), outbox, config.creditor.name)
    with Store.open(url, clock=clock) as store:
        store.ensure_tenant(TENANT, platform=Platform.FILES, name=config.creditor.name)
        source = LedgerOnDay(open_source(config, clock=clock, store=store), start)
        side_states = Scenario(store, TENANT, scenario)
        executor = _executor(store, config, outbox, clock, source)
        day = start
        while day <= end:
            clock.advance(
                FrozenClock.on(day, hour=10, timezone=config.timezone).now() - clock.now()
            )
            source.show(day)
            report = sync(store, TENANT, source, clock=clock)
            result.customers = report.counts.get("customers", 0)
            result.receivables = report.counts.get("receivables", 0)
            side_states.record_until(day)
            if executor.calendar.is_send_day(day):
                result.days += 1
                result.posted += post_letters(store, executor, day)
                _run_day(store, executor, day, end, result)
            day += timedelta(days=1)
        result.awaiting_approval = [r.key for r in store.awaiting_approval(TENANT)]
        result.example_customer = result.done[-1].customer_name if result.done else ""
        escalated = [a.customer_ref for a in result.done if a.kind is StepKind.ESCALATION]
        if escalated:  # the collection file of the first customer handed over who still owes
            ref = next((r for r in escalated if _still_owes(store, r, end)), escalated[0])
            result.dossier = build_dossier(
                store,
                TENANT,
                ref,
                creditor=config.creditor,
                policy=executor.policy,
                as_of=end,
                out=directory.resolve() / dossier_name(ref, end),
                source=source,
                jurisdiction=config.jurisdiction,
                contract=config.contract.terms_for(ref.external_id),
            ).path
    result.seconds = time.perf_counter() - began
    return result


class DemoStoreNotEmpty(StoreError):
    """The store given to the demo already holds the demo's tenant."""


def _check_empty(store_url: str) -> None:
    with Store.open(store_url) as store:
        if any(t.slug == TENANT for t in store.tenants()):
            raise DemoStoreNotEmpty(
                f"this store already holds the demo's tenant {TENANT!r}: the demo replays its "
                "ledger from its first day and would mix with what is there",
                hint="give the demo an empty database (createdb relance_demo), or drop this one",
            )


def _executor(
    store: Store, config: TenantConfig, outbox: Path, clock: FrozenClock, source: Any
) -> Executor:
    policy = default_policy()
    return Executor(
        store=store,
        tenant=TENANT,
        policy=policy,
        calendar=BusinessCalendar.for_window(policy.send_window, config.country),
        creditor=config.creditor,
        channels=channels_for(outbox_dir=outbox, smtp=None, clock=clock, creditor=config.creditor),
        clock=clock,
        source=source,
        jurisdiction=config.jurisdiction,
    )


def _run_day(store: Store, executor: Executor, day: date, end: date, result: DemoResult) -> None:
    report = executor.run(day)
    waiting = [
        r
        for r in report.results
        if r.status is ActionStatus.HELD and r.detail.startswith(INTEREST_WITHOUT_RATE)
    ]
    to_approve = [r for r in report.results if r.status is ActionStatus.AWAITING_APPROVAL]
    if day >= end - LEFT_TO_APPROVE:
        to_approve = []  # the last week's notices and escalations wait for the person trying it
    for item in to_approve:  # on past days, the demo plays the person who approves them
        store.approve_action(TENANT, item.key, by=DEMO_PERSON)
    if waiting:  # the demo plays the person who reads why and lets the notice go out
        for item in waiting:
            store.release_held(TENANT, item.key)
    if waiting or to_approve:
        again = executor.run(day)
        report.results.extend(again.results)
    for item in report.results:
        name = store.customer(TENANT, item.customer_key).name
        kind = executor.policy.steps[executor.policy.index_of(item.step)].kind
        action = DemoAction(
            day,
            ref_from_key(item.customer_key),
            kind,
            name,
            item.step,
            item.channel,
            item.status,
            item.reference or item.detail,
        )
        if item.status.done or item.status is ActionStatus.PREPARED:
            result.done.append(action)
        if day == end:
            result.last_day.append(action)


def post_letters(store: Store, executor: Executor, day: date) -> int:
    """What the creditor's staff would do each morning: post the letters prepared on an
    earlier day and record it (a registered letter with its tracking number), and record the
    delivery date of registered letters posted two days before or more. The tracking numbers
    are the demo's own (DEMO-LR-…), never a real one."""
    posted = 0
    for record in store.letters_to_post(TENANT):
        if record.planned_on >= day:
            continue
        registered = bool(record.details.get("registered"))
        number = f"DEMO-LR-{record.planned_on:%m%d}-{posted + 1:03d}" if registered else None
        executor.record_posting(record.key, posted_on=day, tracking_number=number)
        posted += 1
    for record in store.actions(TENANT, status=ActionStatus.POSTED):
        details = record.details
        if not details.get("registered") or details.get("received_on"):
            continue
        received = date.fromisoformat(details["posted_on"]) + timedelta(days=2)
        if received <= day:
            executor.record_posting(record.key, posted_on=None, received_on=received)
    return posted


def _still_owes(store: Store, ref: SourceRef, day: date) -> bool:
    """Whether the customer has an invoice past due and open on ``day``."""
    states = store.customer_states(TENANT, customer_refs=[ref], as_of=day)
    return any(
        r.is_open and r.kind is ReceivableKind.INVOICE and r.due_on < day
        for state in states
        for r in state.receivables
    )
