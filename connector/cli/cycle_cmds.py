"""init, import, sync, plan, run, status: the daily cycle from the command line."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from connector.cli._context import AppState
from connector.cli._output import printable, shown
from connector.cli.action_cmds import action_app
from connector.cli.import_cmds import import_, sync
from connector.cli.plan_cmd import blocked_rows, plan, print_blocked
from connector.errors import ConfigError
from connector.model import Platform

if TYPE_CHECKING:  # the store, the executor and the rest are imported by the commands
    from connector.executor import RunReport
    from connector.legal.coverage import Gap
    from connector.store import TenantRecord

__all__ = ["register"]

EXIT_ATTENTION = 10
# how long a `relance run` killed mid-cycle keeps its tenant from the daemons (renewed while
# it runs)
RUN_LEASE = timedelta(minutes=10)

AsOf = Annotated[str | None, typer.Option("--as-of", help="the day to act for (YYYY-MM-DD)")]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


# what a tenant is called on the command line, in file names and in URLs
TENANT_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and control characters escaped,
    so that a name can never add a key or a table of its own."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


TENANT_TEMPLATE = """\
# relance tenant: {title}
# Who is owed (signs every reminder) and where the ledger comes from.
slug = {slug}
platform = "{platform}"
country = "FR"
timezone = "Europe/Paris"
language = "fr"
# policy = "policy.toml"        # default: the French policy shipped with relance

[creditor]
name = {name}
legal_form = ""                 # SAS, SARL ...
registration_id = ""            # SIREN
email = ""                      # From address of reminders
reply_to = ""                   # where customers answer
phone = ""
iban = ""
bic = ""
signatory = ""

# [files]                       # for platform = "files"
# csv_dir = "ledger"            # customers.csv, invoices.csv, payments.csv
# fec = "FEC.txt"               # or a FEC export ...
# contacts = "contacts.csv"     # ... with its contacts file

# [pennylane]                   # Pennylane tenants: see adapters/pennylane/README.md
# category_group = "Relances"   # a category group created in Pennylane: one category per step
# customer_notes = true         # a dated line appended to the customer's notes
# appendices = true             # each letter's PDF attached to its invoices

# [quickbooks]                  # QuickBooks tenants: see adapters/quickbooks/README.md
# sandbox = false               # true: a sandbox company (the app's Development keys)
# custom_field = "Dunning"      # an enabled string custom field for the step; else the memo

