"""Changing a tenant's files from the web app: its TOML file (the creditor) and its policy.

A change is checked as the command line and the daemon will read it — the whole new text
through :func:`~connector.settings.tenant_config_from_text` or
:func:`~connector.policy.policy_from_mapping` — before anything is written; then the new
text goes to a temporary file beside the old one, flushed, and renamed over it, so a reader
(the daemon reloads tenant files when their size or time changes) sees the old file or the
new one, never half of one. The files are edited with tomlkit: comments, key order and
blank lines stay as the person wrote them.

A tenant on the shipped default policy gets its own copy (``<slug>.policy.toml`` beside its
tenant file, the default's comments included) the first time its policy is changed, and its
tenant file then names it: the shipped file is never written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError
from tomlkit.items import Table

from connector.errors import ConfigError
from connector.model import Creditor, one_address
from connector.policy import DEFAULT_POLICY, Policy, policy_from_mapping
from connector.settings import TenantConfig, tenant_config_from_text

__all__ = [
    "CREDITOR_FIELDS",
    "Edit",
    "creditor_from_form",
    "policy_file_text",
    "save_creditor",
    "save_policy",
    "write_atomically",
]

# the creditor's keys the identity form edits, in the form's order
CREDITOR_FIELDS = (
    "name",
    "legal_form",
    "share_capital",
    "registration_id",
    "rcs_city",
    "vat_id",
    "address_lines",
    "postal_code",
    "city",
    "email",
    "reply_to",
    "phone",
    "iban",
    "bic",
    "website",
    "signatory",
    "signatory_title",
    "logo_url",
)
_ADDRESS = {"address_lines": "lines", "postal_code": "postal_code", "city": "city"}


@dataclass
class Edit:
    """What came of a change: the problems, by form field ("" for the file as a whole)."""

    problems: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def write_atomically(path: Path, text: str) -> None:
    """``text`` replaces ``path``'s content at once (same folder, flushed, renamed); the
    file keeps its permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _text(form: Mapping[str, str], name: str) -> str:
    return " ".join(str(form.get(name, "")).split()) if name != "address_lines" else ""


def creditor_from_form(current: Creditor, form: Mapping[str, str]) -> tuple[Creditor, Edit]:
    """The creditor with the form's values (the logo, the terms of sale and the country kept
    as they are), checked by the model the tenant file is read with; on a problem the
    current creditor and the problems by field."""
    edit = Edit()
    values: dict[str, Any] = current.model_dump(mode="python")
    for name in CREDITOR_FIELDS:
        if name in _ADDRESS or name == "share_capital":
            continue
        values[name] = _text(form, name)
    lines = tuple(
        " ".join(line.split()) for line in str(form.get("address_lines", "")).splitlines()
    )
    lines = tuple(line for line in lines if line)
    postal_code, city = _text(form, "postal_code"), _text(form, "city")
    if lines or postal_code or city:
        country = current.address.country if current.address else current.country
        values["address"] = {
            "lines": lines,
            "postal_code": postal_code,
            "city": city,
            "country": country,
        }
    else:
        values["address"] = None
    capital = _text(form, "share_capital").replace(" ", "").replace("\u00a0", "")
    if capital:
        currency = current.share_capital.currency if current.share_capital else "EUR"
        values["share_capital"] = {"amount": capital.replace(",", "."), "currency": currency}
    else:
        values["share_capital"] = None
    for name in ("email", "reply_to"):
        if values[name] and not one_address(values[name]):
            edit.problems[name] = "one e-mail address, such as accounts@example.com"
    try:
        creditor = Creditor.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            where = [str(part) for part in error["loc"]]
            key = where[0] if where else ""
            if key == "address" and len(where) > 1:
                key = {"lines": "address_lines"}.get(where[1], where[1])
            edit.problems.setdefault(key if key in CREDITOR_FIELDS else "", error["msg"])
        return current, edit
    if edit.problems:
        return current, edit
    before, after = current.model_dump(mode="json"), creditor.model_dump(mode="json")
    edit.changed = sorted(k for k in after if before.get(k) != after.get(k))
    return creditor, edit


