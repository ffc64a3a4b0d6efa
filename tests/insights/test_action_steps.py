"""The invoices each action carried out named (``action_steps``), which "paid after each
step" reads: written as each action is carried out (a letter when it is posted, on its
posting day), the same rows the migration derives from the actions already done, and the
same again when rebuilt from the actions."""

from __future__ import annotations

import dataclasses
import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import delete, select, text

import connector.store
from connector.model import Channel, StepKind
from connector.store import ActionStatus, Store
from connector.store import schema as t

from .ledger import POLICY, TENANT, _action


def _migration() -> ModuleType:
    path = Path(connector.store.__file__).parent / "migrations/versions/0012_dashboard.py"
    spec = importlib.util.spec_from_file_location("migration_0012", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(store: Store) -> list[tuple[Any, ...]]:
    s, a = t.action_steps.c, t.actions.c
    query = select(a.key, s.receivable, s.step, s.done_on).join(t.actions, a.id == s.action_id)
    with store.engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(query.where(s.tenant == TENANT)))


def test_written_as_carried_out_as_the_migration_derives_them(store: Store) -> None:
    written = _rows(store)
    # a1..a5 were carried out, one invoice each (a2, a courtesy, names it as upcoming);
    # a6 is only planned
    assert [(key, step) for key, _, step, _ in written] == [
        ("a1", "reminder_1"), ("a2", "courtesy"), ("a3", "reminder_1"),
        ("a4", "reminder_2"), ("a5", "escalation"),
    ]  # fmt: skip
    assert written[0][1].endswith(":F-1") and written[0][3] == date(2026, 2, 10)
    migration = _migration()
    backfill = (
        migration._backfill_postgresql
        if store.engine.dialect.name == "postgresql"
        else migration._backfill_sqlite
    )
    with store.engine.begin() as conn:
        conn.execute(delete(t.action_steps))
        for items in ("lines", "upcoming"):
            conn.execute(text(backfill(items)))
    assert _rows(store) == written
    assert store.rebuild_action_steps(TENANT) == len(written)
    assert _rows(store) == written


def test_a_letter_counts_from_its_posting_day(store: Store) -> None:
    letter = _action("L1", "C1", "formal_notice", StepKind.NOTICE, date(2026, 3, 2), "F-2")
    letter = dataclasses.replace(letter, channel=Channel.LETTER)
    store.record_action(TENANT, letter)
    store.mark_sending(TENANT, "L1")
    store.mark_sent(
        TENANT, "L1", receipt="L1.pdf", policy=POLICY, done_on=date(2026, 3, 2),
        status=ActionStatus.PREPARED,
    )  # fmt: skip
    assert "L1" not in {key for key, *_ in _rows(store)}  # prepared: not carried out yet
    store.record_posting(TENANT, "L1", policy=POLICY, posted_on=date(2026, 3, 4))
    posted = [row for row in _rows(store) if row[0] == "L1"]
    assert [(step, on) for _, _, step, on in posted] == [("formal_notice", date(2026, 3, 4))]
    store.rebuild_action_steps(TENANT)
    assert [row for row in _rows(store) if row[0] == "L1"] == posted
