"""The ``relance`` command.

Exit codes: 0 done; 1 an error relance could not classify; 2 wrong usage; 3 configuration;
4 the platform refused or could not be reached; 5 bad data in an import, or a record that
contradicts one already recorded; 6 the store; 7 a channel refused a message; 8 a feature
the platform lacks; 10 the run finished but some actions need a person (held or failed: see
`relance status`).

``--json`` is read anywhere on the command line before a ``--`` (``relance --json plan`` and
``relance plan --json`` are the same). With it, what a command prints on stdout is one JSON
document, and so is a failure: ``{"error": message, "hint": what to do or null,
"exit_code": n, "type": the error's class}`` on stdout (stderr keeps the logs), with the
same exit code as without ``--json``.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from connector import __version__
from connector.cli import (
    connect_cmd,
    cycle_cmds,
    daemon_cmd,
    demo_cmd,
    legal_cmds,
    plan_cmds,
    promise_cmds,
    rates_cmds,
    report_cmds,
    state_cmds,
    web_cmds,
    webhook_cmds,
)
from connector.cli._context import AppState
from connector.errors import RelanceError

__all__ = ["app", "main"]

JSON_FLAG = "--json"

app = typer.Typer(
    name="relance",
    help="Chase unpaid customer invoices, by French best practice and law.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"relance {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="settings file (default: ./relance.toml if any)")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="store URL, e.g. sqlite:///relance.sqlite or postgresql+psycopg://…",
            envvar="RELANCE_STORE_URL",
        ),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option(help="which tenant (default: the only one)", envvar="RELANCE_TENANT"),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            JSON_FLAG, help="machine-readable output, errors included (also after the command)"
        ),
    ] = False,
    debug: Annotated[bool, typer.Option(help="show tracebacks and debug logs")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    state = AppState(
        config=config, store_url=store, tenant_opt=tenant, json_output=json_output, debug=debug
    )
    ctx.obj = state
    ctx.call_on_close(state.close)


cycle_cmds.register(app)
state_cmds.register(app)
promise_cmds.register(app)
plan_cmds.register(app)
report_cmds.register(app)
demo_cmd.register(app)
legal_cmds.register(app)
rates_cmds.register(app)
connect_cmd.register(app)
webhook_cmds.register(app)
daemon_cmd.register(app)
web_cmds.register(app)


def _json_anywhere(args: list[str]) -> tuple[bool, list[str]]:
    """Whether ``--json`` was given before any ``--``, and the arguments with it moved to the
    front, where the ``relance`` group reads it for every command."""
    end = args.index("--") if "--" in args else len(args)
    if JSON_FLAG not in args[:end]:
        return False, args
    return True, [JSON_FLAG, *(a for a in args[:end] if a != JSON_FLAG), *args[end:]]


def _fail(as_json: bool, message: str, hint: str | None, exit_code: int, kind: str) -> int:
    if as_json:
        error = {"error": message, "hint": hint, "exit_code": exit_code, "type": kind}
        sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"relance: {message}\n" + (f"  → {hint}\n" if hint else ""))
    return exit_code


def _usage_hint(exc: Exception) -> str | None:
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None)
    return f"see: {path} --help" if path else None


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps relance's errors to exit codes and a hint, not a traceback."""
    args = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in args
    as_json, args = _json_anywhere(args)
    try:
        # click returns an Exit's code
        code = app(args=args, prog_name="relance", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except RelanceError as exc:
        if debug:
            raise
        return _fail(as_json, exc.message, exc.hint, exc.exit_code, type(exc).__name__)
    except KeyboardInterrupt:
        return _fail(as_json, "interrupted", None, 130, "KeyboardInterrupt")
    except typer.Abort:
        return _fail(as_json, "aborted", None, 1, "Abort") if as_json else 1
    except Exception as exc:
        # usage errors come from the click that typer bundles: they show themselves
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        message = getattr(exc, "format_message", None)
        if callable(show) and isinstance(exit_code, int):
            if as_json and callable(message):
                text = str(message()) or "a command is missing"  # (a group given alone)
                return _fail(True, text, _usage_hint(exc), exit_code, type(exc).__name__)
            show()
            return exit_code
        if not as_json or debug:
            raise
        traceback.print_exc()  # on stderr: a bug, to report with its traceback
        return _fail(
            True,
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a bug in relance: report it with the traceback printed on stderr",
            1,
            type(exc).__name__,
        )
    return code if isinstance(code, int) else 0
