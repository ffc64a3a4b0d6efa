"""The ``relance`` command.

Exit codes: 0 done; 1 an error relance could not classify; 2 wrong usage; 3 configuration;
4 the platform refused or could not be reached; 5 bad data in an import; 6 the store;
7 a channel refused a message; 8 a feature the platform lacks; 10 the run finished but some
actions need a person (held or failed: see `relance status`).
"""

from __future__ import annotations

import logging
import sys
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
    report_cmds,
    state_cmds,
    webhook_cmds,
)
from connector.cli._context import AppState
from connector.errors import RelanceError

__all__ = ["app", "main"]

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
    json_output: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
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
report_cmds.register(app)
demo_cmd.register(app)
legal_cmds.register(app)
connect_cmd.register(app)
webhook_cmds.register(app)
daemon_cmd.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps relance's errors to exit codes and a hint, not a traceback."""
    debug = "--debug" in (argv if argv is not None else sys.argv)
    try:
        code = app(args=argv, standalone_mode=False)  # click returns an Exit's code
    except typer.Exit as exc:
        return exc.exit_code
    except RelanceError as exc:
        if debug:
            raise
        sys.stderr.write(f"relance: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("relance: interrupted\n")
        return 130
    except typer.Abort:
        return 1
    except Exception as exc:
        # usage errors come from the click that typer bundles: they show themselves
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            return exit_code
        raise
    return code if isinstance(code, int) else 0
