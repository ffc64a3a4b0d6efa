"""relance action: what a person does about one action — approve, skip, hold back or edit one
that waits for approval, preview it, release or cancel a held or failed one, record a
letter's posting (and later its delivery)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from connector.cli._context import AppState, parse_date
from connector.cli._output import shown
from connector.errors import ConfigError

if TYPE_CHECKING:
    from connector.store import ActionRecord

__all__ = ["action_app"]

action_app = typer.Typer(
    help="Approve, skip or edit what waits for approval; review held or failed actions; "
    "record the posting of letters.",
    no_args_is_help=True,
)
Tenant = Annotated[str | None, typer.Option("--tenant")]
By = Annotated[
    str | None,
    typer.Option("--by", help="who decides, for the audit trail (default: your login name)"),
]


def _by(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ConfigError("no login name to record as who decided", hint="give --by NAME") from None


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _done(state: AppState, record: ActionRecord) -> None:
    if state.json_output:
        state.emit_json({"key": record.key, "status": record.status.value, **record.details})
    else:
        state.console.print(f"{record.key}: {record.status}")


@action_app.command("approve")
def approve(ctx: typer.Context, key: str, by: By = None, tenant: Tenant = None) -> None:
    """Approve an action awaiting approval: it goes out at the next run (not at all if the
    customer paid meanwhile)."""
    state = _state(ctx)
    _done(state, state.store.approve_action(state.tenant(tenant).slug, key, _by(by)))


@action_app.command("skip")
def skip(
    ctx: typer.Context,
    key: str,
    reason: Annotated[str, typer.Option(help="why it is not sent (audit trail)")],
    by: By = None,
    tenant: Tenant = None,
) -> None:
    """Do not send this step: the customer's schedule moves on as if it had been taken."""
    state = _state(ctx)
    record = state.tenant(tenant)
    day = state.today(record, None)
    policy = state.policy(state.tenant_config(record))
    _done(
        state,
        state.store.skip_action(record.slug, key, _by(by), reason, policy=policy, on=day),
    )


@action_app.command("hold")
def hold(
    ctx: typer.Context,
    key: str,
    reason: Annotated[str, typer.Option(help="why it waits (audit trail)")] = "",
    by: By = None,
    tenant: Tenant = None,
) -> None:
    """Keep an approved action, not sent yet, from going out: it waits for approval again."""
    state = _state(ctx)
    _done(state, state.store.hold_action(state.tenant(tenant).slug, key, _by(by), reason))


@action_app.command("edit")
def edit(
    ctx: typer.Context,
    key: str,
    text_file: Annotated[
        Path, typer.Option("--text-file", help="the new text (UTF-8); '-' reads stdin")
    ],
    subject: Annotated[str | None, typer.Option(help="the new subject (default: kept)")] = None,
    by: By = None,
    tenant: Tenant = None,
) -> None:
    """Rewrite the text (and subject) of an e-mail or a to-do before it goes out; the HTML
    part is the new text in the same layout. The audit trail keeps who, when, before and
    after."""
    state = _state(ctx)
    record = state.tenant(tenant)
    try:
        text = (
            typer.get_text_stream("stdin").read()
            if str(text_file) == "-"
            else text_file.read_text(encoding="utf-8")
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {text_file}: {exc}") from None
    from connector.preview import preview as preview_of

    executor = state.executor(record, with_source=False)
    current = preview_of(executor, state.store.action(record.slug, key))
    done = state.store.edit_message(
        record.slug,
        key,
        _by(by),
        subject=subject or current.subject,
        text=text,
        before={"subject": current.subject, "text": current.text},
    )
    _done(state, done)


@action_app.command("preview")
def preview(
    ctx: typer.Context,
    key: str,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="write a letter's PDF to this file")
    ] = None,
    tenant: Tenant = None,
) -> None:
    """Show an action's message exactly as it will go out (a person's edit included)."""
    from connector.preview import preview as preview_of

    state = _state(ctx)
    record = state.tenant(tenant)
    executor = state.executor(record)  # the invoices' PDFs a letter appends come from it
    try:
        shown_ = preview_of(executor, state.store.action(record.slug, key))
    finally:
        state.discard(executor.source)
    if pdf is not None and shown_.pdf is not None:
        pdf.write_bytes(shown_.pdf)
    if state.json_output:
        state.emit_json(
            {
                "key": shown_.key,
                "status": None if shown_.status is None else shown_.status.value,
                "channel": shown_.channel.value,
                "step": shown_.step,
                "subject": shown_.subject,
                "to": list(shown_.to),
                "cc": list(shown_.cc),
                "text": shown_.text,
                "html": shown_.html,
                "pdf": str(pdf) if pdf is not None and shown_.pdf is not None else None,
                "edited_by": shown_.edited_by,
                "problem": shown_.problem,
            }
        )
        return
    console = state.console
    console.print(f"{shown_.key} ({shown_.channel}, {shown_.status or 'not recorded yet'})")
    if shown_.to:
        console.print(f"To: {', '.join(shown_.to)}")
    console.print(f"Subject: {shown_.subject}")
    if shown_.edited_by:
        console.print(f"Edited by {shown_.edited_by} at {shown_.edited_at}")
    if shown_.problem:
        console.print(f"[yellow]cannot go as it stands[/]: {shown(shown_.problem)}", markup=True)
    console.print()
    console.print(shown_.text)
    if pdf is not None and shown_.pdf is not None:
        console.print(f"Letter's PDF written to {pdf}")


@action_app.command("release")
def release(ctx: typer.Context, key: str, tenant: Tenant = None) -> None:
    """Let a held action go out on the next run (after checking it was not sent), or a
    cancelled one after all (with that run's figures, through approval if its step needs it)."""
    state = _state(ctx)
    _done(state, state.store.release_held(state.tenant(tenant).slug, key))


@action_app.command("cancel")
def cancel(
    ctx: typer.Context,
    key: str,
    reason: Annotated[str, typer.Option()] = "cancelled by a person",
    tenant: Tenant = None,
) -> None:
    """Cancel an action not carried out (held, failed, planned, awaiting approval, or a
    letter that will not be posted): its step is not planned again for those invoices, and
    the customer is listed as blocked by it, until `relance action release KEY`."""
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