def _set(table: Table | Any, key: str, value: Any) -> None:
    """Set ``key`` (keeping its comment), or remove it when the value is empty."""
    if value in ("", None, ()):
        if key in table:
            del table[key]
        return
    table[key] = value


def save_creditor(tenant_file: Path, creditor: Creditor) -> TenantConfig:
    """Write ``creditor`` into the tenant file's ``[creditor]`` table; the other tables and
    every comment stay. Raises ConfigError (nothing written) if the file would not load."""
    text = tenant_file.read_text(encoding="utf-8")
    document = tomlkit.parse(text)
    table = document.get("creditor")
    if table is None:
        table = tomlkit.table()
        document["creditor"] = table
    data = creditor.model_dump(mode="json")
    for key in (
        "name",
        "legal_form",
        "registration_id",
        "rcs_city",
        "vat_id",
        "email",
        "reply_to",
        "phone",
        "iban",
        "bic",
        "website",
        "signatory",
        "signatory_title",
        "logo_url",
    ):
        _set(table, key, data[key])
    capital = creditor.share_capital
    if capital is None:
        _set(table, "share_capital", None)
    else:
        inline = tomlkit.inline_table()
        inline.update({"amount": str(capital.amount), "currency": capital.currency})
        table["share_capital"] = inline
    address = creditor.address
    if address is None:
        _set(table, "address", None)
    else:
        place = table.get("address")
        if place is None:
            place = tomlkit.table()
            table["address"] = place
        place["lines"] = list(address.lines)
        _set(place, "postal_code", address.postal_code)
        _set(place, "city", address.city)
        place["country"] = address.country
    new_text = tomlkit.dumps(document)
    config = tenant_config_from_text(new_text, tenant_file)  # as the daemon will read it
    write_atomically(tenant_file, new_text)
    return config


# --- the policy ------------------------------------------------------------------------------


def policy_file_text(config: TenantConfig) -> tuple[str, bool]:
    """The text of the tenant's policy file, and whether it is the shipped default."""
    if config.policy is None:
        return files("relance_config").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8"), True
    return config.policy.read_text(encoding="utf-8"), False


def save_policy(
    tenant_file: Path, config: TenantConfig, changes: Mapping[str, Any]
) -> tuple[Policy, Path]:
    """Apply ``changes`` to the tenant's policy and write it; the shipped default is copied
    to ``<slug>.policy.toml`` first and the tenant file pointed at the copy.

    ``changes``: ``policy`` (a mapping of [policy] keys), ``send_window`` (a mapping) and
    ``steps`` (step name -> mapping of that step's keys); a value of None removes the key.
    Raises ConfigError, naming the key, when the policy would not load; nothing is written."""
    text, shipped = policy_file_text(config)
    document = tomlkit.parse(text)
    for section in ("policy", "send_window"):
        values = changes.get(section) or {}
        if not values:
            continue
        table = document.get(section)
        if table is None:
            table = tomlkit.table()
            document[section] = table
        for key, value in values.items():
            _set(table, key, value)
    steps = changes.get("steps") or {}
    for step in document.get("steps", []):
        for key, value in (steps.get(step.get("name")) or {}).items():
            _set(step, key, value)
    new_text = tomlkit.dumps(document)
    target = config.policy or tenant_file.parent / f"{config.slug}.policy.toml"
    policy = policy_from_mapping(tomlkit.parse(new_text).unwrap(), origin=target)
    if shipped:
        if target.exists():
            raise ConfigError(
                f"{target.name} exists but the tenant file does not name it",
                path=target,
                hint=f'add policy = "{target.name}" to the tenant file, or move the file away',
            )
        tenant_doc = tomlkit.parse(tenant_file.read_text(encoding="utf-8"))
        tenant_doc["policy"] = target.name
        tenant_text = tomlkit.dumps(tenant_doc)
        write_atomically(target, new_text)  # the copy first: the tenant file then names it
        try:
            tenant_config_from_text(tenant_text, tenant_file)
            write_atomically(tenant_file, tenant_text)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    else:
        write_atomically(target, new_text)
    return policy, target
