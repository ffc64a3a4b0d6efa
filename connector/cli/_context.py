"""What every command shares: settings, the store, the tenant, the date, the output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from connector.cli._output import SafeConsole
from connector.clock import Clock, SystemClock, local_today
from connector.errors import ConfigError, StoreError
from connector.model import Customer, Platform, Receivable
from connector.settings import Settings, TenantConfig, load_settings, load_tenant_config

if TYPE_CHECKING:  # imported where they are used, so that `relance --help` starts at once
    from rich.progress import Progress

    from connector.executor import Executor
    from connector.policy import Policy
    from connector.source import Source
    from connector.store import Store, TenantRecord

__all__ = ["AppState", "parse_date", "require_date"]


def parse_date(value: str | None, *, option: str = "--as-of") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{value!r} is not a date; use YYYY-MM-DD", key=option) from None


def require_date(value: str, *, option: str) -> date:
    """A date the user had to give (typer makes the option required)."""
    day = parse_date(value, option=option)
    assert day is not None  # parse_date returns None only when there is no text
    return day


@dataclass
class AppState:
    config: Path | None = None
    store_url: str | None = None
    tenant_opt: str | None = None
    json_output: bool = False
    debug: bool = False
    clock: Clock = field(default_factory=SystemClock)
    _settings: Settings | None = None
    _store: Store | None = None
    _sources: list[Source] = field(default_factory=list)  # closed with the store

    # --- configuration -----------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, store_url=self.store_url)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from connector.store import Store

            self._store = Store.open(self.settings.store_url, clock=self.clock)
        return self._store

    def close(self) -> None:
        self.close_sources()
        if self._store is not None:
            self._store.close()
            self._store = None

    def close_sources(self) -> None:
        """Close the sources this context opened (the store stays open)."""
        for source in self._sources:
            closer = getattr(source, "close", None)
            if callable(closer):
                closer()
        self._sources.clear()

    def tenant(self, slug: str | None = None) -> TenantRecord:
        slug = slug or self.tenant_opt
        if slug:
            return self.store.tenant(slug)
        tenants = self.store.tenants()
        if len(tenants) == 1:
            return tenants[0]
        if not tenants:
            raise StoreError(
                "no tenant in the store", hint="create one: relance init --tenant NAME"
            )
        names = ", ".join(t.slug for t in tenants)
        raise ConfigError(f"several tenants ({names}); say which one", key="--tenant")

    def tenant_config(self, tenant: TenantRecord) -> TenantConfig:
        path = self.settings.tenants_dir / f"{tenant.slug}.toml"
        return load_tenant_config(path)

    def policy(self, config: TenantConfig) -> Policy:
        from connector.policy import default_policy, load_policy

        return default_policy() if config.policy is None else load_policy(config.policy)

    def today(self, tenant: TenantRecord, as_of: str | None) -> date:
        return parse_date(as_of) or local_today(self.clock, tenant.timezone)

    def source(self, config: TenantConfig) -> Source | None:
        """The tenant's live source; None for a file tenant fed only by `relance import`."""
        if config.platform is Platform.FILES and config.files is None:
            return None
        from connector.sources import open_source

        source = open_source(config, clock=self.clock, store=self.store, settings=self.settings)
        self._sources.append(source)
        return source

    def discard(self, source: Source | None) -> None:
        """Close a source now (its connections), rather than with the store: a daemon opens
        one per cycle, and would otherwise keep every one's sockets until it stops."""
        if source is None:
            return
        if source in self._sources:
            self._sources.remove(source)
        closer = getattr(source, "close", None)
        if callable(closer):
            closer()

    def executor(self, tenant: TenantRecord, *, with_source: bool = True) -> Executor:
        from connector.calendar import BusinessCalendar
        from connector.channels import channels_for
        from connector.executor import Executor
        from connector.legal import RateTables

        config = self.tenant_config(tenant)
        policy = self.policy(config)
        settings = self.settings
        return Executor(
            store=self.store,
            tenant=tenant.slug,
            policy=policy,
            calendar=BusinessCalendar.for_window(policy.send_window, config.country),
            creditor=config.creditor,
            channels=channels_for(
                outbox_dir=settings.outbox_dir,
                smtp=settings.smtp,
                clock=self.clock,
                creditor=config.creditor,
            ),
            clock=self.clock,
            source=self.source(config) if with_source else None,
            jurisdiction=config.jurisdiction,
            rate_tables=RateTables(settings.rates_dir),
            contract=config.contract,
        )

    # --- lookups by what a person types --------------------------------------------------------
    def customer(self, tenant: TenantRecord, text: str) -> Customer:
        found = self.store.find_customer(tenant.slug, text)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ConfigError(
                f"no customer matches {text!r}",
                hint="use the customer's id or part of its name (relance status lists them)",
            )
        names = "; ".join(f"{c.ref.external_id} {c.name}" for c in found[:8])
        raise ConfigError(f"{len(found)} customers match {text!r}: {names}", hint="be precise")

    def receivable(self, tenant: TenantRecord, text: str) -> Receivable:
        return self.store.find_receivable(tenant.slug, text)

    # --- output ------------------------------------------------------------------------------
    @property
    def console(self) -> Console:
        return SafeConsole(stderr=self.json_output)

    @property
    def err_console(self) -> Console:
        """For what talks to the person at the keyboard mid-command (instructions, prompts)."""
        return SafeConsole(stderr=True)

    def emit_json(self, payload: Any) -> None:
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")

    def done(self, payload: Any, text: str) -> None:
        """What a command did: ``payload`` with --json, else ``text`` for a person."""
        if self.json_output:
            self.emit_json(payload)
        else:
            self.console.print(text)

    @contextmanager
    def progress(self, label: str, total: int | None) -> Iterator[Progress]:
        """A progress bar on a terminal; silent when piped or with --json."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = SafeConsole(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=self.json_output or not console.is_terminal,
        ) as progress:
            progress.add_task(label, total=total)
            yield progress
