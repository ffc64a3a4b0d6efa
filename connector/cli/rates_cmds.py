"""relance rates show|import|update: the official rate tables relance computes with, where
each value comes from, and how to bring them up to date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from connector.cli._context import AppState, parse_date
from connector.cli._output import shown
from connector.errors import ConfigError, SourceUnavailable
from connector.legal import RateTable, RateTables
from connector.legal.rate_files import import_csv, load_toml_for_import, retrieval_version

__all__ = ["register"]

IMPORT_HELP = """Add a newer version of a table (the next half-year, a correction) without a
new release. Nothing stored is replaced: the new version is kept beside the others in the
rates folder, and the newest version of each table is the one used.

\b
Two formats:
* CSV (FILE.csv), one value a line, merged into the version in use:
      date,rate,source
      2026-07-01,1.27,https://www.bundesbank.de/... (Bekanntgabe 30.06.2026)
  date: the half-year's first day (YYYY-01-01 or YYYY-07-01); for ecb_mro, the
  day the rate took effect. rate: percent, a dot for decimals. source: where the
  value is published (required). fr_legal_rate has rate_a (private creditor)
  and rate_b (other creditors) instead of rate. The table is --table, or the
  file's name (ecb_mro.csv).
* TOML (FILE.toml), a whole table: name, title, kind ("periods" or "changes"),
  version, then periods = [{ start, end, value (or a and b), source }] or
  changes = [{ from, rate, source }] with valid_until. `relance rates show`
  names the file each table comes from: copy it as a model.

