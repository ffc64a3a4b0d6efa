"""The web app on PostgreSQL, served by two ``relance web`` replicas of the same store, as a
user who outgrows one machine runs it: a session opened on one replica is good on the
other and ends on both; a decision taken on one is what the other shows; a login locked
out on one is locked out on the other; every page answers on PostgreSQL and none shows
another tenant's records.

The demo is built in a PostgreSQL database of its own (``relance --store URL demo``), with
the rival tenant and the test accounts of :mod:`tests.web.site`, a real SMTP relay, and a
policy under which reminders wait for approval too.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector.store import ActionStatus, EventType
from tests.conftest import PG_ADMIN_URL
from tests.policies import always_open_policy
from tests.smtp_server import SmtpServer
from tests.web import test_tenant_isolation as isolation
from tests.web.site import DEMO_TENANT, PASSWORD, Site, build_demo, start_site
from tests.web.test_sign_in import _attempt

pytestmark = pytest.mark.postgres


@dataclass
class Replicas:
    a: Site
    b: Site
    relay: SmtpServer


@pytest.fixture(scope="module")
def pg_demo_url() -> Iterator[str]:
    """A PostgreSQL database of this module's own, dropped afterwards."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"relance_web_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, pg_demo_url: str) -> Iterator[Replicas]:
    folder = build_demo(tmp_path_factory.mktemp("replicas") / "demo", store_url=pg_demo_url)
    assert "postgresql" in (folder / "relance.toml").read_text()
    assert not (folder / "relance.sqlite").exists()
    policy = always_open_policy(folder)
    old = 'approval = ["notice", "escalation"]'
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            old, 'approval = ["courtesy", "reminder", "notice", "escalation"]'
        )
    )
    tenant_file = folder / "tenants" / f"{DEMO_TENANT}.toml"
    tenant_file.write_text(
        tenant_file.read_text().replace(
            'language = "fr"\n', f'language = "fr"\npolicy = "{policy}"\n', 1
        )
    )
    relay = SmtpServer().start()
    settings = folder / "relance.toml"
    settings.write_text(
        settings.read_text()
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\nsecurity = "none"\ntimeout = 5\n'
    )
    a = start_site(folder, log_name="web-a.log")
    b = start_site(folder, log_name="web-b.log")
    try:
        done = a.relance("--tenant", DEMO_TENANT, "run")
        assert done.returncode in (0, 10), done.stderr
        assert relay.messages == []  # every e-mail of the day waits for a person
        yield Replicas(a, b, relay)
    finally:
        a.close()
        b.close()
        relay.stop()


def _on(site: Site, logged_in: requests.Session) -> requests.Session:
    """The same person's session (cookie and CSRF token), sent to another replica."""
    other = requests.Session()
    other.headers.update(logged_in.headers)
    site.clients.append(other)
    return other


def test_a_session_opened_on_one_replica_is_good_on_the_other_and_ends_on_both(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    assert a.store_url == b.store_url and a.store_url.startswith("postgresql")
    claire_a = a.client("claire")
    claire_b = _on(b, claire_a)
    seen = claire_b.get(f"{b.url}/t/{DEMO_TENANT}/customers", allow_redirects=False, timeout=30)
    assert seen.status_code == 200 and "Claire Martin" in seen.text
    # logged out on B (with the CSRF token A gave): A no longer knows the session
    out = claire_b.post(f"{b.url}/logout", allow_redirects=False, timeout=10)
    assert out.status_code == 303
    after = claire_a.get(f"{a.url}/t/{DEMO_TENANT}/customers", allow_redirects=False, timeout=30)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_failed_logins_count_on_every_replica(replicas: Replicas) -> None:
    a, b = replicas.a, replicas.b
    for n in range(5):  # five wrong passwords, spread over both replicas
        assert _attempt(a if n % 2 else b, "victor", "guess guess guess").status_code == 401
    for site in (a, b):  # even the right password waits now, on either replica
        refused = _attempt(site, "victor", PASSWORD)
        assert refused.status_code == 429, site.url
        assert int(refused.headers["retry-after"]) > 0
    assert _attempt(b, "rita", PASSWORD).status_code == 303  # nobody else is locked out


def test_an_approval_on_one_replica_is_what_the_other_shows_and_goes_out_once(
    replicas: Replicas,
) -> None:
    a, b, relay = replicas.a, replicas.b, replicas.relay
    with a.store() as store:
        waiting = [r for r in store.awaiting_approval(DEMO_TENANT) if r.channel.value == "email"]
    assert waiting
    key = quote(waiting[0].key, safe="")
    claire = a.client("claire")
    approved = claire.post(
        f"{a.url}/t/{DEMO_TENANT}/actions/{key}/approve", allow_redirects=False, timeout=60
    )
    assert approved.status_code == 303
    # B shows the decision at once: nothing of it was kept in A's memory
    claire_b = _on(b, claire)
    preview = claire_b.get(f"{b.url}/t/{DEMO_TENANT}/actions/{key}/preview", timeout=60)
    assert preview.status_code == 200 and "approved by claire" in preview.text
    # approving again on B records no second approval
    again = claire_b.post(
        f"{b.url}/t/{DEMO_TENANT}/actions/{key}/approve", allow_redirects=False, timeout=60
    )
    assert again.status_code in (303, 409)
    with a.store() as store:
        record = store.action(DEMO_TENANT, waiting[0].key)
        assert record.status is ActionStatus.PLANNED
        assert record.details["approved_by"] == "claire"
        approvals = [
            e
            for e in store.journal(DEMO_TENANT, limit=500)
            if e.kind is EventType.ACTION_APPROVED and waiting[0].key in str(e.payload)
        ]
    assert len(approvals) == 1, approvals
    for site in (a, b):  # a run from each replica's settings: the e-mail goes out once
        done = site.relance("--tenant", DEMO_TENANT, "run")
        assert done.returncode in (0, 10), done.stderr
    received = [
        email.message_from_bytes(m.data, policy=email.policy.default) for m in relay.messages
    ]
    assert len(received) == 1, [m["Subject"] for m in received]


def test_every_page_answers_on_postgresql_and_shows_only_its_tenant(replicas: Replicas) -> None:
    isolation.test_the_pages_of_ones_own_tenant_never_name_the_other(replicas.b)
    isolation.test_every_tenant_route_answers_404_to_a_person_of_another_tenant(replicas.a)
    isolation.test_no_route_shows_another_tenants_records_under_ones_own_tenant(replicas.b)


def test_the_demo_refuses_a_store_that_already_holds_it(
    replicas: Replicas, pg_demo_url: str, tmp_path: Path
) -> None:
    with replicas.a.store() as store:
        before = len(store.actions(DEMO_TENANT))
    done = subprocess.run(
        [sys.executable, "-m", "connector", "--store", pg_demo_url, "demo", "--dir",
         str(tmp_path / "again")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 6, done.stderr
    assert "already holds the demo's tenant 'lumen'" in done.stderr
    assert "empty database" in done.stderr
    assert "postgres@" not in done.stderr + done.stdout  # the URL is not echoed
    with replicas.a.store() as store:
        assert len(store.actions(DEMO_TENANT)) == before  # nothing stored was touched
