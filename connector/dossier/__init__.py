"""The collection file (dossier de recouvrement): one zip per customer, ready for a
collection agency or an injonction de payer request (article 1407 du Code de procédure
civile: the décompte and the documents that justify the claim).

The pieces, numbered in the bordereau that opens the file:

1. the décompte, as a PDF cover sheet and as CSV: both parties' identities, each invoice
   claimed with its principal, its interest per period (rate, days, basis) and its
   indemnity as :mod:`connector.legal` computes them, the credit notes and unapplied
   payments deducted, the totals (:mod:`.decompte`, :mod:`.cover`, :mod:`.tables`);
2. each invoice claimed: the source's PDF, or an « état de la facture » rebuilt from the
   ledger and labelled as such (:mod:`.invoice`);
3. the terms of sale named by the tenant (``[creditor] terms_of_sale``);
4. every reminder as it went out (the outbox's ``.eml`` or letter ``.pdf``), or its text
   rebuilt from the history and marked so when that file is gone;
5. the history: reminders, registered letters' proof, payments, promises, disputes,
   payment plans (:mod:`.chronology`), the payments as CSV, the audit trail as JSON and CSV.

Everything is read once, as of the file's date (:mod:`.contents`); names inside the zip
and of the zip come from :func:`~connector.channels.base.safe_name`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connector.dossier.archive import Archive, dossier_name
from connector.dossier.chronology import chronology_pdf, steps
from connector.dossier.contents import Contents, gather
from connector.dossier.cover import bordereau_pdf, decompte_pdf
from connector.dossier.decompte import Decompte, compute_decompte
from connector.dossier.invoice import rebuilt_invoice_pdf, source_pdf
from connector.dossier.reminders import add_reminders
from connector.dossier.tables import decompte_csv, payments_csv, trail_csv
from connector.dossier.wording import Wording, language_for
from connector.errors import ConfigError
from connector.legal import ContractTerms, RateTables
from connector.model import Creditor, SourceRef
from connector.policy import Policy
from connector.source import Source
from connector.store import Store

__all__ = ["DossierResult", "build_dossier", "dossier_name"]


@dataclass(frozen=True, slots=True)
class DossierResult:
    path: Path
    files: tuple[str, ...]
    reminders: int
    decompte: Decompte


def build_dossier(
    store: Store,
    tenant: str,
    customer_ref: SourceRef,
    *,
    creditor: Creditor,
    policy: Policy,
    as_of: date,
    out: Path,
    source: Source | None = None,
    jurisdiction: str = "FR",
    contract: ContractTerms | None = None,
    rate_tables: RateTables | None = None,
) -> DossierResult:
    """Write the collection file of one customer on ``as_of`` to ``out`` (a zip)."""
    terms = _terms_of_sale(creditor)
    tables = rate_tables or RateTables()
    words = Wording(language_for(creditor))
    contents = gather(store, tenant, customer_ref, as_of, policy)
    decompte = compute_decompte(
        contents.state,
        as_of=as_of,
        notices=contents.notices(),
        jurisdiction=jurisdiction,
        contract=contract,
        tables=tables,
    )
    archive = Archive()
    archive.add(
        words.say("piece_decompte", as_of),
        "decompte",
        ".pdf",
        decompte_pdf(decompte, words, creditor, contents.customer),
    )
    archive.add(words.say("piece_decompte_csv"), "decompte", ".csv", decompte_csv(decompte, words))
    for r in decompte.receivables:
        original = source_pdf(source, r)
        if original is not None:
            archive.add(
                words.say("piece_invoice", r.number, r.issued_on),
                f"facture-{r.number}",
                ".pdf",
                original,
            )
        else:
            archive.add(
                words.say("piece_invoice_rebuilt", r.number, r.issued_on),
                f"etat-facture-{r.number}",
                ".pdf",
                rebuilt_invoice_pdf(r, contents, words, creditor),
            )
    if terms is not None:
        archive.add(
            words.say("piece_terms"), "conditions-generales", terms.suffix, terms.read_bytes()
        )
    named = steps(contents, words, policy)
    numbers = add_reminders(
        archive,
        named,
        contents,
        words,
        creditor=creditor,
        policy=policy,
        jurisdiction=jurisdiction,
        contract=contract,
        tables=tables,
    )
    archive.add(
        words.say("piece_chronology"),
        "historique",
        ".pdf",
        chronology_pdf(contents, named, numbers, words, creditor),
    )
    archive.add(
        words.say("piece_payments_csv"), "reglements", ".csv", payments_csv(contents, words)
    )
    archive.add(words.say("piece_trail_json"), "journal", ".json", _trail_json(contents))
    archive.add(words.say("piece_trail_csv"), "journal", ".csv", trail_csv(contents, words))
    notes = [] if terms is not None else [words.say("no_terms")]
    bordereau = bordereau_pdf(archive.pieces, notes, words, creditor, contents.customer, as_of)
    archive.write(out, bordereau)
    return DossierResult(out, archive.names, len(named), decompte)


def _terms_of_sale(creditor: Creditor) -> Path | None:
    """The terms of sale file the tenant names; a named file that is missing is an error."""
    if not creditor.terms_of_sale:
        return None
    terms = Path(creditor.terms_of_sale)
    if not terms.is_file():
        raise ConfigError(
            "the terms of sale file is missing",
            path=terms,
            key="creditor.terms_of_sale",
            hint="put the file there, or correct terms_of_sale in the tenant file "
            "(a path relative to the tenant file)",
        )
    return terms


def _trail_json(contents: Contents) -> bytes:
    events = [
        {
            "at": e.at.isoformat(),
            "kind": e.kind.value,
            "receivables": list(e.receivable_keys),
            "payload": e.payload,
        }
        for e in contents.trail
    ]
    return json.dumps(events, indent=2, ensure_ascii=False, default=str).encode()
