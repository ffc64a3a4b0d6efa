"""What relance writes into Odoo after each reminder (platform-apis.md §3.6).

* **A note in the invoice's chatter**: ``message_post`` with the internal-note subtype
  (``mail.mt_note``: followers and the customer are not e-mailed) and a plain-text body,
  which Odoo escapes and shows as written (an HTML body needs ``body_is_html``, which Odoo
  19 logs as a warning for every note an internal user posts). The note carries the action's
  fingerprint; a note already carrying it means the write happened, so a retry posts nothing.
* **A call activity** for a phone step, assigned to the invoice's salesperson (or the
  user relance acts as), due the day the call is planned; one per action, found again by
  its fingerprint in the summary.
"""

from __future__ import annotations

import hashlib

from connector.errors import SourceRejected
from connector.model import Channel, SourceRef
from connector.source import Outcome, WriteReceipt

from .client import OdooClient

__all__ = ["OdooWriter", "fingerprint"]

LABELS = {
    "courtesy": "Rappel courtois",
    "reminder_1": "Relance 1",
    "phone_call": "Relance téléphonique",
    "reminder_2": "Relance 2",
    "formal_notice": "Mise en demeure",
    "escalation": "Contentieux",
}
CHANNELS = {"email": "e-mail", "letter": "courrier", "phone_task": "téléphone", "sms": "SMS"}


def fingerprint(action_key: str) -> str:
    return hashlib.sha256(action_key.encode()).hexdigest()[:10]


def _move_id(ref: SourceRef) -> int:
    kind, _, raw = ref.external_id.partition(":")
    if kind != "move" or not raw.isdigit():
        raise SourceRejected(f"{ref.key} is not an Odoo invoice", platform="odoo")
    return int(raw)


class OdooWriter:
    def __init__(self, client: OdooClient, call_user: int | None = None) -> None:
        self.client, self.call_user = client, call_user

    def note(self, outcome: Outcome) -> str:
        label = LABELS.get(outcome.step, outcome.step)
        channel = CHANNELS.get(str(outcome.channel), str(outcome.channel))
        text = (
            f"{outcome.done_on:%d/%m/%Y} relance : {label} envoyée par {channel} "
            f"({', '.join(outcome.numbers) or '-'})"
        )
        if outcome.next_step and outcome.next_on:
            text += (
                f" ; suite prévue : {LABELS.get(outcome.next_step, outcome.next_step)} "
                f"vers le {outcome.next_on:%d/%m/%Y}"
            )
        return f"{text} [rl:{fingerprint(outcome.action_key)}]"

    def write(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        move = _move_id(ref)
        mark = f"[rl:{fingerprint(outcome.action_key)}]"
        written: dict[str, str] = {}
        text = self.note(outcome)
        posted = self.client.call(
            "mail.message",
            "search_read",
            domain=[
                ["model", "=", "account.move"],
                ["res_id", "=", move],
                ["message_type", "=", "comment"],  # not the activity's notification
                ["body", "ilike", mark],
            ],
            fields=["id"],
            limit=1,
        )
        if not posted:
            self.client.call(
                "account.move",
                "message_post",
                ids=[move],
                body=text,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        written[f"{ref.key}#note"] = text
        if outcome.channel is Channel.PHONE_TASK:
            written[f"{ref.key}#activity"] = self._call_activity(move, outcome, mark)
        return WriteReceipt(written=written)

    def _call_activity(self, move: int, outcome: Outcome, mark: str) -> str:
        summary = f"Appeler le client : {', '.join(outcome.numbers) or '-'} {mark}"
        found = self.client.call(
            "mail.activity",
            "search_read",
            domain=[["res_id", "=", move], ["summary", "ilike", mark]],
            fields=["id"],
            limit=1,
        )
        if found:
            return summary
        (row,) = self.client.call("account.move", "read", ids=[move], fields=["invoice_user_id"])
        salesperson = row.get("invoice_user_id")
        user = salesperson[0] if isinstance(salesperson, list) and salesperson else None
        self.client.call(
            "account.move",
            "activity_schedule",
            ids=[move],
            act_type_xmlid="mail.mail_activity_data_call",
            date_deadline=outcome.done_on.isoformat(),
            summary=summary,
            note="<p>Obtenir une date de paiement ferme.</p>",
            user_id=user or self.call_user,
        )
        return summary
