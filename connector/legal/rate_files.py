"""Rate table files: the TOML a table is kept in, the simple CSV a person can import, and
the merge of new values into the version in use.

The CSV (``relance rates import FILE.csv --table NAME``) is a header line, then one value a
line, comma-separated::

    date,rate,source
    2026-07-01,1.27,https://www.bundesbank.de/... (Bekanntgabe vom 30.06.2026)

* ``date``: for a table of changes (``ecb_mro``), the day the rate took effect; for a table
  of half-years, the half-year's first day (``YYYY-01-01`` or ``YYYY-07-01``).
* ``rate``: percent a year, a dot for decimals (``2.15``; ``-0.88``). The French legal rate
  has two: columns ``rate_a`` (a private creditor) and ``rate_b`` (every other creditor)
  instead of ``rate``.
* ``source``: where the value is published (an address, an arrêté): required.

The rows are merged into the version in use: each row replaces the value of its half-year
(or adds the change), every other value stays as it was, and the result is kept as a new
version (the old files stay). Errors name the line and the column; nothing is stored then.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import tomli_w

from connector.errors import ConfigError, ImportFileError
from connector.legal.rates import (
    RatePeriod,
    RateTable,
    RateTables,
    half_year_end,
    parse_table,
)

__all__ = [
    "import_csv",
    "load_toml_for_import",
    "merge_changes",
    "merge_periods",
    "read_back",
    "retrieval_version",
    "table_toml",
]

CHANGES = frozenset({"ecb_mro"})  # tables kept as the days a rate changed
TWO_RATES = frozenset({"fr_legal_rate"})  # tables with a private-creditor and an other rate


def _kind(table: RateTable) -> str:
    return "changes" if table.name in CHANGES else "periods"


def table_toml(
    table: RateTable, *, valid_until: date | None = None, header: Sequence[str] = ()
) -> str:
    """The TOML text of a table, in the shape ``parse_table`` reads back."""
    doc: dict[str, Any] = {
        "name": table.name,
        "title": table.title,
        "kind": _kind(table),
        "version": table.version,
    }
    if doc["kind"] == "changes":
        doc["valid_until"] = (valid_until or table.periods[-1].end).isoformat()
        doc["changes"] = [
            {
                "from": p.start.isoformat(),
                "rate": str(p["value"]),
                "source": p.source,
                **({"retrieved": p.retrieved.isoformat()} if p.retrieved else {}),
            }
            for p in table.periods
        ]
    else:
        doc["periods"] = [
            {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                **{k: str(v) for k, v in p.values.items()},
                "source": p.source,
                **({} if p.confirmed else {"confirmed": False}),
                **({"retrieved": p.retrieved.isoformat()} if p.retrieved else {}),
            }
            for p in table.periods
        ]
    comments = "".join(f"# {line}\n" for line in header)
    return comments + tomli_w.dumps(doc, multiline_strings=False)


def merge_periods(current: RateTable, fresh: Sequence[RatePeriod], version: str) -> RateTable:
    """``current`` with ``fresh`` (contiguous half-years) in place of what they overlap."""
    if not fresh:
        return current
    start, end = fresh[0].start, fresh[-1].end
    kept: list[RatePeriod] = []
    for period in current.periods:
        if period.start < start:
            kept.append(replace(period, end=min(period.end, start - timedelta(days=1))))
        if period.end > end:
            kept.append(replace(period, start=max(period.start, end + timedelta(days=1))))
    periods = sorted([*kept, *fresh], key=lambda p: p.start)
    return RateTable(current.name, current.title, version, tuple(periods), current.origin)


def merge_changes(
    current: RateTable, fresh: Sequence[RatePeriod], version: str, until: date
) -> RateTable:
    """A table of changes: the fresh changes from their first day on, the current ones before
    it, the last one in force until ``until``."""
    if not fresh:
        return current
    first = fresh[0].start
    changes = [p for p in current.periods if p.start < first] + list(fresh)
    changes.sort(key=lambda p: p.start)
    periods = tuple(
        replace(
            p,
            end=(changes[i + 1].start - timedelta(days=1)) if i + 1 < len(changes) else until,
        )
        for i, p in enumerate(changes)
    )
    return RateTable(current.name, current.title, version, periods, current.origin)


def read_back(table: RateTable, text: str, where: str) -> RateTable:
    """What is written must read back as the same table: checked before it is kept."""
    back = parse_table(tomllib.loads(text), where)
    if [(p.start, p.end, p.values) for p in back.periods] != [
        (p.start, p.end, p.values) for p in table.periods
    ]:
        raise ConfigError("the table written does not read back the same", path=where)
    return back


def _decimal(text: str, path: Path, line: int, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise ImportFileError(
            f"{text!r} is not a rate",
            path=path,
            line=line,
            column=column,
            hint="write the rate in percent with a dot for decimals (2.15, -0.88); nothing "
            "from the file was stored",
        )
    if abs(value) >= 100:
        raise ImportFileError(
            f"{text!r} is not a plausible rate in percent",
            path=path,
            line=line,
            column=column,
            hint="write percent (2.15 for 2.15 %); nothing from the file was stored",
        )
    return value


def _row_date(text: str, path: Path, line: int) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ImportFileError(
            f"{text!r} is not a date YYYY-MM-DD",
            path=path,
            line=line,
            column="date",
            hint="write the date as 2026-07-01; nothing from the file was stored",
        ) from None


def import_csv(
    tables: RateTables,
    path: Path,
    *,
    table_name: str | None,
    version: str,
    valid_until: date,
) -> tuple[RateTable, str]:
    """Read a CSV of values (see the module's docstring) and merge it into the version of
    its table in use: returns the new version and its TOML, not yet kept."""
    name = table_name or path.stem
    current = tables.get(name)
    if current is None:
        known = ", ".join(t.name for t in tables.all())
        raise ConfigError(
            f"no rate table {name!r}",
            path=path,
            hint=f"say which table with --table (one of {known})",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("rate file not found", path=path) from None
    except UnicodeDecodeError:
        raise ImportFileError("the file is not UTF-8 text", path=path) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    rate_columns = ["rate_a", "rate_b"] if name in TWO_RATES else ["rate"]
    missing = [c for c in ["date", *rate_columns, "source"] if c not in header]
    if missing:
        raise ImportFileError(
            f"the header line has no column {', '.join(missing)}",
            path=path,
            line=1,
            hint=f"the first line names the columns: date,{','.join(rate_columns)},source; "
            "nothing from the file was stored",
        )
    column = {h: i for i, h in enumerate(header)}
    fresh: list[RatePeriod] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ImportFileError(
                f"{len(row)} values where the header names {len(header)}",
                path=path,
                line=line,
                hint='quote a source that holds a comma ("…"); nothing from the file was stored',
            )
        day = _row_date(row[column["date"]], path, line)
        source = row[column["source"]].strip()
        if not source:
            raise ImportFileError(
                "no source: every value says where it is published",
                path=path,
                line=line,
                column="source",
                hint="give the address or the text that publishes the value; nothing from "
                "the file was stored",
            )
        values = {
            ("value" if c == "rate" else c[-1]): _decimal(row[column[c]], path, line, c)
            for c in rate_columns
        }
        if name in CHANGES:
            end = day
        else:
            if (day.month, day.day) not in ((1, 1), (7, 1)):
                raise ImportFileError(
                    f"{day} is not the first day of a half-year",
                    path=path,
                    line=line,
                    column="date",
                    hint="the rates of this table are per half-year: give 1 January or "
                    "1 July; nothing from the file was stored",
                )
            end = half_year_end(day)
        if fresh and day <= fresh[-1].start:
            raise ImportFileError(
                f"{day} is not after the line before ({fresh[-1].start})",
                path=path,
                line=line,
                column="date",
                hint="one line per date, in date order; nothing from the file was stored",
            )
        if fresh and name not in CHANGES and day != fresh[-1].end + timedelta(days=1):
            raise ImportFileError(
                f"{day} leaves a gap after the half-year ending {fresh[-1].end}",
                path=path,
                line=line,
                column="date",
                hint="give every half-year between the first and the last; nothing from the "
                "file was stored",
            )
        fresh.append(RatePeriod(day, end, values, source))
    if not fresh:
        raise ImportFileError("no value in the file", path=path, line=2)
    if name in CHANGES:
        if valid_until < fresh[-1].start:
            raise ImportFileError(
                f"the last change ({fresh[-1].start}) is after the day the table is valid "
                f"until ({valid_until})",
                path=path,
                hint="give --valid-until; nothing from the file was stored",
            )
        merged = merge_changes(current, fresh, version, valid_until)
    else:
        merged = merge_periods(current, fresh, version)
    toml_text = table_toml(
        merged,
        valid_until=valid_until,
        header=(f"{name} version {version}: {path.name} merged into version {current.version}",),
    )
    return read_back(merged, toml_text, str(path)), toml_text


_ENTRY = re.compile(r"^(changes|periods)\[(\d+)\]")


def load_toml_for_import(path: Path) -> tuple[RateTable, str]:
    """A whole table in TOML, checked; an error in an entry names the entry's line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("rate table file not found", path=path) from None
    except UnicodeDecodeError:
        raise ImportFileError("the file is not UTF-8 text", path=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(
            f"not valid TOML ({exc})",
            path=path,
            hint="fix the line named; nothing from the file was stored",
        ) from None
    try:
        return parse_table(raw, str(path)), text
    except ConfigError as exc:
        line = _entry_line(text, exc.key or exc.message)
        raise ImportFileError(
            exc.message.removeprefix(f"{path}: "),
            path=path,
            line=line,
            hint="fix it and import the file again; nothing from it was stored",
        ) from None


def _entry_line(text: str, key: str) -> int | None:
    """The line of ``changes[i]`` / ``periods[i]`` in a file written one entry a line."""
    found = _ENTRY.search(key) or re.search(r"(changes|periods)\[(\d+)\]", key)
    if found is None:
        return None
    array, index = found[1], int(found[2])
    seen, inside = -1, False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if re.match(rf"^{array}\s*=\s*\[", stripped):
            inside = True
            stripped = stripped.split("[", 1)[1].strip()
        if inside and stripped.startswith("{"):
            seen += 1
            if seen == index:
                return number
    return None


def retrieval_version(moment: datetime) -> str:
    """The version of a table made from values read at ``moment``."""
    return moment.isoformat(timespec="seconds")
