"""Every reminder of the file as it went out: the outbox's own file (the ``.eml`` written
for an e-mail, the letter's ``.pdf``) while it exists; otherwise its text rendered again
from the action as recorded (with the figures a notice had on its day) and headed as
rebuilt, never passed off as the original."""

from __future__ import annotations

from connector.dossier.archive import Archive
from connector.dossier.chronology import Step
from connector.dossier.contents import Contents
from connector.dossier.wording import Wording
from connector.legal import ContractTerms, RateTables
from connector.legal.notice import notice_claim
from connector.model import Creditor
from connector.policy import Policy
from connector.render import reminder_days, render

__all__ = ["add_reminders"]


def add_reminders(
    archive: Archive,
    named: list[Step],
    contents: Contents,
    words: Wording,
    *,
    creditor: Creditor,
    policy: Policy,
    jurisdiction: str,
    contract: ContractTerms | None,
    tables: RateTables,
) -> dict[str, int]:
    """Each reminder as it went out, else rebuilt and marked; its piece number by key."""
    numbers = {}
    done = [s.delivered.record.action for s in named]
    for step in named:
        record, item = step.delivered.record, step.delivered
        stem = f"{record.planned_on.isoformat()}-{record.step}"
        if item.file is not None:
            kind = "piece_reminder_written" if item.written_only else "piece_reminder"
            title = words.say(kind, step.label, item.on, step.channel)
            piece = archive.add(title, stem, item.file.suffix, item.file.read_bytes())
        else:
            legal = notice_claim(  # the figures it had: the same computation, the same day
                record.action,
                contents.customer,
                jurisdiction=jurisdiction,
                tables=tables,
                contract=contract,
            )
            promises = [p for p in contents.state.promises if p.id in record.action.broken_promises]
            message = render(
                record.action,
                customer=contents.customer,
                creditor=creditor,
                policy=policy,
                legal=legal,
                promises=promises,
                reminders=reminder_days(record.action, done),
            )
            header = words.say("rebuilt_reminder", item.on, step.channel, record.receipt or "")
            text = f"{header}\n\n{message.text}"
            title = words.say("piece_reminder_rebuilt", step.label, item.on, step.channel)
            piece = archive.add(title, stem, ".txt", text.encode())
        numbers[record.key] = piece.number
    return numbers
