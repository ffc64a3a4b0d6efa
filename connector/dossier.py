"""The collection file (« dossier prêt en cas de litige »): one zip per customer.

What a collection agency or a court (injonction de payer) asks for: the statement of
account, the invoices, every reminder sent (date, channel, content), the promises,
disputes and payment plans with their outcomes, the formal notice and its proof of
sending, and the audit trail itself. Contents are rebuilt from the store (the reminders'
texts are rendered again from the actions as recorded) and the outbox files are added
where they still exist.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connector.model import Creditor, ReceivableKind, SourceRef
from connector.money import Totals
from connector.planner import CreditLine, CustomerState, PlannedAction, receivable_lines
from connector.policy import Policy
from connector.render import render
from connector.reports import bucket_of
from connector.store import Store

__all__ = ["DossierResult", "build_dossier"]


@dataclass(frozen=True, slots=True)
class DossierResult:
    path: Path
    files: tuple[str, ...]
    reminders: int


def _statement_action(state: CustomerState, policy: Policy, as_of: date) -> PlannedAction:
    """A pseudo-action listing every open document: the statement reuses the layouts. Its
    lines (each open invoice, instalment by instalment for a split one) less its credits
    (open credit notes, payments not yet matched) are its totals."""
    lines = tuple(
        line
        for r in sorted(state.receivables, key=lambda r: (r.due_on, r.number))
        if r.is_open and r.kind is ReceivableKind.INVOICE
        for line in receivable_lines(r, as_of)
    )
    credits = tuple(
        CreditLine(r.ref.key, r.number, r.issued_on, r.open_balance)
        for r in sorted(state.receivables, key=lambda r: (r.issued_on, r.number))
        if r.is_open and r.kind is ReceivableKind.CREDIT_NOTE
    ) + tuple(
        CreditLine(p.ref.key, "payment", p.received_on, p.unapplied)
        for p in sorted(state.payments, key=lambda p: p.received_on)
        if p.unapplied.is_positive
    )
    totals = Totals(line.open for line in lines)
    for credit in credits:
        totals.add(-credit.amount)
    step = next(s for s in policy.steps if s.kind.value == "reminder")
    return PlannedAction(
        key=f"{state.customer.ref.key}|statement|{as_of}",
        customer_ref=state.customer.ref,
        step="statement",
        kind=step.kind,
        channel=step.channel,
        template="statement",
        planned_on=as_of,
        lines=lines,
        credits=credits,
        totals=totals,
        reason="statement of account",
    )


def build_dossier(
    store: Store,
    tenant: str,
    customer_ref: SourceRef,
    *,
    creditor: Creditor,
    policy: Policy,
    as_of: date,
    out: Path,
) -> DossierResult:
    customer = store.customer(tenant, customer_ref)
    (state,) = store.customer_states(
        tenant, customer_refs=[customer_ref], as_of=as_of, policy=policy
    )
    buffer: dict[str, bytes] = {}
    statement = render(
        _statement_action(state, policy, as_of), customer=customer, creditor=creditor, policy=policy
    )
    buffer["01-statement.txt"] = statement.text.encode()
    buffer["01-statement.html"] = statement.html.encode()
    invoices = io.StringIO()
    writer = csv.writer(invoices)
    writer.writerow(
        [
            "number",
            "kind",
            "issued_on",
            "due_on",
            "currency",
            "total",
            "open",
            "days_late",
            "bucket",
            "document_url",
        ]
    )
    for r in sorted(state.receivables, key=lambda r: (r.due_on, r.number)):
        writer.writerow(
            [
                r.number,
                r.kind.value,
                r.issued_on,
                r.due_on,
                r.currency,
                r.total.amount,
                r.open_balance.amount,
                max(0, (as_of - r.due_on).days),
                bucket_of(r.due_on, as_of),
                r.document_url or "",
            ]
        )
    buffer["02-invoices.csv"] = invoices.getvalue().encode()
    sent = [a for a in store.actions(tenant) if a.customer_ref == customer_ref and a.status.done]
    for n, record in enumerate(sent, start=1):
        promises = [
            p for p in store.promises(tenant, customer_ref) if p.id in record.action.broken_promises
        ]
        message = render(
            record.action, customer=customer, creditor=creditor, policy=policy, promises=promises
        )
        stem = f"03-reminders/{n:02d}-{record.planned_on}-{record.step}"
        header = (
            f"{record.status.value.capitalize()}: "
            f"{record.details.get('posted_on') or f'{record.sent_at:%Y-%m-%d %H:%M %Z}'}\n"
            f"Channel: {record.channel}\n"
            f"Receipt: {record.receipt}\nSubject: {message.subject}\n\n"
        )
        buffer[f"{stem}.txt"] = (header + message.text).encode()
        original = Path(record.receipt or "")
        if record.receipt and original.is_file():
            buffer[f"{stem}{original.suffix}"] = original.read_bytes()
    commitments = {
        "promises": [p.model_dump(mode="json") for p in store.promises(tenant, customer_ref)],
        "disputes": [d.model_dump(mode="json") for d in store.disputes(tenant, customer_ref)],
        "payment_plans": [p.model_dump(mode="json") for p in store.plans(tenant, customer_ref)],
    }
    buffer["04-commitments.json"] = json.dumps(commitments, indent=2, ensure_ascii=False).encode()
    history = [
        {
            "at": e.at.isoformat(),
            "kind": e.kind.value,
            "receivables": list(e.receivable_keys),
            "payload": e.payload,
        }
        for e in store.history(tenant, customer_ref=customer_ref)
    ]
    buffer["05-audit-trail.json"] = json.dumps(
        history, indent=2, ensure_ascii=False, default=str
    ).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in buffer.items():
            archive.writestr(name, data)
    return DossierResult(out, tuple(buffer), len(sent))
