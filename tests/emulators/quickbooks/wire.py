"""What the emulator writes on the wire: JSON with Decimal amounts (or XML, QuickBooks's
default when a request does not ask for JSON), Intuit's fault envelope."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["Reply", "dumps", "fault", "to_xml"]

_MARK = re.compile(r'"\\u0000dec:(-?[0-9.]+)\\u0000"')


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"\0dec:{format(value, 'f')}\0"  # swapped for the bare number after dumping
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    """JSON with Decimal amounts written as numbers, digit for digit (never via a float)."""
    text = json.dumps(_plain(value), default=str)
    return _MARK.sub(lambda m: m.group(1), text).encode()


def fault(
    code: str, message: str, kind: str = "ValidationFault", detail: str = ""
) -> dict[str, Any]:
    error = {"Message": message, "Detail": detail or message, "code": code, "element": ""}
    return {"Fault": {"Error": [error], "type": kind}}


class Reply(Exception):
    """An answer decided deep in a handler (a fault, usually), sent as it is."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


# what Intuit's XML carries as attributes rather than elements (the rest are elements; a
# list is its element repeated); ``type`` is an attribute of Fault only
_ATTRIBUTES = frozenset({"domain", "sparse", "startPosition", "maxResults", "totalCount"})
_ERROR_ATTRIBUTES = frozenset({"code", "element"})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _element(name: str, value: Any) -> list[str]:
    if isinstance(value, list):
        return [part for item in value for part in _element(name, item)]
    if not isinstance(value, dict):
        return [f"<{name}>{escape(_text(value))}</{name}>"]
    attributes = _ERROR_ATTRIBUTES if name == "Error" else _ATTRIBUTES
    attrs = "".join(
        f' {key}="{escape(_text(v), {chr(34): "&quot;"})}"'
        for key, v in value.items()
        if key in attributes or (name == "Fault" and key == "type")
    )
    inner = [
        part
        for key, v in value.items()
        if not (key in attributes or (name == "Fault" and key == "type"))
        for part in _element(key, v)
    ]
    return [f"<{name}{attrs}>", *inner, f"</{name}>"]


def to_xml(body: dict[str, Any]) -> bytes:
    """The answer as Intuit writes it in XML (``IntuitResponse``, namespace finance/v3), for a
    request that did not ask for JSON: the API's default format."""
    time = escape(str(body.get("time", "")), {chr(34): "&quot;"})
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">',
    ]
    for key, value in body.items():
        if key != "time":
            parts.extend(_element(key, value))
    parts.append("</IntuitResponse>")
    return "".join(parts).encode()
