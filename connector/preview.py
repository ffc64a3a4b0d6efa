"""A message exactly as it will go out, before it goes: what the Today page shows.

:func:`preview` takes a tenant's :class:`~connector.executor.Executor` (the same one a run
uses: its store, policy, creditor, channels and source) and an action, recorded
(:class:`~connector.store.ActionRecord`, a person's edit included) or only planned for a
coming day (:class:`~connector.planner.PlannedAction`). It builds the message with the code
the run uses (:meth:`Executor.message`), then asks the channel's own code for what it hands
on: the e-mail :func:`~connector.channels.email.build_email` builds (its text and HTML parts
are those of the message the relay receives), the PDF :meth:`LetterChannel.document` prints
(byte for byte the letter's file), the to-do :func:`~connector.channels.task.todo_markdown`
writes. Nothing is sent, recorded or written.

Two things can still differ when it goes out on a later day: the date printed in it (a
message is dated the day it goes) and the figures, when a payment arrives meanwhile (an
approved action whose amounts changed waits for approval again).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.message import EmailMessage

from connector.channels import LetterChannel
from connector.channels.email import build_email
from connector.channels.task import todo_markdown
from connector.errors import DeliveryError
from connector.executor import Executor
from connector.model import Channel, StepKind
from connector.planner import PlannedAction
from connector.store import ActionRecord, ActionStatus
from connector.store.review import edit_of

__all__ = ["Preview", "preview"]


@dataclass(frozen=True, slots=True)
class Preview:
    """What an action's channel would hand on. ``text`` is the e-mail's plain part, the
    to-do's Markdown, or a letter's text version; ``html`` only for an e-mail; ``pdf`` only
    for a letter; ``eml`` the whole e-mail as it would be handed to the relay (its Date and
    Message-ID are made again when it goes). ``problem`` says why it could not go as it
    stands (no address...), with ``text`` still filled in where the message could be
    rendered."""

    key: str
    customer_key: str
    step: str
    kind: StepKind
    channel: Channel
    planned_on: str
    status: ActionStatus | None  # None: not recorded yet (a coming day's)
    language: str
    subject: str
    text: str
    sender: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    html: str | None = None
    pdf: bytes | None = None
    eml: bytes | None = None
    edited_by: str | None = None
    edited_at: str | None = None
    problem: str | None = None


def _body(email: EmailMessage, subtype: str) -> str | None:
    part = email.get_body(preferencelist=(subtype,))
    return None if part is None else str(part.get_content())


def preview(executor: Executor, item: ActionRecord | PlannedAction) -> Preview:
    """``item``'s message exactly as its channel would hand it on, from the run's own code."""
    if isinstance(item, ActionRecord):
        action, edit, status = item.action, edit_of(item), item.status
    else:
        action, edit, status = item, None, None
    message = executor.message(action, edit=edit)
    found = Preview(
        key=action.key,
        customer_key=action.customer_ref.key,
        step=action.step,
        kind=action.kind,
        channel=action.channel,
        planned_on=action.planned_on.isoformat(),
        status=status,
        language=message.language,
        subject=message.subject,
        text=message.text,
        sender=message.sender_address,
        to=message.to,
        cc=message.cc,
        reply_to=message.reply_to,
        edited_by=None if edit is None else str(edit.get("by")),
        edited_at=None if edit is None else str(edit.get("at")),
    )
    sender = executor.channels.get(action.channel)
    try:
        if action.channel is Channel.EMAIL:
            email = build_email(message, clock=executor.clock, action_key=action.key)
            return _with(
                found,
                text=_body(email, "plain") or message.text,
                html=_body(email, "html"),
                eml=bytes(email),
            )
        if action.channel is Channel.LETTER and isinstance(sender, LetterChannel):
            if message.postal_address is None:
                raise DeliveryError(f"customer {message.recipient_id} has no postal address")
            return _with(found, pdf=sender.document(message))
        if action.channel is Channel.PHONE_TASK:
            return _with(found, text=todo_markdown(message), to=message.phones)
    except DeliveryError as exc:
        return _with(found, problem=exc.message)
    return found


def _with(found: Preview, **changes: object) -> Preview:
    return replace(found, **changes)  # type: ignore[arg-type]
