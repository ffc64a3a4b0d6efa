"""relance demo: the whole product on one machine, from nothing, in a few seconds."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from connector.cli._context import AppState, parse_date
from connector.cli._output import shown
from connector.model import Channel

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "demo_account", "register"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "relance-demo"  # noqa: S105 - the demo's, printed and in the README


def demo(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Option("--dir", help="where to build the demo")] = Path(
        "relance-demo"
    ),
    as_of: Annotated[str | None, typer.Option("--as-of", help="the demo's last day")] = None,
    since: Annotated[str | None, typer.Option(help="replay the daily cycles from this day")] = None,
) -> None:
    """Build a store from the bundled sample ledger and run the daily cycles up to a fixed day.

    Emails go to DIR/outbox as .eml files, letters as PDF, phone calls as to-do files. The
    store is DIR/relance.sqlite, unless `relance --store URL demo` names another (an empty
    PostgreSQL database, to try the web app with several replicas).
    """
    from connector.demo import DEMO_DAY, DEMO_START, demo_store_url, run_demo
    from connector.executor import ATTENTION
    from connector.store import ActionStatus

    state = ctx.obj
    assert isinstance(state, AppState)
    last = parse_date(as_of) or DEMO_DAY
    first = parse_date(since, option="--since") or DEMO_START
    result = run_demo(directory, start=first, end=last, store_url=state.store_url)
    demo_account(state.store_url or demo_store_url(result.directory))
    if state.json_output:
        state.emit_json(
            {**result.as_dict(), "web": {"login": DEMO_LOGIN, "password": DEMO_PASSWORD}}
        )
        return
    console = state.console
    console.print(
        f"[bold]relance demo[/] — {shown(result.creditor)}, ledger of {result.customers} "
        f"customers and {result.receivables} documents",
        markup=True,
    )
    console.print(
        f"Replayed the daily cycle on {result.days} business days, "
        f"{first} → {last}, in {result.seconds:.1f} s."
    )
    steps = Counter(r.step for r in result.done)
    console.print("Steps taken: " + ", ".join(f"{n} {s}" for s, n in steps.items()))
    how = Counter((r.channel, r.status) for r in result.done)
    emails = how[(Channel.EMAIL, ActionStatus.WRITTEN)]
    letters = sum(n for (channel, _), n in how.items() if channel is Channel.LETTER)
    todos = how[(Channel.PHONE_TASK, ActionStatus.WRITTEN)]
    console.print(
        f"  {emails} e-mails written to the outbox folder, not sent (the demo has no SMTP "
        f"relay); {todos} to-dos written for the staff; {letters} letters prepared, of which "
        f"{result.posted} posted (the demo records each posting the next business day, with "
        "a DEMO tracking number, as a person would)."
    )
    table = Table(title=f"On {last}")
    for column in ("customer", "step", "channel", "status", "where"):
        table.add_column(column)
    for item in result.last_day:
        where = item.detail.replace(f"{result.directory}/", "")  # short paths in the table
        table.add_row(item.customer_name, item.step, str(item.channel), item.status.value, where)
    console.print(table)
    held = [r for r in result.last_day if r.status in ATTENTION]
    if held:
        console.print(
            f"{len(held)} action(s) need a person (letters to post, failures): `relance status`."
        )
    if result.awaiting_approval:
        console.print(
            f"{len(result.awaiting_approval)} action(s) await your approval (formal notices "
            "and escalations wait for a person; the replay approved, as « demo », those of "
            "the weeks before the last): `relance status` lists them, `relance action preview "
            "KEY` shows one, then `relance action approve KEY`, `skip` or `edit`."
        )
    console.print(f"\nLook at: {result.outbox}  (emails .eml, letters/*.pdf, tasks/*.md)")
    if result.dossier:
        console.print(f"A collection file, ready for an agency or a court: {result.dossier}")
    console.print(f"Then try, from {result.directory}:")
    for line in (
        "relance status",
        f"relance plan --as-of {date.fromordinal(last.toordinal() + 1)}",
        f"relance report --as-of {last}",
        f'relance history "{result.example_customer}"',
    ):
        console.print(f"  {line}")
    console.print(
        "Or in a browser: `relance web`, then open http://127.0.0.1:8000/ and log in as "
        f"{DEMO_LOGIN} with the password {DEMO_PASSWORD}."
    )


def demo_account(store_url: str) -> None:
    """The demo's account for the web app: manager of the demo's tenant, a password the
    README gives (the demo's store is served on this machine only)."""
    from connector.accounts import Role, hash_password
    from connector.store import Store

    with Store.open(store_url) as store:
        if store.person(DEMO_LOGIN) is None:
            store.add_person(DEMO_LOGIN, "Démo", hash_password(DEMO_PASSWORD))
        for tenant in store.tenants():
            store.grant(DEMO_LOGIN, tenant.slug, Role.MANAGER)


def register(app: typer.Typer) -> None:
    app.command()(demo)
