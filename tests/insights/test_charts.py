"""The dashboard's SVG charts, parsed back: accessible, escaped, labelled in the reader's
language, the figures in the description, and an empty state."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from connector import charts
from connector.insights import (
    AgedHistory,
    AgedPoint,
    CollectedByStep,
    Dashboard,
    DsoHistory,
    DsoPoint,
    ExpectedCash,
    ExpectedDay,
    StepCollection,
    dashboard,
)
from connector.money import Money
from connector.store import Store

from .ledger import AS_OF, POLICY, TENANT

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 260"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def _texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.fixture
def figures(store: Store) -> Dashboard:
    return dashboard(store, TENANT, AS_OF, policy=POLICY)


def test_aged_balance_stacks_each_bucket_in_french(figures: Dashboard) -> None:
    root = _parse(charts.aged_balance_chart(figures.aged, "EUR", "fr"))
    texts = _texts(root)
    assert "Non échu" in texts and "Plus de 90\u00a0j" in texts
    assert "10 mars" in texts and "févr. 26" in texts  # the day, then each month's end
    desc = root.findtext(f"{SVG}desc") or ""
    # 10 March, from the hand-made ledger: 800 not due, 200 one to 30 days late
    assert "10 mars\u00a0: Non échu 800,00\u00a0€, 1 à 30\u00a0j 200,00\u00a0€" in desc
    tips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert "10 mars — Non échu\u00a0: 800,00\u00a0€" in tips


def test_dso_line_in_english_with_a_gap_without_sales(figures: Dashboard) -> None:
    root = _parse(charts.dso_chart(figures.dso, "GBP", "en"))
    desc = root.findtext(f"{SVG}desc") or ""
    assert "Feb 26: 90.0\u00a0days; 10 Mar: —." in desc
    assert len(list(root.iter(f"{SVG}circle"))) == 3  # Dec, Jan, Feb: GBP sales in the period


def test_steps_promises_and_cash(figures: Dashboard) -> None:
    steps = _parse(charts.collected_by_step_chart(figures.steps, "EUR", "en"))
    assert "reminder 1: Collected €1,300.00" in (steps.findtext(f"{SVG}desc") or "")
    assert len(list(steps.iter(f"{SVG}rect"))) == 2  # the legend's square and one bar
    promises = _parse(charts.promises_chart(figures.promises, "fr"))
    assert "mars 26\u00a0: Tenues 0, Non tenues 1" in (promises.findtext(f"{SVG}desc") or "")
    cash = _parse(charts.expected_cash_chart(figures.expected, "EUR", "fr"))
    assert "17 mars\u00a0: Promesses 400,00\u00a0€, Échéanciers 0,00\u00a0€" in (
        cash.findtext(f"{SVG}desc") or ""
    )


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & ]]>'
    figures = CollectedByStep(
        date(2026, 1, 1),
        AS_OF,
        (StepCollection(hostile, {"EUR": Money.of("12.5", "EUR")}, 1, 1),),
        StepCollection("", {}, 0, 0),
    )
    svg = charts.collected_by_step_chart(figures, "EUR", "en")
    root = _parse(svg)
    assert "<script" not in svg and root.find(f".//{SVG}script") is None
    assert hostile.replace("_", " ") in _texts(root)


def test_nothing_to_show_yet() -> None:
    empty = AgedHistory((AgedPoint(AS_OF, {}, 0, 0, 0),))
    for language, message in (
        ("fr", "Rien à afficher pour l’instant"),
        ("en", "Nothing to show yet"),
    ):
        root = _parse(charts.aged_balance_chart(empty, "EUR", language))
        assert message in _texts(root) and root.findtext(f"{SVG}desc") == message
        assert not list(root.iter(f"{SVG}rect"))
    dso = DsoHistory(90, (DsoPoint(AS_OF, {"EUR": None}, {}, {}),))
    assert "Nothing to show yet" in _texts(_parse(charts.dso_chart(dso, "EUR", "en")))
    cash = ExpectedCash(AS_OF, AS_OF, ())
    assert "Nothing to show yet" in _texts(_parse(charts.expected_cash_chart(cash, "EUR", "en")))


def test_amounts_of_another_currency_never_join_the_chart() -> None:
    day = ExpectedDay(AS_OF, {"USD": Money.of("999", "USD")}, {"EUR": Money.of("10", "EUR")}, 1, 1)
    cash = ExpectedCash(AS_OF, AS_OF, (day,))
    desc = _parse(charts.expected_cash_chart(cash, "EUR", "en")).findtext(f"{SVG}desc") or ""
    assert "999" not in desc and "€10.00" in desc
    assert replace(cash, days=()).totals() == {}
    assert Decimal(0) == sum(
        (m.amount for m in replace(cash, days=()).totals().values()), Decimal(0)
    )
