"""Email end to end against a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from connector.channels import EmailChannel
from connector.clock import FrozenClock
from connector.dunning.history import Delivery
from connector.errors import DeliveryError, RecipientRefused
from connector.model import Channel, StepKind
from connector.render import RenderedMessage
from connector.settings import SmtpConfig
from tests.smtp_server import SmtpServer, self_signed

CLOCK = FrozenClock.on(date(2026, 3, 10))


def message(n: int, to: str = "ap@client.example.fr") -> RenderedMessage:
    return RenderedMessage(
        action_key=f"files:acme:C{n}|reminder_1|F-{n}",
        step="reminder_1",
        kind=StepKind.REMINDER,
        channel=Channel.EMAIL,
        language="fr",
        subject=f"Relance : facture F-{n} — Atelier Test",
        text=f"Facture F-{n} : 1 200,00 €",
        html=f"<p>Facture F-{n}</p>",
        to=(to,),
        recipient_id=f"C{n}",
        sender_name="Atelier Test",
        sender_address="relances@atelier.example.fr",
        reply_to="compta@atelier.example.fr",
    )


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[SmtpServer, Path]]:
    cert, key = self_signed(tmp_path)
    server = SmtpServer(tls=(cert, key), credentials=("relance", "s3cret-pass")).start()
    yield server, cert
    server.stop()


def _config(server: SmtpServer, cert: Path, password: str = "s3cret-pass") -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        security="starttls",
        username="relance",
        password=SecretStr(password),
        ca_file=cert,
        timeout=5,
    )


def test_a_batch_goes_out_over_one_starttls_authenticated_connection(
    tls_server: tuple[SmtpServer, Path],
) -> None:
    server, cert = tls_server
    channel = EmailChannel(clock=CLOCK, smtp=_config(server, cert))
    with channel.batch():
        receipts = [channel.send(message(n), action_key=message(n).action_key) for n in range(3)]
    assert server.connections == 1
    assert len(server.messages) == 3
    parsed = email.message_from_bytes(server.messages[0].data, policy=email.policy.default)
    assert parsed["Subject"] == "Relance : facture F-0 — Atelier Test"
    assert parsed["Reply-To"] == "compta@atelier.example.fr"
    assert parsed["X-Relance-Action"] == "files:acme:C0|reminder_1|F-0"
    assert parsed["Message-ID"] == receipts[0].reference
    assert receipts[0].delivery is Delivery.SENT
    assert parsed["Date"] == "Tue, 10 Mar 2026 09:00:00 +0000"
    assert parsed.get_body(("plain",)).get_content().strip() == "Facture F-0 : 1 200,00 €"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Facture F-0</p>"


def test_a_copy_of_each_message_the_relay_took_is_kept_as_it_went_out(
    tmp_path: Path, tls_server: tuple[SmtpServer, Path]
) -> None:
    server, cert = tls_server
    channel = EmailChannel(clock=CLOCK, smtp=_config(server, cert), outbox_dir=tmp_path)
    receipt = channel.send(message(4), action_key="files:acme:C4|reminder_1|F-4")
    assert receipt.delivery is Delivery.SENT
    copy = Path(receipt.details["copy"])
    assert copy.parent == tmp_path / "sent" / "2026-03-10"
    kept = email.message_from_bytes(copy.read_bytes(), policy=email.policy.default)
    went = email.message_from_bytes(server.messages[0].data, policy=email.policy.default)
    for header in ("Message-ID", "Date", "From", "To", "Subject", "X-Relance-Action"):
        assert kept[header] == went[header], header
    for part in ("plain", "html"):
        assert kept.get_body((part,)).get_content() == went.get_body((part,)).get_content()
    assert copy.read_bytes() == server.messages[0].data  # byte for byte


def test_a_wrong_password_is_a_clear_error_without_the_secret(
    tls_server: tuple[SmtpServer, Path],
) -> None:
    server, cert = tls_server
    channel = EmailChannel(clock=CLOCK, smtp=_config(server, cert, password="wrong-secret"))
    with pytest.raises(DeliveryError, match="refused the login") as error:
        channel.send(message(1), action_key="k")
    assert "wrong-secret" not in str(error.value)
    assert server.messages == []


def test_a_refused_recipient_is_a_permanent_delivery_error() -> None:
    server = SmtpServer(refuse={"nobody@client.example.fr"}).start()
    try:
        channel = EmailChannel(
            clock=CLOCK,
            smtp=SmtpConfig(host="127.0.0.1", port=server.port, security="none", timeout=5),
        )
        with pytest.raises(RecipientRefused, match="refused every recipient") as error:
            channel.send(message(1, to="nobody@client.example.fr"), action_key="k")
        assert not error.value.transient
        assert error.value.recipients == ("nobody@client.example.fr",)
        assert "nobody@" not in error.value.message, "addresses stay out of messages"
    finally:
        server.stop()


def test_an_unreachable_relay_is_transient() -> None:
    server = SmtpServer().start()
    port = server.port
    server.stop()
    channel = EmailChannel(
        clock=CLOCK, smtp=SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=2)
    )
    with pytest.raises(DeliveryError, match="cannot reach") as error:
        channel.send(message(1), action_key="k")
    assert error.value.transient


def test_without_a_relay_mail_is_an_eml_file_in_the_outbox(tmp_path: Path) -> None:
    channel = EmailChannel(clock=CLOCK, outbox_dir=tmp_path)
    receipt = channel.send(message(7), action_key="files:acme:C7|reminder_1|F-7")
    assert receipt.delivery is Delivery.WRITTEN, "a file in a folder is not a sent e-mail"
    path = Path(receipt.reference)
    assert path.parent == tmp_path / "2026-03-10"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ap@client.example.fr"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_no_address_fails_before_any_connection(tmp_path: Path) -> None:
    channel = EmailChannel(clock=CLOCK, outbox_dir=tmp_path)
    with pytest.raises(DeliveryError, match="C9 has no email address"):
        channel.send(replace(message(9), to=()), action_key="k")
    assert not list(tmp_path.rglob("*.eml"))


def test_a_message_that_cannot_be_written_fails_alone(tmp_path: Path) -> None:
    """A header value a message cannot carry is a failed delivery with its reason (the
    executor records the action as failed), never an exception that stops the cycle."""
    channel = EmailChannel(clock=CLOCK, outbox_dir=tmp_path)
    with pytest.raises(DeliveryError, match="could not be written") as refused:
        channel.send(message(1, to="a@x.fr\r\nBcc: evil@attacker.example"), action_key="k")
    assert not refused.value.transient
    assert not list(tmp_path.rglob("*.eml")), "nothing written"
