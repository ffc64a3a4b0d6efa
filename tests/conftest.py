"""Fixtures shared by every test package.

PostgreSQL: the tests use the server at ``RELANCE_TEST_PG_URL`` (default: the local one at
127.0.0.1:5432 with trust auth). Each test session creates its own database and drops it
at the end. A missing server is a failure, never a skip.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.demo_built import BuiltDemo, build

PG_ADMIN_URL = os.environ.get(
    "RELANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the library's problem, not a leak
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        self.lines.append((record.name, text))


@pytest.fixture(autouse=True)
def no_secret_in_any_log_line() -> Iterator[None]:
    """Every log line of every test, from every logger at DEBUG, is free of watched secrets."""
    from tests.secrets_watch import WATCHED

    handler, root = _Collect(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # SQL statements at DEBUG cost seconds over the suite and carry only ciphertext
    quiet = logging.getLogger("sqlalchemy")
    quiet_level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        quiet.setLevel(quiet_level)
    leaks = [name for name, text in handler.lines if any(s in text for s in WATCHED)]
    assert not leaks, f"a secret appeared in log lines of: {sorted(set(leaks))}"  # not the value


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/channels/golden/ from the current templates, then review the diff",
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for this test session."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"relance_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing server fails the tests that need it, loudly
        pytest.fail(f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} is needed: {exc}")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDemo:
    """``relance demo`` once for the session (about ten seconds): copy its folder with
    ``tests.demo_built.copy_demo`` before changing anything in it."""
    folder: Path = tmp_path_factory.mktemp("demo-built") / "relance-demo"
    return build(folder)
