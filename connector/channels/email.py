"""Email: a real SMTP client (STARTTLS or SSL, authentication, one connection per batch),
or, with no relay configured, ``.eml`` files in the outbox folder.

A batch opens its connection with its first message, not before: a cycle with no e-mail to
send never needs the relay, and an unreachable relay stops e-mail only. When the relay cannot
be reached (or refuses the login), every message of the batch fails at once with that reason
and nothing went out (each one is tried again at the next run); the relay is not asked again
in that batch.

Only the message in flight when a connection breaks may have gone out: a break once the
message's DATA began raises :class:`DeliveryUncertain` for it alone, and the next message
opens a new connection. A connection found closed before a message began (the relay hung up
between two messages) is replaced once, and the message goes on the new one.

Only a message the relay accepted is *sent*; an ``.eml`` file is *written* (nothing left the
machine). A message the relay accepted is also kept, byte for byte as it was handed over, in
``<outbox>/sent/<date>/<action>.eml`` (its path in the receipt's ``copy`` detail): the
collection file shows the reminder exactly as it went out.

A relay refusing every recipient for good raises :class:`RecipientRefused` with them: the
planner reaches the customer another way until its addresses change."""

from __future__ import annotations

import functools
import logging
import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from connector.channels.base import DeliveryReceipt, safe_name, write_atomically
from connector.clock import Clock
from connector.dunning.history import Delivery
from connector.errors import (
    DeliveryError,
    DeliveryUncertain,
    RecipientRefused,
    RelayUnavailable,
)
from connector.model import Channel
from connector.render import RenderedMessage
from connector.settings import SmtpConfig

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["EmailChannel", "build_email"]

log = logging.getLogger(__name__)


def build_email(message: RenderedMessage, *, clock: Clock, action_key: str) -> EmailMessage:
    if not message.to:
        raise DeliveryError(
            f"customer {message.recipient_id} has no email address",
            hint="add an email address to the customer in the source, then run again",
        )
    if not message.sender_address:
        raise DeliveryError(
            "the tenant has no sender address",
            hint="set creditor.email in the tenant's configuration file",
        )
    email = EmailMessage()
    email["From"] = formataddr((message.sender_name, message.sender_address))
    email["To"] = ", ".join(message.to)
    if message.cc:
        email["Cc"] = ", ".join(message.cc)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(clock.now())
    domain = message.sender_address.rpartition("@")[2] or "relance.invalid"
    email["Message-ID"] = make_msgid(idstring=safe_name(action_key)[:40], domain=domain)
    email["X-Relance-Action"] = action_key
    email["Content-Language"] = message.language
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    for name, data, mime in message.attachments:
        maintype, _, subtype = mime.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for part in email.walk():  # fixed now, so every flattening (wire, copy) is the same bytes
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"=_relance_{secrets.token_hex(12)}")
    return email


class _Tracked(smtplib.SMTP):
    """An SMTP connection that knows whether the current message's DATA has begun: a break
    before it left nothing at the relay, a break after may have."""

    in_data = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.in_data = True
        return super().data(msg)


class _TrackedSsl(_Tracked, smtplib.SMTP_SSL):
    pass


