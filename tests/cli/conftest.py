"""Run the real `relance` command in a folder of its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("RELANCE_STORE_URL", "RELANCE_TENANT", "RELANCE_SMTP__HOST"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "relance.toml").write_text(
        'store_url = "sqlite:///relance.sqlite"\noutbox_dir = "outbox"\ntenants_dir = "tenants"\n',
        encoding="utf-8",
    )
    return tmp_path


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def relance(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def as_json(out: str) -> Any:
    return json.loads(out)
