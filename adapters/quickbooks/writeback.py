"""What relance writes into QuickBooks after each reminder, grouped, idempotent.

For each invoice a reminder named (platform-apis.md §2.5):

* **A note attached to the invoice**: an ``Attachable`` carrying a ``Note`` and a reference
  to the invoice, so the history shows in QuickBooks next to the invoice. It is created
  only if none of the invoice's attachables already carries the action's fingerprint.
* **The current step and the next date on the invoice**: in the string custom field the
  tenant names (``[quickbooks] custom_field``) when the company has it enabled, otherwise
  as a line appended to ``PrivateNote`` (the internal memo, never ``CustomerMemo``, which
  the customer sees). A sparse update with the invoice's ``SyncToken``, carrying the whole
  ``CustomField`` list the invoice had (the other fields' values kept); a stale token
  (fault 5010) means the invoice changed since it was read: read again, retry, three
  times at most.

All of it goes through the batch endpoint: one request reads the invoices and their
attachables, one writes the notes and updates, 30 items per request.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.errors import SourceRejected
from connector.model import SourceRef
from connector.source import Outcome, WriteReceipt

from .client import QuickBooksClient, fault_of

__all__ = ["QuickBooksWriter", "WriteOptions", "fingerprint"]

log = logging.getLogger(__name__)

PRIVATE_NOTE_MAX, FIELD_MAX, NOTE_MAX = 4000, 31, 2000
ATTEMPTS = 3

STEP_LABELS = {
    "fr": {
        "courtesy": "Rappel courtois",
        "reminder_1": "Relance 1",
        "phone_call": "Relance appel",
        "reminder_2": "Relance 2",
        "formal_notice": "Mise en demeure",
        "escalation": "Contentieux",
    },
    "en": {
        "courtesy": "Courtesy reminder",
        "reminder_1": "Reminder 1",
        "phone_call": "Phone call",
        "reminder_2": "Reminder 2",
        "formal_notice": "Formal notice",
        "escalation": "Collection",
    },
}


@dataclass(frozen=True, slots=True)
class WriteOptions:
    custom_field: str | None = None  # the name of a string custom field on sales forms
    notes: bool = True  # an Attachable note per reminder
    language: str = "en"


def fingerprint(action_key: str) -> str:
    return hashlib.sha256(action_key.encode()).hexdigest()[:10]


def _label(step: str, language: str) -> str:
    return STEP_LABELS.get(language, STEP_LABELS["en"]).get(step, step)


def _invoice_id(ref: SourceRef) -> str:
    kind, _, raw = ref.external_id.partition(":")
    if kind != "invoice" or not raw:
        raise SourceRejected(f"{ref.key} is not a QuickBooks invoice", platform="quickbooks")
    return raw


class QuickBooksWriter:
    def __init__(self, client: QuickBooksClient, options: WriteOptions) -> None:
        self.client, self.options = client, options
        self._field: tuple[str, str] | bool | None = False  # (id, name), None: none; False: ?

    # --- texts --------------------------------------------------------------------------------
    def note(self, outcome: Outcome) -> str:
        lang = self.options.language
        numbers = ", ".join(outcome.numbers) or "-"
        label = _label(outcome.step, lang)
        if lang == "fr":
            text = (
                f"{outcome.done_on:%d/%m/%Y} relance : {label} envoyée par "
                f"{outcome.channel} ({numbers})"
            )
        else:
            text = f"{outcome.done_on.isoformat()} relance: {label} sent by {outcome.channel}"
            text += f" ({numbers})"
        if outcome.next_step and outcome.next_on:
            nxt = _label(outcome.next_step, lang)
            text += (
                f" ; suite prévue : {nxt} vers le {outcome.next_on:%d/%m/%Y}"
                if lang == "fr"
                else f"; next: {nxt} around {outcome.next_on.isoformat()}"
            )
        return f"{text} [rl:{fingerprint(outcome.action_key)}]"[:NOTE_MAX]

    def field_value(self, outcome: Outcome) -> str:
        label = _label(outcome.step, self.options.language)
        when = outcome.next_on or outcome.done_on
        return f"{label} > {when:%Y-%m-%d}"[:FIELD_MAX] if outcome.next_on else label[:FIELD_MAX]

    # --- the custom field, if the company has the one named -------------------------------------
    def custom_field(self) -> tuple[str, str] | None:
        """(DefinitionId, name) of the enabled string custom field the tenant named.

        Preferences list them as ``SalesFormsPrefs.SalesCustomName<n>`` (the name) and
        ``SalesFormsPrefs.UseSalesCustom<n>`` (enabled), n = 1..3.
        """
        if self._field is False:
            self._field = None
            wanted = (self.options.custom_field or "").strip().lower()
            if wanted:
                names: dict[str, str] = {}
                enabled: set[str] = set()
                forms = self.client.preferences().get("SalesFormsPrefs") or {}
                for group in forms.get("CustomField") or []:
                    for item in group.get("CustomField") or []:
                        raw = str(item.get("Name") or "")
                        if found := re.search(r"SalesCustomName(\d)$", raw):
                            names[found.group(1)] = str(item.get("StringValue") or "")
                        elif (found := re.search(r"UseSalesCustom(\d)$", raw)) and item.get(
                            "BooleanValue"
                        ):
                            enabled.add(found.group(1))
                for number, name in sorted(names.items()):
                    if number in enabled and name.strip().lower() == wanted:
                        self._field = (number, name)
                if self._field is None:
                    log.warning(
                        "QuickBooks has no enabled custom field %r: the step goes to the "
                        "private note",
                        self.options.custom_field,
                    )
        return self._field if isinstance(self._field, tuple) else None

    # --- the write ----------------------------------------------------------------------------
    def write(self, refs: Sequence[SourceRef], outcome: Outcome) -> dict[str, WriteReceipt]:
        ids = [_invoice_id(r) for r in refs]
        mark = f"[rl:{fingerprint(outcome.action_key)}]"
        reads: list[dict[str, Any]] = []
        for n, invoice_id in enumerate(ids):
            quoted = self.client.quote(invoice_id)
            statement = f"select * from Invoice where Id = {quoted}"  # noqa: S608 - quoted
            reads.append({"bId": f"i{n}", "Query": statement})
            if self.options.notes:
                reads.append(
                    {
                        "bId": f"a{n}",
                        "Query": "select * from Attachable where "  # noqa: S608 - quoted
                        "AttachableRef.EntityRef.Type = 'Invoice' and "
                        f"AttachableRef.EntityRef.Value = {quoted}",
                    }
                )
        answers = self.client.batch(reads)
        invoices: dict[str, dict[str, Any]] = {}
        noted: set[str] = set()
        for n, invoice_id in enumerate(ids):
            rows = _rows(answers.get(f"i{n}"), "Invoice", invoice_id)
            if rows:
                invoices[invoice_id] = rows[0]
            for att in _rows(answers.get(f"a{n}"), "Attachable", invoice_id):
                if mark in str(att.get("Note") or ""):
                    noted.add(invoice_id)
        written: dict[str, dict[str, str]] = {i: {} for i in ids}
        skipped: dict[str, dict[str, str]] = {i: {} for i in ids}
        note = self.note(outcome)
        pending = dict(invoices)
        for attempt in range(ATTEMPTS):
            items: list[dict[str, Any]] = []
            for n, invoice_id in enumerate(ids):
                if attempt == 0 and self.options.notes:
                    if invoice_id in noted:
                        written[invoice_id]["note"] = note
                    else:
                        items.append(
                            {
                                "bId": f"n{n}",
                                "operation": "create",
                                "Attachable": {
                                    "Note": note,
                                    "AttachableRef": [
                                        {
                                            "EntityRef": {"type": "Invoice", "value": invoice_id},
                                            "IncludeOnSend": False,
                                        }
                                    ],
                                },
                            }
                        )
                invoice = pending.get(invoice_id)
                if invoice is None:
                    continue
                update = self._update(invoice, outcome, mark)
                if update is None:
                    written[invoice_id]["step"] = self._where()
                    pending.pop(invoice_id)
                    continue
                if "__skip__" in update:
                    skipped[invoice_id]["step"] = str(update["__skip__"])
                    pending.pop(invoice_id)
                    continue
                items.append({"bId": f"u{n}", "operation": "update", "Invoice": update})
            if not items:
                break
            answers = self.client.batch(items)
            stale: list[str] = []
            for n, invoice_id in enumerate(ids):
                if (answer := answers.get(f"n{n}")) is not None:
                    code, message = fault_of(answer)
                    if code or message:
                        skipped[invoice_id]["note"] = f"QuickBooks refused the note ({code})"
                    else:
                        written[invoice_id]["note"] = note
                if (answer := answers.get(f"u{n}")) is None:
                    continue
                code, message = fault_of(answer)
                if code == "5010":
                    stale.append(invoice_id)
                elif code or message:
                    skipped[invoice_id]["step"] = f"QuickBooks refused the update ({code})"
                    pending.pop(invoice_id, None)
                else:
                    written[invoice_id]["step"] = self._where()
                    pending.pop(invoice_id, None)
            if not stale:
                break
            # someone edited those invoices since they were read: read them again, retry
            fresh = {str(r["Id"]): r for r in self.client.by_ids("Invoice", stale)}
            pending = {i: fresh[i] for i in stale if i in fresh}
        for invoice_id in pending:
            skipped[invoice_id]["step"] = "the invoice kept changing (stale SyncToken)"
        for invoice_id in ids:
            if invoice_id not in invoices:
                skipped[invoice_id]["step"] = "the invoice is no longer in QuickBooks"
        return {
            ref.key: WriteReceipt(
                written={f"{ref.key}#{k}": v for k, v in written[i].items()},
                skipped={f"{ref.key}#{k}": v for k, v in skipped[i].items()},
            )
            for ref, i in zip(refs, ids, strict=True)
        }

    def _where(self) -> str:
        field = self.custom_field()
        return f"custom field {field[1]!r}" if field else "private note"

    def _update(
        self, invoice: dict[str, Any], outcome: Outcome, mark: str
    ) -> dict[str, Any] | None:
        """The sparse update to make, or None when the invoice already shows this action."""
        base = {"Id": invoice["Id"], "SyncToken": invoice.get("SyncToken", "0"), "sparse": True}
        field = self.custom_field()
        if field is not None:
            value = self.field_value(outcome)
            fields = [dict(f) for f in invoice.get("CustomField") or [] if isinstance(f, dict)]
            entry = next((f for f in fields if str(f.get("DefinitionId")) == field[0]), None)
            if entry is not None and str(entry.get("StringValue") or "") == value:
                return None
            if entry is None:
                fields.append({"DefinitionId": field[0], "Type": "StringType"})
                entry = fields[-1]
            entry["StringValue"] = value
            # the whole list as read, ours changed: a list in a sparse update replaces the
            # one stored, so sending ours alone would erase the company's other fields
            return {**base, "CustomField": fields}
        memo = str(invoice.get("PrivateNote") or "")
        if mark in memo:
            return None
        lines = (
            [*memo.rstrip().splitlines(), self.note(outcome)]
            if memo.strip()
            else [self.note(outcome)]
        )
        while len("\n".join(lines)) > PRIVATE_NOTE_MAX:  # drop relance's oldest lines first
            ours = next((i for i, text in enumerate(lines[:-1]) if "[rl:" in text), None)
            if ours is None:
                return {"__skip__": "the private note is full of text relance did not write"}
            del lines[ours]
        return {**base, "PrivateNote": "\n".join(lines)}


def _rows(answer: dict[str, Any] | None, entity: str, invoice_id: str) -> list[dict[str, Any]]:
    if answer is None:
        return []
    code, message = fault_of(answer)
    if code or message:
        log.warning("QuickBooks batch read for invoice %s: fault %s", invoice_id, code)
        return []
    response = answer.get("QueryResponse") or {}
    rows = response.get(entity, []) if isinstance(response, dict) else []
    return [r for r in rows if isinstance(r, dict)]
