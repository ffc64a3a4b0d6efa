"""relance against claims worked out by hand from primary sources (``cases.py``)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connector.cli import main
from connector.legal import ContractTerms, InvoiceDebt, RateTables, assess
from connector.legal.claim import InvoiceClaim
from connector.money import Money
from tests.legal.cases import CASES, FR_PAYMENTS, UK_2026, Case

TABLES = RateTables()


def relance_claim(case: Case) -> InvoiceClaim:
    debt = InvoiceDebt(
        "case",
        Money.of(case.principal, case.currency),
        case.due,
        payments=tuple((day, Money.of(amount, case.currency)) for day, amount in case.payments),
        period_start=case.period_start,
    )
    result = assess(
        [debt],
        as_of=case.as_of,
        jurisdiction=case.jurisdiction,
        b2c=case.b2c,
        private_creditor=case.private_creditor,
        notice_on=case.notice,
        notice_received_on=case.notice_received,
        contract=None
        if case.contract_rate is None
        else ContractTerms(rate=Decimal(case.contract_rate)),
        tables=TABLES,
    )
    return result.invoices[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_relance_matches_the_hand_computation(case: Case) -> None:
    claim = relance_claim(case)
    got = [
        (p.start, p.end, p.days, p.rate, p.principal.amount, p.amount.amount) for p in claim.periods
    ]
    expected = [
        (p.first, p.last, p.days, Decimal(p.rate), Decimal(p.principal), p.amount)
        for p in case.periods
    ]
    assert got == expected
    assert claim.interest == Money(case.interest, case.currency)
    # the lines add up to the total, to the cent
    assert sum(p.amount.amount for p in claim.periods) == claim.interest.amount
    assert claim.indemnity.amount == Decimal(case.indemnity)
    imputed = [
        (str(i.interest.amount), str(i.indemnity.amount), str(i.principal.amount))
        for i in claim.imputations
    ]
    assert imputed == [
        tuple(str(Decimal(x).quantize(Decimal("0.01"))) for x in row) for row in case.imputations
    ]
    if "principal_owed" in case.extra:
        assert claim.principal.amount == Decimal(case.extra["principal_owed"])


def test_the_cases_cross_every_half_year_boundary_from_2012_to_2026() -> None:
    boundaries = {date(y, m, 1) for y in range(2012, 2027) for m in (1, 7)} - {date(2012, 1, 1)}
    crossed = {
        b
        for case in CASES
        for b in boundaries
        if case.periods[0].first < b <= case.periods[-1].last
    }
    assert sorted(boundaries - crossed) == []
    jurisdictions = {c.jurisdiction for c in CASES}
    assert jurisdictions == {"FR", "UK", "DE", "BE", "ES"}
    assert len(CASES) >= 15


def test_the_command_line_shows_the_same_figures_and_where_each_payment_went(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    case = FR_PAYMENTS
    args = ["--json", "claim", "--principal", case.principal, "--due", str(case.due)]
    args += ["--as-of", str(case.as_of), "--invoiced", str(case.period_start)]
    for day, amount in case.payments:
        args += ["--payment", f"{day}:{amount}"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Decimal(p["amount"]) for p in out["periods"]] == [p.amount for p in case.periods]
    assert Decimal(out["interest"]) == case.interest
    assert out["rounding"] == "each period rounded half-up to the cent, then summed"
    assert [
        (Decimal(p["to_interest"]), Decimal(p["to_indemnity"]), Decimal(p["to_principal"]))
        for p in out["payments"]
    ] == [tuple(Decimal(x) for x in row) for row in case.imputations]
    assert Decimal(out["principal_owed"]) == Decimal(case.extra["principal_owed"])
    owed = (
        Decimal(case.extra["principal_owed"])
        + case.interest
        - sum(Decimal(row[0]) for row in case.imputations)
    )  # the indemnity was paid by the first payment
    assert out["owed"] == [{"currency": "EUR", "amount": str(owed)}]


def test_a_uk_claim_computes_in_pounds_and_keeps_its_fixed_sum(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    case = UK_2026
    args = ["--json", "claim", "--jurisdiction", "UK", "--principal", case.principal]
    assert main([*args, "--due", str(case.due), "--as-of", str(case.as_of)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["currency"] == "GBP" and out["indemnity"] == {
        "amount": "100.00",
        "currency": "GBP",
        "paid": "0.00",
        "owed": "100.00",
    }
    assert Decimal(out["total_claimable"]) == case.interest + 100
    code = main([*args, "--due", str(case.due), "--as-of", str(case.as_of), "--currency", "EUR"])
    assert code != 0 and "GBP" in capsys.readouterr().out  # --json: the error as JSON


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--principal", "-100"], "negative"),
        (["--due", "2025-04-01"], "after the as-of date"),
        (["--currency", "XYZ"], "not an ISO 4217 currency"),
        (["--payment", "2025-02-01"], "DATE:AMOUNT"),
        (["--payment", "2025-04-01:10"], "after the as-of date"),
        (["--jurisdiction", "DE", "--private-creditor"], "FR only"),
        (["--jurisdiction", "UK", "--contract-rate", "12"], "FR only"),
        (["--notice", "2025-03-10", "--notice-received", "2025-03-01"], "before it was sent"),
    ],
)
def test_bad_input_is_a_clear_error(
    extra: list[str],
    problem: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    base = ["--principal", "100", "--due", "2025-01-10", "--as-of", "2025-03-31"]
    assert main(["claim", *base, *extra]) != 0  # the last value given wins
    assert problem in capsys.readouterr().err


def test_the_payment_period_must_be_known_where_the_law_changed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    args = [
        "--json",
        "claim",
        "--principal",
        "1000",
        "--due",
        "2013-01-20",
        "--as-of",
        "2013-03-31",
    ]
    assert main(args) != 0
    error = json.loads(capsys.readouterr().out)
    assert "depend on when the payment period began" in error["error"]
    assert "--invoiced" in error["hint"]
    assert main([*args, "--invoiced", "2012-12-20"]) == 0  # begun in 2012: no 40 EUR
    out = json.loads(capsys.readouterr().out)
    assert out["indemnity"]["amount"] == "0.00" and "before 1 Jan 2013" in out["notes"][0]
    assert main([*args, "--period-start", "2013-01-02"]) == 0
    assert json.loads(capsys.readouterr().out)["indemnity"]["amount"] == "40.00"


def test_a_consumer_claim_without_a_notice_says_interest_waits_for_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELANCE_RATES_DIR", str(tmp_path / "rates"))
    args = ["claim", "--b2c", "--principal", "900", "--due", "2025-01-10", "--as-of", "2025-03-31"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "day after the formal notice" in out and "Recovery indemnity: none" in out
    assert "Total still owed (EUR): 900.00 EUR" in out
