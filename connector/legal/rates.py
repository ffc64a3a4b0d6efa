"""Rate tables as data: each value with its period and source, versioned, importable.

Where a table comes from, and which version is used: the tables shipped in
``connector/legal/tables/``, then every ``*.toml`` in the user's rates folder (written by
``relance rates import`` and ``relance rates update``, one file per version, never one over
another). Of all the versions of a table, the newest is used, wherever it comes from.
Versions compare as dates: ``2026-02`` (a month), ``2026-H2`` (from the half-year's first
day), ``2026-12-02`` or ``2026-12-02T18:56:47+00:00`` (a retrieval); any other text sorts
before every date. A date that no table covers raises :class:`MissingRate`, naming the table
to update — never a silent zero. A value marked ``confirmed = false`` is refused unless the
caller accepts unconfirmed values.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

from connector.errors import ConfigError

__all__ = [
    "Coverage",
    "MissingRate",
    "RatePeriod",
    "RateTable",
    "RateTables",
    "half_year_end",
    "half_year_start",
    "version_key",
]


class MissingRate(ConfigError):
    """No (confirmed) rate for a date: the table needs a newer version."""


@dataclass(frozen=True, slots=True)
class RatePeriod:
    start: date
    end: date
    values: dict[str, Decimal]  # "value", or "a"/"b" for the French legal rate
    source: str
    confirmed: bool = True
    retrieved: date | None = None  # when the value was read from its source (an update)

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
            hint="fetch the official values with `relance rates update`, or add the missing "
            f"half-year with `relance rates import FILE --table {self.name}`",
        )

    def covers(self, day: date) -> bool:
        """Whether a confirmed value applies on ``day``."""
        return any(p.start <= day <= p.end and p.confirmed for p in self.periods)

    def covered_until(self, day: date) -> date | None:
        """The last day of the run of confirmed values that starts at or before ``day`` and
        goes on without a gap (None: ``day`` itself is not covered)."""
        last: date | None = None
        for period in self.periods:
            if not period.confirmed or period.end < day:
                continue
            if period.start > (last + timedelta(days=1) if last else day):
                break
            last = period.end
        return last

    def coverage(self) -> Coverage:
        confirmed = [p for p in self.periods if p.confirmed]
        if not confirmed:
            return Coverage(None, None, ())
        first, last = confirmed[0].start, confirmed[-1].end
        gaps: list[tuple[date, date, str]] = []
        cursor = first
        for period in self.periods:
            if period.end < first:
                continue
            if period.start > cursor:
                gaps.append((cursor, period.start - timedelta(days=1), "missing"))
            if not period.confirmed:
                gaps.append((period.start, period.end, "unconfirmed"))
            cursor = max(cursor, period.end + timedelta(days=1))
        return Coverage(first, last, tuple(gaps))


@dataclass(frozen=True, slots=True)
class Coverage:
    """The days a table's confirmed values cover: from ``first`` to ``last``, less the
    ``gaps`` (start, end, "missing" or "unconfirmed") between them; the periods after
    ``last`` that are not confirmed are gaps too."""

    first: date | None
    last: date | None
    gaps: tuple[tuple[date, date, str], ...]


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


def _optional_day(raw: Any, where: str) -> date | None:
    return None if raw is None else _day(raw, where)


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
        if not changes:
            raise ConfigError("a table of kind changes needs at least one change", path=origin)
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
                    retrieved=_optional_day(change.get("retrieved"), f"changes[{i}].retrieved"),
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
                    _optional_day(item.get("retrieved"), f"periods[{i}].retrieved"),
                )
            )
    else:
        raise ConfigError(f"unknown kind {kind!r}; allowed: changes, periods", path=origin)
    periods.sort(key=lambda p: p.start)
    for before, after in pairwise(periods):
        if after.start <= before.end:
            raise ConfigError(f"periods overlap around {after.start}", path=origin)
    for period in periods:
        if period.end < period.start:
            raise ConfigError(f"the period from {period.start} ends before it starts", path=origin)
    return RateTable(name, str(raw.get("title", name)), version, tuple(periods), origin)


_HALF = re.compile(r"^(\d{4})-H([12])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def version_key(version: str) -> tuple[int, datetime, str]:
    """How versions compare (see the module's docstring): dates first, then text."""
    moment: datetime | None = None
    if match := _HALF.match(version):
        moment = datetime(int(match[1]), 1 if match[2] == "1" else 7, 1, tzinfo=UTC)
    elif match := _MONTH.match(version):
        month = int(match[2])
        moment = datetime(int(match[1]), month, 1, tzinfo=UTC) if 1 <= month <= 12 else None
    else:
        try:
            moment = datetime.fromisoformat(version)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    if moment is None:
        return (0, datetime.min.replace(tzinfo=UTC), version)
    return (1, moment, version)


def _newer(a: str, b: str) -> bool:
    return version_key(a) > version_key(b)


class RateTables:
    """The shipped tables, overridden by newer versions from ``user_dir``."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.user_dir = user_dir
        self._tables: dict[str, RateTable] = {}
        self.versions: dict[str, list[RateTable]] = {}  # every version found, oldest first
        for resource in files("connector.legal").joinpath("tables").iterdir():
            if resource.name.endswith(".toml"):
                table = parse_table(
                    tomllib.loads(resource.read_text(encoding="utf-8")),
                    f"connector/legal/tables/{resource.name}",
                )
                self._offer(table)
        if user_dir is not None and user_dir.is_dir():
            for path in sorted(user_dir.glob("*.toml")):
                self._offer(load_table_file(path))

    def _offer(self, table: RateTable) -> None:
        found = self.versions.setdefault(table.name, [])
        found.append(table)
        found.sort(key=lambda t: version_key(t.version))
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

    def get(self, name: str) -> RateTable | None:
        return self._tables.get(name)

    def import_file(self, path: Path) -> RateTable:
        """Check a table file (TOML) and keep a copy in the user folder, as a version of its
        own beside the others: no release needed, nothing replaced."""
        table = load_table_file(path)
        return self.keep(table, path.read_text(encoding="utf-8"), path)

    def keep(self, table: RateTable, text: str, where: Path | str) -> RateTable:
        """Store ``text`` (the TOML of ``table``, checked) as a new version in the user folder.
        Refused when it is not newer than the version in use; never writes over a file."""
        if self.user_dir is None:
            raise ConfigError("no folder to keep rate tables", key="rates_dir")
        current = self._tables.get(table.name)
        if current is not None and not _newer(table.version, current.version):
            raise ConfigError(
                f"version {table.version} of {table.name} is not newer than the "
                f"{current.version} in use",
                path=where,
                hint="raise `version` in the file",
            )
        self.user_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{table.name}.{re.sub(r'[^0-9A-Za-z-]+', '-', table.version).strip('-')}"
        target, n = self.user_dir / f"{stem}.toml", 1
        while target.exists():
            n += 1
            target = self.user_dir / f"{stem}.{n}.toml"
        partial = target.with_suffix(".toml.part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)  # whole or not at all: a crash leaves no half-written table
        kept = RateTable(table.name, table.title, table.version, table.periods, str(target))
        self._offer(kept)
        return kept


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


def half_year_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)
