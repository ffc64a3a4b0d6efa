"""Steps that wait for a person's approval: recorded, not sent, until a person decides."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path

import pytest

from connector.errors import DataError, StoreError
from connector.executor import Executor
from connector.money import Money
from connector.policy import Policy, default_policy
from connector.store import ActionStatus, AuditEvent, EventType, Store
from tests.smtp_server import SmtpServer

from .builders import (
    TENANT,
    MemorySource,
    approving,
    customer,
    invoice,
    make_executor,
    ref,
    relay,
    without_approval,
)

DUE = date(2026, 3, 2)  # a Monday: reminder_1 on the 3rd, the notice from 1 April
R1 = f"{ref('C1').key}|reminder_1|{ref('F-001').key}"
NOTICE = f"{ref('C1').key}|formal_notice|{ref('F-001').key}"


def _ledger(store: Store) -> MemorySource:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=[invoice("F-001", "C1", DUE, "1200.00")],
    )
    return MemorySource({ref("F-001").key: Money.of("1200.00", "EUR")})


def _days(
    store: Store,
    outbox: Path,
    source: MemorySource,
    first: date,
    last: date,
    policy: Policy,
    smtp: SmtpServer | None = None,
) -> Executor:
    """A run each day from ``first`` to ``last``; the last day's executor."""
    day = first
    while True:
        executor = make_executor(
            store, outbox, source, day, smtp=relay(smtp) if smtp else None, policy=policy
        )
        executor.run(day)
        if day >= last:
            return executor
        day += timedelta(days=1)


def _events(store: Store, kind: EventType) -> list[AuditEvent]:
    return [e for e in store.history(TENANT, customer_ref=ref("C1")) if e.kind is kind]


def _texts(server: SmtpServer) -> list[str]:
    found = []
    for received in server.messages:
        message = email.message_from_bytes(received.data, policy=email_policy.default)
        body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        found.append(str(body.get_content()).replace("\r\n", "\n"))  # CRLF on the wire
    return found


def test_the_default_policy_holds_the_notice_for_approval_and_nothing_goes_out(
    store: Store, tmp_path: Path
) -> None:
    source = _ledger(store)
    outbox = tmp_path / "outbox"
    _days(store, outbox, source, date(2026, 3, 1), date(2026, 3, 31), default_policy())
    report = make_executor(store, outbox, source, date(2026, 4, 1)).run(date(2026, 4, 1))

    (waiting,) = store.awaiting_approval(TENANT)
    assert waiting.key == NOTICE and waiting.status is ActionStatus.AWAITING_APPROVAL
    assert "approve" in (waiting.error or "")
    assert [r.status for r in report.results] == [ActionStatus.AWAITING_APPROVAL]
    assert report.awaiting_approval == 1 and report.needs_attention
    assert not (outbox / "letters").exists(), "no letter was prepared"
    # the schedule does not move past it: the next days plan the same notice, still waiting
    again = _days(store, outbox, source, date(2026, 4, 2), date(2026, 4, 8), default_policy())
    assert [r.key for r in store.awaiting_approval(TENANT)] == [NOTICE]
    assert not (outbox / "letters").exists()
    assert store.item_history(TENANT, ref("C1"))[ref("F-001").key][-1].step != "formal_notice"
    # its figures are kept up to date for the preview, the source not asked while it waits
    calls = source.balance_calls
    again.run(date(2026, 4, 8))
    assert source.balance_calls == calls
    kinds = [e.kind for e in store.history(TENANT, customer_ref=ref("C1"))]
    assert kinds.count(EventType.ACTION_AWAITING_APPROVAL) == 1


