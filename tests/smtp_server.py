"""A real SMTP server on loopback (aiosmtpd) for the tests: port 0, optional STARTTLS+AUTH,
and relays that misbehave as real ones do: one that cuts the connection while a message is
in flight, one that hangs up between messages, one that never answers, one that turns
every connection away."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.secrets_watch import watch


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, written to ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServer:
    """Accepts mail on 127.0.0.1 (a free port, or ``port``); ``on_data`` runs before each 250
    reply. ``cut_after``: the n-th message (from 1) is taken, then the connection is cut
    before the reply (the client cannot know it went out). ``hang_up_after``: the n-th
    message is answered 250, then the relay closes the connection (an idle timeout)."""

    tls: tuple[Path, Path] | None = None
    credentials: tuple[str, str] | None = None
    refuse: set[str] = field(default_factory=set)
    on_data: Callable[[Envelope], None] | None = None
    cut_after: set[int] = field(default_factory=set)
    hang_up_after: set[int] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    logins: int = 0  # logins accepted
    port: int = 0

    def __post_init__(self) -> None:
        if self.credentials:
            watch(self.credentials[1])

    # --- aiosmtpd handler hooks -------------------------------------------------------------
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or b""),
            )
        )
        if self.on_data is not None:
            self.on_data(envelope)
        taken = len(self.messages)
        if taken in self.cut_after:
            server.transport.abort()  # the message is here; its 250 never leaves
        elif taken in self.hang_up_after:
            asyncio.get_running_loop().call_soon(server.transport.close)  # after the 250
        return "250 Message accepted"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.credentials is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        )
        self.logins += ok
        return AuthResult(success=ok, handled=False)

    # --- life cycle ---------------------------------------------------------------------------
    def _factory(self) -> SMTP:
        self.connections += 1
        context = None
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.tls))
        return SMTP(
            self,
            hostname="localhost",
            tls_context=context,
            require_starttls=self.tls is not None,
            authenticator=self._authenticate if self.credentials else None,
            auth_require_tls=self.tls is not None,
            # without TLS, AUTH is offered and checked but not demanded (aiosmtpd warns
            # against demanding it in clear): ``logins`` tells whether the client logged in
            auth_required=bool(self.credentials) and self.tls is not None,
        )

    def start(self) -> SmtpServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                self._loop.create_server(self._factory, "127.0.0.1", self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class BrokenRelay:
    """A relay on 127.0.0.1 that takes connections and never delivers: ``stall`` says
    nothing at all (the client waits for its greeting until its timeout); otherwise it
    greets with ``421`` and hangs up (a relay turning clients away). ``connections`` counts
    the attempts."""

    def __init__(self, *, stall: bool) -> None:
        self.stall = stall
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> BrokenRelay:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # stopped
                return
            self.connections += 1
            if self.stall:
                self._held.append(client)
            else:
                client.sendall(b"421 4.3.2 Service not available, closing channel\r\n")
                client.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in progress
        self._listener.close()
        for client in self._held:
            client.close()
        self._thread.join(10)
