# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import tempfile
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from odoo import fields
from odoo.tests import common, tagged
from odoo.tools.misc import file_path

from connector.legal.rate_files import table_toml

from .common import RelanceCase

ECB_BODY = Path(file_path("account_relance/tests/data/ecb_mro.csv")).read_bytes()


class _OfficialSeries(BaseHTTPRequestHandler):
    """The ECB Data Portal's MRO series, in its SDMX-CSV (a recorded response, on loopback);
    every other source answers 404, as a source that refuses."""

    def do_GET(self):
        if self.path.startswith("/ecb/data/FM/B.U2.EUR.4F.KR.MRR_FR.LEV?"):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(ECB_BODY)))
            self.end_headers()
            self.wfile.write(ECB_BODY)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestRateTables(RelanceCase):
    """The tables a notice reads its interest from are kept in the database's filestore,
    updated from the official series by a scheduled action and a settings button."""

    def setUp(self):
        super().setUp()
        folder = Path(tempfile.mkdtemp(prefix="relance-rates-"))
        self.folder = folder
        self.patch(type(self.env["relance.rates"]), "_folder", lambda self: folder)
        # Odoo's test harness lets loopback requests through but compares the timeout with a
        # number, and relance gives (connect, read) as requests documents: send them as is
        self.patch(requests.Session, "send", common._super_send)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _OfficialSeries)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        params = self.env["ir.config_parameter"].sudo()
        for name in ("ecb", "boe", "bundesbank"):
            params.set_param(f"account_relance.rate_sources.{name}_url", f"{base}/{name}")

    def test_the_button_updates_the_tables_and_says_what_came_of_each(self):
        shipped = self.env["relance.rates"]._tables()["ecb_mro"].version
        settings = self.env["res.config.settings"].create({})
        self.assertIn(f"version {shipped}", settings.relance_rates_coverage)
        result = settings.action_relance_update_rates()
        self.assertEqual(result["params"]["type"], "warning", "two sources refused")
        shown = self.env["res.config.settings"].create({}).relance_rates_coverage
        self.assertIn("Last update: ", shown)
        self.assertRegex(shown, r"ecb_mro: [^<]*version")
        self.assertRegex(shown, r'text-warning fw-bold">uk_reference_rate: [^<]*404')
        self.assertRegex(shown, r"fr_legal_rate: not configured[^<]*API key")
        (kept,) = self.folder.glob("ecb_mro.*.toml")
        updated = self.env["relance.rates"]._tables()["ecb_mro"]
        self.assertNotEqual(updated.version, shipped)
        self.assertEqual(updated.origin, str(kept))
        self.assertEqual(updated.at(date(2025, 7, 1))["value"], Decimal("2.15"))
        today = fields.Date.context_today(settings)
        self.assertGreaterEqual(updated.coverage().last, today, "valid until the retrieval")
        settings = self.env["res.config.settings"].create({})
        self.assertIn(f"version {updated.version}", settings.relance_rates_coverage)
        # the daily scheduled action does the same (run here in the test's transaction:
        # Odoo's trigger would run it in a cursor of its own): nothing new, nothing written
        cron = self.env.ref("account_relance.ir_cron_relance_rates")
        self.assertEqual((cron.active, cron.interval_type), (True, "days"))
        self.assertEqual(cron.code.strip(), "model._cron_update()")
        self.env[cron.model_id.model]._cron_update()
        self.assertEqual(len(list(self.folder.glob("ecb_mro.*.toml"))), 1)

    def test_a_notice_reads_the_tables_kept_in_the_database(self):
        """With no rate for 2031 the notice's interest has no figure (TestNoticeWithoutRate);
        with versions covering 2031 in this database's folder, it has one."""
        tables = self.env["relance.rates"]._tables()
        for name in ("ecb_mro", "fr_legal_rate"):
            table = tables[name]
            last = replace(table.periods[-1], end=date(2031, 12, 31))
            longer = replace(table, version="2031-01", periods=(*table.periods[:-1], last))
            tables.keep(longer, table_toml(longer), "test")
        late = self.invoice(1200, date(2031, 6, 1), date(2031, 7, 1))
        late.write({"relance_step": "reminder_2", "relance_reminder_count": 2})
        self.run_cycle(as_of=date(2031, 8, 4))
        notice = self.actions(step="formal_notice")
        self.assertFalse(notice.interest_missing)
        self.assertGreater(notice.interest_total, 0)
        self.assertEqual(notice.indemnity_total, 40)
