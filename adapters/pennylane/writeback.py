"""What relance writes into Pennylane after each reminder, and how it stays idempotent.

Pennylane has no note or status field on an invoice (platform-apis.md §1.5). So:

* **Step as a category.** Each dunning step is a category inside the category group the
  user designates (groups cannot be created through the API; categories can, and relance
  creates the ones it lacks). ``PUT /customer_invoices/{id}/categories`` replaces every
  category of the invoice, so the current ones are read first and those of other groups
  are sent back unchanged, with their weights.
* **Letter as an appendix.** A letter's PDF is uploaded to the invoice; its file name
  carries the action's fingerprint, so a retried write finds it and does not upload twice.
* **A dated line in the customer's notes.** ``PUT /{company|individual}_customers/{id}``
  replaces the whole field: the customer is re-read right before the write and the line is
  appended to what is there, never replacing what a person typed. The line ends with the
  action's fingerprint, so a retried write never adds a second line.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from connector.errors import SourceRejected
from connector.model import SourceRef
from connector.source import Outcome, WriteReceipt

from .client import PennylaneClient

__all__ = ["STEP_LABELS", "PennylaneWriter", "WriteOptions", "fingerprint", "note_line"]

log = logging.getLogger(__name__)

STEP_LABELS = {
    "fr": {
        "courtesy": "Relance 0 (rappel courtois)",
        "reminder_1": "Relance 1",
        "phone_call": "Relance (appel)",
        "reminder_2": "Relance 2",
        "formal_notice": "Mise en demeure",
        "escalation": "Contentieux",
    },
    "en": {
        "courtesy": "Dunning 0 (courtesy)",
        "reminder_1": "Dunning 1",
        "phone_call": "Dunning (phone call)",
        "reminder_2": "Dunning 2",
        "formal_notice": "Formal notice",
        "escalation": "Collection",
    },
}
_CHANNELS = {
    "fr": {"email": "e-mail", "letter": "courrier", "phone_task": "téléphone", "sms": "SMS"},
    "en": {"email": "e-mail", "letter": "letter", "phone_task": "phone", "sms": "SMS"},
}


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """The tenant's choices (``[pennylane]`` in its file)."""

    category_group: str | int | None = None  # the group's label or id; None: no categories
    customer_notes: bool = True
    appendices: bool = True
    language: str = "fr"


def fingerprint(action_key: str) -> str:
    """A short, stable mark of one action, to find our own writes again."""
    return hashlib.sha256(action_key.encode()).hexdigest()[:10]


def step_label(step: str, language: str) -> str:
    return STEP_LABELS.get(language, STEP_LABELS["fr"]).get(step, f"relance: {step}")


def note_line(outcome: Outcome, language: str) -> str:
    channel = _CHANNELS.get(language, _CHANNELS["fr"]).get(str(outcome.channel), outcome.channel)
    numbers = ", ".join(outcome.numbers) or "-"
    if language == "en":
        day = outcome.done_on.isoformat()
        text = f"{day} relance: {step_label(outcome.step, 'en')} sent by {channel} ({numbers})"
    else:
        day = outcome.done_on.strftime("%d/%m/%Y")
        text = f"{day} relance : {step_label(outcome.step, 'fr')} envoyée par {channel} ({numbers})"
    return f"{text} [rl:{fingerprint(outcome.action_key)}]"


def _pennylane_id(ref: SourceRef, kind: str) -> int:
    prefix, _, raw = ref.external_id.partition(":")
    if prefix != kind or not raw.isdigit():
        raise SourceRejected(f"{ref.key} is not a Pennylane {kind}", platform="pennylane")
    return int(raw)


