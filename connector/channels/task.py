"""Phone calls and escalations: to-do files for a person (Markdown to read, JSON to load).

A to-do (and a text message, with no SMS provider wired in) is *written*: a file in the
outbox folder, for a person to act on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connector.channels.base import DeliveryReceipt, safe_name, write_atomically
from connector.clock import Clock
from connector.dunning.history import Delivery
from connector.model import Channel
from connector.render import RenderedMessage

__all__ = ["SmsChannel", "TaskChannel", "todo_markdown"]


def todo_markdown(message: RenderedMessage) -> str:
    """The to-do a person reads (the ``.md`` file the task channel writes)."""
    return f"# {message.subject}\n\n```\n{message.text.strip()}\n```\n"


class TaskChannel:
    """Writes ``<outbox>/tasks/<date>/<action>.md`` and ``.json``; the receipt is the .md path."""

    def __init__(self, *, clock: Clock, outbox_dir: Path) -> None:
        self._clock = clock
        self._dir = outbox_dir / "tasks"

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt:
        folder = self._dir / self._clock.now().date().isoformat()
        name = safe_name(action_key)
        record = {
            "action": action_key,
            "step": message.step,
            "customer": message.recipient_id,
            "customer_name": message.recipient_name,
            "phones": list(message.phones),
            "subject": message.subject,
            "created_at": self._clock.now().isoformat(),
        }
        write_atomically(
            folder / f"{name}.json", json.dumps(record, ensure_ascii=False, indent=2).encode()
        )
        write_atomically(folder / f"{name}.md", todo_markdown(message).encode())
        return DeliveryReceipt(
            Channel.PHONE_TASK,
            str(folder / f"{name}.md"),
            self._clock.now(),
            Delivery.WRITTEN,
            {"recipients": list(message.phones)},
        )


class SmsChannel:
    """Text messages, written to ``<outbox>/sms/<date>/``: no SMS provider is wired in yet."""

    def __init__(self, *, clock: Clock, outbox_dir: Path) -> None:
        self._clock = clock
        self._dir = outbox_dir / "sms"

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt:
        text = f"{message.sender_name}: {message.subject}"
        body = (text if len(text) <= 160 else text[:157] + "...") + "\n"
        to = ", ".join(message.phones) or "(no phone number)"
        path = self._dir / self._clock.now().date().isoformat() / f"{safe_name(action_key)}.txt"
        write_atomically(path, f"To: {to}\n\n{body}".encode())
        return DeliveryReceipt(
            Channel.SMS,
            str(path),
            self._clock.now(),
            Delivery.WRITTEN,
            {"recipients": list(message.phones)},
        )
