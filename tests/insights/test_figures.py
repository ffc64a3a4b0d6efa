"""Each figure of the dashboard on the hand-made ledger of ``ledger.py`` (read its table
first): the expected values were worked out by hand from it, as each comment says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connector.commitments import Standing
from connector.insights import aged_history, dashboard, dso_history, month_ends
from connector.money import Money
from connector.store import Store

from .ledger import AS_OF, POLICY, TENANT


def _nonzero(point: object) -> dict[str, dict[str, Decimal]]:
    return {
        currency: {name: m.amount for name, m in columns.items() if m.amount}
        for currency, columns in point.by_currency.items()  # type: ignore[attr-defined]
    }


def test_month_ends_then_the_day() -> None:
    days = month_ends(AS_OF)
    assert days[0] == date(2025, 3, 31) and days[-2:] == (date(2026, 2, 28), AS_OF)
    assert len(days) == 13


def test_aged_balance_at_each_months_end_and_on_the_day(store: Store) -> None:
    points = {p.as_of: p for p in aged_history(store, TENANT, AS_OF).points}
    # 10 March: F-2 owes the 200 P4 paid on 12 March (19 days late); F-3 is not due until
    # 12 March; A-1 and P3 (received 1 March) are deducted; F-4 is 69 days late; F-5,
    # issued 11 March, does not exist yet.
    day = points[AS_OF]
    assert _nonzero(day) == {
        "EUR": {"not_due": 800, "1-30": 200, "credit_notes": 50, "unapplied_payments": 70},
        "GBP": {"61-90": 300},
    }
    assert (day.invoices, day.credit_notes, day.unapplied_payments) == (3, 1, 1)
    assert day.total("EUR") == Money.of("880", "EUR")
    # 28 February: P1 (20 Feb) paid F-1; F-2 owes its 500 again (P2 and P4 came later),
    # 9 days late; P3 was not received yet; F-4 is 59 days late.
    assert _nonzero(points[date(2026, 2, 28)]) == {
        "EUR": {"not_due": 800, "1-30": 500, "credit_notes": 50},
        "GBP": {"31-60": 300},
    }
    # 31 January: F-1 (reopened by P1) and F-2, neither due; F-3 and A-1 not issued.
    assert _nonzero(points[date(2026, 1, 31)]) == {
        "EUR": {"not_due": 1500},
        "GBP": {"31-60": 300},
    }
    # 31 December: F-4 falls due that very day, so it is not late; before, nothing.
    assert _nonzero(points[date(2025, 12, 31)]) == {"GBP": {"not_due": 300}}
    assert all(not p.by_currency for d, p in points.items() if d < date(2025, 12, 1))


def test_dso_by_month(store: Store) -> None:
    points = {p.as_of: p.days for p in dso_history(store, TENANT, AS_OF, period=90).points}
    # 10 March: EUR sales since 10 Dec = 1000 + 500 + 800 - 50 = 2250 (F-5 is later);
    # 880 / 2250 * 90 = 35.2. GBP: F-4 was issued 1 Dec, outside the period: no figure.
    assert points[AS_OF] == {"EUR": Decimal("35.2"), "GBP": None}
    # 28 February: 1250 / 2250 * 90 = 50.0; GBP 300 / 300 * 90.
    assert points[date(2026, 2, 28)] == {"EUR": Decimal("50.0"), "GBP": Decimal("90.0")}


def test_paid_after_each_step(store: Store) -> None:
    figures = dashboard(store, TENANT, AS_OF, policy=POLICY).steps
    by_step = {s.step: s for s in figures.steps}
    assert [s.step for s in figures.steps] == [s.name for s in POLICY.steps]
    # P1 (20 Feb, 1000 on F-1) came after reminder_1 of 10 Feb; P2 (5 Mar, 300 on F-2)
    # after reminder_1 of 25 Feb: reminder_2 went out on 5 March, the day P2 arrived, so
    # it does not count; P4 (12 Mar) is after AS_OF; the escalation of 11 Mar too.
    assert by_step["reminder_1"].collected == {"EUR": Money.of("1300", "EUR")}
    assert by_step["reminder_1"].invoices_paid == 2
    assert by_step["reminder_1"].invoices_reached == 2
    assert (by_step["reminder_2"].collected, by_step["reminder_2"].invoices_reached) == ({}, 1)
    assert (by_step["courtesy"].collected, by_step["courtesy"].invoices_reached) == ({}, 1)
    # the notice was only planned; the escalation is dated after AS_OF
    assert by_step["formal_notice"].invoices_reached == by_step["escalation"].invoices_reached == 0
    assert figures.without_reminder.collected == {}


def test_promises_kept_and_broken_by_month(store: Store) -> None:
    months = {m.month: m for m in dashboard(store, TENANT, AS_OF, policy=POLICY).promises.months}
    # PR1: F-2 owed 500 when promised; on 10 March it owes 200 <= 500 - 300: kept.
    february = months[date(2026, 2, 1)]
    assert february.count[Standing.KEPT] == 1 and february.count[Standing.BROKEN] == 0
    assert february.amount[Standing.KEPT] == {"EUR": Money.of("300", "EUR")}
    # PR2: F-3 still owes 800 ten days after 1 March (grace 2 days): broken. PR3 (20 Mar)
    # is live; PR4 was recorded on 11 March: unknown on the 10th.
    march = months[date(2026, 3, 1)]
    assert (march.count[Standing.BROKEN], march.count[Standing.LIVE]) == (1, 1)
    assert march.amount[Standing.BROKEN] == {"EUR": Money.of("800", "EUR")}
    assert sum(m.count[s] for m in months.values() for s in Standing) == 3


def test_cash_expected_in_the_next_30_days(store: Store) -> None:
    expected = dashboard(store, TENANT, AS_OF, policy=POLICY).expected
    # PL1's first instalment (15 Mar, 150 GBP; the second is on 15 Apr, past 8 April) and
    # PR3's 400 EUR on 20 March (nothing paid on F-3 since it was promised).
    assert [(d.day, dict(d.promised), dict(d.instalments)) for d in expected.days] == [
        (date(2026, 3, 15), {}, {"GBP": Money.of("150", "GBP")}),
        (date(2026, 3, 20), {"EUR": Money.of("400", "EUR")}, {}),
    ]
    assert expected.horizon == date(2026, 4, 8)
    weeks = expected.weeks()
    assert [w.start for w in weeks][:2] == [AS_OF, date(2026, 3, 17)]
    assert weeks[0].amounts == {"GBP": Money.of("150", "GBP")}
    assert weeks[1].amounts == {"EUR": Money.of("400", "EUR")}
    assert expected.totals() == {"EUR": Money.of("400", "EUR"), "GBP": Money.of("150", "GBP")}


def test_nothing_from_after_the_day(store: Store) -> None:
    """Asked about 10 March, the figures are the same whether or not the records dated 11
    and 12 March exist: the answer does not change when the future is cut off."""
    later = dashboard(store, TENANT, date(2026, 3, 12), policy=POLICY)
    assert later.aged.points[-1].by_currency["EUR"]["not_due"].amount == 800 + 999
    assert aged_history(store, TENANT, AS_OF).points[-1].by_currency["EUR"]["not_due"].amount == 800
