"""The protocol every source (platform adapter or file import) implements.

The core talks to sources only through :class:`Source`; a feature a platform lacks raises
:class:`~connector.errors.Unsupported` with a hint, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from connector.errors import SourceError
from connector.model import (
    Channel,
    Customer,
    Payment,
    Platform,
    Receivable,
    SourceRef,
)
from connector.money import Money

__all__ = [
    "Batch",
    "ConnectionCheck",
    "ConnectionInfo",
    "Cursor",
    "Event",
    "EventKind",
    "GroupedWriteBack",
    "Outcome",
    "Page",
    "Resource",
    "Source",
    "SourceProtocolError",
    "Subscription",
    "TargetedRead",
    "WebhookAdmin",
    "WriteReceipt",
    "pages",
]

T = TypeVar("T")


class Resource(StrEnum):
    CUSTOMERS = "customers"
    RECEIVABLES = "receivables"
    PAYMENTS = "payments"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where an incremental read resumes; opaque to the core except for its instant."""

    value: str
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Normalized records plus the cursor that is valid once they are stored."""

    resource: Resource
    customers: Sequence[Customer] = ()
    receivables: Sequence[Receivable] = ()
    payments: Sequence[Payment] = ()
    deleted: Sequence[SourceRef] = ()  # documents that left the ledger (voided, deleted)
    cursor: Cursor | None = None
    complete: bool = False  # True on a full read: absent records are gone
    # records the source sent but relance could not read: reported, and kept as stored
    # (a full read does not close them for being absent)
    unreadable: Sequence[SourceRef] = ()
    problems: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of records, and the token (of type T) of the next one."""

    items: Sequence[Any]
    next: T | None
    source: str = ""


class SourceProtocolError(SourceError):
    """A source broke its own protocol (a page token repeated, an impossible payload)."""


def pages(fetch: Callable[[T | None], Page[T]], token: T | None = None) -> Iterator[Page[T]]:
    """The one paging loop: follows ``next`` tokens and fails if one comes back twice."""
    seen: set[T] = set()
    while True:
        page = fetch(token)
        yield page
        if page.next is None:
            return
        if page.next in seen:
            raise SourceProtocolError(
                f"{page.source or 'source'}: page token {page.next!r} repeated",
                platform=page.source or "unknown",
            )
        seen.add(page.next)
        token = page.next


@dataclass(frozen=True, slots=True)
class Outcome:
    """What relance did about some receivables, to be written back to the source."""

    action_key: str  # the action's idempotency key: a retried write never adds a second note
    step: str
    channel: Channel
    done_on: date
    receivables: Sequence[SourceRef]
    note: str
    next_step: str | None = None
    next_on: date | None = None
    customer: SourceRef | None = None  # whom the action went to
    numbers: Sequence[str] = ()  # the invoice numbers it named
    document: bytes | None = field(default=None, repr=False)  # a letter's PDF, as posted


@dataclass(frozen=True, slots=True)
class WriteReceipt:
    written: Mapping[str, str] = field(default_factory=dict)  # ref key -> what was written
    skipped: Mapping[str, str] = field(default_factory=dict)  # ref key -> why


class EventKind(StrEnum):
    PAID = "paid"
    CHANGED = "changed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    kind: EventKind
    refs: Sequence[SourceRef]
    received_at: datetime


@runtime_checkable
class Source(Protocol):
    platform: ClassVar[Platform]

    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        """Batches of normalized records changed since ``since`` (all of them if None)."""
        ...

    def open_balance(self, ref: SourceRef) -> Money:
        """The receivable's open balance, fresh from the source, right before a send."""
        ...

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        """Record ``outcome`` on the receivable in the source system."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Verify and parse a webhook delivery."""
        ...

    def document(self, ref: SourceRef) -> bytes:
        """The receivable's own PDF, to append to a letter (Unsupported when there is none)."""
        ...


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Who the credentials reach, and what they cannot do."""

    account_id: str
    account_name: str
    missing: Sequence[str] = ()  # permissions relance needs and lacks, with what they are for


@runtime_checkable
class ConnectionCheck(Protocol):
    """Optional: a source that can say, right after `relance connect`, what it reaches."""

    def check_connection(self) -> ConnectionInfo: ...


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    url: str
    events: Sequence[str]
    enabled: bool
    detail: str = ""  # why a platform disabled it, when it did
    instructions: str = ""  # what the user must do at the platform (e.g. paste the URL)


@runtime_checkable
class WebhookAdmin(Protocol):
    """Optional: a platform whose webhook subscriptions are managed through its API."""

    def subscribe(self, url: str) -> Subscription: ...

    def subscriptions(self) -> list[Subscription]: ...

    def unsubscribe(self, subscription_id: str) -> None: ...


@runtime_checkable
class TargetedRead(Protocol):
    """Optional: re-read just the records an event names (and the customers they need)."""

    def read(self, refs: Sequence[SourceRef]) -> Iterator[Batch]: ...


@runtime_checkable
class GroupedWriteBack(Protocol):
    """Optional: write one outcome to all its receivables at once (a platform's batch call).

    Returns a receipt per receivable key.
    """

    def write_back_all(self, outcome: Outcome) -> dict[str, WriteReceipt]: ...
