"""import, sync: the ledger into the store, from files or from the tenant's source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from connector.cli._context import AppState
from connector.cli._output import shown
from connector.errors import ConfigError
from connector.model import Platform
from connector.settings import FilesSourceConfig

__all__ = ["import_", "sync"]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


AllowMassClose = Annotated[
    bool,
    typer.Option(
        "--allow-mass-close",
        help="store a snapshot even if it closes more than a tenth of the open invoices "
        "(refused otherwise: a file cut short looks like that)",
    ),
]


def import_(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="a folder of relance CSVs, or a FEC file")],
    contacts: Annotated[Path | None, typer.Option(help="contacts CSV for a FEC")] = None,
    due_dates: Annotated[Path | None, typer.Option(help="invoice due dates CSV for a FEC")] = None,
    terms: Annotated[
        int, typer.Option(help="payment terms (days) when a FEC has no due date")
    ] = 30,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="the files' encoding, e.g. iso-8859-15, windows-1252, utf-8, cp1147 (EBCDIC); "
            "default: detected"
        ),
    ] = None,
    allow_mass_close: AllowMassClose = False,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Import a ledger from files: all of it, atomically (a bad line imports nothing)."""
    state = _state(ctx)
    record = state.tenant(tenant)
    config = state.tenant_config(record)
    if not path.exists():
        raise ConfigError("no such file or folder", path=path)
    allow = allow_mass_close or (config.files is not None and config.files.allow_mass_close)
    files = (
        FilesSourceConfig(csv_dir=path, payment_terms_days=terms)
        if path.is_dir()
        else FilesSourceConfig(
            fec=path, contacts=contacts, due_dates=due_dates, payment_terms_days=terms
        )
    ).model_copy(update={"encoding": encoding, "allow_mass_close": allow})
    config = config.model_copy(update={"platform": Platform.FILES, "files": files})
    source = state.source(config)
    assert source is not None
    from connector.sync import sync as run_sync

    report = run_sync(state.store, record.slug, source, clock=state.clock)
    if state.json_output:
        state.emit_json({"tenant": record.slug, "imported": report.counts})
    else:
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        state.console.print(f"Imported into {record.slug}: {counts}")


def sync(
    ctx: typer.Context,
    allow_mass_close: AllowMassClose = False,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Pull what changed at the tenant's source into the store."""
    state = _state(ctx)
    record = state.tenant(tenant)
    config = state.tenant_config(record)
    if allow_mass_close and config.files is not None:
        files = config.files.model_copy(update={"allow_mass_close": True})
        config = config.model_copy(update={"files": files})
    source = state.source(config)
    if source is None:
        raise ConfigError(
            f"tenant {record.slug} has no source to sync from",
            key="files",
            hint="add [files] to its configuration, or use `relance import PATH`",
        )
    from connector.sync import sync as run_sync

    report = run_sync(state.store, record.slug, source, clock=state.clock)
    if state.json_output:
        state.emit_json(
            {"tenant": record.slug, "synced": report.counts, "problems": report.problems}
        )
    else:
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        state.console.print(f"Synced {record.slug}: {counts or 'nothing new'}")
        for problem in report.problems:
            state.console.print(f"  [yellow]skipped[/yellow] {shown(problem)}", markup=True)
