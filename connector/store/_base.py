"""Opening the store: the engine, migrations, and what every part of the store shares."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from connector.clock import Clock, SystemClock
from connector.errors import StoreError
from connector.private_files import private_database
from connector.store import schema as t
from connector.store.types import EventType

__all__ = ["StoreBase"]


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("connector.store") / "migrations"))
    config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it returns, power loss included (NORMAL would only
    # survive a crash of the process): a webhook answered 202 must not be lost
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class StoreBase:
    """Engine, clock and transaction helpers; the public API lives in the mixins."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self.url_for_display = engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str, *, clock: Clock | None = None, migrate: bool = True) -> Any:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(
                "the store URL is not a database URL",
                hint="e.g. sqlite:///relance.sqlite or postgresql+psycopg://user@host/db",
            ) from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            private_database(Path(parsed.database).expanduser())  # 0600, in a 0700 folder
        try:
            engine = create_engine(parsed, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise StoreError(
                f"no driver for {shown} ({exc})",
                hint="for PostgreSQL: pip install 'relance[postgres]'",
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine, clock or SystemClock())
        try:
            with engine.begin() as connection:
                if migrate:
                    command.upgrade(_alembic_config(connection), "head")
                else:
                    store._check_head(connection)
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).splitlines()[0] if exc.orig else "unreachable"
            raise StoreError(
                f"cannot open the store at {shown}: {reason}",
                hint="check the URL and that the database server runs",
            ) from None
        return store

    def _check_head(self, connection: Connection) -> None:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
        if current != head:
            raise StoreError(
                f"the store at {self.url_for_display} is at schema {current or 'none'}, "
                f"relance needs {head}",
                hint="run `relance init` to create or upgrade it",
            )

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self._engine

    def _now(self) -> datetime:
        return self._clock.now()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._engine.begin() as connection:
            yield connection

    def _log(
        self,
        conn: Connection,
        tenant: str,
        kind: EventType,
        *,
        customer_key: str | None = None,
        receivable_keys: tuple[str, ...] | list[str] = (),
        payload: dict[str, Any] | None = None,
    ) -> None:
        conn.execute(
            insert(t.events).values(
                tenant=tenant,
                at=self._now(),
                kind=kind.value,
                customer_key=customer_key,
                receivable_keys=list(receivable_keys),
                payload=payload or {},
            )
        )

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold a lock named ``name`` across processes and machines while the block runs
        (a PostgreSQL advisory lock, in a transaction of its own, released even if the
        process dies). With SQLite the store belongs to one process: there is nothing to
        take beyond that process's own locks."""
        if self._engine.dialect.name != "postgresql":
            yield
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self._engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield

    def _claim(
        self,
        table: Table,
        key: ColumnElement[Any],
        where: Sequence[ColumnElement[bool]],
        order: ColumnElement[Any],
        limit: int,
        values: dict[str, Any],
        returning: Sequence[ColumnElement[Any]],
    ) -> list[Row[Any]]:
        """Update the first ``limit`` rows matching ``where`` (in ``order``) that no other
        transaction is claiming at this moment, and return them: one UPDATE over what a
        ``SELECT … FOR UPDATE SKIP LOCKED`` picked, so claimers at the same instant take
        different rows and never wait on each other (SQLite, one writer at a time, needs no
        row lock: the single statement is atomic)."""
        chosen = (
            select(key).where(*where).order_by(order).limit(limit).with_for_update(skip_locked=True)
        )
        with self._tx() as conn:
            claimed = update(table).where(key.in_(chosen.scalar_subquery())).values(values)
            return list(conn.execute(claimed.returning(*returning)).all())

    def _lock_tenant(self, conn: Connection, tenant: str) -> None:
        """Make the tenant's ledger writers take turns: two syncs of one tenant at once (one
        replica's cycle, another's webhook re-read) would otherwise both insert the same new
        records. PostgreSQL: a row lock on the tenant that foreign keys do not wait for;
        SQLite: a first write, which takes the database's write lock at once."""
        c = t.tenants.c
        if self._engine.dialect.name == "postgresql":
            query = select(c.slug).where(c.slug == tenant).with_for_update(key_share=True)
            found = conn.execute(query).first() is not None
        else:
            touch = update(t.tenants).where(c.slug == tenant).values(platform=c.platform)
            found = conn.execute(touch).rowcount == 1
        if not found:
            self._require_tenant(conn, tenant)

    def _require_tenant(self, conn: Connection, tenant: str) -> None:
        if conn.execute(select(t.tenants.c.slug).where(t.tenants.c.slug == tenant)).first() is None:
            known = [r[0] for r in conn.execute(select(t.tenants.c.slug))]
            raise StoreError(
                f"no tenant {tenant!r} in the store (known: {known or 'none'})",
                hint="create it with `relance init --tenant NAME`",
            )