# [odoo]                        # Odoo tenants (and api_url above): adapters/odoo/README.md
# database = "acme"
# login = "relance-bot"         # the user who owns the API key (relance connect odoo --token)
"""


def init(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option("--tenant", help="short name, e.g. acme")],
    name: Annotated[str | None, typer.Option(help="the business's legal name")] = None,
    platform: Annotated[Platform, typer.Option()] = Platform.FILES,
) -> None:
    """Create (or upgrade) the store and a tenant, and write its configuration file."""
    state = _state(ctx)
    if not TENANT_SLUG.fullmatch(tenant):
        raise ConfigError(
            f"{tenant!r} is not a tenant name: lower-case letters, digits, '-' and '_', "
            "starting with a letter or a digit",
            hint="for instance --tenant acme or --tenant atelier-lumen",
        )
    record = state.store.ensure_tenant(tenant, platform=platform, name=name or tenant)
    path = state.settings.tenants_dir / f"{tenant}.toml"
    created = not path.exists()
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            TENANT_TEMPLATE.format(
                title=" ".join(printable(record.name).split()),
                slug=toml_string(tenant),
                name=toml_string(record.name),
                platform=platform.value,
            ),
            encoding="utf-8",
        )
    if state.json_output:
        state.emit_json(
            {
                "tenant": tenant,
                "store": state.store.url_for_display,
                "config": str(path),
                "config_created": created,
            }
        )
        return
    console = state.console
    console.print(f"Store ready: {state.store.url_for_display}")
    console.print(
        f"Tenant [bold]{shown(tenant)}[/]: "
        + (f"wrote {shown(path)}" if created else f"{shown(path)} kept"),
        markup=True,
    )
    console.print("Next: fill in the creditor in that file, then `relance import PATH`.")


def _run_summary(state: AppState, report: RunReport) -> dict[str, object]:
    from connector.store import ActionStatus

    return {
        "blocked": blocked_rows(state, report.tenant, report),
        "letters_to_post": report.letters_to_post,
        "awaiting_approval": report.awaiting_approval,
        "write_backs_pending": report.write_backs_pending,
        "to_retry": report.to_retry,
        "tenant": report.tenant,
        "as_of": report.as_of.isoformat(),
        "customers_reviewed": report.customers_reviewed,
        "by_status": {s.value: report.count(s) for s in ActionStatus if report.count(s)},
        "actions": [
            {
                "key": r.key,
                "customer": r.customer_key,
                "step": r.step,
                "channel": str(r.channel),
                "status": r.status.value,
                "detail": r.detail,
                "reference": r.reference,
            }
            for r in report.results
        ],
    }


def tenant_cycle(
    state: AppState,
    record: TenantRecord,
    day: date,
    *,
    pull: bool = True,
    on_customer: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> RunReport:
    """One tenant's cycle: pull what changed, plan, send, write back (the CLI and the daemon).
    Webhook events waiting when the pull starts are covered by it: marked done after it
    (with `relance serve` and a cron'd `relance run`, nothing else would act on them)."""
    from connector.insights.snapshot import keep_dashboard
    from connector.leases import INBOX_LEASE, process_owner
    from connector.sync import sync as run_sync

    executor = state.executor(record)
    try:
        if pull and executor.source is not None:
            waiting = state.store.claim_inbound(
                process_owner("cycle"), INBOX_LEASE, tenants=[record.slug], limit=100_000
            )
            run_sync(state.store, record.slug, executor.source, clock=state.clock)
            state.store.mark_inbound([event.id for event in waiting])
        report = executor.run(day, on_customer=on_customer, stop=stop)
    finally:
        state.discard(executor.source)  # its connections end with the cycle
    if not report.stopped:
        keep_dashboard(state.store, record.slug, day, executor.policy)
    return report


def run(
    ctx: typer.Context,
    as_of: AsOf = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="default: every tenant")] = None,
    no_sync: Annotated[bool, typer.Option("--no-sync", help="skip the pull")] = False,
) -> None:
    """One cycle for every tenant (or one): sync, plan, send, write back. Cron-friendly."""
    from connector.executor import ATTENTION
    from connector.leases import gone_local_owner, keep_lease, process_owner
    from connector.store import ActionStatus

    state = _state(ctx)
    tenants = [state.tenant(tenant)] if tenant or state.tenant_opt else state.store.tenants()
    if not tenants:
        state.tenant()  # says there is none, and how to create one
    summaries: list[dict[str, object]] = []
    attention = False
    owner = process_owner("run")
    for record in tenants:
        day = state.today(record, as_of)
        # under the tenant's lease, like a daemon's cycle: never both at once on one tenant
        holder: str | None = None
        if not state.store.claim_cycle(record.slug, owner, RUN_LEASE):
            row = state.store.cycle_rows()[record.slug]
            holder = row.lease_owner or "?"
            if gone_local_owner(holder) and state.store.take_over_cycle(
                record.slug, holder, owner, RUN_LEASE
            ):
                holder = None  # a relance process of this machine that was killed: taken back
        if holder is not None:
            attention = True
            summaries.append({"tenant": record.slug, "skipped": f"running on {holder}"})
            if not state.json_output:
                until = f"{row.lease_until:%Y-%m-%d %H:%M} UTC" if row.lease_until else "soon"
                state.console.print(
                    f"[yellow]{shown(record.slug)}: its cycle is running on {shown(holder)} "
                    f"now: skipped[/] (run it again once that one ends; if that process is gone, "
                    f"its lease runs out at {until})",
                    markup=True,
                )
            continue
        lost = threading.Event()
        renewing = keep_lease(state.store, record.slug, owner, RUN_LEASE, lost)
        try:
            with state.progress(f"{record.slug}: reviewing", None) as bar:
                report = tenant_cycle(
                    state,
                    record,
                    day,
                    pull=not no_sync,
                    on_customer=lambda n: bar.advance(bar.task_ids[0], n),
                    stop=lost.is_set,
                )
        except BaseException:
            renewing.set()
            state.store.release_cycle(record.slug, owner)
            raise
        renewing.set()
        state.store.finish_cycle(record.slug, owner, "interrupted" if report.stopped else "done")
        attention = attention or report.needs_attention
        summaries.append(_run_summary(state, report))
        if not state.json_output:
            counts = ", ".join(f"{v} {k}" for k, v in summaries[-1]["by_status"].items())  # type: ignore[attr-defined]
            state.console.print(f"{record.slug} on {day}: {counts or 'nothing due'}")
            if report.count(ActionStatus.WRITTEN):
                state.console.print(
                    "  written: files in the outbox folder, not sent (e-mails go out only "
                    "through an SMTP relay: [smtp] in relance.toml)"
                )
            for result in report.results:
                if result.status in ATTENTION:
                    state.console.print(
                        f"  [yellow]{shown(result.status)}[/] {shown(result.key)}: "
                        f"{shown(result.detail)}",
                        markup=True,
                    )
            print_blocked(state, blocked_rows(state, record.slug, report))
            if report.awaiting_approval:
                state.console.print(
                    f"  {report.awaiting_approval} action(s) await a person's approval: "
                    "`relance status` lists them; `relance action preview KEY`, then "
                    "`relance action approve KEY` (or skip, or edit)"
                )
            if report.letters_to_post:
                state.console.print(
                    f"  {report.letters_to_post} letter(s) to print and post: `relance status` "
                    "lists them; then `relance action letter KEY --tracking NUMBER`"
                )
            if report.write_backs_pending:
                state.console.print(
                    f"  {report.write_backs_pending} outcome(s) not yet written back to the "
                    "platform (it refused or was unreachable): the next run tries again"
                )
    if state.json_output:
        state.emit_json(summaries)
    if attention:
        raise typer.Exit(EXIT_ATTENTION)


