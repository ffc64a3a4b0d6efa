"""Intuit's query language, the subset the emulator answers (platform-apis.md §2.3).

``select * | count(*) from E [where p op v [and …]] [orderby p [asc|desc]] [startposition n]
[maxresults n≤1000]``, ops ``= < > <= >= in (…) like '%x%'``, dotted properties
(``MetaData.LastUpdatedTime``, ``AttachableRef.EntityRef.Value``). A where clause's result is
kept per table and data generation, so paging through a large answer filters once.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .wire import Reply, fault

__all__ = ["ENTITIES", "MAX_RESULTS", "changed", "run_query"]

ENTITIES = ("Customer", "Invoice", "Payment", "CreditMemo", "Term", "Attachable")
MAX_RESULTS = 1000


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))",
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise Reply(400, fault("4000", "Error parsing query", detail=f"at {pos}"))
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "str":
            value = value[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        out.append((kind, value))
        pos = found.end()
    return out


def _get(record: Any, path: str) -> Any:
    """A dotted property; through a list (AttachableRef), the values of every element."""
    if isinstance(record, dict) and path in record:  # the hot path: a top-level property
        return record[path]
    head, _, rest = path.partition(".")
    if isinstance(record, list):
        values = [_get(item, path) for item in record]
        flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
        return [v for v in flat if v is not None]
    if not isinstance(record, dict):
        return None
    key = next((k for k in record if k.lower() == head.lower()), None)
    value = record.get(key) if key else None
    return _get(value, rest) if rest and value is not None else value


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


@functools.lru_cache(maxsize=4096)
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if isinstance(actual, Decimal) and op in _OPS:  # the hot path: Balance > '0'
        number = _decimal(str(wanted))
        if number is not None:
            return _OPS[op](actual, number)
    if isinstance(actual, list):
        return any(_compare(a, op, wanted) for a in actual)
    if actual is None:
        return False
    if op == "in":
        return any(_compare(actual, "=", w) for w in wanted)
    if op == "like":
        pattern = "^" + re.escape(str(wanted)).replace("%", ".*") + "$"
        return re.match(pattern, str(actual), re.I) is not None
    left: Any = actual
    right: Any = wanted
    if isinstance(actual, bool):
        left, right = str(actual).lower(), str(wanted).lower()
    elif isinstance(actual, Decimal | int):
        try:
            right = Decimal(str(wanted))
            left = Decimal(str(actual))
        except InvalidOperation:
            left, right = str(actual), str(wanted)
    elif isinstance(actual, str) and re.match(r"\d{4}-\d\d-\d\d", actual) and "T" in actual:
        with contextlib.suppress(ValueError):
            left, right = datetime.fromisoformat(actual), datetime.fromisoformat(str(wanted))
    else:
        left, right = str(actual), str(wanted)
    return bool(_OPS[op](left, right))


_ORDER: dict[int, tuple[int, list[str]]] = {}
# the rows a where clause kept, per table and data generation: paging re-filters nothing
_FILTERED: dict[tuple[int, int, tuple[tuple[str, str], ...]], list[str]] = {}
_GENERATION = [0]  # bumped by every write, so a cached filter never outlives the data


def changed() -> None:
    """Called on every write: cached filters are dropped."""
    _GENERATION[0] += 1


def _by_id(table: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows in Id order; the order is kept while no row comes or goes."""
    cached = _ORDER.get(id(table))
    if cached is None or cached[0] != len(table):
        cached = (len(table), sorted(table, key=lambda i: int(i) if i.isdigit() else 0))
        _ORDER[id(table)] = cached
    return [table[i] for i in cached[1] if i in table]


