"""`--json` after the command, for every command: stdout is one JSON document; an error under
`--json` is one JSON object with its message, hint and exit code (the same code as without).

Each command runs in a copy of one demo store (built once for the module), so that there is
something to release, cancel, resolve or list; the Pennylane-only commands (connect, webhooks)
run against the Pennylane emulator on loopback.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from adapters.files import sample_dir
from connector import legal
from connector.accounts import Role, hash_password
from connector.cli import main
from connector.clock import FrozenClock
from connector.connect import connect_token
from connector.legal import RateTables
from connector.model import PaymentPlan, Receivable, ReceivableKind
from connector.oauth import TokenVault
from connector.store import ActionStatus, Store
from tests.demo_built import BuiltDemo
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState
from tests.emulators.rate_sources import RateSources, serving
from tests.smtp_server import SmtpServer

from .conftest import Run

KEY = Fernet.generate_key()
_ENV = ("RELANCE_STORE_URL", "RELANCE_TENANT", "RELANCE_SMTP__HOST", "RELANCE_SECRET_KEY")


@pytest.fixture(scope="module")
def demo_template(demo_built: BuiltDemo) -> Path:
    return demo_built.folder  # every seat works on a copy


class _Everyone(set[str]):
    """Every address: what the refusing relay says no to."""

    def __contains__(self, address: object) -> bool:
        return True


class Seat:
    """A user in a copy of the demo. Each method prepares what a command needs and returns
    the text to type for it (the {field}s of CASES)."""

    def __init__(self, demo: Path, tmp: Path, request: pytest.FixtureRequest) -> None:
        self.demo, self._tmp, self._request = demo, tmp, request
        self.config = str(demo / "relance.toml")

    def _store(self) -> Store:
        store: Store = Store.open(f"sqlite:///{self.demo / 'relance.sqlite'}")
        return store

    def _action(self, status: ActionStatus, channel: str | None = None) -> str:
        store = self._store()
        with store:
            return next(
                a.key
                for a in store.actions("lumen", status=status)
                if channel is None or a.channel.value == channel
            )

    def _unplanned(self) -> Receivable:
        """An open invoice in no payment plan, its customer in none either."""
        store = self._store()
        with store:
            planned = {p.customer_ref.key for p in store.plans("lumen")}
            return next(
                r
                for r in store.open_receivables("lumen")
                if r.kind is ReceivableKind.INVOICE and r.customer_ref.key not in planned
            )

    def _planned(self) -> tuple[PaymentPlan, Receivable]:
        """The demo's payment plan and one of its invoices still open."""
        store = self._store()
        with store:
            plan = next(p for p in store.plans("lumen") if p.cancelled_on is None)
            open_keys = {r.ref.key: r for r in store.open_receivables("lumen")}
        return plan, next(open_keys[r.key] for r in plan.receivable_refs if r.key in open_keys)

    def tmp(self) -> Path:
        return self._tmp

    def customer(self) -> str:
        return self._unplanned().customer_ref.external_id

    def invoice(self) -> str:
        return self._unplanned().number

    def balance(self) -> str:
        return str(self._unplanned().open_balance.amount)

    def plan(self) -> str:
        return self._planned()[0].id

    def planned_customer(self) -> str:
        return self._planned()[0].customer_ref.external_id

    def planned_invoice(self) -> str:
        return self._planned()[1].number

    def planned_balance(self) -> str:
        return str(self._planned()[1].open_balance.amount)

    def promise(self) -> str:
        store = self._store()
        with store:
            return next(p.id for p in store.promises("lumen") if p.cancelled_on is None)

    def dispute(self) -> str:
        store = self._store()
        with store:
            return next(d.id for d in store.disputes("lumen") if d.resolved_on is None)

    def paused(self) -> str:
        """A customer paused, to be resumed."""
        customer = self.customer()
        assert main(["--config", self.config, "customer", "pause", customer]) == 0
        return customer

    def person(self) -> str:
        """An account of the web app, to remove."""
        with self._store() as store:
            store.add_person("leaving", "Leaving", hash_password("a long enough phrase"))
            store.grant("leaving", "lumen", Role.VIEWER)
        return "leaving"

    def sample(self) -> Path:
        return sample_dir()

    def failed_action(self) -> str:
        """An e-mail a relay refused for good: the next day's run through an SMTP server that
        answers 550 to every recipient (the demo itself reaches everyone)."""
        relay = SmtpServer(refuse=_Everyone()).start()
        try:
            with pytest.MonkeyPatch.context() as env:
                env.setenv("RELANCE_SMTP__HOST", "127.0.0.1")
                env.setenv("RELANCE_SMTP__PORT", str(relay.port))
                env.setenv("RELANCE_SMTP__SECURITY", "none")
                main(["--config", self.config, "run", "--as-of", "2026-11-24"])
        finally:
            relay.stop()
        return self._action(ActionStatus.FAILED)

    def waiting_action(self) -> str:
        """A formal notice of the demo's last week, left awaiting approval."""
        return self._action(ActionStatus.AWAITING_APPROVAL)

    def approved_action(self) -> str:
        key = self.waiting_action()
        with self._store() as store:
            store.approve_action("lumen", key, "tester")
        return key

    def edit_text(self) -> Path:
        path = self._tmp / "edited.txt"
        path.write_text("Bonjour,\n\nUn autre texte.\n", encoding="utf-8")
        return path

    def sent_letter(self) -> str:
        return self._action(ActionStatus.POSTED, "letter")  # the demo records each posting

    def newer_rates(self) -> Path:
        shipped = RateTables(None)["ecb_mro"]
        text = (Path(legal.__file__).parent / "tables" / "ecb_mro.toml").read_text(encoding="utf-8")
        newer = self._tmp / "ecb_mro.toml"
        newer.write_text(text.replace(f'version = "{shipped.version}"', 'version = "2099-01"'))
        return newer

    def rate_sources(self) -> str:
        """The official rate series on loopback (recorded bodies); returns a table to update."""
        server: RateSources = self._request.getfixturevalue("rate_server")
        env: pytest.MonkeyPatch = self._request.getfixturevalue("monkeypatch")
        for key, url in server.base_urls().items():
            env.setenv(f"RELANCE_RATE_SOURCES__{key.upper()}", url)
        return "uk_reference_rate"

    def bad_rates(self) -> Path:
        bad = self._tmp / "de_base_rate.csv"
        bad.write_text("date,rate,source\n2026-07-01,n/a,x\n", encoding="utf-8")
        return bad

    def pennylane(self) -> str:
        """A Pennylane tenant `acme` beside the demo's, its API served by the emulator."""
        emulator: PennylaneEmulator = self._request.getfixturevalue("emulator")
        init = ["--config", self.config, "init", "--tenant", "acme", "--platform", "pennylane"]
        assert main(init) == 0
        tenant_file = self.demo / "tenants" / "acme.toml"
        text = tenant_file.read_text(encoding="utf-8")
        api = f'platform = "pennylane"\napi_url = "{emulator.base_url}"'
        tenant_file.write_text(text.replace('platform = "pennylane"', api), encoding="utf-8")
        return "acme"

    def connected(self) -> str:
        """The Pennylane tenant, with an API token stored as `relance connect` stores it."""
        tenant = self.pennylane()
        store = self._store()
        with store:
            connect_token(TokenVault(store, Fernet(KEY)), tenant, "pennylane", "plt_test_token")
        return tenant

    def subscribed(self) -> str:
        """The Pennylane tenant, with one webhook subscription."""
        self.subscription()
        return "acme"

    def subscription(self) -> str:
        tenant = self.connected()
        subscribe = ["--config", self.config, "webhooks", "subscribe", "--tenant", tenant]
        assert main([*subscribe, "--url", SUBSCRIPTION]) == 0
        emulator: PennylaneEmulator = self._request.getfixturevalue("emulator")
        (subscription,) = emulator.state.subscriptions
        return str(subscription)