class PennylaneWriter:
    def __init__(self, client: PennylaneClient, options: WriteOptions) -> None:
        self.client, self.options = client, options
        self._group: int | None = None
        self._categories: dict[str, int] = {}  # label -> id, inside our group
        self._noted: set[str] = set()  # actions whose customer line is known written

    # --- the one entry point ------------------------------------------------------------------
    def write(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        invoice_id = _pennylane_id(ref, "invoice")
        written: dict[str, str] = {}
        skipped: dict[str, str] = {}
        if self.options.category_group is not None:
            label = self._tag(invoice_id, outcome.step)
            written["category"] = label
        else:
            skipped["category"] = "no category group designated ([pennylane] category_group)"
        if outcome.document is not None and self.options.appendices:
            written["appendix"] = self._append(invoice_id, outcome)
        if self.options.customer_notes and outcome.customer is not None:
            written["customer_note"] = self._note(outcome)
        return WriteReceipt(
            written={f"{ref.key}#{k}": v for k, v in written.items()},
            skipped={f"{ref.key}#{k}": v for k, v in skipped.items()},
        )

    # --- categories ---------------------------------------------------------------------------
    def group_id(self) -> int:
        if self._group is None:
            wanted = self.options.category_group
            groups = self.client.category_groups()
            found = [
                g
                for g in groups
                if str(g["id"]) == str(wanted) or str(g.get("label", "")).strip() == str(wanted)
            ]
            if not found:
                names = ", ".join(repr(g.get("label")) for g in groups) or "none"
                raise SourceRejected(
                    f"Pennylane has no category group {wanted!r} (groups: {names})",
                    platform="pennylane",
                    hint="create the group in Pennylane (Paramètres > Catégories); the API "
                    "cannot create groups. relance then creates one category per step in it",
                )
            self._group = int(found[0]["id"])
        return self._group

    def category_id(self, label: str) -> int:
        if label not in self._categories:
            group = self.group_id()
            self._categories = {
                c["label"]: int(c["id"]) for c in self.client.group_categories(group)
            }
            if label not in self._categories:
                try:
                    created = self.client.create_category(label, group)
                except SourceRejected as exc:
                    # the label taken meanwhile (another process): the spec answers 422 (it
                    # lists no 409); the label is then read back, else the refusal stands
                    if exc.status not in (409, 422):
                        raise
                    self._categories = {
                        c["label"]: int(c["id"]) for c in self.client.group_categories(group)
                    }
                    if label not in self._categories:
                        raise
                else:
                    self._categories[label] = int(created["id"])
        return self._categories[label]

    def _tag(self, invoice_id: int, step: str) -> str:
        label = step_label(step, self.options.language)
        ours, group = self.category_id(label), self.group_id()
        current = self.client.invoice_categories(invoice_id)
        if [c["id"] for c in current if c["category_group"]["id"] == group] == [ours]:
            return label  # already there: nothing to write
        kept = [
            {"id": c["id"], "weight": c["weight"]}
            for c in current
            if c["category_group"]["id"] != group
        ]
        self.client.set_invoice_categories(invoice_id, [*kept, {"id": ours, "weight": "1"}])
        return label

    # --- appendices ---------------------------------------------------------------------------
    def _append(self, invoice_id: int, outcome: Outcome) -> str:
        assert outcome.document is not None
        mark = fingerprint(outcome.action_key)
        name = f"relance-{outcome.step}-{outcome.done_on.isoformat()}-{mark}.pdf"
        if any(a.get("filename") == name for a in self.client.appendices(invoice_id)):
            return name
        self.client.upload_appendix(invoice_id, name, outcome.document)
        return name

    # --- the customer's notes -----------------------------------------------------------------
    def _note(self, outcome: Outcome) -> str:
        assert outcome.customer is not None
        line = note_line(outcome, self.options.language)
        if outcome.action_key in self._noted:
            return line
        customer_id = _pennylane_id(outcome.customer, "customer")
        customer: dict[str, Any] = self.client.customer(customer_id)  # right before the write
        notes = str(customer.get("notes") or "")
        if f"[rl:{fingerprint(outcome.action_key)}]" not in notes:
            merged = f"{notes.rstrip()}\n{line}" if notes.strip() else line
            self.client.update_customer(
                str(customer.get("customer_type", "company")), customer_id, {"notes": merged}
            )
        self._noted.add(outcome.action_key)
        return line
