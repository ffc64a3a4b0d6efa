"""What the command line prints: ledger data shown as data, never as instructions.

A customer name, an invoice number or an error detail comes from a platform or a file: it
may hold Rich markup (``[link=…]``, ``[/]``) or terminal control sequences (``ESC[31m``, a
bell, a carriage return that rewrites the line). The CLI's consoles therefore parse no markup
by default and strip control characters from everything they render; the few messages that
style their own words pass ``markup=True`` and put every value through :func:`shown`.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

__all__ = ["SafeConsole", "printable", "shown"]

# C0 and C1 controls, DEL: everything a terminal may act on, but line feeds and tabs
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters (line feeds and tabs kept)."""
    return _CONTROL.sub("", text)


def shown(value: object) -> str:
    """A value for a markup message: printable, with its own brackets escaped."""
    return escape(printable(str(value)))


class SafeConsole(Console):
    """A console that parses no markup unless asked and renders no control character."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(printable(text), **kwargs)
