"""A customer without e-mail gets letters; a letter is prepared until a person posts it; a
refused address makes the next run use the fallback. The real store on SQLite and on
PostgreSQL, the real channels, a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.errors import SourceUnavailable, StoreError
from connector.model import Channel, Platform, SourceRef
from connector.money import Money
from connector.source import Outcome, WriteReceipt
from connector.store import ActionStatus, EventType, Store
from tests.smtp_server import SmtpServer

from .builders import (
    TENANT,
    MemorySource,
    customer,
    invoice,
    make_executor,
    ref,
    relay,
    without_approval,
)

DAY = date(2026, 3, 10)  # a Tuesday


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'relance.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    opened = Store.open(url, clock=FrozenClock.on(date(2026, 3, 1)))
    opened.ensure_tenant(TENANT, platform=Platform.FILES, name="Atelier Test")
    try:
        yield opened
    finally:
        if request.param == "postgresql":  # the next test starts from an empty schema
            with opened.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        opened.close()


def _one_customer(store: Store, **contact: object) -> MemorySource:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C9", "Studio Sans Mail", **contact)],  # type: ignore[arg-type]
        receivables=[invoice("F-9", "C9", date(2026, 3, 2), "9040.76")],
    )
    return MemorySource({ref("F-9").key: Money.of("9040.76", "EUR")})


def test_without_an_email_address_the_reminder_is_a_letter_to_post(
    store: Store, tmp_path: Path
) -> None:
    source = _one_customer(store, email=None)
    executor = make_executor(store, tmp_path / "outbox", source, DAY)

    report = executor.run(DAY)
    (result,) = report.results
    assert result.channel is Channel.LETTER and result.status is ActionStatus.PREPARED
    assert result.key.endswith("|letter") and "relance action letter" in result.detail
    assert report.needs_attention, "a person has a letter to post"
    assert Path(result.reference).read_bytes().startswith(b"%PDF")
    assert source.written == [], "written back once posted, not before"
    # while the letter waits, nothing else goes, and the plan says why
    later = make_executor(store, tmp_path / "outbox", source, DAY + timedelta(days=14))
    dry = later.dry_run(DAY + timedelta(days=14))
    assert dry.planned == []
    ((key, why),) = dry.blocked
    assert key == ref("C9").key and why.kind.value == "letter_to_post"
    assert why.action_key == result.key


def test_recording_the_posting_moves_the_schedule_from_the_posting_day(
    store: Store, tmp_path: Path
) -> None:
    source = _one_customer(store, email=None)
    make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    (letter,) = store.letters_to_post(TENANT)

    posted_on = date(2026, 3, 12)
    executor = make_executor(store, tmp_path / "outbox", source, posted_on)
    record = executor.record_posting(letter.key, posted_on=posted_on)
    assert record.status is ActionStatus.POSTED
    assert record.details["posted_on"] == "2026-03-12" and record.details["registered"] is False
    assert [(key, o.done_on) for key, o in source.written] == [(ref("F-9").key, posted_on)]
    (steps,) = store.item_history(TENANT, ref("C9")).values()
    assert [(s.step, s.delivery.value, s.on, s.prepared_on) for s in steps] == [
        ("reminder_1", "posted", posted_on, DAY)
    ]
    # the call's gap (5 days) counts from the posting: not on 16 March, on 17 March
    plans = {
        day: [a.step for a in make_executor(store, tmp_path, source, day).dry_run(day).planned]
        for day in (date(2026, 3, 16), date(2026, 3, 17))
    }
    assert plans == {date(2026, 3, 16): [], date(2026, 3, 17): ["phone_call"]}
    kinds = [e.kind for e in store.history(TENANT, customer_ref=ref("C9"))]
    assert EventType.LETTER_PREPARED in kinds and EventType.LETTER_POSTED in kinds


def test_a_registered_letter_needs_its_tracking_number_and_dates_that_hold(
    store: Store, tmp_path: Path
) -> None:
    source = _one_customer(store)
    day = DAY
    policy = without_approval()  # the notice goes as planned: this is about its posting
    while not store.letters_to_post(TENANT):  # up to the formal notice, e-mails and a call
        make_executor(store, tmp_path / "outbox", source, day, policy=policy).run(day)
        day += timedelta(days=1)
    (notice,) = store.letters_to_post(TENANT)
    assert notice.step == "formal_notice" and notice.details["registered"] is True
    executor = make_executor(store, tmp_path / "outbox", source, day)
    with pytest.raises(StoreError, match="tracking number is the proof"):
        executor.record_posting(notice.key, posted_on=notice.planned_on)
    with pytest.raises(StoreError, match="cannot be posted on"):
        executor.record_posting(
            notice.key, posted_on=notice.planned_on - timedelta(days=1), tracking_number="1A"
        )
    executor.record_posting(notice.key, posted_on=notice.planned_on, tracking_number="1A 234")
    with pytest.raises(StoreError, match="cannot be received on"):
        executor.record_posting(
            notice.key, posted_on=None, received_on=notice.planned_on - timedelta(days=1)
        )
    received = notice.planned_on + timedelta(days=3)
    record = executor.record_posting(notice.key, posted_on=None, received_on=received)
    assert record.details["tracking_number"] == "1A 234"
    assert record.details["received_on"] == received.isoformat()
    (steps,) = store.item_history(TENANT, ref("C9")).values()
    assert steps[-1].received_on == received and steps[-1].registered


def test_a_refused_address_fails_once_then_the_fallback_reaches_the_customer(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _one_customer(store, email="nobody@example.com")
    first = make_executor(store, tmp_path / "outbox", source, DAY, smtp=relay(smtp)).run(DAY)
    (failed,) = first.results
    assert failed.status is ActionStatus.FAILED and "fallback" in failed.detail
    assert smtp.messages == []
    record = store.action(TENANT, failed.key)
    assert record.details["refused"]["recipients"] == ["nobody@example.com"]
    assert "nobody@example.com" not in (record.error or ""), "no address in messages"

    nxt = DAY + timedelta(days=1)
    second = make_executor(store, tmp_path / "outbox", source, nxt, smtp=relay(smtp)).run(nxt)
    (letter,) = second.results
    assert letter.channel is Channel.LETTER and letter.status is ActionStatus.PREPARED
    assert store.action(TENANT, failed.key).status is ActionStatus.CANCELLED, "superseded"
    # a new address at the source: e-mail is worth trying again for the next step
    store.upsert_ledger(
        TENANT, customers=[customer("C9", "Studio Sans Mail", email="compta@studio.example")]
    )
    (state,) = store.customer_states(TENANT, customer_refs=[ref("C9")])
    assert [r.recipients for r in state.refusals] == [frozenset({"nobody@example.com"})]


def test_a_customer_nothing_reaches_is_blocked_and_the_store_says_why(
    store: Store, tmp_path: Path
) -> None:
    source = _one_customer(store, email=None, address=False, phone=None)
    report = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    assert report.results == [] and report.needs_attention
    ((key, name, why),) = store.blocked_customers(TENANT)
    assert key == ref("C9").key and name == "Studio Sans Mail"
    assert why == [
        {
            "kind": "unreachable",
            "step": "reminder_1",
            "reason": "e-mail: no e-mail address; letter: no postal address; "
            "phone task: no phone number",
            "action": None,
        }
    ]
    # an address arrives with the next sync: the reminder goes by post at the next run
    store.upsert_ledger(TENANT, customers=[customer("C9", "Studio Sans Mail", email=None)])
    make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    assert [a.status for a in store.actions(TENANT)] == [ActionStatus.PREPARED]
    ((_, _, why),) = store.blocked_customers(TENANT)
    assert [w["kind"] for w in why] == ["letter_to_post"], "now it waits for a person to post"


@dataclass
class RefusingSource(MemorySource):
    """The in-memory source, whose platform refuses the first ``refusals`` write-backs."""

    refusals: int = 0

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        if self.refusals:
            self.refusals -= 1
            raise SourceUnavailable("the platform answered HTTP 503", platform="files")
        return super().write_back(ref, outcome)


def test_a_posting_the_platform_refused_is_written_back_at_the_next_run(
    store: Store, tmp_path: Path
) -> None:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C9", "Studio Sans Mail", email=None)],
        receivables=[invoice("F-9", "C9", date(2026, 3, 2), "9040.76")],
    )
    source = RefusingSource({ref("F-9").key: Money.of("9040.76", "EUR")}, refusals=1)
    make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    (letter,) = store.letters_to_post(TENANT)
    posted_on = date(2026, 3, 12)
    make_executor(store, tmp_path / "outbox", source, posted_on).record_posting(
        letter.key, posted_on=posted_on
    )
    assert source.written == []
    assert [o.action_key for o in store.owed_write_backs(TENANT)] == [letter.key]

    report = make_executor(store, tmp_path / "outbox", source, date(2026, 3, 13)).run(
        date(2026, 3, 13)
    )
    ((key, outcome),) = source.written
    assert key == ref("F-9").key and outcome.done_on == posted_on, "dated the posting day"
    assert outcome.document is not None and outcome.document.startswith(b"%PDF")
    assert store.owed_write_backs(TENANT) == [] and report.write_backs_pending == 0
