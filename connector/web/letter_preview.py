"""A sample formal notice and a sample reminder e-mail, on a creditor's letterhead, to see
the identity being typed as customers will read it.

The customer and its invoices are made up (nobody real is named), the rest is the real
thing: the tenant's policy (its notice step and its first reminder), the legal figures from
the rate tables the tenant's notices read, ``connector.render.render`` and the letter
channel's ``letter_pdf`` — the code every message goes through.
"""

from __future__ import annotations

from datetime import date, timedelta

from connector.legal import ContractTerms, RateTables
from connector.legal.notice import notice_claim
from connector.model import (
    Channel,
    Civility,
    Contact,
    Creditor,
    Customer,
    Platform,
    PostalAddress,
    SourceRef,
    StepKind,
)
from connector.money import Money, Totals
from connector.planner import ClaimLine, ItemKind, PlannedAction
from connector.policy import Policy, Step
from connector.render import RenderedMessage, render

__all__ = ["sample_email", "sample_notice_pdf"]

_SAMPLE = "relance-sample"


def _ref(external_id: str, tenant: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=tenant, external_id=external_id)


def _customer(tenant: str, language: str) -> Customer:
    french = language == "fr"
    return Customer(
        ref=_ref(_SAMPLE, tenant),
        name="Client Exemple SARL" if french else "Sample Customer Ltd",
        language=language,
        address=PostalAddress(
            lines=("1 rue de l’Exemple",) if french else ("1 Example Street",),
            postal_code="75001" if french else "EC1A 1AA",
            city="Paris" if french else "London",
            country="FR" if french else "GB",
        ),
        contacts=(
            Contact(
                name="Camille Exemple" if french else "Sam Sample",
                civility=Civility.MADAME if french else None,
                family_name="Exemple" if french else "Sample",
                email="compta@client-exemple.invalid",
                primary=True,
            ),
        ),
    )


def _lines(tenant: str, today: date, currency: str) -> tuple[ClaimLine, ...]:
    lines = []
    for number, late, total in (("F-0001", 48, "1250.00"), ("F-0002", 21, "480.00")):
        due = today - timedelta(days=late)
        ref = _ref(number, tenant)
        lines.append(
            ClaimLine(
                key=ref.key,
                kind=ItemKind.RECEIVABLE,
                number=number,
                issued_on=due - timedelta(days=30),
                due_on=due,
                open=Money.of(total, currency),
                total=Money.of(total, currency),
                days_late=late,
                ref=ref,
            )
        )
    return tuple(lines)


def _action(step: Step, customer: Customer, today: date, currency: str) -> PlannedAction:
    lines = _lines(customer.ref.tenant, today, currency)
    return PlannedAction(
        key=f"{customer.ref.key}|{step.name}|sample",
        customer_ref=customer.ref,
        step=step.name,
        kind=step.kind,
        channel=Channel.LETTER if step.kind is StepKind.NOTICE else Channel.EMAIL,
        template=step.template,
        planned_on=today,
        lines=lines,
        totals=Totals(line.open for line in lines),
    )


def _first(policy: Policy, kind: StepKind) -> Step | None:
    return next((s for s in policy.steps if s.kind is kind), None)


def sample_notice_pdf(
    creditor: Creditor,
    policy: Policy,
    *,
    tenant: str,
    language: str,
    today: date,
    jurisdiction: str,
    tables: RateTables,
) -> bytes | None:
    """The policy's formal notice to a sample customer, as the letter channel prints it
    (without invoices appended); None when the policy has no notice step."""
    from connector.channels.letter import letter_pdf

    step = _first(policy, StepKind.NOTICE)
    if step is None:
        return None
    customer = _customer(tenant, language)
    action = _action(step, customer, today, policy.currency)
    legal = notice_claim(
        action, customer, jurisdiction=jurisdiction, tables=tables, contract=ContractTerms()
    )
    message = render(action, customer=customer, creditor=creditor, policy=policy, legal=legal)
    return letter_pdf(message, creditor)


def sample_email(
    creditor: Creditor, policy: Policy, *, tenant: str, language: str, today: date
) -> RenderedMessage | None:
    """The policy's first reminder (else its courtesy e-mail) to a sample customer."""
    step = _first(policy, StepKind.REMINDER) or _first(policy, StepKind.COURTESY)
    if step is None:
        return None
    customer = _customer(tenant, language)
    action = _action(step, customer, today, policy.currency)
    return render(action, customer=customer, creditor=creditor, policy=policy)
