"""A real ``relance web`` process over a copy of the demo's store, for the web app's tests.

The demo is built once per session (``relance demo``), then a second tenant, ``rival``, is
added beside it with customers and invoices of its own, and three accounts:

* ``claire`` — manager of the demo's tenant ``lumen``;
* ``victor`` — viewer of ``lumen``;
* ``rita`` — manager of ``rival`` only.

Each test gets its own copy of that folder and its own process (:class:`Site`), and
:meth:`Site.client` logs a person in over HTTP (a ``requests`` session carrying the cookie
and the CSRF token).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from connector.accounts import Role, hash_password
from connector.model import (
    Contact,
    Customer,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.store import Store
from tests.demo_built import copy_demo
from tests.processes import free_port

__all__ = [
    "Site",
    "add_rival_and_people",
    "build_demo",
    "copy_demo",
    "start_site",
    "with_company",
]

PASSWORD = "correct horse battery"  # every test account's
DEMO_TENANT = "lumen"
RIVAL = "rival"
PEOPLE = {
    "claire": ("Claire Martin", {DEMO_TENANT: Role.MANAGER}),
    "victor": ("Victor Lebrun", {DEMO_TENANT: Role.VIEWER}),
    "rita": ("Rita Moreau", {RIVAL: Role.MANAGER}),
}


def build_demo(folder: Path, store_url: str | None = None) -> Path:
    """``relance demo`` into ``folder`` (its store in ``store_url`` if given: an empty
    PostgreSQL database), plus the rival tenant and the test accounts."""
    store = ["--store", store_url] if store_url else []
    done = subprocess.run(
        [sys.executable, "-m", "connector", *store, "demo", "--dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return add_rival_and_people(folder, store_url)


def with_company(
    folder: Path,
    slug: str,
    platform: Platform,
    name: str,
    *,
    tenant_file: str,
    app: dict[str, str],
) -> Path:
    """Beside the demo in ``folder``: an encryption key, relance's app at ``platform``
    (``app``: client_id, client_secret, token_url, authorize_url), the company ``slug``
    (its tenant file's text, without its [creditor] name) with claire its manager."""
    key = folder / "secret.key"
    key.write_text(Fernet.generate_key().decode())
    key.chmod(0o600)
    settings = folder / "relance.toml"
    table = "".join(f'{k} = "{v}"\n' for k, v in app.items())
    settings.write_text(
        settings.read_text() + f'secret_key_file = "{key}"\n\n[{platform.value}]\n{table}'
    )
    (folder / "tenants" / f"{slug}.toml").write_text(f'{tenant_file}[creditor]\nname = "{name}"\n')
    with Store.open(f"sqlite:///{folder / 'relance.sqlite'}") as store:
        store.ensure_tenant(slug, platform=platform, name=name)
        store.grant("claire", slug, Role.MANAGER)
    return folder


def add_rival_and_people(folder: Path, store_url: str | None = None) -> Path:
    """The rival tenant and the test accounts, beside the demo in ``folder``."""
    with Store.open(store_url or f"sqlite:///{folder / 'relance.sqlite'}") as store:
        _add_rival(store)
        for login, (name, roles) in PEOPLE.items():
            store.add_person(login, name, hash_password(PASSWORD))
            for tenant, role in roles.items():
                store.grant(login, tenant, role)
    return folder


def _rival_ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=RIVAL, external_id=external_id)


def _add_rival(store: Store) -> None:
    store.ensure_tenant(RIVAL, platform=Platform.FILES, name="Rival Industries SARL")
    customers = [
        Customer(
            ref=_rival_ref(f"R{n}"),
            name=f"Secret Client {n} of Rival",
            language="fr",
            address=PostalAddress(lines=("9 quai Secret",), postal_code="69002", city="Lyon"),
            contacts=(Contact(name="Compta", email=f"secret{n}@rival.example", primary=True),),
        )
        for n in (1, 2)
    ]
    due = date(2026, 10, 1)
    receivables = [
        Receivable(
            ref=_rival_ref(f"RF-{n}"),
            customer_ref=_rival_ref(f"R{n}"),
            number=f"RIVAL-SECRET-{n}",
            issued_on=due - timedelta(days=30),
            due_on=due,
            total=Money.of("4321.00", "EUR"),
            open_balance=Money.of("4321.00", "EUR"),
            currency="EUR",
            status=ReceivableStatus.OPEN,
        )
        for n in (1, 2)
    ]
    store.upsert_ledger(RIVAL, customers=customers, receivables=receivables)


@dataclass
class Site:
    folder: Path
    url: str
    process: subprocess.Popen[bytes]
    clients: list[requests.Session] = field(default_factory=list)

    @property
    def store_url(self) -> str:
        """The store its settings name (the demo's SQLite file, or a PostgreSQL database)."""
        settings = tomllib.loads((self.folder / "relance.toml").read_text(encoding="utf-8"))
        return str(settings["store_url"])

    def store(self) -> Store:
        return Store.open(self.store_url)

    def relance(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The command line on this site's settings (``relance --config … ARGS``)."""
        return subprocess.run(
            [sys.executable, "-m", "connector", "--config", str(self.folder / "relance.toml"),
             *args],
            capture_output=True, text=True, input=stdin, check=False, cwd=self.folder,
        )  # fmt: skip

    def client(self, login: str, password: str = PASSWORD) -> requests.Session:
        """A person logged in over HTTP; ``session.headers`` carries the CSRF token."""
        http = requests.Session()
        self.clients.append(http)
        form = http.get(f"{self.url}/login", timeout=10)
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = http.post(
            f"{self.url}/login",
            data={"login": login, "password": password, "login_token": token.group(1)},
            cookies={"relance_login": form.cookies.get("relance_login", "")},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 303, answer.text
        # the cookie is Secure: requests keeps it for https only, so it is sent by hand
        http.headers["Cookie"] = f"relance_session={answer.cookies['relance_session']}"
        tenant = next(iter(PEOPLE[login][1])) if login in PEOPLE else DEMO_TENANT
        page = http.get(f"{self.url}/t/{tenant}/journal", timeout=10)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text
        http.headers["X-CSRF-Token"] = csrf.group(1)
        return http

    def close(self) -> None:
        for http in self.clients:
            http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_site(folder: Path, *extra: str, log_name: str = "web.log") -> Site:
    """``relance web`` on a free port; its output goes to ``folder/LOG_NAME`` (two replicas
    on the same settings each have their own)."""
    port = free_port()
    log = folder / log_name
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "--config", str(folder / "relance.toml"), "web",
             "--port", str(port), *extra],
            stdout=output, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/login", timeout=2).status_code == 200:
                return Site(folder, url, process)
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"relance web did not come up: {log.read_text()}")
        time.sleep(0.1)
