"""What a formal notice and an escalation list: only true statements, per invoice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from types import MappingProxyType

from connector.model import ReceivableKind, StepKind
from connector.money import Money
from connector.planner import (
    BlockKind,
    CustomerState,
    Delivery,
    PlannedAction,
    StepTaken,
    apply_action,
    plan_customer,
)
from connector.policy import NoticeCoverage, Policy

from .helpers import CALENDAR, POLICY, customer, invoice, ref


def _run(
    state: CustomerState, start: date, days: int, policy: Policy = POLICY
) -> tuple[CustomerState, list[tuple[date, PlannedAction]]]:
    done = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        for action in plan_customer(state, policy, CALENDAR, day).actions:
            done.append((day, action))
            state = apply_action(state, action, policy)
    return state, done


def _add(state: CustomerState, *receivables: object) -> CustomerState:
    return replace(state, receivables=(*state.receivables, *receivables))


def _reminded_up_to_the_notice() -> CustomerState:
    """F1 due 2 March went through reminder_1, the call and reminder_2 (17 March)."""
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "1200")])
    state, done = _run(state, date(2026, 3, 3), 20)
    assert [a.step for _, a in done] == ["reminder_1", "phone_call", "reminder_2"]
    return state


def test_an_invoice_two_days_late_never_reminded_is_not_in_the_notice() -> None:
    # the notice for F1 falls due on 1 April; F2, due 30 March, is 2 days late then
    state = _add(_reminded_up_to_the_notice(), invoice("F2", date(2026, 3, 30), "300"))
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1))

    (notice,) = result.actions
    assert notice.kind is StepKind.NOTICE
    assert [line.number for line in notice.lines] == ["F1"]
    assert notice.totals["EUR"] == Money.of("1200", "EUR"), "no 300 EUR (nor its 40 EUR) in it"
    assert any("not in the formal_notice: F2" in note for note in result.notes)

    # F2 stays in the ordinary schedule: its own first reminder, after the notice's gap
    state = apply_action(state, notice, POLICY)
    state, done = _run(state, date(2026, 4, 2), 10)
    first = done[0]
    assert first[1].step == "reminder_1" and [ln.number for ln in first[1].lines] == ["F2"]
    # three days after the notice is Saturday 4 April; Monday 6 is Easter Monday
    assert first[0] == date(2026, 4, 7), "after the notice's gap, on a send day"


def test_the_notice_takes_invoices_reminded_or_late_enough() -> None:
    state = _add(
        _reminded_up_to_the_notice(),
        invoice("F0", date(2026, 2, 27), "90"),  # 33 days late on 1 April: its own notice day
        invoice("F2", date(2026, 3, 30), "300"),  # 2 days late, never reminded
    )
    (notice,) = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1)).actions
    assert [line.number for line in notice.lines] == ["F0", "F1"]


def test_the_minimum_days_overdue_is_a_policy_setting() -> None:
    policy = POLICY.model_copy(update={"notice_min_days_overdue": 1})
    state = _add(_reminded_up_to_the_notice(), invoice("F2", date(2026, 3, 30), "300"))
    (notice,) = plan_customer(state, policy, CALENDAR, date(2026, 4, 1)).actions
    assert [line.number for line in notice.lines] == ["F1", "F2"]


def test_all_overdue_lists_every_overdue_invoice_as_before() -> None:
    policy = POLICY.model_copy(update={"notice_covers": NoticeCoverage.ALL_OVERDUE})
    state = _add(_reminded_up_to_the_notice(), invoice("F2", date(2026, 3, 30), "300"))
    (notice,) = plan_customer(state, policy, CALENDAR, date(2026, 4, 1)).actions
    assert [line.number for line in notice.lines] == ["F1", "F2"]


def test_an_invoice_once_reminded_joins_the_notice() -> None:
    # F2 falls due before reminder_2: it is in reminder_2, hence in the notice
    state = CustomerState(
        customer(),
        [invoice("F1", date(2026, 3, 2), "1200"), invoice("F2", date(2026, 3, 14), "300")],
    )
    _, done = _run(state, date(2026, 3, 3), 31)
    notice = next(a for _, a in done if a.kind is StepKind.NOTICE)
    assert [line.number for line in notice.lines] == ["F1", "F2"]


def test_the_escalation_lists_only_invoices_whose_notice_deadline_passed() -> None:
    state = _add(_reminded_up_to_the_notice(), invoice("F2", date(2026, 3, 30), "300"))
    state, done = _run(state, date(2026, 4, 1), 70)
    escalation = next(a for _, a in done if a.kind is StepKind.ESCALATION)
    assert [line.number for line in escalation.lines] == ["F1"]
    (f1,) = escalation.lines
    assert f1.notice is not None and f1.notice.on == date(2026, 4, 1)
    # posted 1 April, delivered 3 days later, 8 days to pay: Sunday 12 April, so the
    # deadline runs to Monday 13 April
    assert f1.notice.answer_by == date(2026, 4, 13)
    assert [s.step for s in f1.steps] == ["reminder_1", "phone_call", "reminder_2", "formal_notice"]
    # F2 went its own way meanwhile: reminders first, then a notice of its own
    f2_steps = [a.step for _, a in done if any(ln.number == "F2" for ln in a.lines)]
    assert f2_steps[:2] == ["reminder_1", "phone_call"]
    assert "formal_notice" in f2_steps
    assert all(a.step != "formal_notice" or len(a.lines) == 1 for _, a in done)


def _noticed(received_on: date | None = None) -> CustomerState:
    """F1 was in a registered notice posted on 1 April (prepared on 31 March)."""
    state = CustomerState(customer(), [invoice("F1", date(2026, 1, 15), "1200")])
    notice = StepTaken(
        "formal_notice",
        StepKind.NOTICE,
        POLICY.steps[4].channel,
        Delivery.POSTED,
        date(2026, 4, 1),
        "C1|formal_notice|F1",
        prepared_on=date(2026, 3, 31),
        registered=True,
        tracking_number="1A 234 567 8901 2",
        received_on=received_on,
        claimed=Money.of("1200", "EUR"),
    )
    key = ref("F1").key
    return replace(
        state,
        progress=MappingProxyType(
            {key: replace(state.progress.get(key) or _progress(), step="formal_notice")}
        ),
        history=MappingProxyType({key: (notice,)}),
        last_action_on=date(2026, 4, 1),
    )


def _progress():  # type: ignore[no-untyped-def]
    from connector.planner import Progress

    return Progress("formal_notice", 2, date(2026, 4, 1))


def test_the_escalation_waits_for_the_deadline_counted_from_receipt() -> None:
    policy = POLICY.model_copy(update={"notice_deadline_days": 30})
    # received 10 April: 30 days to pay end on Sunday 10 May, so on Monday 11 May; the
    # escalation's own day is 16 March
    state = _noticed(received_on=date(2026, 4, 10))
    waiting = plan_customer(state, policy, CALENDAR, date(2026, 5, 11))
    assert waiting.actions == ()
    assert waiting.next_review_on == date(2026, 5, 12)
    (escalation,) = plan_customer(state, policy, CALENDAR, date(2026, 5, 12)).actions
    assert escalation.kind is StepKind.ESCALATION
    # without the AR's date: posting day + 3 days' delivery + 30 days = 4 May
    unknown = _noticed(received_on=None)
    assert plan_customer(unknown, policy, CALENDAR, date(2026, 5, 4)).actions == ()
    assert plan_customer(unknown, policy, CALENDAR, date(2026, 5, 5)).actions


def test_a_letter_to_post_holds_the_customer_until_its_posting_is_recorded() -> None:
    state = _reminded_up_to_the_notice()
    (notice,) = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1)).actions
    key = ref("F1").key
    prepared = StepTaken(
        notice.step,
        notice.kind,
        notice.channel,
        Delivery.PREPARED,
        date(2026, 4, 1),
        notice.key,
        prepared_on=date(2026, 4, 1),
    )
    waiting = replace(state, history=MappingProxyType({key: (*state.history[key], prepared)}))
    for day in (date(2026, 4, 2), date(2026, 5, 20)):
        result = plan_customer(waiting, POLICY, CALENDAR, day)
        assert result.actions == ()
        (blocked,) = result.blocked
        assert blocked.kind is BlockKind.LETTER_TO_POST and blocked.action_key == notice.key
        assert result.next_review_on is None, "the posting's record wakes it up"


def test_history_as_of_a_day_sees_a_letter_posted_later_as_still_to_post() -> None:
    state = _noticed()
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 31))
    assert [b.kind for b in result.blocked] == [BlockKind.LETTER_TO_POST]


def test_credits_are_deducted_once_when_a_day_splits_the_claim() -> None:
    credit = invoice("AV1", date(2026, 3, 1), "100", kind=ReceivableKind.CREDIT_NOTE)
    state = _add(_reminded_up_to_the_notice(), credit, invoice("F2", date(2026, 3, 20), "300"))
    # F2 had no reminder (due after reminder_2) and is 12 days late: out of the notice
    (notice,) = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1)).actions
    assert [c.label for c in notice.credits] == ["AV1"]
    assert notice.totals["EUR"] == Money.of("1100", "EUR")
    state = apply_action(state, notice, POLICY)
    _, done = _run(state, date(2026, 4, 2), 6)
    reminder = done[0][1]
    assert [ln.number for ln in reminder.lines] == ["F2"]
    assert reminder.credits == () and reminder.totals["EUR"] == Money.of("300", "EUR")


def test_an_invoice_held_through_the_notice_goes_on_at_its_own_pace() -> None:
    # F0's promise held it while F1 and F2 went to the notice: once the promise is broken,
    # F0's own notice goes at once, then its own escalation; F1 and F2 keep their own pace
    # (a stall hypothesis found: F0 never reached its escalation)
    from connector.model import Promise

    promise = Promise(
        id="p",
        customer_ref=ref("C1"),
        promised_on=date(2026, 2, 6),
        amount=Money.of("120", "EUR"),
        recorded_on=date(2026, 1, 23),
        balance_at_promise=Money.of("120", "EUR"),
        receivable_refs=(ref("F0"),),
    )
    state = CustomerState(
        customer(),
        [
            invoice("F0", date(2025, 12, 3), "120"),
            invoice("F1", date(2026, 1, 2), "1500"),
            invoice("F2", date(2025, 12, 12), "120"),
        ],
        promises=[promise],
    )
    _, done = _run(state, date(2026, 1, 5), 60)
    assert [(d, a.step, [ln.number for ln in a.lines]) for d, a in done][3:] == [
        (date(2026, 1, 28), "formal_notice", ["F2", "F1"]),  # reminder_2 gave until 27
        (date(2026, 2, 9), "formal_notice", ["F0"]),
        (date(2026, 2, 10), "escalation", ["F2", "F1"]),
        (date(2026, 2, 23), "escalation", ["F0"]),
    ]
    notice = next(a for d, a in done if d == date(2026, 2, 9))
    assert notice.broken_promises == ("p",), "the broken promise goes with its own invoice"
    assert all(not a.broken_promises for d, a in done if d != date(2026, 2, 9))


def test_no_notice_for_invoices_the_credits_cover() -> None:
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 2), "200")])
    state, _ = _run(state, date(2026, 3, 3), 20)  # F1 had its reminders
    credit = invoice("AV1", date(2026, 3, 20), "250", kind=ReceivableKind.CREDIT_NOTE)
    state = _add(state, credit, invoice("F2", date(2026, 3, 30), "300"))
    result = plan_customer(state, POLICY, CALENDAR, date(2026, 4, 1))
    assert "formal_notice: credits cover F1" in result.notes
    (reminder,) = result.actions  # F2 goes on with its own first reminder
    assert [ln.number for ln in reminder.lines] == ["F2"]
    assert reminder.totals["EUR"] == Money.of("250", "EUR"), "what the credit left: 50 EUR"


def test_the_notice_never_goes_before_the_deadline_the_second_reminder_gave() -> None:
    # F1 is long overdue when the chase starts: reminder_2 goes on 12 October and gives
    # 8 days from its receipt (20 October); the notice's own gap (7 days) would allow 19
    state = CustomerState(customer(), [invoice("F1", date(2026, 3, 20), "1200")])
    _, done = _run(state, date(2026, 10, 1), 30)
    days = {a.step: d for d, a in done}
    assert days["reminder_2"] == date(2026, 10, 12)
    assert days["formal_notice"] == date(2026, 10, 21)
    # by post, the deadline counts from the letter's receipt (posting + 3 days)
    by_post = CustomerState(customer(email=None), [invoice("F1", date(2026, 3, 20), "1200")])
    _, done = _run(by_post, date(2026, 10, 1), 30)
    days = {a.step: d for d, a in done}
    assert days["formal_notice"] - days["reminder_2"] == timedelta(days=14)  # 12 Oct: 26 Oct


def test_a_deadline_that_ends_on_a_holiday_runs_to_the_next_business_day() -> None:
    from connector.dunning.history import answer_by

    notice = StepTaken(
        "formal_notice",
        StepKind.NOTICE,
        POLICY.steps[4].channel,
        Delivery.POSTED,
        date(2026, 10, 22),
        "C1|formal_notice|F1",
        registered=True,
        received_on=date(2026, 10, 24),  # + 8 days: Sunday 1 November, Toussaint
    )
    assert answer_by(notice, 8, 3) == date(2026, 11, 1)  # no calendar: the bare count
    assert answer_by(notice, 8, 3, CALENDAR.on_or_after) == date(2026, 11, 2)
