"""Email against relays that misbehave, on real connections: a connection cut while a
message is in flight, a relay that hangs up between messages, one that never answers, one
that turns every client away. Only the message in flight when a connection breaks may have
gone out; every other one is either sent or certainly not sent."""

from __future__ import annotations

import pytest

from connector.channels import EmailChannel
from connector.dunning.history import Delivery
from connector.errors import DeliveryError, DeliveryUncertain
from connector.settings import SmtpConfig
from tests.smtp_server import BrokenRelay, SmtpServer

from .test_email_smtp import CLOCK, message


def _relay(port: int, timeout: float = 5) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=timeout)


def _send_all(channel: EmailChannel, count: int) -> list[str]:
    """Each message's fate: sent, uncertain, or failed (transient or not)."""
    fates = []
    with channel.batch():
        for n in range(1, count + 1):
            try:
                receipt = channel.send(message(n), action_key=message(n).action_key)
                fates.append("sent" if receipt.delivery is Delivery.SENT else "?")
            except DeliveryUncertain:
                fates.append("uncertain")
            except DeliveryError as exc:
                fates.append("retry" if exc.transient else "failed")
    return fates


def test_a_connection_cut_in_flight_makes_that_message_alone_uncertain() -> None:
    server = SmtpServer(cut_after={2}).start()
    try:
        fates = _send_all(EmailChannel(clock=CLOCK, smtp=_relay(server.port)), 5)
    finally:
        server.stop()
    assert fates == ["sent", "uncertain", "sent", "sent", "sent"]
    assert len(server.messages) == 5, "the one in flight reached the relay: it is held, not re-sent"
    assert server.connections == 2, "a new connection after the cut"


def test_a_relay_that_hangs_up_between_messages_gets_the_next_on_a_new_connection() -> None:
    server = SmtpServer(hang_up_after={1, 3}).start()
    try:
        fates = _send_all(EmailChannel(clock=CLOCK, smtp=_relay(server.port)), 4)
    finally:
        server.stop()
    assert fates == ["sent"] * 4, "a connection closed before a message began loses nothing"
    assert len(server.messages) == 4
    assert server.connections == 3


def test_a_batch_opens_no_connection_until_a_message_goes() -> None:
    server = SmtpServer().start()
    try:
        channel = EmailChannel(clock=CLOCK, smtp=_relay(server.port))
        with channel.batch():
            pass
        assert server.connections == 0
        assert _send_all(channel, 2) == ["sent", "sent"]
        assert server.connections == 1, "one connection for the batch's messages"
    finally:
        server.stop()


@pytest.mark.parametrize("stall", [True, False], ids=["never-answers", "turns-away"])
def test_a_relay_out_of_order_is_tried_once_a_batch_and_every_message_waits(stall: bool) -> None:
    relay = BrokenRelay(stall=stall).start()
    try:
        fates = _send_all(EmailChannel(clock=CLOCK, smtp=_relay(relay.port, timeout=1)), 4)
    finally:
        relay.stop()
    assert fates == ["retry"] * 4, "nothing went out: every message is tried again later"
    assert relay.connections == 1, "one attempt, not one timeout per message"


def test_a_refused_login_is_not_tried_again_for_every_message() -> None:
    server = SmtpServer(credentials=("relance", "s3cret-pass")).start()
    try:
        config = SmtpConfig(
            host="127.0.0.1",
            port=server.port,
            security="none",
            username="relance",
            password="wrong-pass",  # type: ignore[arg-type]
            allow_plaintext_auth=True,
            timeout=5,
        )
        fates = _send_all(EmailChannel(clock=CLOCK, smtp=config), 3)
    finally:
        server.stop()
    assert fates == ["failed"] * 3
    assert server.connections == 1, "a relay that refused the login is not asked again"
