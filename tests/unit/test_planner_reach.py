"""A customer without an e-mail address (or any address) is never stuck: fallbacks, blocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from connector.model import Channel, StepKind
from connector.planner import (
    BlockKind,
    CustomerState,
    PlannedAction,
    Refusal,
    apply_action,
    plan_customer,
)

from .helpers import CALENDAR, POLICY, customer, invoice


def _run(state: CustomerState, start: date, days: int) -> list[tuple[date, PlannedAction]]:
    done = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            done.append((day, action))
            state = apply_action(state, action, POLICY)
    return done


def test_without_an_email_address_the_reminders_go_by_letter() -> None:
    state = CustomerState(customer(email=None), [invoice("F1", date(2026, 3, 2), "1200")])
    done = _run(state, date(2026, 2, 20), 80)
    assert [(a.step, a.channel) for _, a in done] == [
        ("reminder_1", Channel.LETTER),  # no courtesy: it has no fallback
        ("phone_call", Channel.PHONE_TASK),
        ("reminder_2", Channel.LETTER),
        ("formal_notice", Channel.LETTER),
        ("escalation", Channel.PHONE_TASK),
    ]
    reminder = done[0][1]
    assert reminder.fallback == "e-mail: no e-mail address"
    assert reminder.key.endswith("|letter"), "its own key beside the e-mail attempt's"
    assert reminder.template == "reminder_1"


def test_with_only_a_phone_number_a_person_calls_instead_of_writing() -> None:
    state = CustomerState(
        customer(email=None, address=False), [invoice("F1", date(2026, 3, 2), "1200")]
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    assert action.kind is StepKind.REMINDER and action.channel is Channel.PHONE_TASK
    assert action.template == "phone_call", "the call's to-do, not a letter to read out"
    assert "no postal address" in action.fallback


def test_a_customer_no_channel_reaches_is_blocked_with_the_reasons() -> None:
    state = CustomerState(
        customer(email=None, phone=None, address=False),
        [invoice("F1", date(2026, 3, 2), "1200")],
    )
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3))
    assert result.actions == ()
    (blocked,) = result.blocked
    assert blocked.kind is BlockKind.UNREACHABLE and blocked.step == "reminder_1"
    assert blocked.reason == (
        "e-mail: no e-mail address; letter: no postal address; phone task: no phone number"
    )
    assert result.next_review_on is None, "nothing changes until the contact data does"


def test_the_notice_without_a_postal_address_blocks_and_says_so() -> None:
    state = CustomerState(customer(address=False), [invoice("F1", date(2026, 3, 2), "1200")])
    done = _run(state, date(2026, 3, 1), 31)
    assert [a.step for _, a in done] == ["reminder_1", "phone_call", "reminder_2"]
    for _, action in done:
        state = apply_action(state, action, POLICY)
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1))
    assert result.actions == ()
    assert [(b.step, b.reason) for b in result.blocked] == [
        ("formal_notice", "letter: no postal address")
    ]


def test_a_call_without_a_phone_number_is_skipped() -> None:
    state = CustomerState(customer(phone=None), [invoice("F1", date(2026, 3, 2), "1200")])
    steps = [a.step for _, a in _run(state, date(2026, 3, 1), 20)]
    assert steps == ["reminder_1", "reminder_2"]


def test_an_address_the_relay_refused_is_not_tried_again_until_it_changes() -> None:
    refused = Refusal(
        Channel.EMAIL,
        frozenset({"compta@client.example"}),
        "the SMTP relay refused every recipient (codes [550])",
        date(2026, 3, 3),
    )
    state = CustomerState(
        customer(), [invoice("F1", date(2026, 3, 2), "1200")], refusals=(refused,)
    )
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 4)).actions
    assert action.channel is Channel.LETTER
    assert "refused" in action.fallback
    renewed = replace(state, customer=customer(email="paiements@client.example"))
    (again,) = plan_customer(renewed, POLICY, CALENDAR, date(2026, 3, 4)).actions
    assert again.channel is Channel.EMAIL and again.fallback == ""


def test_an_address_that_is_not_one_mailbox_is_not_written_to() -> None:
    """« a@x.fr, b@y.fr », a line break carrying a header, a display name: none is an
    address a message goes to. The customer is reached by letter, and the plan says why."""
    for bad in ("a@x.fr, b@y.fr", "compta@x.fr\r\nBcc: evil@attacker.example", "J <j@x.fr>"):
        state = CustomerState(customer(email=bad), [invoice("F1", date(2026, 3, 2), "1200")])
        first = _run(state, date(2026, 3, 1), 5)[0][1]
        assert (first.step, first.channel) == ("reminder_1", Channel.LETTER), bad
        assert first.fallback.startswith("e-mail: no usable e-mail address"), first.fallback
        assert "\r" not in first.fallback.replace("\\r", "") and "\n" not in first.fallback
