"""relance plan: the dry run — what `relance run` would do on a day, who is blocked and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from connector.cli._context import AppState

if TYPE_CHECKING:
    from connector.executor import RunReport
    from connector.planner import ClaimLine, PlannedAction

__all__ = ["blocked_rows", "plan", "print_blocked"]

AsOf = Annotated[str | None, typer.Option("--as-of", help="the day to act for (YYYY-MM-DD)")]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _item(line: ClaimLine) -> str:
    """An invoice, or one instalment of it (``F-12 (1/2)``), as the operator reads it."""
    from connector.planner import ItemKind

    if line.kind is ItemKind.TERM:
        return f"{line.number} ({line.part}/{line.parts})"
    if line.kind is ItemKind.INSTALMENT:
        return f"plan {line.plan_id} ({line.number})"
    return line.number


def _action_row(state: AppState, tenant: str, action: PlannedAction) -> dict[str, object]:
    customer = state.store.customer(tenant, action.customer_ref)
    return {
        "key": action.key,
        "customer": customer.ref.external_id,
        "customer_name": customer.name,
        "step": action.step,
        "channel": str(action.channel),
        "fallback": action.fallback,
        "invoices": [_item(line) for line in action.lines],
        "upcoming": [_item(line) for line in action.upcoming],
        "not_yet_due": [_item(line) for line in action.later],
        "totals": {c: str(m.rounded().amount) for c, m in action.totals.items()},
        "broken_promises": list(action.broken_promises),
        "reason": action.reason,
    }


def _print_actions(state: AppState, tenant: str, actions: list[PlannedAction], title: str) -> None:
    table = Table(title=title, show_lines=False)
    for column in ("customer", "step", "channel", "invoices", "claim", "why"):
        table.add_column(column)
    for action in actions:
        row = _action_row(state, tenant, action)
        claim = ", ".join(str(m) for m in action.totals.values())
        invoices = ", ".join(_item(line) for line in (*action.lines, *action.upcoming))
        if action.later:
            invoices += " — not yet due: " + ", ".join(_item(line) for line in action.later)
        channel = str(action.channel) + (f" ({action.fallback})" if action.fallback else "")
        table.add_row(
            str(row["customer_name"]), action.step, channel, invoices, claim, action.reason
        )
    state.console.print(table)


def blocked_rows(state: AppState, tenant: str, report: RunReport) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for key, why in report.blocked:
        customer = state.store.customer(tenant, key)
        rows.append(
            {
                "customer": customer.ref.external_id,
                "customer_name": customer.name,
                "kind": why.kind.value,
                "step": why.step,
                "reason": why.reason,
                "action": why.action_key,
            }
        )
    return rows


def print_blocked(state: AppState, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    table = Table(title=f"{len(rows)} customer(s) blocked: a person's move is needed")
    for column in ("customer", "step", "why"):
        table.add_column(column)
    for row in rows:
        why = str(row["reason"])
        if row["kind"] == "letter_to_post":
            why = f"letter to post: {row['action']}"
        table.add_row(str(row["customer_name"]), str(row["step"]), why)
    state.console.print(table)


def plan(
    ctx: typer.Context,
    as_of: AsOf = None,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """The dry run: print what `relance run` would do on that day. Changes nothing."""
    state = _state(ctx)
    record = state.tenant(tenant)
    day = state.today(record, as_of)
    executor = state.executor(record, with_source=False)
    report = executor.dry_run(day)
    blocked = blocked_rows(state, record.slug, report)
    if state.json_output:
        state.emit_json(
            {
                "tenant": record.slug,
                "as_of": day.isoformat(),
                "dry_run": True,
                "customers_reviewed": report.customers_reviewed,
                "actions": [_action_row(state, record.slug, a) for a in report.planned],
                "blocked": blocked,
            }
        )
        return
    _print_actions(
        state,
        record.slug,
        report.planned,
        f"{record.slug}: {len(report.planned)} action(s) due on {day} (dry run)",
    )
    print_blocked(state, blocked)
