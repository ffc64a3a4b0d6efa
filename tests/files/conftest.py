"""The real `relance` command in a folder of its own, as tests/cli runs it."""

from __future__ import annotations

from tests.cli.conftest import relance, workdir

__all__ = ["relance", "workdir"]