def status(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the open documents as they were that day")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Open receivables, the outbox by status, and what needs a person's attention."""
    from connector.asof import payments_as_of
    from connector.reports import aged_balance
    from connector.store import ActionStatus
    from connector.store.ledger import ref_from_key

    state = _state(ctx)
    record = state.tenant(tenant)
    store = state.store
    day = state.today(record, as_of)
    aged = aged_balance(
        store.open_receivables(record.slug, as_of=day),
        day,
        payments_as_of(store.unapplied_payments(record.slug), day),
    )
    open_count, totals = aged.invoices + aged.credit_notes, aged.totals()
    actions = store.actions(record.slug)
    by_status: dict[str, int] = {}
    for action in actions:
        by_status[action.status.value] = by_status.get(action.status.value, 0) + 1
    attention = [a for a in actions if a.status in (ActionStatus.HELD, ActionStatus.FAILED)]
    letters = [a for a in actions if a.status is ActionStatus.PREPARED]
    to_approve = [a for a in actions if a.status is ActionStatus.AWAITING_APPROVAL]
    blocked = [
        {"customer": ref_from_key(key).external_id, "customer_name": name, **why}
        for key, name, found in store.blocked_customers(record.slug)
        for why in found
        if why.get("kind") != "letter_to_post"  # listed with the letters to post
    ]
    cycle = store.cycle_rows().get(record.slug)
    waiting = store.inbox_depth(record.slug)
    rate_gaps = _rate_gaps(state, record, day)

    def when(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat(timespec="seconds")

    payload = {
        "tenant": record.slug,
        "store": store.url_for_display,
        "open_documents": open_count,
        "open_totals": {c: str(m.rounded().amount) for c, m in totals.items()},
        "actions": by_status,
        "attention": [
            {"key": a.key, "status": a.status.value, "reason": a.error} for a in attention
        ],
        "awaiting_approval": [
            {
                "key": a.key,
                "customer": a.customer_ref.external_id,
                "step": a.step,
                "channel": a.channel.value,
                "planned_on": a.planned_on.isoformat(),
                "reason": a.error,
                "edited_by": (a.details.get("edit") or {}).get("by"),
            }
            for a in to_approve
        ],
        "letters_to_post": [
            {
                "key": a.key,
                "customer": a.customer_ref.external_id,
                "step": a.step,
                "prepared_on": a.details.get("prepared_on", a.planned_on.isoformat()),
                "registered": bool(a.details.get("registered")),
                "file": a.receipt,
            }
            for a in letters
        ],
        "blocked": blocked,
        "cycle": {
            "next_due": when(cycle.due_at if cycle else None),
            "last_finished": when(cycle.finished_at if cycle else None),
            "running_on": cycle.lease_owner if cycle else None,
        },
        "webhook_events_waiting": waiting,
        "rate_tables": None
        if rate_gaps is None
        else {
            "covered": not rate_gaps,
            "gaps": [
                {
                    "table": g.table,
                    "version": g.version,
                    "covered_until": g.covered_until.isoformat() if g.covered_until else None,
                    "first_day_without": g.first_day.isoformat(),
                }
                for g in rate_gaps
            ],
        },
    }
    if state.json_output:
        state.emit_json(payload)
        return
    console = state.console
    console.print(
        f"[bold]{shown(record.slug)}[/] ({shown(record.name)}) — store "
        f"{shown(store.url_for_display)}",
        markup=True,
    )
    owed = ", ".join(str(m) for m in totals.values())
    console.print(f"Open documents: {open_count}; net open: {owed or 'nothing'}")
    console.print("Actions: " + (", ".join(f"{v} {k}" for k, v in by_status.items()) or "none"))
    if by_status.get(ActionStatus.WRITTEN.value):
        console.print(
            "  written: files in the outbox folder — e-mails there were not sent (no SMTP "
            "relay), to-dos are for your staff"
        )
    if cycle is not None:
        console.print(
            f"Scheduled cycle: last finished {when(cycle.finished_at) or 'never'}, next due "
            f"{when(cycle.due_at) or 'not planned (no daemon yet)'}"
            + (f", running now on {cycle.lease_owner}" if cycle.lease_owner else "")
        )
    if waiting:
        console.print(f"Webhook events waiting to be acted on: {waiting}")
    for gap in rate_gaps or ():
        console.print(f"  [yellow]{shown(gap.sentence())}[/]", markup=True)
    for item in attention:
        console.print(
            f"  [yellow]{shown(item.status)}[/] {shown(item.key)}: {shown(item.error)}", markup=True
        )
    if attention:
        console.print(
            "Review them, then `relance action release KEY` or `relance action cancel KEY`."
        )
    if to_approve:
        console.print(f"Awaiting approval: {len(to_approve)} (nothing went out yet)")
        for item in to_approve:
            console.print(
                f"  [cyan]to approve[/] {shown(item.key)}: {shown(item.step)} by "
                f"{shown(item.channel)}, planned {shown(item.planned_on)}",
                markup=True,
            )
        console.print(
            "`relance action preview KEY` shows one as it will go out; then `relance action "
            "approve KEY`, `skip KEY --reason …`, or `edit KEY --text-file FILE`."
        )
    if letters:
        console.print(f"Letters to post: {len(letters)} (the customer's schedule waits for them)")
        for item in letters:
            kind = "registered letter" if item.details.get("registered") else "letter"
            console.print(
                f"  [yellow]letter to post[/] {shown(item.key)}: {shown(kind)}, "
                f"{shown(item.receipt)}",
                markup=True,
            )
        console.print(
            "Once posted: `relance action letter KEY --tracking NUMBER [--posted-on DATE]`."
        )
    if blocked:
        console.print(f"Customers blocked: {len(blocked)} (nothing can reach them)")
        for row in blocked:
            console.print(
                f"  [yellow]blocked[/] {shown(row['customer_name'])} ({shown(row['customer'])}), "
                f"{shown(row['step'])}: {shown(row['reason'])}",
                markup=True,
            )
        console.print("Add the missing contact details at the source, then run again.")


def _rate_gaps(state: AppState, record: TenantRecord, day: date) -> list[Gap] | None:
    """The tables the tenant's notices read that leave a day of the next week without a
    figure (None: the tenant's file does not load, `relance tenants` says why)."""
    try:
        jurisdiction = state.tenant_config(record).jurisdiction
    except ConfigError:
        return None
    from connector.legal import RateTables
    from connector.legal.coverage import gaps

    return gaps(RateTables(state.settings.rates_dir), jurisdiction, day)


def tenants(ctx: typer.Context) -> None:
    """Every tenant, its platform and whether its connection works or needs a reconnect."""
    state = _state(ctx)
    rows = []
    for record in state.store.tenants():
        credential = state.store.credential(record.slug, record.platform.value)
        if record.platform is Platform.FILES:
            connection = "files (no connection)"
        elif credential is None:
            connection = f"not connected: relance connect {record.platform} --tenant {record.slug}"
        elif credential.status == "reconnect_needed":
            connection = (
                f"reconnect needed ({credential.detail}): "
                f"relance connect {record.platform} --tenant {record.slug}"
            )
        else:
            until = credential.expires_at
            connection = (
                "connected (API token)"
                if until is None
                else f"connected, token valid until {until:%Y-%m-%d %H:%M}"
            )
        rows.append(
            {
                "tenant": record.slug,
                "name": record.name,
                "platform": record.platform.value,
                "connection": connection,
            }
        )
    if state.json_output:
        state.emit_json(rows)
        return
    table = Table(title="Tenants")
    for column in ("tenant", "name", "platform", "connection"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["tenant"], row["name"], row["platform"], row["connection"])
    state.console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(tenants)
    app.command()(init)
    app.command("import")(import_)
    app.command()(sync)
    app.command()(plan)
    app.command()(run)
    app.command()(status)
    app.add_typer(action_app, name="action")
