"""What every channel shares: the receipt, the protocol, atomic file writes."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from connector.dunning.history import Delivery
from connector.model import Channel
from connector.render import RenderedMessage

__all__ = ["ChannelSender", "DeliveryReceipt", "no_batch", "safe_name", "write_atomically"]


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What a channel did with a message, said plainly: ``delivery`` is *sent* only when a
    relay or a provider took it; a file in the outbox folder is *written*; a letter to print
    and post is *prepared*."""

    channel: Channel
    reference: str  # Message-ID, or the path of the file written
    accepted_at: datetime
    delivery: Delivery
    # JSON values: "recipients" (addresses), a letter's "registered", "prepared_on",
    # "posted_on", "tracking_number"
    details: Mapping[str, Any] = field(default_factory=dict)
    document: bytes | None = field(default=None, repr=False, compare=False)  # a letter's PDF


class ChannelSender(Protocol):
    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt: ...

    def batch(self) -> AbstractContextManager[None]:
        """Work that shares one connection (SMTP); a no-op where there is none."""
        ...


@contextmanager
def no_batch() -> Iterator[None]:
    yield


def safe_name(key: str) -> str:
    """A file name from an action key: readable, no path separators."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[:180]


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
