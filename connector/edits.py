"""A person's edit of a message, applied to the rendered message before it goes out.

The edit (kept with the action, ``details.edit``: see :mod:`connector.store.review`) replaces
the subject and the plain text whole. The HTML part of an e-mail is then that text in the
shell of the language's HTML layout (the same page, font and width), paragraph by paragraph
and escaped: what the person wrote is what the customer reads, in both parts, and no markup
of theirs reaches the message. The language's typography (no-break spaces before « : ; ! ? »
in French) is applied to the edit as to every rendered text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from connector import formats
from connector.render import RenderedMessage, paragraphs_html, render_environment

__all__ = ["edited_html", "with_edit"]

_SHELL = render_environment(html=True).from_string(
    "<!DOCTYPE html>\n"
    '<html lang="{{ language }}">\n'
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
    'initial-scale=1"><title>{{ subject }}</title></head>\n'
    '<body style="margin: 0; padding: 16px; font-family: Arial, Helvetica, sans-serif; '
    'font-size: 14px; line-height: 1.45; color: #222;">\n'
    '<div style="max-width: 680px;">\n'
    "{{ body }}\n"
    "</div>\n"
    "</body>\n"
    "</html>\n"
)


def edited_html(subject: str, text: str, language: str) -> str:
    """The HTML part of an edited e-mail: ``text`` in the layout's shell, escaped."""
    return _SHELL.render(language=language, subject=subject, body=paragraphs_html(text))


def with_edit(message: RenderedMessage, edit: Mapping[str, Any] | None) -> RenderedMessage:
    """``message`` with a person's edit in place of its subject, text and HTML (unchanged
    without one)."""
    if not edit:
        return message
    language = message.language
    subject = formats.typography(" ".join(str(edit["subject"]).split()), language)
    text = formats.typography(str(edit["text"]).strip(), language) + "\n"
    return replace(message, subject=subject, text=text, html=edited_html(subject, text, language))
