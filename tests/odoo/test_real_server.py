"""The adapter against a real Odoo, when one is named (the emulator's suite runs always).

A database seeded by ``tests/odoo/real/seed.py`` (its README in adapters/odoo/README.md):

    odoo -d relance_real -i account,base_automation --stop-after-init
    odoo shell -d relance_real < tests/odoo/real/seed.py      # writes ./odoo-api-key
    RELANCE_TEST_ODOO_URL=http://127.0.0.1:8069 RELANCE_TEST_ODOO_DB=relance_real \\
    RELANCE_TEST_ODOO_LOGIN=admin RELANCE_TEST_ODOO_KEY=$(cat odoo-api-key) pytest tests/odoo

Without RELANCE_TEST_ODOO_URL these tests are not collected at all (there is nothing to
run them against); with it, a missing variable or an unreachable server fails them.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from adapters.odoo.writeback import fingerprint
from connector.clock import SystemClock
from connector.errors import ConfigError, SourceRejected
from connector.http import HttpClient
from connector.model import Channel, Platform, ReceivableKind, ReceivableStatus, SourceRef
from connector.source import Outcome, Resource

URL = os.environ.get("RELANCE_TEST_ODOO_URL")
SECOND_COMPANY = "Relance Filiale SAS"  # seeded with an invoice of its own

if URL:  # collected only when a real server is named

    @pytest.fixture(
        scope="module", params=[None, "jsonrpc", "xmlrpc"], ids=["auto", "jsonrpc", "xmlrpc"]
    )
    def real(request: pytest.FixtureRequest) -> Iterator[OdooSource]:
        missing = [
            name
            for name in ("RELANCE_TEST_ODOO_DB", "RELANCE_TEST_ODOO_LOGIN", "RELANCE_TEST_ODOO_KEY")
            if not os.environ.get(name)
        ]
        if missing:
            pytest.fail(f"RELANCE_TEST_ODOO_URL is set but not {', '.join(missing)}")
        clock = SystemClock()
        http = HttpClient(POLICY, base_url=str(URL), tenant="real", clock=clock, classify=classify)
        client = OdooClient(
            http,
            database=os.environ["RELANCE_TEST_ODOO_DB"],
            login=os.environ["RELANCE_TEST_ODOO_LOGIN"],
            key=os.environ["RELANCE_TEST_ODOO_KEY"],
            protocol=request.param,
        )
        main = next(cid for cid, name in OdooSource(client, "real", clock).companies()
                    if name != SECOND_COMPANY)  # fmt: skip
        yield OdooSource(client, "real", clock, company_id=main)
        http.close()

    def test_a_real_server_is_read_whole(real: OdooSource) -> None:
        (customers,) = real.pull(Resource.CUSTOMERS, None)
        (receivables,) = real.pull(Resource.RECEIVABLES, None)
        assert customers.complete and receivables.complete
        known = {c.ref.key for c in customers.customers} | {
            c.ref.key for c in receivables.customers
        }
        for item in receivables.receivables:
            assert item.customer_ref.key in known
            assert item.open_balance.amount >= 0 and item.is_open
        assert real.client.protocol in ("json2", "jsonrpc", "xmlrpc")

    def test_a_real_server_answers_an_incremental_read(real: OdooSource) -> None:
        from connector.source import Cursor

        now = datetime.now(UTC)
        (delta,) = real.pull(Resource.RECEIVABLES, Cursor(now.isoformat(), now))
        assert not delta.complete and delta.cursor is not None

    def _move(real: OdooSource, number: str) -> SourceRef:
        (row,) = real.client.search_read(  # numbers repeat across companies: the main one's
            "account.move",
            [["name", "=", number], ["company_id.name", "!=", SECOND_COMPANY]],
            ["id"],
        )
        return SourceRef(platform=Platform.ODOO, tenant="real", external_id=f"move:{row['id']}")

    def test_the_seeded_ledger_reads_as_relance_expects(real: OdooSource) -> None:
        (customers,) = real.pull(Resource.CUSTOMERS, None)
        (receivables,) = real.pull(Resource.RECEIVABLES, None)
        names = {c.name for c in customers.customers}
        assert {"ACME SAS", "Bob Dupont"} <= names
        assert "Jeanne Contact" not in names  # a contact person is not dunned
        by_number = {r.number: r for r in receivables.receivables}
        whole = by_number["INV/2026/00001"]
        assert whole.open_balance.amount == Decimal("1200.00")
        assert whole.status is ReceivableStatus.OPEN
        partial = by_number["INV/2026/00002"]
        assert partial.status is ReceivableStatus.PARTIALLY_PAID
        assert partial.open_balance.amount == Decimal("500.00")
        split = by_number["INV/2026/00003"]  # 30 % at once, the balance at 60 days
        assert split.due_on == date(2026, 11, 30)  # invoice_date_due: the last instalment's
        first, second = split.instalments
        assert (first.due_on, first.amount.amount) == (date(2026, 10, 1), Decimal("300.00"))
        assert (second.due_on, second.amount.amount) == (date(2026, 11, 30), Decimal("700.00"))
        assert second.open_balance is not None and second.open_balance.amount == 700
        assert first.open_balance is not None  # 300, or 290 once the webhook test paid 10
        assert first.open_balance.amount + 700 == split.open_balance.amount
        # the other company numbers its invoices the same way: only this company's are read
        assert [r.number for r in receivables.receivables].count("INV/2026/00001") == 1
        credit = by_number["RINV/2026/00001"]
        assert credit.kind is ReceivableKind.CREDIT_NOTE
        assert credit.open_balance.amount == Decimal("100.00")
        assert "INV/2026/00004" not in by_number  # paid (and over-paid)
        assert all(r.open_balance.currency == "EUR" for r in by_number.values())

    def test_a_database_with_two_companies_needs_the_tenants_company(real: OdooSource) -> None:
        names = [name for _, name in real.companies()]
        assert SECOND_COMPANY in names and len(names) >= 2
        anyone = OdooSource(real.client, "real", real.clock)
        with pytest.raises(ConfigError) as refused:
            list(anyone.pull(Resource.RECEIVABLES, None))
        assert SECOND_COMPANY in refused.value.message
        assert refused.value.hint and "company_id" in refused.value.hint
        (other,) = [cid for cid, name in real.companies() if name == SECOND_COMPANY]
        theirs = OdooSource(real.client, "real", real.clock, company_id=other)
        (batch,) = theirs.pull(Resource.RECEIVABLES, None)
        assert [r.open_balance.amount for r in batch.receivables] == [Decimal("3000.00")]

    def test_an_over_payment_is_read_as_unapplied(real: OdooSource) -> None:
        (batch,) = real.pull(Resource.PAYMENTS, None)
        unapplied = [p for p in batch.payments if p.unapplied.is_positive]
        assert [p.unapplied.amount for p in unapplied] == [Decimal("20.00")]
        assert unapplied[0].amount.amount == Decimal("110.00")

    def test_a_targeted_read_brings_one_invoice(real: OdooSource) -> None:
        ref = _move(real, "INV/2026/00002")
        (batch,) = list(real.read([ref]))
        assert [r.ref for r in batch.receivables] == [ref]

    def test_the_trail_lands_in_the_real_chatter_once(real: OdooSource) -> None:
        ref = _move(real, "INV/2026/00001")
        move_id = int(ref.external_id.split(":")[1])
        stamp = datetime.now(UTC).strftime("%H%M%S%f")

        def write_date() -> str:
            (row,) = real.client.call("account.move", "read", ids=[move_id], fields=["write_date"])
            return str(row["write_date"])

        before = write_date()
        for step, channel in (("reminder_1", Channel.EMAIL), ("phone_call", Channel.PHONE_TASK)):
            outcome = Outcome(
                action_key=f"real|{step}|{stamp}",
                step=step,
                channel=channel,
                done_on=date.today(),
                receivables=(ref,),
                note="relance real-server test",
                numbers=("INV/2026/00001",),
            )
            real.write_back(ref, outcome)
            real.write_back(ref, outcome)  # a retry writes nothing twice
        for step in ("reminder_1", "phone_call"):
            mark = f"[rl:{fingerprint(f'real|{step}|{stamp}')}]"
            notes = list(
                real.client.search_read(
                    "mail.message",
                    [
                        ["model", "=", "account.move"],
                        ["res_id", "=", move_id],
                        ["message_type", "=", "comment"],
                        ["body", "ilike", mark],
                    ],
                    ["body", "subtype_id", "partner_ids"],
                )
            )
            assert len(notes) == 1, step
            (note,) = notes
            assert note["subtype_id"][1] == "Note" and not note["partner_ids"]
            assert "&lt;" not in note["body"] and "<script" not in note["body"]
        call_mark = f"[rl:{fingerprint(f'real|phone_call|{stamp}')}]"
        activities = list(
            real.client.search_read(
                "mail.activity",
                [["res_model", "=", "account.move"], ["res_id", "=", move_id]],
                ["activity_type_id", "summary", "date_deadline"],
            )
        )
        assert len([a for a in activities if call_mark in (a["summary"] or "")]) == 1
        # relance's own writes never come back through the write_date sync
        assert write_date() == before

    def test_an_automation_rule_notification_from_the_real_server(real: OdooSource) -> None:
        """Odoo's own 'Send Webhook Notification' reaches a listener and parses as an event."""
        received: queue.Queue[tuple[str, bytes]] = queue.Queue()

        class Listener(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                received.put((self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Listener)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        call = real.client.call
        (module,) = call(
            "ir.module.module", "search_read", domain=[["name", "=", "base_automation"]],
            fields=["state"],
        )  # fmt: skip
        assert module["state"] == "installed", (
            "install base_automation in the test database: odoo -d DB -i base_automation"
        )
        (model,) = call(
            "ir.model", "search_read", domain=[["model", "=", "account.move"]], fields=["id"]
        )
        fields = {
            f["name"]: f["id"]
            for f in call(
                "ir.model.fields", "search_read",
                domain=[["model", "=", "account.move"],
                        ["name", "in", ["payment_state", "amount_residual", "write_date"]]],
                fields=["name"],
            )
        }  # fmt: skip
        url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/odoo/real?token=tok-{id(real)}"
        (rule,) = call(
            "base.automation", "create",
            vals_list=[{
                "name": "relance: invoice paid or changed",
                "model_id": model["id"],
                "trigger": "on_create_or_write",
                "filter_domain": "[('move_type', 'in', ('out_invoice', 'out_refund'))]",
                "trigger_field_ids": [[6, 0, [fields["payment_state"], fields["amount_residual"]]]],
                "action_server_ids": [[0, 0, {
                    "name": "relance webhook", "state": "webhook", "model_id": model["id"],
                    "webhook_url": url, "webhook_field_ids": [[6, 0, [fields["write_date"]]]],
                }]],
            }],
        )  # fmt: skip
        try:
            ref = _move(real, "INV/2026/00003")
            move_id = int(ref.external_id.split(":")[1])
            context = {"active_model": "account.move", "active_ids": [move_id]}
            (wizard,) = call(
                "account.payment.register", "create",
                vals_list=[{"amount": 10, "payment_date": date.today().isoformat()}],
                context=context,
            )  # fmt: skip
            call(
                "account.payment.register", "action_create_payments", ids=[wizard], context=context
            )
            path, body = received.get(timeout=15)
        finally:
            call("base.automation", "unlink", ids=[rule])
            server.shutdown()
            server.server_close()
        token = path.split("token=", 1)[1]
        real.webhook_token = token
        (event,) = real.parse_webhook({"X-Relance-Token": token}, body)
        assert tuple(event.refs) == (ref,)
        with pytest.raises(SourceRejected):
            real.parse_webhook({}, body)
