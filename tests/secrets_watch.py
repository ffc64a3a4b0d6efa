"""Secrets the tests hand out, so that every log line of the run can be checked for them.

Emulators and fixtures call :func:`watch` with each token, key or signing secret they issue;
an autouse fixture (tests/conftest.py) records every log record of every test, at DEBUG and
from every library, and fails the test if one of them contains a watched value.
"""

from __future__ import annotations

WATCHED: set[str] = set()


def watch(*secrets: str | None) -> None:
    WATCHED.update(s for s in secrets if s and len(s) >= 8)