class _BrokenBeforeData(Exception):
    """The connection was gone before the message began: nothing reached the relay."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        connection.close()


class EmailChannel:
    """SMTP when ``smtp`` is set (a copy of each message sent kept under ``<outbox>/sent``);
    else ``<outbox>/<date>/<action>.eml``."""

    def __init__(
        self, *, clock: Clock, smtp: SmtpConfig | None = None, outbox_dir: Path | None = None
    ) -> None:
        if smtp is None and outbox_dir is None:
            raise ValueError("an email channel needs an SMTP relay or an outbox folder")
        self._clock = clock
        self._smtp = smtp
        self._outbox = outbox_dir
        self._connection: _Tracked | None = None
        self._in_batch = False
        self._unreachable: RelayUnavailable | None = None  # why this batch's relay is out

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One SMTP connection for every message sent inside the block, opened with the
        first one (none at all if no message goes)."""
        if self._smtp is None or self._in_batch:
            yield
            return
        self._in_batch = True
        try:
            yield
        finally:
            self._in_batch, self._unreachable = False, None
            self._hang_up()

    def _hang_up(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()

    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt:
        try:
            email = build_email(message, clock=self._clock, action_key=action_key)
        except (ValueError, TypeError) as exc:  # a header the message cannot carry
            raise DeliveryError(
                f"the e-mail could not be written: {str(exc).splitlines()[0]}",
                hint="correct the customer's contact details at the source",
            ) from None
        details = {"recipients": [*message.to, *message.cc]}
        if self._smtp is None:
            assert self._outbox is not None
            day = self._clock.now().date().isoformat()
            path = self._outbox / day / f"{safe_name(action_key)}.eml"
            write_atomically(path, bytes(email))
            return DeliveryReceipt(
                Channel.EMAIL, str(path), self._clock.now(), Delivery.WRITTEN, details
            )
        if self._in_batch:
            self._relay(email)
        else:
            try:
                self._relay(email)
            finally:
                self._hang_up()
        sent: dict[str, object] = dict(details)
        if self._outbox is not None:
            day = self._clock.now().date().isoformat()
            copy = self._outbox / "sent" / day / f"{safe_name(action_key)}.eml"
            try:
                # flattened as smtplib puts it on the wire: CRLF line ends
                write_atomically(copy, email.as_bytes(policy=email.policy.clone(linesep="\r\n")))
                sent["copy"] = str(copy)
            except OSError as exc:  # the message went out: a missing copy must not undo that
                log.warning("no copy kept of %s: %s", action_key, type(exc).__name__)
        return DeliveryReceipt(
            Channel.EMAIL, str(email["Message-ID"]), self._clock.now(), Delivery.SENT, sent
        )

    def _relay(self, email: EmailMessage) -> None:
        """Hand ``email`` to the relay on the batch's connection, opened now if there is
        none; a connection found gone before the message began is replaced once."""
        if self._unreachable is not None:
            raise RelayUnavailable(
                f"{self._unreachable.message} (earlier in this run; not tried again)",
                transient=self._unreachable.transient,
                hint=self._unreachable.hint,
            )
        for attempt in (1, 2):
            connection = self._connection or self._open()
            try:
                self._deliver(connection, email)
                return
            except _BrokenBeforeData as broken:
                self._drop()
                if attempt == 2:
                    raise RelayUnavailable(
                        f"the SMTP relay {self._where} closed the connection before the "
                        f"message began ({broken.reason}), twice: it did not go out",
                        transient=True,
                        hint="the next run tries again",
                    ) from None
            except DeliveryError:
                if connection.sock is None:  # closed by the failure (a 421, a cut)
                    self._drop()
                raise

    @property
    def _where(self) -> str:
        return f"{self._smtp.host}:{self._smtp.port}" if self._smtp else "?"

    def _drop(self) -> None:
        """Forget a broken connection: the next message opens a new one."""
        connection, self._connection = self._connection, None
        _close(connection)

    def _open(self) -> _Tracked:
        try:
            connection = self._connect()
        except RelayUnavailable as exc:
            if self._in_batch:
                self._unreachable = exc  # the rest of the batch fails at once, for this
            raise
        self._connection = connection
        return connection

    def _connect(self) -> _Tracked:
        config = self._smtp
        assert config is not None
        where = self._where
        cafile = str(config.ca_file) if config.ca_file else None
        connection: _Tracked | None = None
        try:
            if config.security == "ssl":
                connection = _TrackedSsl(
                    config.host, config.port, timeout=config.timeout, context=_tls(cafile)
                )
            else:
                connection = _Tracked(config.host, config.port, timeout=config.timeout)
                if config.security == "starttls":
                    connection.starttls(context=_tls(cafile))
            if config.username and config.password is not None:
                connection.login(config.username, config.password.get_secret_value())
        except smtplib.SMTPAuthenticationError as exc:
            _close(connection)
            raise RelayUnavailable(
                f"the SMTP relay {where} refused the login (code {exc.smtp_code})",
                hint="check RELANCE_SMTP__USERNAME and RELANCE_SMTP__PASSWORD",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            _close(connection)
            raise RelayUnavailable(
                f"cannot reach the SMTP relay {where}: {type(exc).__name__}",
                transient=True,
                hint="check the relay's host, port and security",
            ) from None
        log.info("connected to SMTP relay %s", where)
        return connection

    def _deliver(self, connection: _Tracked, email: EmailMessage) -> None:
        host = self._smtp.host if self._smtp else "?"
        connection.in_data = False
        try:
            refused = connection.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            message = f"the SMTP relay {host} refused every recipient (codes {codes})"
            if all(500 <= code < 600 for code in codes):
                raise RecipientRefused(
                    message,
                    recipients=tuple(sorted(exc.recipients)),
                    hint="check the customer's email address; until it changes, the policy's "
                    "fallback channel reaches the customer",
                ) from None
            raise DeliveryError(
                message, transient=True, hint="the relay deferred them: the next run tries again"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"the SMTP relay {host} does not accept internationalised addresses (SMTPUTF8)",
                hint="use an ASCII address for the customer, or a relay that supports SMTPUTF8",
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"the SMTP relay {host} answered {exc.smtp_code}",
                transient=400 <= exc.smtp_code < 500,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            if not connection.in_data:
                raise _BrokenBeforeData(type(exc).__name__) from None
            self._drop()
            raise DeliveryUncertain(
                f"the connection to the SMTP relay {host} broke while sending "
                f"({type(exc).__name__}): the message may have gone out",
                hint="check the relay's log, then release or cancel the action",
            ) from None
        if refused:
            log.warning(
                "SMTP relay %s refused %d recipient(s) of %s",
                host,
                len(refused),
                email["X-Relance-Action"],
            )


@functools.lru_cache(maxsize=8)
def _tls(cafile: str | None) -> ssl.SSLContext:
    """One verifying TLS context per CA file, built once: loading the certificate bundle
    costs tens of milliseconds, and a context is safe to share between connections."""
    return ssl.create_default_context(cafile=cafile)
