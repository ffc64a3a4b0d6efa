"""Rate tables as data: each value with its period and source, versioned, importable.

Tables ship in ``connector/legal/tables/``; a newer file dropped by ``relance rates import``
into the user's rates folder takes precedence when its version is newer. A date that no
table covers raises :class:`MissingRate`, naming the table to update — never a silent zero.
A value marked ``confirmed = false`` is refused unless the caller accepts unconfirmed values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

from connector.errors import ConfigError

__all__ = ["MissingRate", "RatePeriod", "RateTable", "RateTables", "half_year_start"]


class MissingRate(ConfigError):
    """No (confirmed) rate for a date: the table needs a newer version."""


@dataclass(frozen=True, slots=True)
class RatePeriod:
    start: date
    end: date
    values: dict[str, Decimal]  # "value", or "a"/"b" for the French legal rate
    source: str
    confirmed: bool = True

    def __getitem__(self, name: str) -> Decimal:
        return self.values[name]


@dataclass(frozen=True, slots=True)
class RateTable:
    name: str
    title: str
    version: str
    periods: tuple[RatePeriod, ...]
    origin: str

    def at(self, day: date, *, allow_unconfirmed: bool = False) -> RatePeriod:
        for period in self.periods:
            if period.start <= day <= period.end:
                if not period.confirmed and not allow_unconfirmed:
                    raise MissingRate(
                        f"the {self.title} for {day} ({period.start} to {period.end}) is not "
                        f"confirmed in table {self.name} version {self.version}",
                        hint="check it against its official source, then `relance rates "
                        "import FILE` with confirmed values, or accept unconfirmed values",
                    )
                return period
        covered = f"{self.periods[0].start} to {self.periods[-1].end}" if self.periods else "none"
        raise MissingRate(
            f"no {self.title} for {day}: table {self.name} version {self.version} covers {covered}",
            hint=f"add the missing half-year with `relance rates import FILE` (a newer "
            f"{self.name}.toml)",
        )


def _decimal(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ConfigError(f"{raw!r} is not a rate", key=where) from None
    if not value.is_finite():
        raise ConfigError(f"{raw!r} is not a rate", key=where)
    return value


def _day(raw: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ConfigError(f"{raw!r} is not a date YYYY-MM-DD", key=where) from None


def parse_table(raw: dict[str, Any], origin: str) -> RateTable:
    """Validate one table document; errors name the file and the entry."""
    try:
        name, kind, version = raw["name"], raw["kind"], str(raw["version"])
    except KeyError as exc:
        raise ConfigError(
            f"missing key {exc}", path=origin, hint="a rate table has name, title, kind, version"
        ) from None
    source = str(raw.get("source", ""))
    periods: list[RatePeriod] = []
    if kind == "changes":
        changes = raw.get("changes", [])
        until = _day(raw.get("valid_until"), "valid_until")
        for i, change in enumerate(changes):
            start = _day(change.get("from"), f"changes[{i}].from")
            end = (
                _day(changes[i + 1]["from"], f"changes[{i + 1}].from") - timedelta(days=1)
                if i + 1 < len(changes)
                else until
            )
            periods.append(
                RatePeriod(
                    start,
                    end,
                    {"value": _decimal(change.get("rate"), f"changes[{i}].rate")},
                    str(change.get("source", source)),
                )
            )
    elif kind == "periods":
        for i, item in enumerate(raw.get("periods", [])):
            values = {
                k: _decimal(v, f"periods[{i}].{k}")
                for k, v in item.items()
                if k in ("value", "a", "b")
            }
            if not values:
                raise ConfigError(f"periods[{i}] has no value", path=origin)
            periods.append(
                RatePeriod(
                    _day(item.get("start"), f"periods[{i}].start"),
                    _day(item.get("end"), f"periods[{i}].end"),
                    values,
                    str(item.get("source", source)),
                    bool(item.get("confirmed", True)),
                )
            )
    else:
        raise ConfigError(f"unknown kind {kind!r}; allowed: changes, periods", path=origin)
    periods.sort(key=lambda p: p.start)
    for before, after in pairwise(periods):
        if after.start <= before.end:
            raise ConfigError(f"periods overlap around {after.start}", path=origin)
    return RateTable(name, str(raw.get("title", name)), version, tuple(periods), origin)


def _newer(a: str, b: str) -> bool:
    return a > b  # versions are ISO-like: 2026-02, 2026-H1 sort as text


class RateTables:
    """The shipped tables, overridden by newer versions from ``user_dir``."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.user_dir = user_dir
        self._tables: dict[str, RateTable] = {}
        for resource in files("connector.legal").joinpath("tables").iterdir():
            if resource.name.endswith(".toml"):
                table = parse_table(
                    tomllib.loads(resource.read_text(encoding="utf-8")),
                    f"connector/legal/tables/{resource.name}",
                )
                self._tables[table.name] = table
        if user_dir is not None and user_dir.is_dir():
            for path in sorted(user_dir.glob("*.toml")):
                self._offer(load_table_file(path))

    def _offer(self, table: RateTable) -> None:
        current = self._tables.get(table.name)
        if current is None or _newer(table.version, current.version):
            self._tables[table.name] = table

    def __getitem__(self, name: str) -> RateTable:
        try:
            return self._tables[name]
        except KeyError:
            raise MissingRate(f"no rate table {name!r}", hint="reinstall relance") from None

    def all(self) -> list[RateTable]:
        return [self._tables[n] for n in sorted(self._tables)]

    def import_file(self, path: Path) -> RateTable:
        """Check a table file and keep a copy in the user folder: no release needed."""
        if self.user_dir is None:
            raise ConfigError("no folder to keep imported rate tables", key="rates_dir")
        table = load_table_file(path)
        current = self._tables.get(table.name)
        if current is not None and not _newer(table.version, current.version):
            raise ConfigError(
                f"version {table.version} is not newer than the {current.version} in use",
                path=path,
                hint="raise `version` in the file",
            )
        self.user_dir.mkdir(parents=True, exist_ok=True)
        (self.user_dir / f"{table.name}.toml").write_bytes(path.read_bytes())
        self._offer(table)
        return table


def load_table_file(path: Path) -> RateTable:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("rate table file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path) from None
    return parse_table(raw, str(path))


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)
