"""The read side against a real Odoo, when one is named (the emulator's suite runs always).

    RELANCE_TEST_ODOO_URL=http://localhost:8069 RELANCE_TEST_ODOO_DB=relance \\
    RELANCE_TEST_ODOO_LOGIN=admin RELANCE_TEST_ODOO_KEY=… pytest tests/odoo

Without RELANCE_TEST_ODOO_URL these tests are not collected at all (there is nothing to
run them against); with it, a missing variable or an unreachable server fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from adapters.odoo.client import POLICY, OdooClient, classify
from adapters.odoo.source import OdooSource
from connector.clock import SystemClock
from connector.http import HttpClient
from connector.source import Resource

URL = os.environ.get("RELANCE_TEST_ODOO_URL")

if URL:  # collected only when a real server is named

    @pytest.fixture(scope="module")
    def real() -> Iterator[OdooSource]:
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
        )
        yield OdooSource(client, "real", clock)
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
        assert real.client.protocol in ("json2", "jsonrpc")

    def test_a_real_server_answers_an_incremental_read(real: OdooSource) -> None:
        from connector.source import Cursor

        now = datetime.now(UTC)
        (delta,) = real.pull(Resource.RECEIVABLES, Cursor(now.isoformat(), now))
        assert not delta.complete and delta.cursor is not None
