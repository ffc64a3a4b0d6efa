"""A step a person cancels before it goes out is not planned again behind their back, nor
silently dropped: `relance plan` and `relance run` both name the customer as blocked by it
(they once disagreed — plan showed the notice, run recorded nothing, and the customer's
schedule stalled without a word); `relance action release` puts it back, and the next run
sends it through the approval it needs, with that day's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.store import ActionStatus, Store
from tests.demo_built import BuiltDemo, copy_demo

from .conftest import Run


@pytest.fixture
def demo(demo_built: BuiltDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_demo(demo_built.folder, tmp_path / "demo")
    monkeypatch.chdir(folder)
    for name in ("RELANCE_STORE_URL", "RELANCE_TENANT", "RELANCE_SMTP__HOST"):
        monkeypatch.delenv(name, raising=False)
    return folder


def _store(folder: Path) -> Store:
    return Store.open(f"sqlite:///{folder / 'relance.sqlite'}")


def _about(printed: str, key: str) -> tuple[list[object], list[object]]:
    """The actions and the blocked entries of ``key`` in what plan or run printed (run: one
    document per tenant)."""
    document = json.loads(printed)
    document = document[0] if isinstance(document, list) else document
    text = json.dumps
    actions = [a for a in document["actions"] if a["key"] == key]  # type: ignore[index, union-attr]
    blocked = [b for b in document["blocked"] if key in text(b)]  # type: ignore[union-attr]
    return actions, blocked


def test_a_cancelled_notice_blocks_its_customer_until_released(demo: Path, relance: Run) -> None:
    config = ["--config", str(demo / "relance.toml")]
    with _store(demo) as store:
        notice = store.awaiting_approval("lumen")[0]
    code, _, err = relance(*config, "action", "cancel", notice.key)
    assert code == 0, err

    for day in ("2026-11-30", "2026-12-15"):
        code, out, err = relance(*config, "--json", "plan", "--as-of", day)
        assert code == 0, err
        actions, blocked = _about(out, notice.key)
        assert not actions, f"plan would send the cancelled notice on {day}"
        assert blocked and "cancelled by a person" in json.dumps(blocked)
    code, out, err = relance(*config, "--json", "run", "--as-of", "2026-11-30")
    assert code in (0, 10), err
    assert _about(out, notice.key)[0] == []  # the customer's other invoices go on meanwhile
    code, out, err = relance(*config, "--json", "run", "--as-of", "2026-12-07")
    assert code in (0, 10), err
    actions, blocked = _about(out, notice.key)
    assert not actions and blocked, "run says what plan says"
    assert {b["kind"] for b in blocked} == {"cancelled"}  # type: ignore[index]
    with _store(demo) as store:
        assert store.action("lumen", notice.key).status is ActionStatus.CANCELLED

    code, _, err = relance(*config, "action", "release", notice.key)
    assert code == 0, err
    code, out, err = relance(*config, "--json", "run", "--as-of", "2026-12-08")
    assert code in (0, 10), err
    actions, blocked = _about(out, notice.key)
    assert not blocked
    with _store(demo) as store:
        record = store.action("lumen", notice.key)
    assert record.status is ActionStatus.AWAITING_APPROVAL  # a notice waits for a person
    assert record.action.planned_on.isoformat() == "2026-12-08"  # that day's figures
