"""relance users add|list|remove, on a real store."""

from __future__ import annotations

import json
from pathlib import Path

from connector.accounts import Role
from tests.web.site import copy_demo


def test_users_add_list_remove(demo_template: Path, tmp_path: Path) -> None:
    from tests.web.site import Site

    folder = copy_demo(demo_template, tmp_path / "site")
    site = Site(folder, "", None)  # type: ignore[arg-type]  # the command line only
    added = site.relance(
        "users", "add", "Anne.Compta@Cabinet.example", "--tenant", "lumen", "--tenant", "rival",
        "--role", "viewer", "--name", "Anne", "--password-stdin", stdin="a long enough phrase\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "a long enough phrase" not in added.stdout + added.stderr
    promoted = site.relance("--json", "users", "add", "anne.compta@cabinet.example",
                            "--tenant", "lumen", "--role", "manager")  # fmt: skip
    assert json.loads(promoted.stdout)["created"] is False
    listed = json.loads(site.relance("--json", "users", "list").stdout)
    anne = next(p for p in listed if p["login"] == "anne.compta@cabinet.example")
    assert anne["roles"] == {"lumen": "manager", "rival": "viewer"}
    with site.store() as store:
        person, stored = store.person("anne.compta@cabinet.example") or (None, "")
    assert person is not None and person.roles["lumen"] is Role.MANAGER
    assert stored.startswith("$argon2id$")

    short = site.relance(
        "users", "add", "bob", "--tenant", "lumen", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 3 and "too short" in short.stderr
    unknown = site.relance("users", "add", "bob", "--tenant", "nope", "--password-stdin",
                           stdin="a long enough phrase\n")  # fmt: skip
    assert unknown.returncode != 0
    with site.store() as store:
        assert store.person("bob") is None  # nothing half-made

    revoked = site.relance("users", "remove", "anne.compta@cabinet.example", "--tenant", "rival")
    assert revoked.returncode == 0, revoked.stderr
    removed = site.relance("users", "remove", "anne.compta@cabinet.example")
    assert removed.returncode == 0, removed.stderr
    again = site.relance("users", "remove", "anne.compta@cabinet.example")
    assert again.returncode == 3 and "no such account" in again.stderr
