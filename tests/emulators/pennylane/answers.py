"""How the emulator answers: Pennylane's error bodies, its cursor pages and its filters.

Error bodies are those the spec's shared responses give (400 in its six shapes, and
``{error, status}`` for the others); see platform-apis.md §1.7.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

__all__ = ["Reply", "error", "filtered", "limit", "page"]


class Reply(Exception):
    """An answer other than the route's own: raised, then sent."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message, "status": status})


def page(items: list[Any], query: dict[str, str], cap: int = 100) -> dict[str, Any]:
    size = limit(query, cap)
    raw = query.get("cursor") or "0"
    if not raw.isdigit():
        raise Reply(400, {"message": "Invalid cursor", "code": "InvalidPattern"})
    start = int(raw)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return {"items": chunk, "has_more": more, "next_cursor": str(start + size) if more else None}


def limit(query: dict[str, str], cap: int) -> int:
    raw = query.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= cap:
        raise Reply(
            400, {"message": f"limit must be between 1 and {cap}", "code": "MoreThanMaximum"}
        )
    return int(raw)


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "not_eq": operator.ne,
    "lt": operator.lt,
    "lteq": operator.le,
    "gt": operator.gt,
    "gteq": operator.ge,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}


def filtered(
    items: list[dict[str, Any]],
    raw: str | None,
    fields: set[str],
    defaults: dict[str, Any] | None = None,
) -> list[Any]:
    """The items the ``filter`` rules keep; ``defaults``: the value a field a stored record
    leaves out is served with (records.py), so that it filters as it is served."""
    fallback = defaults or {}
    if not raw:
        return items
    try:
        rules = json.loads(raw)
        assert isinstance(rules, list)
    except (ValueError, AssertionError):
        raise Reply(
            400, {"message": "filter must be a JSON array", "code": "ValidateError"}
        ) from None
    for rule in rules:
        name, op, value = rule.get("field"), rule.get("operator"), rule.get("value")
        if name not in fields or op not in OPS:
            raise Reply(
                400,
                {
                    "message": f"unsupported filter {name} {op}",
                    "field": name,
                    "code": "NotEnumInclude",
                },
            )
        if op in ("in", "not_in"):
            if not isinstance(value, list):
                raise Reply(400, {"message": f"The filter's value ({name}) should be an array"})
            wanted: Any = {str(v) for v in value}
        elif isinstance(value, dict | list):
            raise Reply(
                400,
                {
                    "message": f"The filter's value ({name}) should be a string, "
                    "but we received a hash"
                },
            )
        else:
            wanted = str(value).lower()

        def key(item: dict[str, Any], name: str = name) -> Any:
            if name == "customer_id":
                return str((item.get("customer") or {}).get("id"))
            got = item.get(name, fallback.get(name))
            return str(got).lower() if isinstance(got, bool) else str(got)

        if op in ("lt", "lteq", "gt", "gteq"):
            items = [i for i in items if OPS[op](int(key(i)), int(str(value)))]
        else:
            items = [i for i in items if OPS[op](key(i), wanted)]
    return items
