"""The command starts without the heavy machinery: ``relance --help`` (and the parsing of
every command line) imports neither the store's database layer, nor the letters' PDF
engine, the OAuth client, the calendars of public holidays or the web server. A command
imports what it uses when it runs. (How long that takes is benchmarks/cli_startup.py's to
print; a test does not time it.)"""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "alembic",
    "fpdf",
    "authlib",
    "holidays",
    "fastapi",
    "uvicorn",
    "pypdf",
    "PIL",
    "cryptography",
    "apscheduler",
    "connector.store",
    "connector.executor",
    "connector.channels",
)


def test_the_command_line_parses_without_the_heavy_modules() -> None:
    probe = (
        "import sys\n"
        "from connector.cli import main\n"
        "code = main(['--help'])\n"
        f"print(code, [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert "Chase unpaid customer invoices" in done.stdout  # the help itself was printed
