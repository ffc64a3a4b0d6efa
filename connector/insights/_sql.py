"""The few SQL fragments the dashboard's grouped queries need that SQLite and PostgreSQL
spell differently: an exact amount, a JSON array read as rows, a field of a JSON value.

Amounts are exact on both. PostgreSQL sums ``NUMERIC``. SQLite keeps each amount as its
decimal text (``schema.Amount``) and would sum it as a float, so there an amount is read as
a whole number of millionths (the six decimals the schema keeps) and summed as an integer:
exact for any amount of at most six decimals below a thousand million, per document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Date, TextClause, TextualSelect, bindparam, text

__all__ = ["Sql", "query"]

_MICRO = Decimal(1).scaleb(-6)


@dataclass(frozen=True, slots=True)
class Sql:
    """Fragments for one backend (``sqlite`` or ``postgresql``)."""

    dialect: str

    @classmethod
    def of(cls, conn: Connection) -> Sql:
        return cls(conn.dialect.name)

    @property
    def _pg(self) -> bool:
        return self.dialect == "postgresql"

    def amount(self, expression: str) -> str:
        """An amount column (or JSON text) as a number SQL adds exactly."""
        if self._pg:
            return f"CAST({expression} AS NUMERIC)"
        return f"CAST(ROUND(CAST({expression} AS REAL) * 1000000) AS INTEGER)"

    def positive(self, expression: str) -> str:
        return f"(CAST({expression} AS {'NUMERIC' if self._pg else 'REAL'}) > 0)"

    def decimal(self, value: Any) -> Decimal:
        """A sum read back from :meth:`amount`."""
        if value is None:
            return Decimal(0)
        if self._pg:
            return Decimal(value)
        return Decimal(int(value)) * _MICRO

    def elements(self, column: str, alias: str, path: str | None = None) -> str:
        """The items of a JSON array (``path``: a key of the JSON object holding it), as rows
        of ``alias`` whose ``value`` :meth:`field` reads."""
        if self._pg:
            source = column if path is None else f"({column} -> '{path}')"
            return f"json_array_elements({source}) AS {alias}(value)"
        where = "" if path is None else f", '$.{path}'"
        return f"json_each({column}{where}) AS {alias}"

    def field(self, expression: str, *path: str) -> str:
        """A field of a JSON value (``path``: nested keys) as text."""
        if self._pg:
            return f"({expression} #>> '{{{','.join(path)}}}')"
        return f"json_extract({expression}, '$.{'.'.join(path)}')"

    def as_date(self, expression: str) -> str:
        """An ISO date held as text (in a JSON value) as a date the backend compares."""
        return f"CAST({expression} AS DATE)" if self._pg else expression

    def no_terms(self, column: str) -> str:
        """True for a document whose terms do not split it (no schedule: SQL or JSON null)."""
        return f"({column} IS NULL OR CAST({column} AS TEXT) = 'null')"

    def dates(self, days: Sequence[date]) -> tuple[str, dict[str, Any]]:
        """``(i, d)`` rows for a VALUES list, and the parameters they bind."""
        cast = "CAST(:{} AS DATE)" if self._pg else ":{}"
        rows = ", ".join(f"({i}, {cast.format(f'day_{i}')})" for i in range(len(days)))
        return rows, {f"day_{i}": day for i, day in enumerate(days)}


def query(sql: str, params: Mapping[str, Any], **columns: Any) -> TextClause | TextualSelect:
    """A text query whose date parameters are bound as dates and result columns typed."""
    clause = text(sql).bindparams(
        *(bindparam(name, type_=Date) for name, value in params.items() if isinstance(value, date))
    )
    return clause.columns(**columns) if columns else clause
