"""The history sheet: every reminder with its date and channel, each registered letter's
proof (tracking number, posting and delivery dates), the payments received and where they
went, the promises to pay, the disputes and the payment plans, oldest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.dossier.contents import Contents, Delivered
from connector.dossier.sheet import Column, Line, Sheet
from connector.dossier.wording import Wording
from connector.model import Creditor, StepKind
from connector.policy import Policy

__all__ = ["Step", "chronology_pdf", "steps"]


@dataclass(frozen=True, slots=True)
class Step:
    """How a reminder is named in the file: « Relance n° 2 », « lettre recommandée … »."""

    delivered: Delivered
    label: str
    channel: str


def steps(contents: Contents, words: Wording, policy: Policy) -> list[Step]:
    """Each reminder named as the policy counts it: « Relance n° 2 » is the policy's second
    reminder step, whichever invoices it was about."""
    reminders = [s.name for s in policy.steps if s.kind is StepKind.REMINDER]
    named = []
    for item in contents.delivered:
        kind = item.record.kind
        ordinal = reminders.index(item.record.step) + 1 if item.record.step in reminders else 0
        if item.proof is not None and item.proof.registered:
            channel = words["channel_registered"]
        else:
            channel = words[f"channel_{item.record.channel.value}"]
        named.append(Step(item, words.say("step", kind.value, ordinal), channel))
    return named


def chronology_pdf(
    contents: Contents,
    named: Sequence[Step],
    pieces: Mapping[str, int],
    words: Wording,
    creditor: Creditor,
) -> bytes:
    """``pieces`` gives the bordereau number of each reminder's file, by action key."""
    sheet = Sheet(words, creditor=creditor.name, title=words["chronology"])
    sheet.title_block(
        words["chronology"],
        words.say("dateline", creditor.name, contents.customer.name, contents.as_of),
    )
    none = words["none"]
    sheet.heading(words["reminders"])
    if named:
        sheet.ruled(
            [
                Column(words["col_date"], 15),
                Column(words["col_step"], 30),
                Column(words["col_channel"], 45),
                Column(words["col_piece"], 10, "RIGHT"),
            ],
            (
                Line(
                    [
                        words.date(s.delivered.on),
                        s.label,
                        words.say("written_only", s.channel)
                        if s.delivered.written_only
                        else s.channel,
                        str(pieces.get(s.delivered.record.key, "")),
                    ]
                )
                for s in named
            ),
        )
    else:
        sheet.paragraph(none)
    letters = [s.delivered for s in named if s.delivered.proof is not None]
    if letters:
        sheet.heading(words["letters"])
        unknown = words["not_recorded"]
        sheet.ruled(
            [
                Column(words["col_letter"], 18),
                Column(words["col_tracking"], 32),
                Column(words["col_posted"], 18),
                Column(words["col_received"], 22),
            ],
            (
                Line(
                    [
                        words.date(d.record.planned_on),
                        d.proof.tracking_number or unknown,
                        words.date(d.proof.posted_on) or unknown,
                        words.date(d.proof.received_on) or unknown,
                    ]
                )
                for d in letters
                if d.proof is not None
            ),
        )
    _payments(sheet, contents, words)
    _commitments(sheet, contents, words)
    return sheet.finish()


def _payments(sheet: Sheet, contents: Contents, words: Wording) -> None:
    sheet.heading(words["payments"])
    if not contents.payments:
        sheet.paragraph(words["none"])
        return
    sheet.ruled(
        [
            Column(words["col_date"], 14),
            Column(words["col_reference"], 24),
            Column(words["col_payment_amount"], 18, "RIGHT"),
            Column(words["col_allocated"], 28),
            Column(words["col_unapplied"], 16, "RIGHT"),
        ],
        (
            Line(
                [
                    words.date(p.received_on),
                    p.ref.external_id,
                    words.money(p.amount),
                    ", ".join(
                        words.say("allocation", contents.number(a.receivable_ref.key), a.amount)
                        for a in p.allocations
                    ),
                    words.money(p.unapplied) if p.unapplied.is_positive else "",
                ]
            )
            for p in sorted(contents.payments, key=lambda p: (p.received_on, p.ref.key))
        ),
    )


def _commitments(sheet: Sheet, contents: Contents, words: Wording) -> None:
    state, none = contents.state, words["none"]
    sheet.heading(words["promises"])
    if state.promises:
        sheet.ruled(
            [
                Column(words["col_recorded"], 14),
                Column(words["col_promised_amount"], 16, "RIGHT"),
                Column(words["col_promised"], 15),
                Column(words["col_outcome"], 22),
                Column(words["col_note"], 33),
            ],
            (
                Line(
                    [
                        words.date(p.recorded_on),
                        words.money(p.amount),
                        words.date(p.promised_on),
                        words.say("broken", p.broken_on) if p.broken_on else "",
                        p.note,
                    ]
                )
                for p in sorted(state.promises, key=lambda p: (p.recorded_on, p.id))
            ),
        )
    else:
        sheet.paragraph(none)
    sheet.heading(words["disputes"])
    if state.disputes:
        sheet.ruled(
            [
                Column(words["col_invoice"], 16),
                Column(words["col_opened"], 14),
                Column(words["col_reason"], 56),
                Column(words["col_resolved"], 14),
            ],
            (
                Line(
                    [
                        contents.number(d.receivable_ref.key),
                        words.date(d.opened_on),
                        d.reason,
                        words.date(d.resolved_on),
                    ]
                )
                for d in sorted(state.disputes, key=lambda d: (d.opened_on, d.id))
            ),
        )
    else:
        sheet.paragraph(none)
    sheet.heading(words["plans"])
    if state.plans:
        sheet.ruled(
            [
                Column(words["col_agreed"], 14),
                Column(words["col_invoices"], 24),
                Column(words["col_instalments"], 48),
                Column(words["col_cancelled"], 14),
            ],
            (
                Line(
                    [
                        words.date(p.agreed_on),
                        ", ".join(contents.number(r.key) for r in p.receivable_refs),
                        "\n".join(
                            words.say("instalment", i.due_on, i.amount) for i in p.instalments
                        ),
                        words.date(p.cancelled_on),
                    ]
                )
                for p in sorted(state.plans, key=lambda p: (p.agreed_on, p.id))
            ),
        )
    else:
        sheet.paragraph(none)
