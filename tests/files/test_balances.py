"""Property test: relance's net open balance of each customer is the customer's account
balance in the books (411), whatever mix of invoices, credit notes and payments — matched
or not — the FEC holds. And the status/report figures subtract unapplied payments."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.files.fec import FEC_COLUMNS, load_fec
from connector.model import Platform, SourceRef
from connector.money import Money
from connector.reports import aged_balance

AS_OF = date(2026, 11, 23)
AMOUNTS = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("20000.00"), places=2)


@st.composite
def books(draw: st.DrawFn) -> tuple[list[dict[str, str]], dict[str, Decimal]]:
    """FEC lines on customer accounts, and each customer's 411 balance computed from them."""
    lines: list[dict[str, str]] = []
    balance: dict[str, Decimal] = defaultdict(Decimal)
    letters = iter(f"L{n}" for n in range(10_000))

    def line(customer: str, piece: str, journal: str, on: date, debit: Decimal, credit: Decimal,
             letter: str = "") -> None:  # fmt: skip
        """The customer line and its counterpart (sales or bank): one balanced entry."""
        number = str(len(lines) + 1)
        counterpart = "706000" if journal == "VT" else "512000"
        for account, aux, d, c, let in (
            ("411000", customer, debit, credit, letter),
            (counterpart, "", credit, debit, ""),
        ):
            lines.append(
                {
                    "JournalCode": journal,
                    "JournalLib": journal,
                    "EcritureNum": number,
                    "EcritureDate": f"{on:%Y%m%d}",
                    "CompteNum": account,
                    "CompteLib": "Clients" if aux else "Contrepartie",
                    "CompAuxNum": aux,
                    "CompAuxLib": f"Client {aux}" if aux else "",
                    "PieceRef": piece,
                    "PieceDate": f"{on:%Y%m%d}",
                    "EcritureLib": piece,
                    "Debit": f"{d}".replace(".", ","),
                    "Credit": f"{c}".replace(".", ","),
                    "EcritureLet": let,
                    "DateLet": f"{on:%Y%m%d}" if let else "",
                    "ValidDate": f"{on:%Y%m%d}",
                    "Montantdevise": "",
                    "Idevise": "",
                }
            )
        if not letter:
            balance[customer] += debit - credit

    for c in range(draw(st.integers(1, 4))):
        customer = f"C{c}"
        for n in range(draw(st.integers(1, 5))):
            on = AS_OF - timedelta(days=draw(st.integers(0, 200)))
            amount = draw(AMOUNTS)
            piece = f"F{c}-{n}"
            fate = draw(st.sampled_from(["open", "paid", "partly", "credited", "overpaid"]))
            if fate == "paid":  # lettered with its payment: off the balance
                letter = next(letters)
                line(customer, piece, "VT", on, amount, Decimal(0), letter)
                line(customer, f"P{c}-{n}", "BQ", on, Decimal(0), amount, letter)
            elif fate == "partly":  # partial lettering is not inferred: both stay open
                line(customer, piece, "VT", on, amount, Decimal(0))
                part = (amount / 3).quantize(Decimal("0.01"))
                line(customer, f"P{c}-{n}", "BQ", on, Decimal(0), part)
            elif fate == "credited":  # a credit note, not yet matched
                line(customer, piece, "VT", on, amount, Decimal(0))
                part = (amount / 2).quantize(Decimal("0.01"))
                line(customer, f"AV{c}-{n}", "VT", on, Decimal(0), part)
            elif fate == "overpaid":  # paid with a little more than owed
                letter = next(letters)
                line(customer, piece, "VT", on, amount, Decimal(0), letter)
                line(customer, f"P{c}-{n}", "BQ", on, Decimal(0), amount, letter)
                line(customer, f"X{c}-{n}", "BQ", on, Decimal(0), Decimal("15.00"))
            else:
                line(customer, piece, "VT", on, amount, Decimal(0))
    return lines, dict(balance)


def _write(path: Path, lines: list[dict[str, str]]) -> Path:
    text = "\t".join(FEC_COLUMNS) + "\n"
    text += "".join("\t".join(row[c] for c in FEC_COLUMNS) + "\n" for row in lines)
    path.write_text(text, encoding="utf-8")
    return path


@settings(max_examples=80, deadline=None)
@given(books())
def test_net_open_per_customer_is_the_customer_account_balance(
    data: tuple[list[dict[str, str]], dict[str, Decimal]],
) -> None:
    import tempfile

    lines, expected = data
    with tempfile.TemporaryDirectory() as folder:
        ledger = load_fec(_write(Path(folder) / "FEC.txt", lines), "t")
    aged = aged_balance(ledger.receivables, AS_OF, ledger.payments)
    for customer, owed in expected.items():
        key = SourceRef(platform=Platform.FILES, tenant="t", external_id=customer).key
        got = aged.by_customer.get(key)
        got_eur = got.get_or_zero("EUR") if got is not None else Money.zero("EUR")
        assert got_eur == Money(owed, "EUR"), (customer, got, owed)
    total = sum(expected.values(), Decimal(0))
    assert aged.totals().get_or_zero("EUR") == Money(total, "EUR")


def test_the_stores_net_open_deducts_unapplied_payments(tmp_path: Path) -> None:
    """What `relance status` and `relance report` print, on the bundled sample."""
    import shutil

    from adapters.files import sample_dir
    from adapters.files.csvformat import load_csv_ledger
    from connector.clock import FrozenClock
    from connector.money import Totals
    from connector.store import Store

    shutil.copytree(sample_dir(), tmp_path / "sample")
    ledger = load_csv_ledger(tmp_path / "sample", "lumen")
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=FrozenClock.on(AS_OF)) as store:
        store.ensure_tenant("lumen", platform=Platform.FILES)
        store.upsert_ledger(
            "lumen",
            customers=ledger.customers,
            receivables=ledger.receivables,
            payments=ledger.payments,
        )
        aged = aged_balance(
            store.open_receivables("lumen"), AS_OF, store.unapplied_payments("lumen")
        )
    expected = Totals()
    for r in ledger.receivables:
        if r.is_open:
            expected.add(r.open_balance if r.kind.value == "invoice" else -r.open_balance)
    unapplied = [p for p in ledger.payments if p.unapplied.is_positive]
    assert unapplied, "the sample has payments not yet matched"
    for p in unapplied:
        expected.add(-p.unapplied)
    assert dict(aged.totals()) == dict(expected)
    assert aged.payments == len(unapplied)
    eur = aged.by_currency["EUR"]
    assert eur["unapplied_payments"] == sum(
        (p.unapplied for p in unapplied if p.unapplied.currency == "EUR"), Money.zero("EUR")
    )
