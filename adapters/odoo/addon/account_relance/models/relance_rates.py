# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The legal rate tables a formal notice reads its interest from, kept current in Odoo.

relance ships its tables (ECB refinancing rate, French legal rate, German base rate, UK
reference rate) up to the last half-year it could confirm; newer versions are fetched from
each table's official series by relance's own updater (``relance rates update`` on the
command line) and kept, one file per version, in this database's filestore, so every Odoo
worker, and a restored backup, reads the same tables. A daily scheduled action updates them;
the Dunning settings show what each table covers and have a button to update them now.

Where the sources are read from is set with system parameters
``account_relance.rate_sources.<name>`` (``ecb_url``, ``boe_url``, ``bundesbank_url``,
``webstat_url``, and for the French legal rate ``webstat_api_key``, ``fr_legal_series_a``,
``fr_legal_series_b``), as ``[rate_sources]`` in relance.toml.
"""

import json
import logging
from datetime import timedelta
from pathlib import Path

from odoo import api, fields, models
from odoo.tools import config

from connector.legal.coverage import NEEDS, days_covered
from connector.legal.rate_update import update_tables
from connector.legal.rates import RateTables
from connector.settings import RateSourcesConfig

_logger = logging.getLogger(__name__)

PARAMETER = "account_relance.rate_sources."
LAST_UPDATE = "account_relance.rates_last_update"
AHEAD = 7  # days: a notice of the coming week finds no figure -> say so now


class RelanceRates(models.AbstractModel):
    _name = "relance.rates"
    _description = "Dunning: legal rate tables"

    @api.model
    def _folder(self):
        return Path(config.filestore(self.env.cr.dbname)) / "relance_rates"

    @api.model
    def _tables(self):
        """The shipped tables, overridden by the newer versions kept in this database."""
        return RateTables(self._folder())

    @api.model
    def _sources(self):
        get = self.env["ir.config_parameter"].sudo().get_param
        given = {name: get(PARAMETER + name) for name in RateSourcesConfig.model_fields}
        return RateSourcesConfig(**{name: value for name, value in given.items() if value})

    @api.model
    def _update(self):
        """Fetch every table's official series; each source on its own (one that cannot be
        reached leaves its table as it was). What came of each is logged and kept for the
        settings to show (``_last_update``); returns the report."""
        report = update_tables(self._tables(), self._sources())
        outcomes = []
        for outcome in report.outcomes:
            log = _logger.info if outcome.ok else _logger.warning
            log("relance rates: %s (%s): %s", outcome.table, outcome.status, outcome.message)
            message = outcome.message
            if outcome.status == "not configured":  # the command line's advice, Odoo's way
                message = self.env._(
                    "not configured: the Banque de France's Webstat answers with an API key "
                    "only; enter it and the two series below"
                )
            outcomes.append({"table": outcome.table, "ok": outcome.ok, "message": message})
        self.env["ir.config_parameter"].sudo().set_param(
            LAST_UPDATE,
            json.dumps(
                {"at": fields.Datetime.to_string(fields.Datetime.now()), "outcomes": outcomes}
            ),
        )
        return report

    @api.model
    def _last_update(self):
        """When the tables were last updated (UTC, as Odoo stores it) and what came of each
        source, or None before the first update."""
        raw = self.env["ir.config_parameter"].sudo().get_param(LAST_UPDATE)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    @api.model
    def _cron_update(self):
        self._update()

    @api.model
    def _coverage_lines(self, jurisdictions=()):
        """What each table holds, then, for each jurisdiction given, until when a notice
        written from today finds all its figures: ``(sentence, fine)`` pairs."""
        tables = self._tables()
        lines = []
        for table in tables.all():
            covered = table.coverage()
            until = covered.last.isoformat() if covered.last else self.env._("nothing")
            lines.append(
                (
                    self.env._(
                        "%(title)s (%(name)s), version %(version)s: confirmed until %(until)s",
                        title=table.title,
                        name=table.name,
                        version=table.version,
                        until=until,
                    ),
                    True,
                )
            )
        today = fields.Date.context_today(self)
        for jurisdiction in sorted(set(jurisdictions)):
            needs = NEEDS.get(jurisdiction.upper(), ())
            if not needs:
                continue
            days = min(days_covered(tables, name, read, today) for name, read in needs)
            if days > AHEAD:
                sentence = self.env._(
                    "Notices under %(law)s: figures until at least %(day)s",
                    law=jurisdiction,
                    day=(today + timedelta(days=days - 1)).isoformat(),
                )
            else:
                sentence = self.env._(
                    "Notices under %(law)s written from %(day)s have no interest figure "
                    "(they wait for a person): update the tables",
                    law=jurisdiction,
                    day=(today + timedelta(days=days)).isoformat(),
                )
            lines.append((sentence, days > AHEAD))
        return lines
