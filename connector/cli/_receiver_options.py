"""The receiver's command-line options that `relance serve` and `relance daemon` share: where
/metrics and the API description answer, over the ``[receiver]`` settings."""

from __future__ import annotations

from typing import Annotated

import typer

from connector.cli._context import AppState
from connector.settings import ReceiverConfig

__all__ = ["Docs", "Metrics", "OpsHost", "OpsPort", "receiver_settings"]

OpsHost = Annotated[
    str | None,
    typer.Option(help="address of the ops listener (default: receiver.ops_host, 127.0.0.1)"),
]
OpsPort = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=65535,
        help="serve /metrics and /docs, /redoc, /openapi.json on this port instead of the "
        "webhook port (default: receiver.ops_port; none: on the webhook port)",
    ),
]
Docs = Annotated[
    bool | None,
    typer.Option("--docs/--no-docs", help="serve the API description (default: receiver.docs)"),
]
Metrics = Annotated[
    bool | None,
    typer.Option("--metrics/--no-metrics", help="serve /metrics (default: receiver.metrics)"),
]


def receiver_settings(
    state: AppState,
    *,
    ops_host: str | None = None,
    ops_port: int | None = None,
    docs: bool | None = None,
    metrics: bool | None = None,
) -> ReceiverConfig:
    """The ``[receiver]`` settings with the options given on the command line over them."""
    given = {"ops_host": ops_host, "ops_port": ops_port, "docs": docs, "metrics": metrics}
    return state.settings.receiver.model_copy(
        update={k: v for k, v in given.items() if v is not None}
    )
