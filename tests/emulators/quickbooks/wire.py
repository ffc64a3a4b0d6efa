"""What the emulator writes on the wire: JSON with Decimal amounts, Intuit's fault envelope."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

__all__ = ["Reply", "dumps", "fault"]

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
