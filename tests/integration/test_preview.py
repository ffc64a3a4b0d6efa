"""A preview is what goes out: the e-mail the relay receives, the letter's PDF, the to-do."""

from __future__ import annotations

import email
import io
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path

from pypdf import PdfReader

from connector.money import Money
from connector.policy import Policy, default_policy
from connector.preview import preview
from connector.store import ActionStatus, Store
from tests.smtp_server import SmtpServer

from .builders import TENANT, MemorySource, approving, customer, invoice, make_executor, ref, relay

DUE = date(2026, 3, 2)
C1 = ref("C1").key


def _ledger(store: Store) -> MemorySource:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=[invoice("F-001", "C1", DUE, "1200.00")],
    )
    return MemorySource({ref("F-001").key: Money.of("1200.00", "EUR")})


def _until(store: Store, outbox: Path, source: MemorySource, last: date, policy: Policy) -> None:
    day = date(2026, 3, 1)
    while day <= last:
        make_executor(store, outbox, source, day, policy=policy).run(day)
        day += timedelta(days=1)


def _part(message: email.message.EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def _drawn(pdf: bytes) -> list[bytes]:
    """Each page's drawing, as its content stream: all but the file's timestamps and ID."""
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]  # type: ignore[union-attr]


def test_an_emails_preview_is_what_the_relay_receives(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    policy, day, outbox = approving("reminder"), date(2026, 3, 3), tmp_path / "outbox"
    executor = make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy)
    executor.run(day)
    key = f"{C1}|reminder_1|{ref('F-001').key}"
    shown = preview(executor, store.action(TENANT, key))
    store.approve_action(TENANT, key, by="Claire")
    make_executor(store, outbox, source, day, smtp=relay(smtp), policy=policy).run(day)

    (received,) = smtp.messages
    message = email.message_from_bytes(received.data, policy=email_policy.default)
    assert shown.status is ActionStatus.AWAITING_APPROVAL and shown.problem is None
    assert message["Subject"] == shown.subject
    assert received.recipients == list(shown.to) == ["ap@example.com"]
    assert _part(message, "plain") == shown.text.replace("\r\n", "\n")  # type: ignore[arg-type]
    assert _part(message, "html") == (shown.html or "").replace("\r\n", "\n")  # type: ignore[arg-type]
    assert "F-001" in shown.text and "<table" in (shown.html or "")


def test_a_letters_preview_is_the_pdf_the_letter_channel_writes(
    store: Store, tmp_path: Path
) -> None:
    source = _ledger(store)
    outbox = tmp_path / "outbox"
    _until(store, outbox, source, date(2026, 4, 1), default_policy())
    (waiting,) = store.awaiting_approval(TENANT)
    executor = make_executor(store, outbox, source, date(2026, 4, 1))
    shown = preview(executor, waiting)
    store.approve_action(TENANT, waiting.key, by="Claire")
    executor.run(date(2026, 4, 1))

    (written,) = (outbox / "letters").rglob("*.pdf")
    assert shown.pdf is not None and shown.html is None
    assert _drawn(written.read_bytes()) == _drawn(shown.pdf)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(shown.pdf)).pages)
    assert "F-001" in text and "mise en demeure" in text.lower()


def test_a_todos_preview_is_the_file_the_task_channel_writes(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    outbox = tmp_path / "outbox"
    policy = approving("call")
    _until(store, outbox, source, date(2026, 3, 10), policy)
    (waiting,) = store.awaiting_approval(TENANT)
    assert waiting.step == "phone_call"
    executor = make_executor(store, outbox, source, date(2026, 3, 10), policy=policy)
    shown = preview(executor, waiting)
    store.approve_action(TENANT, waiting.key, by="Claire")
    executor.run(date(2026, 3, 10))

    (written,) = (outbox / "tasks").rglob("*.md")
    assert written.read_text(encoding="utf-8") == shown.text
    assert shown.to == ("+33 1 00 00 00 00",)


def test_a_coming_days_action_is_previewed_before_it_is_recorded(
    store: Store, tmp_path: Path
) -> None:
    source = _ledger(store)
    executor = make_executor(store, tmp_path / "outbox", source, date(2026, 3, 3))
    (plan,) = [p for p in executor.plan(date(2026, 3, 3), everyone=True) if p.actions]

    shown = preview(executor, plan.actions[0])

    assert shown.status is None and shown.step == "reminder_1"
    assert "F-001" in shown.text and shown.html is not None
    assert store.actions(TENANT) == [], "a preview records nothing"


def test_an_edited_email_previews_with_the_edit(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    policy, day = approving("reminder"), date(2026, 3, 3)
    executor = make_executor(store, tmp_path / "outbox", source, day, policy=policy)
    executor.run(day)
    (waiting,) = store.awaiting_approval(TENANT)
    edited = store.edit_message(
        TENANT, waiting.key, "Claire", subject="Un mot", text="Bonjour,\n\nMerci & à bientôt."
    )

    shown = preview(executor, edited)

    assert shown.subject == "Un mot" and shown.edited_by == "Claire"
    assert shown.text == "Bonjour,\n\nMerci & à bientôt.\n"
    assert "<p>Merci &amp; à bientôt.</p>" in (shown.html or "")
