"""The trail relance leaves in Odoo: an internal note in the chatter, a call activity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import FrozenClock
from connector.http import HttpClient
from connector.model import Channel, Platform, SourceRef
from connector.source import Outcome
from tests.emulators.odoo import OdooEmulator, OdooState, seed


def ref(kind: str, n: int) -> SourceRef:
    return SourceRef(platform=Platform.ODOO, tenant="acme", external_id=f"{kind}:{n}")


def outcome(step: str, channel: Channel, key: str) -> Outcome:
    return Outcome(
        action_key=key,
        step=step,
        channel=channel,
        done_on=date(2026, 3, 10),
        receivables=(ref("move", 20_000),),
        note="n",
        customer=ref("partner", 100),
        numbers=("INV/2026/20000",),
    )


@pytest.fixture(params=[(19, 0), (16, 0)], ids=["json2", "jsonrpc-16"])
def state(request: pytest.FixtureRequest) -> OdooState:
    clock = FrozenClock.on(date(2026, 3, 10))
    state = OdooState(clock, version=request.param)
    seed(state, customers=3, invoices=10, today=clock.now().date())
    return state


@pytest.fixture
def source(state: OdooState) -> Iterator[OdooSource]:
    server = OdooEmulator(state).start()
    clock = FrozenClock.on(date(2026, 3, 10))
    http = HttpClient(POLICY, base_url=server.url, tenant="acme", clock=clock, classify=classify)
    client = OdooClient(http, database="acme", login="relance-bot", key="odoo-key-0123456789")
    yield OdooSource(client, "acme", clock)
    http.close()
    server.stop()


def test_an_internal_note_once_per_reminder(source: OdooSource, state: OdooState) -> None:
    action = outcome("reminder_1", Channel.EMAIL, "p100|reminder_1|m20000")
    first = source.write_back(ref("move", 20_000), action)
    source.write_back(ref("move", 20_000), action)  # retried after a crash
    notes = list(state.records["mail.message"].values())
    assert len(notes) == 1
    (note,) = notes
    assert note["subtype_xmlid"] == "mail.mt_note"  # followers are not e-mailed
    assert note["res_id"] == 20_000 and "Relance 1 envoyée par e-mail" in note["body"]
    assert "<" not in note["body"], "plain text: no body_is_html, no warning in Odoo's log"
    assert first.written


def test_a_phone_step_becomes_a_call_activity_for_the_salesperson(
    source: OdooSource, state: OdooState
) -> None:
    action = outcome("phone_call", Channel.PHONE_TASK, "p100|phone_call|m20000")
    source.write_back(ref("move", 20_000), action)
    source.write_back(ref("move", 20_000), action)
    (activity,) = state.records["mail.activity"].values()
    assert activity["res_model"] == "account.move" and activity["res_id"] == 20_000
    assert activity["activity_type_id"] == 2 and activity["user_id"] == 2
    assert activity["date_deadline"] == "2026-03-10"