def run_query(table: dict[str, dict[str, Any]], text: str) -> tuple[str, dict[str, Any]]:
    """(entity, QueryResponse) for one statement of the supported subset."""
    toks = _tokens(text)
    pos = 0

    def take(kind: str | None = None, value: str | None = None) -> str:
        nonlocal pos
        if pos >= len(toks):
            raise Reply(400, fault("4000", "Error parsing query", detail="unexpected end"))
        got_kind, got = toks[pos]
        if (kind and got_kind != kind) or (value and got.lower() != value):
            raise Reply(400, fault("4000", "Error parsing query", detail=f"near {got!r}"))
        pos += 1
        return got

    def peek(value: str) -> bool:
        return pos < len(toks) and toks[pos][1].lower() == value

    take("word", "select")
    count = False
    if peek("*"):
        take()
    else:
        take("word", "count")
        take("punct", "(")
        take("punct", "*")
        take("punct", ")")
        count = True
    take("word", "from")
    entity = take("word")
    canonical = next((e for e in ENTITIES if e.lower() == entity.lower()), None)
    if canonical is None:
        raise Reply(400, fault("4000", "Error parsing query", detail=f"unknown {entity}"))
    entity_table = table.get(canonical, {})
    cached_ids: list[str] | None = None
    clause_end = next(
        (
            i
            for i in range(pos, len(toks))
            if toks[i][0] == "word"
            and toks[i][1].lower() in ("orderby", "order", "startposition", "maxresults")
        ),
        len(toks),
    )
    cache_key = (id(entity_table), _GENERATION[0], tuple(toks[pos:clause_end]))
    if peek("where") and cache_key in _FILTERED:
        cached_ids = _FILTERED[cache_key]
        rows: list[dict[str, Any]] = []
        pos = clause_end
    else:
        rows = _by_id(entity_table)
    if peek("where"):
        take()
        while True:
            prop = take("word")
            if peek("in"):
                take()
                take("punct", "(")
                values = [take("str")]
                while peek(","):
                    take()
                    values.append(take("str"))
                take("punct", ")")
                rows = [r for r in rows if _compare(_get(r, prop), "in", values)]
            elif peek("like"):
                take()
                needle = take("str")
                rows = [r for r in rows if _compare(_get(r, prop), "like", needle)]
            else:
                op = take("op")
                kind, value = toks[pos]
                pos += 1
                if kind not in ("str", "num", "word"):
                    raise Reply(400, fault("4000", "Error parsing query"))
                rows = [r for r in rows if _compare(_get(r, prop), op, value)]
            if not peek("and"):
                break
            take()
        if len(_FILTERED) > 16:
            _FILTERED.clear()
        _FILTERED[cache_key] = [str(r.get("Id")) for r in rows]  # the next page reuses it
    order, descending = "Id", False
    if peek("orderby") or peek("order"):
        if take().lower() == "order":
            take("word", "by")
        order = take("word")
        if peek("asc") or peek("desc"):
            descending = take().lower() == "desc"
    start, limit = 1, 100
    while pos < len(toks):
        word = take("word").lower()
        number = int(take("num"))
        if word == "startposition":
            start = number
        elif word == "maxresults":
            limit = number
        else:
            raise Reply(400, fault("4000", "Error parsing query", detail=word))
    if limit > MAX_RESULTS or limit < 1 or start < 1:
        raise Reply(400, fault("4000", "Error parsing query", detail="MAXRESULTS is at most 1000"))

    def key(row: dict[str, Any]) -> Any:
        value = _get(row, order)
        if order.lower() == "id":
            return int(str(value))
        return str(value)

    if cached_ids is not None:  # a later page of a query already filtered
        if order.lower() == "id" and not descending and not count:
            chosen = cached_ids[start - 1 : start - 1 + limit]
            page_rows = [entity_table[i] for i in chosen if i in entity_table]
            if not page_rows:
                return canonical, {}
            return canonical, {
                canonical: page_rows,
                "startPosition": start,
                "maxResults": len(page_rows),
            }
        rows = [entity_table[i] for i in cached_ids if i in entity_table]
    if order.lower() != "id":
        rows.sort(key=key, reverse=descending)
    elif descending:
        rows.reverse()
    if count:
        return canonical, {"totalCount": len(rows)}
    page = rows[start - 1 : start - 1 + limit]
    if not page:
        return canonical, {}
    return canonical, {canonical: page, "startPosition": start, "maxResults": len(page)}
