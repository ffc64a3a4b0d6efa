"""FileSource: a CSV ledger folder or a FEC export, read as a full snapshot each time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from connector.errors import ConfigError, Unsupported
from connector.model import Customer, Platform, SourceRef
from connector.money import Money
from connector.settings import FilesSourceConfig, TenantConfig
from connector.source import Batch, Cursor, Event, Outcome, Resource, WriteReceipt
from connector.store import Store

from .csvformat import Ledger, load_csv_ledger
from .fec import load_fec
from .guard import check_closures

__all__ = ["FileSource"]


class FileSource:
    """Implements connector.source.Source over files.

    Files are snapshots: every pull is complete (what is absent has left the ledger), the
    "fresh" balance before a send is the file's as it is now (re-read when it changed), and
    nothing is written back — the audit trail in the store is the record. Before a sync
    stores a snapshot, :meth:`check_snapshot` refuses one that would close too much at once
    (:mod:`.guard`). A FEC customer that ``contacts.csv`` does not describe keeps the
    details the store holds for it, given ``store``.
    """

    platform: ClassVar[Platform] = Platform.FILES

    def __init__(
        self, tenant: str, files: FilesSourceConfig, *, store: Store | None = None
    ) -> None:
        if files.csv_dir is None and files.fec is None:
            raise ConfigError(
                "a files tenant needs [files] csv_dir or fec",
                key="files",
                hint="see config/tenants/example.toml",
            )
        self.tenant = tenant
        self.files = files
        self.store = store
        self._ledger: Ledger | None = None
        self._stamp: tuple[float, ...] = ()
        self._balances: dict[str, Money] = {}
        self._currencies: dict[str, str] = {}  # every document ever read, paid or gone

    @classmethod
    def from_tenant(
        cls, config: TenantConfig, *, store: Store | None = None, **_context: Any
    ) -> FileSource:
        if config.files is None:
            raise ConfigError(
                f"tenant {config.slug} has no [files] section",
                key="files",
                hint="add csv_dir or fec to its configuration file",
            )
        return cls(config.slug, config.files, store=store)

    def _paths(self) -> list[Path]:
        f = self.files
        if f.csv_dir is not None:
            return [f.csv_dir / n for n in ("customers.csv", "invoices.csv", "payments.csv")]
        return [p for p in (f.fec, f.contacts, f.due_dates) if p is not None]

    def ledger(self) -> Ledger:
        """The whole file ledger, re-read only when a file changed."""
        stamp = tuple(p.stat().st_mtime_ns if p.exists() else -1 for p in self._paths())
        if self._ledger is None or stamp != self._stamp:
            f = self.files
            if f.csv_dir is not None:
                self._ledger = load_csv_ledger(f.csv_dir, self.tenant, encoding=f.encoding)
            else:
                assert f.fec is not None
                self._ledger = load_fec(
                    f.fec,
                    self.tenant,
                    contacts=f.contacts,
                    due_dates=f.due_dates,
                    payment_terms_days=f.payment_terms_days,
                    encoding=f.encoding,
                )
            self._stamp = stamp
            self._balances = {r.ref.key: r.open_balance for r in self._ledger.receivables}
            self._currencies.update((r.ref.key, r.currency) for r in self._ledger.receivables)
        return self._ledger

    def check_snapshot(self, store: Store, tenant: str) -> None:
        """Refuses the files as they are now if storing them would close too much at once."""
        f = self.files
        if f.csv_dir is not None:
            path = f.csv_dir / "invoices.csv"
            empty = "export it again; an invoice that is paid stays in it, with open 0"
        else:
            assert f.fec is not None
            path = f.fec
            empty = "it has no line on a customer account (411...): export the whole FEC again"
        check_closures(
            store, tenant, self.ledger(), path=path, allow=f.allow_mass_close, empty_hint=empty
        )

    def _customers(self, ledger: Ledger) -> list[Customer]:
        """The ledger's customers, those it does not describe as the store holds them."""
        if self.store is None or not ledger.undescribed:
            return list(ledger.customers)
        undescribed = {
            c.ref.key for c in ledger.customers if c.ref.external_id in ledger.undescribed
        }
        stored = self.store.known_customers(self.tenant, undescribed)
        return [
            self.store.customer(self.tenant, c.ref.key) if c.ref.key in stored else c
            for c in ledger.customers
        ]

    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        ledger = self.ledger()
        if resource is Resource.CUSTOMERS:
            yield Batch(resource, customers=self._customers(ledger), complete=True)
        elif resource is Resource.RECEIVABLES:
            yield Batch(resource, receivables=ledger.receivables, complete=True)
        else:
            yield Batch(resource, payments=ledger.payments, complete=True)

    def open_balance(self, ref: SourceRef) -> Money:
        self.ledger()
        balance = self._balances.get(ref.key)
        if balance is None:
            raise Unsupported(
                f"{ref.external_id} is no longer in the file ledger",
                hint="run `relance sync` to close it",
            )
        return balance

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        raise Unsupported(
            "files are read-only: the audit trail keeps the record",
            hint="`relance history` shows it",
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        raise Unsupported("files send no webhooks")

    def document(self, ref: SourceRef) -> bytes:
        """A local PDF named in ``document_url`` (a path, relative to the ledger, or file://)."""
        receivable = next((r for r in self.ledger().receivables if r.ref == ref), None)
        url = receivable.document_url if receivable else None
        if not url or "://" in url.removeprefix("file://"):
            raise Unsupported(f"no local PDF for {ref.external_id}")
        path = Path(url.removeprefix("file://"))
        if not path.is_absolute() and self.files.csv_dir is not None:
            path = self.files.csv_dir / path
        if not path.is_file():
            raise Unsupported(f"{path} does not exist", hint="fix document_url in invoices.csv")
        return path.read_bytes()
