"""Channels: email (SMTP or .eml files), letter (PDF), task (to-do files), sms (files)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connector.channels.base import ChannelSender, DeliveryReceipt
from connector.channels.email import EmailChannel
from connector.channels.letter import LetterChannel
from connector.channels.task import SmsChannel, TaskChannel
from connector.clock import Clock, SystemClock
from connector.model import Channel, Creditor
from connector.settings import SmtpConfig

__all__ = [
    "ChannelSender",
    "DeliveryReceipt",
    "EmailChannel",
    "LetterChannel",
    "SmsChannel",
    "TaskChannel",
    "channels_for",
]


def channels_for(
    *,
    outbox_dir: Path,
    smtp: SmtpConfig | None = None,
    clock: Clock | None = None,
    creditor: Creditor | None = None,
) -> Mapping[Channel, ChannelSender]:
    """Every channel, writing under ``outbox_dir``; email goes to ``smtp`` when given."""
    clock = clock or SystemClock()
    return {
        Channel.EMAIL: EmailChannel(clock=clock, smtp=smtp, outbox_dir=outbox_dir),
        Channel.LETTER: LetterChannel(clock=clock, outbox_dir=outbox_dir, creditor=creditor),
        Channel.PHONE_TASK: TaskChannel(clock=clock, outbox_dir=outbox_dir),
        Channel.SMS: SmsChannel(clock=clock, outbox_dir=outbox_dir),
    }