A bad file is refused with the line and the problem, and nothing is stored."""

UPDATE_HELP = """Fetch each table's official series and keep what is new as a new version:
the ECB Data Portal (ecb_mro), the Bundesbank (de_base_rate), the Bank of England
(uk_reference_rate), the Banque de France Webstat (fr_legal_rate, with an API key).
A source that is offline or refuses is reported and its table kept as it was; the
command fails (exit 4) only when no source could be read."""

rates_app = typer.Typer(
    help="The official rate tables relance computes with.", no_args_is_help=True
)


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _tables(state: AppState) -> RateTables:
    return RateTables(state.settings.rates_dir)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _coverage(table: RateTable) -> dict[str, Any]:
    coverage = table.coverage()
    return {
        "first": _iso(coverage.first),
        "last": _iso(coverage.last),
        "gaps": [
            {"start": start.isoformat(), "end": end.isoformat(), "why": why}
            for start, end, why in coverage.gaps
        ],
        "sources": sorted({p.source for p in table.periods}),
    }


def _half(day: date | None) -> str:
    if day is None:
        return "nothing"
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


@rates_app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="one table, e.g. ecb_mro")] = None,
    values: Annotated[
        bool, typer.Option("--values/--coverage", help="every value, or each table's coverage")
    ] = True,
) -> None:
    """Each table's coverage (first and last half-year, gaps, the file it comes from), then
    every rate with its period and source."""
    state = _state(ctx)
    tables = [t for t in _tables(state).all() if name in (None, t.name)]
    if name and not tables:
        raise ConfigError(f"no rate table {name!r}", hint="`relance rates show` lists them")
    if state.json_output:
        state.emit_json(
            [
                {
                    "name": t.name,
                    "title": t.title,
                    "version": t.version,
                    "origin": t.origin,
                    "coverage": _coverage(t),
                    "periods": [
                        {
                            "start": p.start.isoformat(),
                            "end": p.end.isoformat(),
                            **{k: str(v) for k, v in p.values.items()},
                            "confirmed": p.confirmed,
                            "source": p.source,
                            "retrieved": _iso(p.retrieved),
                        }
                        for p in t.periods
                    ],
                }
                for t in tables
            ]
        )
        return
    summary = Table(title="Rate tables: coverage")
    for column in ("table", "version", "first half-year", "last half-year", "gaps", "from file"):
        summary.add_column(column, overflow="fold")
    for table in tables:
        coverage = table.coverage()
        summary.add_row(
            table.name,
            table.version,
            _half(coverage.first),
            f"{_half(coverage.last)} (to {coverage.last})" if coverage.last else "nothing",
            "; ".join(f"{a} to {b} {why}" for a, b, why in coverage.gaps) or "none",
            table.origin,
        )
    state.console.print(summary)
    if not values:
        return
    for table in tables:
        view = Table(title=f"{table.title} — {table.name} v{table.version}")
        for column in ("from", "to", "rate %", "confirmed", "source", "retrieved"):
            view.add_column(column)
        for p in table.periods:
            view.add_row(
                str(p.start),
                str(p.end),
                " / ".join(f"{k}={v}" if k != "value" else str(v) for k, v in p.values.items()),
                "yes" if p.confirmed else "NO",
                p.source,
                str(p.retrieved or ""),
            )
        state.console.print(view)


@rates_app.command("import", help=IMPORT_HELP)
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a .csv of values or a .toml table")],
    table: Annotated[
        str | None, typer.Option(help="the table a CSV is for (default: the file's name)")
    ] = None,
    valid_until: Annotated[
        str | None,
        typer.Option(
            help="ecb_mro from a CSV: the last day its last rate is known to hold (default: today)"
        ),
    ] = None,
) -> None:
    state = _state(ctx)
    tables = _tables(state)
    now = state.clock.now()
    if file.suffix.lower() == ".csv":
        found, text = import_csv(
            tables,
            file,
            table_name=table,
            version=retrieval_version(now),
            valid_until=parse_date(valid_until, option="--valid-until") or now.date(),
        )
    else:
        found, text = load_toml_for_import(file)
        if table is not None and table != found.name:
            raise ConfigError(f"the file is table {found.name!r}, not {table!r}", path=file)
    kept = tables.keep(found, text, file)
    first, last = kept.periods[0].start, kept.periods[-1].end
    state.done(
        {
            "table": kept.name,
            "version": kept.version,
            "from": first,
            "to": last,
            "file": kept.origin,
            "coverage": _coverage(kept),
        },
        f"{kept.name}: version {kept.version} imported ({first} to {last}), kept in {kept.origin}",
    )


@rates_app.command("update", help=UPDATE_HELP)
def update(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Option(help="only this table")] = None,
) -> None:
    from connector.legal.rate_update import update_tables

    state = _state(ctx)
    tables = _tables(state)
    if table is not None and tables.get(table) is None:
        raise ConfigError(f"no rate table {table!r}", hint="`relance rates show` lists them")
    report = update_tables(tables, state.settings.rate_sources, clock=state.clock, only=table)
    if state.json_output:
        state.emit_json(
            {
                "ok": report.any_ok,
                "sources": [
                    {
                        "table": o.table,
                        "source": o.source,
                        "status": o.status,
                        "message": o.message,
                        "url": o.url or None,
                        "version": o.version,
                        "file": o.file,
                        "first": _iso(o.first),
                        "last": _iso(o.last),
                        "changes": list(o.changes),
                    }
                    for o in report.outcomes
                ],
            }
        )
    else:
        for o in report.outcomes:
            colour = {"updated": "green", "unchanged": "green", "failed": "red"}.get(
                o.status, "yellow"
            )
            state.console.print(
                f"[{colour}]{shown(o.status)}[/] {shown(o.table)} ({shown(o.source)}): "
                f"{shown(o.message)}",
                markup=True,
            )
            if o.file and o.status == "updated":
                state.console.print(f"    kept in {o.file}")
            for line in o.changes:
                state.console.print(f"    {line}")
    if not report.any_ok:
        failed = ", ".join(o.table for o in report.outcomes)
        error = SourceUnavailable(
            f"no rate table could be updated ({failed}); the tables in use are unchanged",
            platform="rates",
            hint="check the network, or import the values with `relance rates import FILE`",
        )
        if state.json_output:
            raise typer.Exit(error.exit_code)  # the report above is the one JSON document
        raise error


def register(app: typer.Typer) -> None:
    app.add_typer(rates_app, name="rates")
