"""The one exception tree of relance.

::

    RelanceError             .hint (what the user should do), .transient
    ├─ ConfigError           names the file or variable and the key
    ├─ SourceError           .platform, .status, .request_id
    │  ├─ AuthorizationLost  refresh token revoked/expired -> reconnect the tenant
    │  ├─ RateLimited        transient, .retry_after
    │  ├─ SourceUnavailable  transient: 5xx, timeouts, resets
    │  └─ SourceRejected     4xx, with the platform's own message
    ├─ DataError             one record we can't normalize: skipped, counted, reported
    │  ├─ ImportFileError    a bad line in an imported file: .path, .line, .column
    │  └─ ConflictError      contradicts what is already recorded: refused, nothing changed
    ├─ StoreError            the store refused or is not at the expected schema
    ├─ DeliveryError         a channel refused (SMTP, letter service): nothing went out
    │  ├─ RecipientRefused   every recipient refused for good: .recipients, use a fallback
    │  ├─ RelayUnavailable   the relay unreachable or refusing the login: the message waits
    │  └─ DeliveryUncertain  the connection broke mid-send: it may have gone out
    ├─ CurrencyMismatch      two amounts of different currencies were combined
    └─ Unsupported           the platform has no such feature

Messages say what happened, with identifiers, never a secret or a customer's details
beyond ids; ``hint`` says what to do next. The CLI maps each class to an exit code.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AuthorizationLost",
    "ConfigError",
    "ConflictError",
    "CurrencyMismatch",
    "DataError",
    "DeliveryError",
    "DeliveryUncertain",
    "ImportFileError",
    "RateLimited",
    "RecipientRefused",
    "RelanceError",
    "RelayUnavailable",
    "SourceError",
    "SourceRejected",
    "SourceUnavailable",
    "StoreError",
    "Unsupported",
]


class RelanceError(Exception):
    """Root of every error relance raises on purpose."""

    transient: bool = False
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  → {self.hint}"
        return self.message


class ConfigError(RelanceError):
    """A configuration file, key or variable is missing or invalid."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if key:
                where += f": {key}"
            where += ": "
        elif key:
            where = f"{key}: "
        super().__init__(where + message, hint=hint)
        self.path = Path(path) if path is not None else None
        self.key = key


class SourceError(RelanceError):
    """A platform answered with an error, or could not be reached."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        status: int | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.platform = platform
        self.status = status
        self.request_id = request_id


class AuthorizationLost(SourceError):
    """The platform refused our credentials for good: the tenant must reconnect."""


class RateLimited(SourceError):
    transient = True

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        retry_after: float | None = None,
        status: int | None = 429,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(
            message, platform=platform, status=status, request_id=request_id, hint=hint
        )
        self.retry_after = retry_after


class SourceUnavailable(SourceError):
    transient = True


class SourceRejected(SourceError):
    """A 4xx with the platform's own message."""


class DataError(RelanceError):
    """One record that cannot be normalized; it is skipped, counted and reported."""

    exit_code = 5


class ImportFileError(DataError):
    """A line of an imported file is invalid; nothing of that file was imported."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column {column!r}"
        super().__init__(
            f"{where}: {message}",
            hint=hint or "Fix the file and import it again; nothing from it was stored.",
        )
        self.path = Path(path)
        self.line = line
        self.column = column


class ConflictError(DataError):
    """A record that contradicts one already recorded (a second live payment plan on an
    invoice, a cancellation of what is already cancelled): refused, nothing changed."""


class StoreError(RelanceError):
    exit_code = 6


class DeliveryError(RelanceError):
    """A channel refused a message (SMTP relay, letter service)."""

    exit_code = 7

    def __init__(self, message: str, *, transient: bool = False, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.transient = transient


class RecipientRefused(DeliveryError):
    """The channel refused the recipients themselves (every address, for good): the customer
    is reached another way until its addresses change."""

    def __init__(
        self, message: str, *, recipients: tuple[str, ...], hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.recipients = recipients


class RelayUnavailable(DeliveryError):
    """The channel could not be used at all (the relay unreachable, or refusing the login):
    nothing went out, and the message is not at fault; it waits for the next run."""


class DeliveryUncertain(DeliveryError):
    """The channel may have accepted the message: it is held for a person, never re-sent."""


class CurrencyMismatch(RelanceError, ValueError):
    """Amounts in different currencies are never added together or compared."""


class Unsupported(RelanceError):
    """The platform or channel has no such feature."""

    exit_code = 8
