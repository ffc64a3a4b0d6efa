"""A cycle against a relay that misbehaves, on real connections: the real store, the real
channels, an aiosmtpd relay that cuts a connection while a message is in flight, and relays
that are down (never answering, or turning every client away).

Only the message in flight when the connection broke is held ("may have gone out"); the
others go out on a new connection. A relay that is down stops e-mail and nothing else:
letters and phone tasks are made, the e-mails wait for the next run and the report says so.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connector.model import Channel
from connector.money import Money
from connector.settings import SmtpConfig
from connector.store import ActionStatus, Store
from tests.smtp_server import BrokenRelay, SmtpServer

from .builders import TENANT, MemorySource, customer, invoice, make_executor, ref, relay

DAY = date(2026, 3, 10)  # a Tuesday
DUE = date(2026, 3, 5)  # five days late: the first reminder, by e-mail


def _ledger(store: Store, emails: int, *, letters: int = 0, tasks: int = 0) -> MemorySource:
    customers = [customer(f"E{n}", f"Client mail {n}") for n in range(emails)]
    customers += [customer(f"L{n}", f"Client courrier {n}", email=None) for n in range(letters)]
    customers += [
        customer(f"T{n}", f"Client tel {n}", email=None, address=False) for n in range(tasks)
    ]
    receivables = [invoice(f"F-{c.ref.external_id}", c.ref.external_id, DUE, "640.00")
                   for c in customers]  # fmt: skip
    store.upsert_ledger(TENANT, customers=customers, receivables=receivables)
    return MemorySource({r.ref.key: Money.of("640.00", "EUR") for r in receivables})


def _statuses(store: Store, channel: Channel) -> list[ActionStatus]:
    return sorted(a.status for a in store.actions(TENANT) if a.channel is channel)


def test_a_connection_cut_mid_cycle_holds_only_the_message_in_flight(
    store: Store, tmp_path: Path
) -> None:
    cycle = 6
    source = _ledger(store, cycle)
    server = SmtpServer(cut_after={2}).start()
    try:
        report = make_executor(store, tmp_path / "outbox", source, DAY, relay(server)).run(DAY)
    finally:
        server.stop()
    sent, held = report.count(ActionStatus.SENT), report.count(ActionStatus.HELD)
    assert (sent, held) == (cycle - 1, 1), f"{sent} sent, {held} held of {cycle}"
    (on_hold,) = store.actions(TENANT, status=ActionStatus.HELD)
    assert "may have gone out" in (on_hold.error or "")
    assert len(server.messages) == cycle, "each message reached the relay once"
    assert server.connections == 2
    # written back: the five that went out, not the one nobody knows about
    assert len(source.written) == cycle - 1


@pytest.mark.parametrize("stall", [False, True], ids=["turns-away", "never-answers"])
def test_a_relay_down_stops_email_only_and_the_run_says_to_try_again(
    store: Store, tmp_path: Path, stall: bool
) -> None:
    source = _ledger(store, 3, letters=1, tasks=1)
    down = BrokenRelay(stall=stall).start()
    try:
        smtp = SmtpConfig(host="127.0.0.1", port=down.port, security="none", timeout=1)
        report = make_executor(store, tmp_path / "outbox", source, DAY, smtp).run(DAY)
    finally:
        down.stop()
    assert _statuses(store, Channel.LETTER) == [ActionStatus.PREPARED]
    assert _statuses(store, Channel.PHONE_TASK) == [ActionStatus.WRITTEN]
    assert _statuses(store, Channel.EMAIL) == [ActionStatus.PLANNED] * 3, "tried again later"
    assert down.connections == 1, "the relay is tried once a run, not once per message"
    assert report.to_retry == 3
    emails = [r for r in report.results if r.channel is Channel.EMAIL]
    assert all("will retry" in r.detail for r in emails)
    assert source.written and all(key != ref("F-E0").key for key, _ in source.written)
