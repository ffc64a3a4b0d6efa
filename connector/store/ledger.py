"""Tenants, the ledger copy (customers, receivables, payments) and sync cursors."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Row, and_, insert, or_, select, text, update

from connector.asof import receivables_as_of
from connector.errors import StoreError
from connector.model import (
    Allocation,
    Contact,
    Customer,
    HoldKind,
    Instalment,
    LegalKind,
    Payment,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceHold,
    SourceRef,
)
from connector.money import Money, Totals
from connector.source import Cursor, Resource
from connector.store import schema as t
from connector.store._base import StoreBase
from connector.store.types import EventType, TenantRecord, UpsertCounts

__all__ = ["LedgerMixin", "customer_from_json", "ref_from_key", "row_to_receivable"]

_CHUNK = 500
_MANY = 5000  # records in one batch after which PostgreSQL's statistics are refreshed


def ref_from_key(key: str) -> SourceRef:
    platform, tenant, external_id = key.split(":", 2)
    return SourceRef.model_construct(
        platform=Platform(platform), tenant=tenant, external_id=external_id
    )


def row_to_receivable(row: Row[Any]) -> Receivable:
    """From a trusted row: no re-validation (this path feeds the planner at scale)."""
    currency = row.currency
    return Receivable.model_construct(
        ref=ref_from_key(row.key),
        customer_ref=ref_from_key(row.customer_key),
        kind=ReceivableKind(row.kind),
        number=row.number,
        issued_on=row.issued_on,
        due_on=row.due_on,
        currency=currency,
        total=Money(row.total, currency),
        open_balance=Money(row.open_balance, currency),
        status=ReceivableStatus(row.status),
        document_url=row.document_url,
        payment_url=row.payment_url,
        updated_at=row.updated_at,
        instalments=_instalments_from_json(row.instalments, currency),
        hold=None
        if not row.hold
        else SourceHold.model_construct(
            kind=HoldKind(row.hold["kind"]), reason=row.hold.get("reason", "")
        ),
    )


def _instalments_to_json(receivable: Receivable) -> list[dict[str, str | None]] | None:
    if not receivable.instalments:
        return None
    return [
        {
            "due_on": i.due_on.isoformat(),
            "amount": str(i.amount.amount),
            "open": None if i.open_balance is None else str(i.open_balance.amount),
        }
        for i in receivable.instalments
    ]


def _instalments_from_json(
    raw: list[dict[str, Any]] | None, currency: str
) -> tuple[Instalment, ...]:
    return tuple(
        Instalment.model_construct(
            due_on=date.fromisoformat(i["due_on"]),
            amount=Money(Decimal(i["amount"]), currency),
            open_balance=None if i["open"] is None else Money(Decimal(i["open"]), currency),
        )
        for i in raw or ()
    )


def _address(raw: dict[str, Any] | None) -> PostalAddress | None:
    if raw is None:
        return None
    return PostalAddress.model_construct(
        lines=tuple(raw["lines"]),
        postal_code=raw["postal_code"],
        city=raw["city"],
        country=raw["country"],
    )


def _ref(raw: dict[str, str] | None) -> SourceRef | None:
    if raw is None:
        return None
    return SourceRef.model_construct(
        platform=Platform(raw["platform"]), tenant=raw["tenant"], external_id=raw["external_id"]
    )


def _required_ref(raw: dict[str, str]) -> SourceRef:
    found = _ref(raw)
    assert found is not None
    return found


def customer_from_json(data: dict[str, Any]) -> Customer:
    """A customer the store validated when it was written, rebuilt without re-validating:
    this feeds the planner, where 200k customers must load in seconds."""
    contacts = tuple(
        Contact.model_construct(
            name=c["name"],
            email=c["email"],
            phone=c["phone"],
            address=_address(c["address"]),
            role=c["role"],
            primary=c["primary"],
        )
        for c in data["contacts"]
    )
    return Customer.model_construct(
        ref=_required_ref(data["ref"]),
        name=data["name"],
        legal_kind=LegalKind(data["legal_kind"]),
        language=data["language"],
        country=data["country"],
        timezone=data["timezone"],
        registration_id=data["registration_id"],
        address=_address(data["address"]),
        contacts=contacts,
        payment_terms_days=data["payment_terms_days"],
        parent_ref=_ref(data["parent_ref"]),
    )


def row_to_payment(row: Row[Any]) -> Payment:
    currency = row.currency
    return Payment.model_construct(
        ref=ref_from_key(row.key),
        customer_ref=ref_from_key(row.customer_key),
        received_on=row.received_on,
        amount=Money(row.amount, currency),
        unapplied=Money(row.unapplied, currency),
        allocations=tuple(
            Allocation.model_construct(
                receivable_ref=ref_from_key(a["receivable"]),
                amount=Money(Decimal(a["amount"]), currency),
            )
            for a in row.allocations
        ),
    )


def _receivable_values(tenant: str, r: Receivable) -> dict[str, Any]:
    status = (
        r.status
        if r.open_balance.amount > 0 or r.status is ReceivableStatus.CANCELLED
        else ReceivableStatus.PAID
    )
    return {
        "tenant": tenant,
        "key": r.ref.key,
        "customer_key": r.customer_ref.key,
        "kind": r.kind.value,
        "number": r.number,
        "issued_on": r.issued_on,
        "due_on": r.due_on,
        "currency": r.currency,
        "total": r.total.amount,
        "open_balance": r.open_balance.amount,
        "status": status.value,
        "document_url": r.document_url,
        "payment_url": r.payment_url,
        "updated_at": r.updated_at,
        "instalments": _instalments_to_json(r),
        "hold": None if r.hold is None else {"kind": r.hold.kind.value, "reason": r.hold.reason},
    }


def _chunks(items: Iterable[Receivable], size: int) -> Iterator[list[Receivable]]:
    chunk: list[Receivable] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _is_open(status: str, balance: Decimal) -> bool:
    return status in (ReceivableStatus.OPEN, ReceivableStatus.PARTIALLY_PAID) and balance > 0


class LedgerMixin(StoreBase):
    # --- tenants ------------------------------------------------------------------------------
    def ensure_tenant(
        self,
        slug: str,
        *,
        platform: Platform,
        name: str | None = None,
        country: str = "FR",
        timezone: str = "Europe/Paris",
        policy_path: str | None = None,
    ) -> TenantRecord:
        with self._tx() as conn:
            row = conn.execute(select(t.tenants).where(t.tenants.c.slug == slug)).first()
            if row is None:
                conn.execute(
                    insert(t.tenants).values(
                        slug=slug,
                        platform=platform.value,
                        name=name or slug,
                        country=country,
                        timezone=timezone,
                        policy_path=policy_path,
                        created_at=self._now(),
                    )
                )
            elif name and name != row.name:
                conn.execute(update(t.tenants).where(t.tenants.c.slug == slug).values(name=name))
        return self.tenant(slug)

    def tenant(self, slug: str) -> TenantRecord:
        with self._engine.connect() as conn:
            self._require_tenant(conn, slug)
            row = conn.execute(select(t.tenants).where(t.tenants.c.slug == slug)).one()
        return TenantRecord(
            row.slug,
            Platform(row.platform),
            row.name,
            row.country,
            row.timezone,
            row.policy_path,
            row.created_at,
        )

    def tenants(self) -> list[TenantRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(t.tenants).order_by(t.tenants.c.slug)).all()
        return [
            TenantRecord(
                r.slug,
                Platform(r.platform),
                r.name,
                r.country,
                r.timezone,
                r.policy_path,
                r.created_at,
            )
            for r in rows
        ]

    # --- writing the ledger -------------------------------------------------------------------
    def upsert_ledger(
        self,
        tenant: str,
        *,
        customers: Sequence[Customer] = (),
        receivables: Sequence[Receivable] = (),
        payments: Sequence[Payment] = (),
        deleted: Iterable[SourceRef] = (),
        complete: bool = False,
        cursor: tuple[Resource, Cursor] | None = None,
        origin: str = "sync",
        unreadable: Iterable[SourceRef] = (),
    ) -> UpsertCounts:
        """Store a batch in one transaction; touched customers are reviewed at the next cycle."""
        refs = [c.ref for c in customers] + [r.ref for r in receivables]
        for ref in refs + [p.ref for p in payments]:
            if ref.tenant != tenant:
                raise StoreError(
                    f"record {ref.key} belongs to tenant {ref.tenant!r}, not {tenant!r}",
                    hint="a source only writes its own tenant",
                )
        with self._tx() as conn:
            self._lock_tenant(conn, tenant)
            touched: set[str] = set()
            self._upsert_customers(conn, tenant, customers, touched)
            closed = self._upsert_receivables(conn, tenant, receivables, touched)
            closed += self._delete(conn, tenant, list(deleted), touched)
            if complete and receivables:
                kept = {ref.key for ref in unreadable}
                closed += self._close_absent(conn, tenant, receivables, touched, kept)
            self._upsert_payments(conn, tenant, payments, complete, touched)
            self._touch(conn, tenant, touched)
            if cursor is not None:
                self._save_cursor(conn, tenant, *cursor)
            counts = UpsertCounts(len(customers), len(receivables), len(payments), closed)
            kind = EventType.IMPORTED if origin == Platform.FILES.value else EventType.SYNCED
            self._log(
                conn,
                tenant,
                kind,
                payload={
                    "origin": origin,
                    "customers": counts.customers,
                    "receivables": counts.receivables,
                    "payments": counts.payments,
                    "closed": counts.closed,
                },
            )
        if len(customers) + len(receivables) + len(payments) >= _MANY:
            self.refresh_statistics()
        return counts

    def refresh_statistics(self) -> None:
        """After a big import, PostgreSQL's planner learns the tables' new sizes at once
        (autovacuum would, later, or never where it is off): until then it plans the ledger's
        queries for empty tables, and a page can take seconds instead of milliseconds."""
        if self._engine.dialect.name != "postgresql":
            return
        with self._engine.begin() as conn:
            conn.execute(text("ANALYZE customers, receivables, payments"))

    def _existing(
        self, conn: Connection, table: Any, tenant: str, keys: list[str]
    ) -> dict[str, Row[Any]]:
        found: dict[str, Row[Any]] = {}
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            rows = conn.execute(
                select(table).where(table.c.tenant == tenant, table.c.key.in_(part))
            )
            found.update((row.key, row) for row in rows)
        return found

    def _upsert_customers(
        self, conn: Connection, tenant: str, customers: Sequence[Customer], touched: set[str]
    ) -> None:
        existing = self._existing(conn, t.customers, tenant, [c.ref.key for c in customers])
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for customer in customers:
            values = {
                "tenant": tenant,
                "key": customer.ref.key,
                "external_id": customer.ref.external_id,
                "name": customer.name,
                "data": customer.model_dump(mode="json"),
            }
            before = existing.get(customer.ref.key)
            if before is None:
                new.append(values)
            elif (before.name, before.external_id, before.data) != (
                values["name"],
                values["external_id"],
                values["data"],
            ):
                changed.append(values)
            touched.add(customer.ref.key)
        if new:
            conn.execute(insert(t.customers), new)
        for values in changed:
            conn.execute(
                update(t.customers)
                .where(t.customers.c.tenant == tenant, t.customers.c.key == values["key"])
                .values(name=values["name"], external_id=values["external_id"], data=values["data"])
            )

    def _upsert_receivables(
        self, conn: Connection, tenant: str, receivables: Sequence[Receivable], touched: set[str]
    ) -> int:
        existing = self._existing(conn, t.receivables, tenant, [r.ref.key for r in receivables])
        self._require_customers(conn, tenant, {r.customer_ref.key for r in receivables})
        new, closed = [], 0
        for receivable in receivables:
            values = _receivable_values(tenant, receivable)
            touched.add(values["customer_key"])
            before = existing.get(values["key"])
            if before is None:
                new.append(values)
                continue
            changed = {
                k: v
                for k, v in values.items()
                if k not in ("tenant", "key") and getattr(before, k) != v
            }
            if changed:  # a full snapshot re-reads everything: only what differs is written
                conn.execute(
                    update(t.receivables).where(t.receivables.c.id == before.id).values(**changed)
                )
            was_open = _is_open(before.status, before.open_balance)
            if was_open and not _is_open(values["status"], values["open_balance"]):
                closed += 1
                self._log(
                    conn,
                    tenant,
                    EventType.RECEIVABLE_CLOSED,
                    customer_key=values["customer_key"],
                    receivable_keys=[values["key"]],
                    payload={
                        "number": values["number"],
                        "status": values["status"],
                        "open_before": str(before.open_balance),
                    },
                )
            elif before.open_balance != values["open_balance"]:
                self._log(
                    conn,
                    tenant,
                    EventType.BALANCE_CHANGED,
                    customer_key=values["customer_key"],
                    receivable_keys=[values["key"]],
                    payload={
                        "number": values["number"],
                        "before": str(before.open_balance),
                        "after": str(values["open_balance"]),
                    },
                )
        if new:
            conn.execute(insert(t.receivables), new)
        return closed

    def _require_customers(self, conn: Connection, tenant: str, keys: set[str]) -> None:
        known = set(self._existing(conn, t.customers, tenant, sorted(keys)))
        missing = keys - known
        if missing:
            raise StoreError(
                f"{len(missing)} record(s) name unknown customers, e.g. {sorted(missing)[0]}",
                hint="import the customers first",
            )

    def _close(
        self, conn: Connection, tenant: str, rows: Iterable[Row[Any]], why: str, touched: set[str]
    ) -> int:
        count = 0
        for row in rows:
            conn.execute(
                update(t.receivables)
                .where(t.receivables.c.id == row.id)
                .values(status=ReceivableStatus.CANCELLED.value, open_balance=Decimal(0))
            )
            touched.add(row.customer_key)
            if _is_open(row.status, row.open_balance):
                count += 1
                self._log(
                    conn,
                    tenant,
                    EventType.RECEIVABLE_CLOSED,
                    customer_key=row.customer_key,
                    receivable_keys=[row.key],
                    payload={"number": row.number, "why": why},
                )
        return count

    def _delete(
        self, conn: Connection, tenant: str, refs: list[SourceRef], touched: set[str]
    ) -> int:
        keys = [r.key for r in refs]
        rows = self._existing(conn, t.receivables, tenant, keys).values()
        for key in keys:
            conn.execute(
                t.payments.delete().where(t.payments.c.tenant == tenant, t.payments.c.key == key)
            )
        return self._close(conn, tenant, list(rows), "deleted or voided at the source", touched)

    def finish_full_read(
        self,
        tenant: str,
        resource: Resource,
        present: set[str],
        cursor: Cursor | None,
        *,
        origin: str = "sync",
    ) -> int:
        """After every batch of a full read is stored: what the read did not bring is gone.

        Receivables absent from the read are closed, payments absent from it deleted (only when
        the read brought some: an empty read proves nothing), and the read's cursor saved, in
        one transaction. Until then no cursor moves, so a read cut short is simply done again.
        """
        with self._tx() as conn:
            self._lock_tenant(conn, tenant)
            touched: set[str] = set()
            closed = removed = 0
            if present and resource is Resource.RECEIVABLES:
                closed = self._close_absent(conn, tenant, [], touched, present)
            elif present and resource is Resource.PAYMENTS:
                stored = conn.execute(
                    select(t.payments.c.id, t.payments.c.key).where(t.payments.c.tenant == tenant)
                ).all()
                gone = [row.id for row in stored if row.key not in present]
                removed = len(gone)
                for start in range(0, len(gone), _CHUNK):
                    conn.execute(
                        t.payments.delete().where(t.payments.c.id.in_(gone[start : start + _CHUNK]))
                    )
            self._touch(conn, tenant, touched)
            if cursor is not None:
                self._save_cursor(conn, tenant, resource, cursor)
            if closed or removed:  # the dashboard's data stamp moves with every change
                self._log(
                    conn,
                    tenant,
                    EventType.SYNCED,
                    payload={
                        "origin": origin,
                        "resource": resource.value,
                        "closed": closed,
                        **({"payments_removed": removed} if removed else {}),
                    },
                )
        return closed

    def _close_absent(
        self,
        conn: Connection,
        tenant: str,
        receivables: Sequence[Receivable],
        touched: set[str],
        kept: set[str],
    ) -> int:
        present = {r.ref.key for r in receivables} | kept
        r = t.receivables.c
        rows = conn.execute(  # what closing needs, not each document's JSON
            select(r.id, r.key, r.number, r.status, r.open_balance, r.customer_key).where(
                t.receivables.c.tenant == tenant,
                t.receivables.c.status.in_(
                    [ReceivableStatus.OPEN.value, ReceivableStatus.PARTIALLY_PAID.value]
                ),
            )
        ).all()
        absent = cast("list[Row[Any]]", [row for row in rows if row.key not in present])
        return self._close(conn, tenant, absent, "absent from a full read of the source", touched)

    def _upsert_payments(
        self,
        conn: Connection,
        tenant: str,
        payments: Sequence[Payment],
        complete: bool,
        touched: set[str],
    ) -> None:
        self._require_customers(conn, tenant, {p.customer_ref.key for p in payments})
        existing = self._existing(conn, t.payments, tenant, [p.ref.key for p in payments])
        for payment in payments:
            values = {
                "tenant": tenant,
                "key": payment.ref.key,
                "customer_key": payment.customer_ref.key,
                "received_on": payment.received_on,
                "currency": payment.amount.currency,
                "amount": payment.amount.amount,
                "unapplied": payment.unapplied.amount,
                "allocations": [
                    {"receivable": a.receivable_ref.key, "amount": str(a.amount.amount)}
                    for a in payment.allocations
                ],
            }
            touched.add(payment.customer_ref.key)
            before = existing.get(payment.ref.key)
            if before is not None:
                if any(getattr(before, k) != v for k, v in values.items()):
                    conn.execute(
                        update(t.payments).where(t.payments.c.id == before.id).values(**values)
                    )
            else:
                conn.execute(insert(t.payments).values(**values))
                self._log(
                    conn,
                    tenant,
                    EventType.PAYMENT_RECEIVED,
                    customer_key=payment.customer_ref.key,
                    receivable_keys=[a.receivable_ref.key for a in payment.allocations],
                    payload={"payment": payment.ref.external_id, "amount": str(payment.amount)},
                )
        if complete and payments:
            present = [p.ref.key for p in payments]
            conn.execute(
                t.payments.delete().where(
                    t.payments.c.tenant == tenant, t.payments.c.key.not_in(present)
                )
            )

    def _touch(self, conn: Connection, tenant: str, customer_keys: set[str]) -> None:
        keys = sorted(customer_keys)
        for start in range(0, len(keys), _CHUNK):
            conn.execute(
                update(t.customers)
                .where(
                    t.customers.c.tenant == tenant,
                    t.customers.c.key.in_(keys[start : start + _CHUNK]),
                )
                .values(next_review_on=None)
            )

    def _save_cursor(
        self, conn: Connection, tenant: str, resource: Resource, cursor: Cursor
    ) -> None:
        where = and_(t.sync_cursors.c.tenant == tenant, t.sync_cursors.c.resource == resource.value)
        if conn.execute(select(t.sync_cursors.c.value).where(where)).first() is None:
            conn.execute(
                insert(t.sync_cursors).values(
                    tenant=tenant, resource=resource.value, value=cursor.value, as_of=cursor.as_of
                )
            )
        else:
            conn.execute(
                update(t.sync_cursors).where(where).values(value=cursor.value, as_of=cursor.as_of)
            )

    def cursor(self, tenant: str, resource: Resource) -> Cursor | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.sync_cursors).where(
                    t.sync_cursors.c.tenant == tenant, t.sync_cursors.c.resource == resource.value
                )
            ).first()
        return None if row is None else Cursor(row.value, row.as_of)

    def update_open_balance(self, tenant: str, ref: SourceRef, balance: Money) -> None:
        """A balance fresh from the source, right before a send."""
        current = self.receivable(tenant, ref)
        if balance.currency != current.currency:
            raise StoreError(
                f"{ref.key}: the source reports {balance.currency}, "
                f"the store has {current.currency}",
                hint="re-sync the tenant",
            )
        status = (
            ReceivableStatus.PAID
            if not balance.is_positive
            else ReceivableStatus.PARTIALLY_PAID
            if balance < current.total
            else ReceivableStatus.OPEN
        )
        # the per-instalment figures are stale now: what was paid covers them in order
        terms = tuple(i.model_copy(update={"open_balance": None}) for i in current.instalments)
        with self._tx() as conn:
            conn.execute(
                update(t.receivables)
                .where(t.receivables.c.tenant == tenant, t.receivables.c.key == ref.key)
                .values(
                    open_balance=balance.amount,
                    status=status.value,
                    instalments=_instalments_to_json(
                        current.model_copy(update={"instalments": terms})
                    ),
                )
            )
            kind = (
                EventType.RECEIVABLE_CLOSED
                if not balance.is_positive
                else EventType.BALANCE_CHANGED
            )
            self._log(
                conn,
                tenant,
                kind,
                customer_key=current.customer_ref.key,
                receivable_keys=[ref.key],
                payload={
                    "number": current.number,
                    "before": str(current.open_balance),
                    "after": str(balance),
                    "why": "fresh balance before sending",
                },
            )
            self._touch(conn, tenant, {current.customer_ref.key})

    # --- reading the ledger -------------------------------------------------------------------
    def known_customers(self, tenant: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` name a stored customer."""
        with self._engine.connect() as conn:
            return set(self._existing(conn, t.customers, tenant, sorted(set(keys))))

    def payments(self, tenant: str, customer: SourceRef | str) -> list[Payment]:
        """Every payment stored for a customer, applied or not, oldest first."""
        key = customer if isinstance(customer, str) else customer.key
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.payments)
                .where(t.payments.c.tenant == tenant, t.payments.c.customer_key == key)
                .order_by(t.payments.c.received_on, t.payments.c.id)
            ).all()
        return [row_to_payment(row) for row in rows]

    def customer(self, tenant: str, ref_or_key: SourceRef | str) -> Customer:
        key = ref_or_key if isinstance(ref_or_key, str) else ref_or_key.key
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.customers.c.data).where(
                    t.customers.c.tenant == tenant, t.customers.c.key == key
                )
            ).first()
        if row is None:
            raise StoreError(f"no customer {key} in tenant {tenant}")
        return Customer.model_validate(row.data)

    def find_customer(self, tenant: str, text: str) -> list[Customer]:
        """By key or id exactly, else by name, case- and accent-case-insensitive."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.customers.c.data).where(
                    t.customers.c.tenant == tenant,
                    or_(t.customers.c.key == text, t.customers.c.external_id == text.strip()),
                )
            ).all()
            if not rows:
                needle = text.strip().casefold()
                names = conn.execute(
                    select(t.customers.c.id, t.customers.c.name)
                    .where(t.customers.c.tenant == tenant)
                    .order_by(t.customers.c.name)
                )
                exact = [r.id for r in names if r.name.casefold() == needle]
                ids = (
                    exact
                    or [
                        r.id
                        for r in conn.execute(
                            select(t.customers.c.id, t.customers.c.name)
                            .where(t.customers.c.tenant == tenant)
                            .order_by(t.customers.c.name)
                        )
                        if needle in r.name.casefold()
                    ][:50]
                )
                rows = conn.execute(
                    select(t.customers.c.data)
                    .where(t.customers.c.id.in_(ids))
                    .order_by(t.customers.c.name)
                ).all()
        return [Customer.model_validate(r.data) for r in rows]

    def receivable(self, tenant: str, ref_or_key: SourceRef | str) -> Receivable:
        key = ref_or_key if isinstance(ref_or_key, str) else ref_or_key.key
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.receivables).where(
                    t.receivables.c.tenant == tenant, t.receivables.c.key == key
                )
            ).first()
        if row is None:
            raise StoreError(f"no receivable {key} in tenant {tenant}")
        return row_to_receivable(row)

    def find_receivable(self, tenant: str, number_or_key: str) -> Receivable:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.receivables).where(
                    t.receivables.c.tenant == tenant,
                    or_(
                        t.receivables.c.number == number_or_key,
                        t.receivables.c.key == number_or_key,
                    ),
                )
            ).all()
        if not rows:
            raise StoreError(
                f"no invoice {number_or_key!r} in tenant {tenant}",
                hint="use the invoice number as printed, e.g. F-2026-0042",
            )
        if len(rows) > 1:
            raise StoreError(
                f"{len(rows)} documents are numbered {number_or_key!r}",
                hint="use the full key: " + ", ".join(r.key for r in rows[:5]),
            )
        return row_to_receivable(rows[0])

    def open_receivables(self, tenant: str, *, as_of: date | None = None) -> Iterator[Receivable]:
        """The documents open now or, with ``as_of``, open on that day (issued by then, and
        open by what the payments received after it settled: see :mod:`connector.asof`)."""
        if as_of is None:
            yield from self._open_now(tenant)
            return
        with self._engine.connect() as conn:
            later = [
                row_to_payment(row)
                for row in conn.execute(
                    select(t.payments).where(
                        t.payments.c.tenant == tenant, t.payments.c.received_on > as_of
                    )
                )
            ]
        settled = {a.receivable_ref.key for p in later for a in p.allocations}
        if settled:
            with self._engine.connect() as conn:
                closed = [
                    row_to_receivable(row)
                    for row in self._existing(conn, t.receivables, tenant, sorted(settled)).values()
                    if not _is_open(row.status, row.open_balance)
                ]
        else:
            closed = []
        for chunk in (closed, *_chunks(self._open_now(tenant), _CHUNK)):
            yield from (r for r in receivables_as_of(chunk, later, as_of) if r.is_open)

    def _open_now(self, tenant: str) -> Iterator[Receivable]:
        last = 0
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(t.receivables)
                    .where(
                        t.receivables.c.tenant == tenant,
                        t.receivables.c.id > last,
                        t.receivables.c.status.in_(
                            [ReceivableStatus.OPEN.value, ReceivableStatus.PARTIALLY_PAID.value]
                        ),
                    )
                    .order_by(t.receivables.c.id)
                    .limit(_CHUNK * 4)
                ).all()
            if not rows:
                return
            last = rows[-1].id
            for row in rows:
                receivable = row_to_receivable(row)
                if receivable.is_open:
                    yield receivable

    def customer_names(self, tenant: str, *, keys: Collection[str] | None = None) -> dict[str, str]:
        """Each customer's name by its key, for reports; with ``keys``, of those only."""
        query = select(t.customers.c.key, t.customers.c.name).where(t.customers.c.tenant == tenant)
        found: dict[str, str] = {}
        with self._engine.connect() as conn:
            if keys is None:
                return {row.key: row.name for row in conn.execute(query)}
            wanted = sorted(keys)
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows = conn.execute(query.where(t.customers.c.key.in_(chunk)))
                found.update({row.key: row.name for row in rows})
        return found

    def unapplied_payments(self, tenant: str) -> Iterator[Payment]:
        """Every payment with a part not yet matched to an invoice (it lowers what is owed)."""
        last = 0
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(t.payments)
                    .where(t.payments.c.tenant == tenant, t.payments.c.id > last)
                    .order_by(t.payments.c.id)
                    .limit(_CHUNK * 4)
                ).all()
            if not rows:
                return
            last = rows[-1].id
            for row in rows:
                if row.unapplied > 0:  # a string on SQLite: compared once decoded
                    yield row_to_payment(row)

    def invoiced_totals(self, tenant: str, *, since: date, until: date) -> Totals:
        """What was invoiced (net of credit notes) between two dates, per currency."""
        totals = Totals()
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.receivables.c.kind, t.receivables.c.currency, t.receivables.c.total).where(
                    t.receivables.c.tenant == tenant,
                    t.receivables.c.issued_on > since,
                    t.receivables.c.issued_on <= until,
                    t.receivables.c.status != ReceivableStatus.CANCELLED.value,
                )
            )
            for row in rows:
                sign = -1 if row.kind == ReceivableKind.CREDIT_NOTE.value else 1
                totals.add(Money(row.total * sign, row.currency))
        return totals
