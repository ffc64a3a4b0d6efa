"""The demo's replay shows nothing from the future, on any day, in any message or record.

The sample ledger is a snapshot of 23 November; the replay starts on 1 October. Each
day's messages may only list documents issued by then and deduct credits and payments
dated by then, and the audit trail never records something before the day it happened.
"""

from __future__ import annotations

import email
import re
from datetime import date
from email import policy as email_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from connector.demo import TENANT, DemoResult
from connector.model import Platform, SourceRef
from connector.store import EventType, Store
from connector.store import schema as t
from tests.demo_built import BuiltDemo

PARIS = ZoneInfo("Europe/Paris")
DATE = re.compile(r"\b(\d\d)/(\d\d)/(\d{4})\b")


@pytest.fixture(scope="module")
def demo(demo_built: BuiltDemo) -> DemoResult:
    """The session's demo, read only: what ``run_demo`` returned, as the command printed it."""
    printed = demo_built.result
    return DemoResult(
        directory=Path(printed["directory"]),
        outbox=Path(printed["outbox"]),
        creditor=printed["creditor"],
        awaiting_approval=list(printed["awaiting_approval"]),
    )


def _store(demo: DemoResult) -> Store:
    return Store.open(f"sqlite:///{demo.directory / 'relance.sqlite'}", migrate=False)


def test_every_action_lists_only_what_existed_on_its_day(demo: DemoResult) -> None:
    with _store(demo) as store:
        sent = [a for a in store.actions(TENANT) if a.status.done]  # sent, written, posted
        promises = {
            p.id: p for ref in {a.customer_ref for a in sent} for p in store.promises(TENANT, ref)
        }
    assert len(sent) > 50
    for record in sent:
        action, day = record.action, record.planned_on
        for line in (*action.lines, *action.upcoming):
            assert line.issued_on <= day, (record.key, line.number)
        for credit in action.credits:
            assert credit.on <= day, (record.key, credit.label, credit.on)
        for promise_id in action.broken_promises:
            assert promises[promise_id].recorded_on <= day, (record.key, promise_id)


def _dates(line: str) -> list[date]:
    return [date(int(y), int(m), int(d)) for d, m, y in DATE.findall(line)]


def test_no_email_names_a_document_or_a_deduction_of_a_later_day(demo: DemoResult) -> None:
    """Each row of a message's table (between its rules) is a document, a credit or a
    payment, with its date first: none may be later than the day the message went out."""
    emails = sorted(demo.outbox.glob("2026-*/*.eml"))
    assert len(emails) > 40
    rows = deductions = 0
    for path in emails:
        day = date.fromisoformat(path.parent.name)
        message = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        rules = 0
        for line in body.get_content().splitlines():  # type: ignore[attr-defined]
            if line.startswith("-" * 20):
                rules += 1
                continue
            found = _dates(line)
            if rules % 2 == 1 and found:  # inside a table
                rows += 1
                deductions += "\u2212" in line
                assert found[0] <= day, (path.name, line)
    assert rows > 100
    assert deductions, "some messages deduct a credit note or an unapplied payment"


def test_the_audit_trail_records_each_thing_on_or_after_its_day(demo: DemoResult) -> None:
    with _store(demo) as store:
        events = store.history(TENANT)
        with store.engine.connect() as conn:
            rows = conn.execute(select(t.payments.c.key, t.payments.c.received_on)).all()
    received = {key.rsplit(":", 1)[-1]: on for key, on in rows}
    dated = {
        EventType.PROMISE_RECORDED: "recorded_on",
        EventType.DISPUTE_OPENED: "opened_on",
        EventType.PLAN_AGREED: "agreed_on",
        EventType.PAUSED: "since",
    }
    seen: set[EventType] = set()
    for event in events:
        on = event.at.astimezone(PARIS).date()
        if event.kind in dated:
            seen.add(event.kind)
            assert date.fromisoformat(event.payload[dated[event.kind]]) == on, event
        if event.kind is EventType.PAYMENT_RECEIVED:
            assert received[event.payload["payment"]] <= on, event
    assert seen == set(dated)


def test_the_first_of_october_ignores_november(demo: DemoResult) -> None:
    """The issue's case: Menuiserie Girard (C009) paid 267.77 too much on 19 November."""
    october = demo.outbox / "2026-10-01"
    (path,) = october.glob("files_lumen_C009_*.eml")
    text = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
    body = text.get_body(preferencelist=("plain",))
    assert body is not None
    content = body.get_content()  # type: ignore[attr-defined]
    assert "19/11/2026" not in content and "267,77" not in content
    with _store(demo) as store:
        ref = SourceRef(platform=Platform.FILES, tenant=TENANT, external_id="C009")
        later = [p for p in store.payments(TENANT, ref) if p.received_on > date(2026, 10, 1)]
    assert later, "the sample still has C009's later payments"


def test_past_days_notices_were_approved_by_the_demo_and_todays_wait(demo: DemoResult) -> None:
    from connector.demo import DEMO_DAY, DEMO_PERSON, LEFT_TO_APPROVE
    from connector.model import StepKind
    from connector.store import ActionStatus

    with _store(demo) as store:
        formal = [
            a
            for a in store.actions(TENANT)
            if a.kind in (StepKind.NOTICE, StepKind.ESCALATION)
            and a.status is not ActionStatus.SKIPPED
        ]
        approvals = [e for e in store.history(TENANT) if e.kind is EventType.ACTION_APPROVED]
        waiting = store.awaiting_approval(TENANT)
    past = [a for a in formal if a.planned_on < DEMO_DAY - LEFT_TO_APPROVE]
    assert past and all(a.status.done or a.status is ActionStatus.PREPARED for a in past)
    assert all(a.details.get("approved_by") == DEMO_PERSON for a in past)
    assert {e.payload["action"] for e in approvals} >= {a.key for a in past}
    assert {e.payload["by"] for e in approvals} == {DEMO_PERSON}
    # the last week's notices and escalations wait for the person trying the demo, planned
    # again each day since (same key), so dated the last day
    assert waiting, "the demo leaves something to approve"
    assert {a.planned_on for a in waiting} == {DEMO_DAY}
    assert all(a.created_at.date() >= DEMO_DAY - LEFT_TO_APPROVE for a in waiting)
    assert sorted(demo.awaiting_approval) == sorted(a.key for a in waiting)
    assert {a.kind for a in waiting} <= {StepKind.NOTICE, StepKind.ESCALATION}
    assert sorted(a.key for a in waiting) == sorted(
        r.key for r in formal if r.status is ActionStatus.AWAITING_APPROVAL
    )