def test_a_reminder_goes_on_its_own_under_the_default_policy(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    day = date(2026, 3, 3)
    report = make_executor(store, tmp_path / "o", source, day, smtp=relay(smtp)).run(day)

    assert [(r.step, r.status) for r in report.results] == [("reminder_1", ActionStatus.SENT)]
    assert len(smtp.messages) == 1
    assert store.awaiting_approval(TENANT) == [] and report.awaiting_approval == 0


def test_approved_it_goes_out_at_the_next_run_exactly_once(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)
    assert smtp.messages == [] and store.action(TENANT, R1).status is ActionStatus.AWAITING_APPROVAL

    approved = store.approve_action(TENANT, R1, by="Claire Martin")
    assert approved.status is ActionStatus.PLANNED
    assert approved.details["approved_by"] == "Claire Martin"
    for _ in range(2):  # run twice: still once
        make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    assert len(smtp.messages) == 1
    record = store.action(TENANT, R1)
    assert record.status is ActionStatus.SENT and record.details["approved_by"] == "Claire Martin"
    (event,) = _events(store, EventType.ACTION_APPROVED)
    assert event.payload == {"action": R1, "step": "reminder_1", "by": "Claire Martin"}
    # approving again, once sent, is refused: nothing waits
    with pytest.raises(StoreError, match="only an action awaiting approval"):
        store.approve_action(TENANT, R1, by="Claire Martin")


def test_the_default_notice_once_approved_is_prepared_once(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    outbox = tmp_path / "outbox"
    _days(store, outbox, source, date(2026, 3, 1), date(2026, 4, 1), default_policy())
    store.approve_action(TENANT, NOTICE, by="demo")
    for day in (date(2026, 4, 2), date(2026, 4, 2), date(2026, 4, 3)):
        make_executor(store, outbox, source, day).run(day)

    assert len(list((outbox / "letters").rglob("*.pdf"))) == 1
    assert store.action(TENANT, NOTICE).status is ActionStatus.PREPARED


def test_skipped_the_step_is_not_sent_and_the_schedule_moves_on(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, outbox = approving("reminder"), tmp_path / "outbox"
    day = date(2026, 3, 3)
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    skipped = store.skip_action(
        TENANT, R1, "Claire Martin", "called them instead", policy=policy, on=day
    )
    assert (
        skipped.status is ActionStatus.SKIPPED and skipped.details["skipped_by"] == "Claire Martin"
    )
    _days(store, outbox, source, day, date(2026, 3, 12), policy, smtp)

    assert smtp.messages == [], "reminder_1 never went, and nothing else was due by the 12th"
    # the next step came: the phone call of D+8, planned on its own day
    assert store.action(TENANT, f"{ref('C1').key}|phone_call|{ref('F-001').key}").status in (
        ActionStatus.WRITTEN,
    )
    assert store.action(TENANT, R1).status is ActionStatus.SKIPPED
    (event,) = _events(store, EventType.ACTION_SKIPPED)
    assert event.payload["by"] == "Claire Martin"
    assert event.payload["reason"] == "called them instead"


def test_an_edited_message_goes_out_edited_and_the_audit_keeps_before_and_after(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    from connector.preview import preview

    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    executor = make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy)
    executor.run(day)
    before = preview(executor, store.action(TENANT, R1))
    text = "Bonjour,\n\nPetit rappel <b>amical</b> : la facture F-001 reste à régler.\n\nClaire"

    store.edit_message(
        TENANT,
        R1,
        "Claire Martin",
        subject="Facture F-001",
        text=text,
        before={"subject": before.subject, "text": before.text},
    )
    store.approve_action(TENANT, R1, by="Paul Durand")
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    (received,) = smtp.messages
    message = email.message_from_bytes(received.data, policy=email_policy.default)
    assert message["Subject"] == "Facture F-001"
    # the person's words, with French typography (a no-break space before « : »)
    assert _texts(smtp) == [text.replace(" :", "\u00a0:") + "\n"]
    html = str(message.get_body(preferencelist=("html",)).get_content())  # type: ignore[attr-defined]
    assert "&lt;b&gt;amical&lt;/b&gt;" in html and "<b>" not in html, "escaped, never markup"
    (event,) = _events(store, EventType.MESSAGE_EDITED)
    assert event.payload["by"] == "Claire Martin"
    assert event.payload["before"] == {"subject": before.subject, "text": before.text}
    assert event.payload["after"] == {"subject": "Facture F-001", "text": text}
    assert "F-001" in before.text and before.text != text


def test_a_letter_is_not_edited_here(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    _days(store, tmp_path / "o", source, date(2026, 3, 1), date(2026, 4, 1), default_policy())
    with pytest.raises(DataError, match="is a letter"):
        store.edit_message(TENANT, NOTICE, "Claire", subject="x", text="y")


def test_approved_but_paid_meanwhile_nothing_goes_out(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)
    store.approve_action(TENANT, R1, by="Claire Martin")
    source.balances[ref("F-001").key] = Money.of("0", "EUR")  # paid at the source meanwhile

    report = make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    assert smtp.messages == []
    record = store.action(TENANT, R1)
    assert record.status is ActionStatus.SKIPPED
    assert "paid or changed at the source" in (record.error or "")
    assert "approved_by" not in record.details, "the approval lapsed with it"
    assert [r.status for r in report.results] == [ActionStatus.SKIPPED]


def test_awaiting_but_no_longer_due_is_withdrawn_and_planned_afresh_later(
    store: Store, tmp_path: Path
) -> None:
    from connector.model import Pause

    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    make_executor(store, outbox, source, day, policy=policy).run(day)
    store.approve_action(TENANT, R1, by="Claire")
    store.pause(TENANT, ref("C1"), Pause(since=day, until=date(2026, 3, 5), reason="holiday"))

    make_executor(store, outbox, source, date(2026, 3, 4), policy=policy).run(date(2026, 3, 4))
    assert store.action(TENANT, R1).status is ActionStatus.SKIPPED  # withdrawn, nothing moved
    make_executor(store, outbox, source, date(2026, 3, 6), policy=policy).run(date(2026, 3, 6))

    again = store.action(TENANT, R1)
    assert again.status is ActionStatus.AWAITING_APPROVAL, "due again: approved afresh"
    assert "approved_by" not in again.details


def test_a_hold_turns_an_approved_action_back_to_waiting(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)
    store.approve_action(TENANT, R1, by="Claire")

    held = store.hold_action(TENANT, R1, "Paul", "wait for the call on Friday")
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    assert held.status is ActionStatus.AWAITING_APPROVAL and held.details["held_by"] == "Paul"
    assert smtp.messages == []
    assert store.action(TENANT, R1).status is ActionStatus.AWAITING_APPROVAL
    with pytest.raises(StoreError, match="already waits"):
        store.hold_action(TENANT, R1, "Paul", "again")


def test_with_approval_empty_the_notice_goes_unapproved(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    outbox = tmp_path / "outbox"
    _days(store, outbox, source, date(2026, 3, 1), date(2026, 4, 1), without_approval())

    assert store.awaiting_approval(TENANT) == []
    assert store.action(TENANT, NOTICE).status is ActionStatus.PREPARED
    assert len(list((outbox / "letters").rglob("*.pdf"))) == 1


def test_a_decision_names_who_took_it(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    policy, day = approving("reminder"), date(2026, 3, 3)
    make_executor(store, tmp_path / "o", source, day, policy=policy).run(day)
    with pytest.raises(DataError, match="names the person"):
        store.approve_action(TENANT, R1, by="  ")
    assert store.action(TENANT, R1).status is ActionStatus.AWAITING_APPROVAL


def test_approved_then_partly_paid_it_waits_again_with_the_new_figures(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)
    store.approve_action(TENANT, R1, by="Claire")
    source.balances[ref("F-001").key] = Money.of("1000.00", "EUR")  # 200 paid meanwhile

    report = make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    assert smtp.messages == []
    record = store.action(TENANT, R1)
    assert record.status is ActionStatus.AWAITING_APPROVAL
    assert "the amounts changed since it was approved" in (record.error or "")
    assert record.action.totals["EUR"] == Money.of("1000.00", "EUR")
    assert [r.status for r in report.results] == [ActionStatus.AWAITING_APPROVAL]
