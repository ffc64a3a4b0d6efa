"""What a file snapshot may do to the ledger relance holds, checked before it stores anything.

A file is a full snapshot: an open invoice it no longer lists, or lists as paid, is closed.
That is how payments arrive from files, a few at a time; a file that closes many at once is
far more often a file cut short, a filtered export or the wrong file than a day of
payments. So a snapshot that would close more than a tenth of the open documents
(:data:`MASS_CLOSE_SHARE`), and at least :data:`MASS_CLOSE_AT_LEAST` of them, is refused,
naming how many and which, unless the user allows it (``--allow-mass-close`` on `relance
import` and `relance sync`, ``allow_mass_close = true`` under ``[files]`` for `relance run`
and the daemon). A snapshot with no document at all proves nothing and is always refused.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from connector.errors import ImportFileError
from connector.model import Receivable, ReceivableKind
from connector.store import Store

from .csvformat import Ledger

__all__ = ["MASS_CLOSE_AT_LEAST", "MASS_CLOSE_SHARE", "check_closures"]

MASS_CLOSE_SHARE = Fraction(1, 10)
MASS_CLOSE_AT_LEAST = 5
_SHOWN = 5

ALLOW_HINT = (
    "check that the file is the whole ledger; if these documents really were paid or "
    "deleted, import it with --allow-mass-close (relance import or relance sync), or set "
    "allow_mass_close = true under [files] for relance run and the daemon"
)


def _what(documents: list[Receivable]) -> str:
    if all(r.kind is ReceivableKind.INVOICE for r in documents):
        return "invoices" if len(documents) != 1 else "invoice"
    return "invoices and credit notes"


def check_closures(
    store: Store, tenant: str, ledger: Ledger, *, path: Path, allow: bool, empty_hint: str
) -> None:
    """Refuses ``ledger`` (read from ``path``) when storing it would close too much."""
    if not ledger.receivables:
        raise ImportFileError(
            "holds no invoice at all: an empty export proves nothing, nothing was imported",
            path=path,
            hint=empty_hint,
        )
    if allow:
        return
    stored = list(store.open_receivables(tenant))
    still_open = {r.ref.key for r in ledger.receivables if r.is_open}
    closing = sorted(
        (r for r in stored if r.ref.key not in still_open), key=lambda r: (r.due_on, r.number)
    )
    if len(closing) < MASS_CLOSE_AT_LEAST or len(closing) <= MASS_CLOSE_SHARE * len(stored):
        return
    listed = {r.ref.key for r in ledger.receivables}
    gone = sum(1 for r in closing if r.ref.key not in listed)
    shown = ", ".join(r.number for r in closing[:_SHOWN])
    if len(closing) > _SHOWN:
        shown += f" and {len(closing) - _SHOWN} more"
    raise ImportFileError(
        f"would close {len(closing)} of the {len(stored)} open {_what(stored)} at once "
        f"({shown}; {gone} no longer in the file, {len(closing) - gone} in it as paid). "
        f"More than {MASS_CLOSE_SHARE.numerator} in {MASS_CLOSE_SHARE.denominator} is what a "
        f"file cut short or a partial export looks like, so nothing was stored (the file "
        f"holds {len(ledger.receivables)} documents; --allow-mass-close takes it)",
        path=path,
        hint=ALLOW_HINT,
    )
