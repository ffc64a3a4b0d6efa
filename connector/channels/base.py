"""What every channel shares: the receipt, the protocol, atomic file writes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from connector.dunning.history import Delivery
from connector.model import Channel
from connector.private_files import FILE_MODE, private_folders
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


_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10))]
)  # names Windows will not give a file


def safe_name(key: str, *, fallback: str = "document") -> str:
    """A file name (one path component) from an id, a key or a number: readable, portable.

    Accents are dropped (``Société`` -> ``Societe``); anything but ASCII letters, digits,
    ``.``, ``_`` and ``-`` becomes ``_``, so no ``/``, ``\\``, ``:`` or control character
    survives, and a run of dots and underscores becomes one ``_`` (no ``..`` anywhere);
    leading dots, underscores and dashes go (no hidden file, nothing read as an option),
    and so do trailing dots, which Windows drops. When nothing is left,
    or the name is one Windows reserves (``CON``, ``NUL``, ``COM1`` …), the name is
    ``fallback`` and a short digest of the original. At most 180 characters.
    """
    ascii_only = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_only)
    name = re.sub(r"[._]{2,}", "_", name).lstrip("._-")[:180].rstrip("._")
    if not name or name.split(".")[0].upper() in _RESERVED:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return f"{fallback}-{digest}"
    return name


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` then rename: never a half-written file.
    The file is ``0600`` and the folders made for it ``0700``, whatever the umask."""
    private_folders(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), FILE_MODE)  # mkstemp's 0600, whatever the umask
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
