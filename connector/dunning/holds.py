"""What the planner does with an invoice the source itself holds (``Receivable.hold``).

The French e-invoicing lifecycle reports, through the approved platform (PA) that carried
the invoice, what became of it at the customer's end:

* *disputed* (« en litige »): held as a dispute is, with the PA's reason in the plan's notes;
* *refused* or *rejected*: not owed as issued, so never chased; the customer is listed among
  those needing a person (a credit note, a corrected invoice, or a call), with the reason;
* *collecting* (partly collected, the amount not matched in the books yet): held, since no
  amount can be claimed honestly until the payment is matched.

A fully collected invoice needs no hold: its adapter reads it as paid.
"""

from __future__ import annotations

from connector.dunning.actions import Blocked, BlockKind
from connector.model import HoldKind, Receivable

__all__ = ["held_by_source"]

_NOTES = {
    HoldKind.DISPUTED: "held: disputed through e-invoicing",
    HoldKind.REFUSED: "not chased: refused through e-invoicing, not owed as issued",
    HoldKind.COLLECTING: "held: reported partly collected, waiting for the payment's matching",
}


def held_by_source(receivable: Receivable) -> tuple[str, Blocked | None]:
    """The plan's note on a held invoice, and what a person must do about it, if anything."""
    hold = receivable.hold
    assert hold is not None
    why = f" ({hold.reason})" if hold.reason else ""
    note = f"{receivable.number} {_NOTES[hold.kind]}{why}"
    if hold.kind is not HoldKind.REFUSED:
        return note, None
    return note, Blocked(
        BlockKind.REFUSED_INVOICE,
        "",
        f"{receivable.number} was refused or rejected through e-invoicing{why}: "
        "issue a credit note or a corrected invoice; relance does not chase it as issued",
    )
