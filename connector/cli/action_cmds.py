"""relance action: what a person does about one action — release or cancel a held or failed
one, record a letter's posting (and later its delivery)."""

from __future__ import annotations

from typing import Annotated

import typer

from connector.cli._context import AppState, parse_date
from connector.store import ActionRecord

__all__ = ["action_app"]

action_app = typer.Typer(
    help="Review held or failed actions; record the posting of letters.", no_args_is_help=True
)
Tenant = Annotated[str | None, typer.Option("--tenant")]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _done(state: AppState, record: ActionRecord) -> None:
    if state.json_output:
        state.emit_json({"key": record.key, "status": record.status.value, **record.details})
    else:
        state.console.print(f"{record.key}: {record.status}")


@action_app.command("release")
def release(ctx: typer.Context, key: str, tenant: Tenant = None) -> None:
    """Let a held action go out on the next run (after checking it was not sent)."""
    state = _state(ctx)
    _done(state, state.store.release_held(state.tenant(tenant).slug, key))


@action_app.command("cancel")
def cancel(
    ctx: typer.Context,
    key: str,
    reason: Annotated[str, typer.Option()] = "cancelled by a person",
    tenant: Tenant = None,
) -> None:
    """Cancel for good a held or failed action, or a letter that will not be posted."""
    state = _state(ctx)
    _done(state, state.store.cancel_action(state.tenant(tenant).slug, key, reason))


@action_app.command("letter")
def letter(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="the letter's action key (relance status lists it)")],
    tracking: Annotated[
        str | None, typer.Option("--tracking", help="the registered letter's number")
    ] = None,
    posted_on: Annotated[
        str | None,
        typer.Option("--posted-on", help="the day it went into the post (default: today)"),
    ] = None,
    registered: Annotated[
        bool | None,
        typer.Option(
            "--registered/--not-registered",
            help="sent registered (default: as prepared; the formal notice is)",
        ),
    ] = None,
    received_on: Annotated[
        str | None, typer.Option("--received-on", help="the day it was delivered (the AR's)")
    ] = None,
    tenant: Tenant = None,
) -> None:
    """Record that a prepared letter was posted (the customer's schedule goes on from that
    day), or add the tracking number or delivery date of a letter already posted."""
    state = _state(ctx)
    record = state.tenant(tenant)
    before = state.store.action(record.slug, key)
    day = parse_date(posted_on, option="--posted-on")
    if day is None and before.status.value == "prepared":
        day = state.today(record, None)
    executor = state.executor(record)
    try:
        done = executor.record_posting(
            key,
            posted_on=day,
            tracking_number=tracking,
            registered=registered,
            received_on=parse_date(received_on, option="--received-on"),
        )
    finally:
        state.discard(executor.source)
    if state.json_output:
        _done(state, done)
        return
    details = done.details
    what = "registered letter" if details.get("registered") else "letter"
    number = f", tracking {details['tracking_number']}" if details.get("tracking_number") else ""
    received = f", delivered {details['received_on']}" if details.get("received_on") else ""
    state.console.print(f"{key}: {what} posted {details['posted_on']}{number}{received}")
