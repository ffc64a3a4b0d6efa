"""The to-dos for the creditor's staff state facts only: what each invoice went through."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from connector.calendar import BusinessCalendar
from connector.model import Contact, Customer, Platform, PostalAddress, SourceRef
from connector.money import Money
from connector.planner import CustomerState, PlannedAction, apply_action, plan_customer
from connector.policy import default_policy
from connector.render import render

from .test_render import CREDITOR, invoice

NBSP = "\u00a0"  # French puts a no-break space before « : » and « ; »
POLICY = default_policy()
CALENDAR = BusinessCalendar("FR")


def _fr(amount: str) -> str:
    return _plain(Money.of(amount, "EUR").format("fr_FR"))


def _plain(text: str) -> str:
    """The words without the no-break spaces French typography puts in them."""
    return text.replace(NBSP, " ").replace("\u202f", " ")


def _customer(**changes: object) -> Customer:
    base = Customer(
        ref=SourceRef(platform=Platform.FILES, tenant="t", external_id="C1"),
        name="Hôtel des Célestins",
        address=PostalAddress(lines=("4 rue Charles Dullin",), postal_code="69002", city="Lyon"),
        contacts=(Contact(name="Mme Roux", email="compta@celestins.example.fr", phone="+33 4"),),
    )
    return base.model_copy(update=changes)


def _actions(state: CustomerState, until: date) -> dict[str, PlannedAction]:
    found: dict[str, PlannedAction] = {}
    day = date(2026, 2, 20)
    while day < until:
        for action in plan_customer(state, POLICY, CALENDAR, day).actions:
            found.setdefault(action.step, action)
            state = apply_action(state, action, POLICY)
        day += timedelta(days=1)
    return found


def test_a_call_instead_of_a_letter_says_what_it_replaces_and_why() -> None:
    customer = _customer(
        address=None, contacts=(Contact(name="Mme Roux", phone="+33 4 72 00 00 01"),)
    )
    state = CustomerState(customer, [invoice("F-0042", date(2026, 3, 2), "1250.50")])
    (action,) = plan_customer(state, POLICY, CALENDAR, date(2026, 3, 3)).actions
    text = render(action, customer=customer, creditor=CREDITOR, policy=POLICY).text
    assert f"Cet appel remplace la relance écrite prévue (reminder_1){NBSP}:" in text
    text = _plain(text)
    assert "Cet appel remplace la relance écrite prévue (reminder_1)" in text
    assert "aucune adresse de courriel connue, aucune adresse postale connue" in text
    assert "Mme Roux : +33 4 72 00 00 01" in text
    assert f"F-0042 (échue le 2 mars 2026, reste dû {_fr('1250.50')}) :" in text
    assert "aucune démarche enregistrée par relance" in text
    assert "Madame, Monsieur" not in text and "IBAN" not in text, "a to-do, not a letter"


def test_the_escalation_says_unanswered_only_where_nothing_was_paid() -> None:
    state = CustomerState(
        _customer(),
        [
            invoice("F-0042", date(2026, 3, 2), "1250.50"),
            invoice("F-0051", date(2026, 3, 9), "480.00"),
        ],
    )
    escalation = _actions(state, date(2026, 6, 1))["escalation"]
    f42, f51 = escalation.lines
    assert f42.notice is not None and f42.notice.claimed == Money.of("1250.50", "EUR")
    # 200 EUR came in on F-0051 after the notice: the file says so, not "unanswered"
    partial = replace(f51, open=Money.of("280.00", "EUR"))
    action = replace(escalation, lines=(f42, partial))
    text = _plain(render(action, customer=_customer(), creditor=CREDITOR, policy=POLICY).text)
    f42_part, f51_part = text.split("F-0051 (échue", 1)
    notice = "1er avril 2026 : mise en demeure, lettre recommandée, postée le 1er avril"
    assert notice in f42_part
    expired = "délai de paiement expiré le 13 avril 2026 : la mise en demeure est restée"
    assert expired in f42_part
    assert f"règlement partiel de {_fr('200')} depuis, {_fr('280')} restent dus" in f51_part
    assert "restée sans effet" not in f51_part.split("Créances à transmettre")[0]
    for step in ("1re relance écrite, courriel envoyé", "appel téléphonique à passer"):
        assert step in f42_part


def test_a_reminder_by_post_speaks_of_a_letter_and_prints_no_date_it_cannot_know() -> None:
    customer = _customer(contacts=(Contact(name="Mme Roux", phone="+33 4 72 00 00 01"),))
    state = CustomerState(customer, [invoice("F-0042", date(2026, 3, 2), "1250.50")])
    second = _actions(state, date(2026, 3, 25))["reminder_2"]
    assert second.channel.value == "letter"
    text = _plain(render(second, customer=customer, creditor=CREDITOR, policy=POLICY).text)
    assert "à compter de la réception du présent courrier." in text
    assert "courriel" not in text and "au plus tard le" not in text