@pytest.fixture
def rate_server() -> Iterator[RateSources]:
    with serving() as server:
        yield server


@pytest.fixture
def emulator() -> Iterator[PennylaneEmulator]:
    server = PennylaneEmulator(PennylaneState(FrozenClock.on(date(2026, 11, 23))))
    server.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def seat(
    demo_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Seat:
    demo = tmp_path / "demo"
    shutil.copytree(demo_template, demo)
    settings = demo / "relance.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(str(demo_template), str(demo)))
    monkeypatch.chdir(tmp_path)
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RELANCE_SECRET_KEY", KEY.decode())
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    return Seat(demo, tmp_path, request)


SUBSCRIPTION = "https://relance.example.fr/webhooks/pennylane/acme"

# every command with arguments that work in a copy of the demo (`--json` goes last); a
# {field} is what the seat's method of that name prepares and returns
CASES = {
    "tenants": "tenants",
    "users add": "users add anne --tenant lumen --role viewer --password-stdin",
    "users list": "users list",
    "users remove": "users remove {person}",
    "init": "init --tenant other --name Other",
    "import": "import {sample}",
    "sync": "sync --tenant lumen",
    "plan": "plan --as-of 2026-11-24",
    "run": "run --as-of 2026-11-24",
    "status": "status",
    "history": "history {customer}",
    "report": "report --as-of 2026-11-23",
    "dossier": "dossier {customer} --as-of 2026-11-23",
    "demo": "demo --dir {tmp}/another-demo",
    "claim": "claim --principal 100 --due 2024-01-15 --as-of 2024-09-30",
    "rates show": "rates show ecb_mro",
    "rates import": "rates import {newer_rates}",
    "rates update": "rates update --table {rate_sources}",
    "customer pause": "customer pause {customer} --on 2026-11-23",
    "customer resume": "customer resume {paused}",
    "dispute open": "dispute open {invoice} --on 2026-11-23",
    "dispute resolve": "dispute resolve {dispute} --on 2026-11-23",
    "promise add": "promise add {customer} --amount 100 --by 2026-12-01",
    "promise list": "promise list --as-of 2026-11-23",
    "promise cancel": "promise cancel {promise} --on 2026-11-23",
    "payment-plan add": "payment-plan add {customer} --invoice {invoice}"
    " --schedule 2027-06-30={balance}",
    "payment-plan list": "payment-plan list --as-of 2026-11-23",
    "payment-plan cancel": "payment-plan cancel {plan} --on 2026-11-23",
    "action release": "action release {failed_action}",
    "action cancel": "action cancel {failed_action}",
    "action letter": "action letter {sent_letter} --tracking 1A2345",
    "action approve": "action approve {waiting_action} --by tester",
    "action skip": "action skip {waiting_action} --reason test --by tester",
    "action hold": "action hold {approved_action} --by tester",
    "action edit": "action edit {failed_action} --text-file {edit_text} --by tester",
    "action preview": "action preview {waiting_action}",
    "connect": "connect pennylane --tenant {pennylane} --token",
    "webhooks subscribe": f"webhooks subscribe --tenant {{connected}} --url {SUBSCRIPTION}",
    "webhooks list": "webhooks list --tenant {subscribed}",
    "webhooks unsubscribe": "webhooks unsubscribe {subscription} --tenant acme",
}


class _Fields(dict[str, str]):
    def __init__(self, seat: Seat) -> None:
        super().__init__()
        self._seat = seat

    def __missing__(self, name: str) -> str:
        self[name] = str(getattr(self._seat, name)())
        return self[name]


def _command(line: str, fields: _Fields) -> list[str]:
    return [part.format_map(fields) for part in line.split()]


def _one_json_document(out: str) -> Any:
    return json.loads(out)  # raises on anything but exactly one JSON document


def test_every_command_group_is_covered() -> None:
    """A command added to `relance` without a case here fails this test."""
    from typer.main import get_command

    from connector.cli import app

    root = get_command(app)
    names: set[str] = set()
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        names.update({f"{name} {sub}" for sub in subcommands} if subcommands else {name})
    long_running = {"serve", "daemon", "web"}  # tested under --json by their errors, below
    assert names - long_running == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_after_the_command_prints_one_json_document(
    name: str, seat: Seat, relance: Run, capsys: pytest.CaptureFixture[str], demo_built: BuiltDemo
) -> None:
    if name == "demo":  # the session's demo was built by that very command: its output
        assert CASES[name].split()[:2] == ["demo", "--dir"]
        assert _one_json_document(demo_built.printed), demo_built.printed
        return
    args = ["--config", seat.config, *_command(CASES[name], _Fields(seat)), "--json"]
    capsys.readouterr()  # what the preparation printed
    typed = {"connect": "plt_test_token\n", "users add": "a long enough phrase\n"}
    if name in typed:  # typed at a prompt or on stdin: a process with a standard input
        done = subprocess.run(
            [sys.executable, "-m", "connector", *args],
            input=typed[name],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        code, out, err = relance(*args)
    assert code in (0, 10), err
    assert _one_json_document(out), out


def test_json_before_and_after_the_command_print_the_same(seat: Seat, relance: Run) -> None:
    args = ["--config", seat.config, "report", "--as-of", "2026-11-23"]
    before = relance("--json", *args)
    after = relance(*args, "--json")
    assert before == after and before[0] == 0


UNREACHABLE = "--store postgresql+psycopg://nobody@127.0.0.1:1/none"
ERRORS = {
    # what the user typed; the exit code and the words of the error
    "unknown customer": ("customer pause Nobody", 3, "no customer matches 'Nobody'"),
    "bad date": ("plan --as-of 23/11/2026", 3, "is not a date"),
    "second plan": (
        "payment-plan add {planned_customer} --invoice {planned_invoice}"
        " --schedule 2027-06-30={planned_balance}",
        5,
        "invoice {planned_invoice} is already in payment plan {plan}",
    ),
    "unknown option": ("claim --nonsense", 2, "No such option"),
    "missing option": ("claim --principal 10", 2, "Missing option"),
    "bad rate file": ("rates import {bad_rates}", 5, "line 2, column 'rate'"),
    "store unreachable (serve)": (f"{UNREACHABLE} serve", 6, "cannot open the store"),
    "store unreachable (daemon)": (f"{UNREACHABLE} daemon", 6, "cannot open the store"),
}


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`relance daemon` makes the root logger write JSON lines to the stderr it starts with
    (for good: it is a process of its own); put back the test runner's logging after it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_an_error_under_json_is_a_json_object_with_the_same_exit_code(
    name: str, seat: Seat, relance: Run, root_logging: None
) -> None:
    line, exit_code, words = ERRORS[name]
    fields = _Fields(seat)
    args, words = _command(line, fields), words.format_map(fields)
    code, out, err = relance("--config", seat.config, *args, "--json")
    error = _one_json_document(out)
    assert code == exit_code == error["exit_code"], (out, err)
    assert words in error["error"]
    assert set(error) == {"error", "hint", "exit_code", "type"}
    assert "Traceback" not in out + err
    # without --json: the same exit code, the message for a person on stderr, nothing on stdout
    code, out, err = relance("--config", seat.config, *args)
    assert code == exit_code and words in err and out == ""
