"""relance's own reasons — why an action was planned, waits, was held or withdrawn, why a
channel could not be used — said in the page's words.

The core writes them in English, for the command line and the logs, and keeps them so in the
store (the audit trail is what it wrote). A page reads each one against the shapes the core
writes (:data:`SHAPES`) and says it in the visitor's language, without the command-line
instructions that mean nothing in a browser (« relance action approve KEY »); a reason of
another shape (a person's own words, an older wording) is shown as it was written.
``tests/web/test_in_words.py`` checks that no reason of the demo reaches a French page in
English, so a new wording in the core fails there until it has its shape here. The Odoo
add-on words its customers' blocked reasons with it too (its ``planning.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from connector import formats
from connector.web.i18n import current_language, gettext, ngettext
from connector.web.labels import channel_word, step_label

__all__ = ["SHAPES", "in_words"]


def _(text: str) -> str:
    return text


_DAY = r"\d{4}-\d{2}-\d{2}"

# what the core calls each channel in a reason (connector.dunning.reach)
_CHANNELS = {
    "e-mail": _("e-mail"),
    "letter": _("letter"),
    "phone task": _("phone task"),
    "text message": _("text message"),
}
_OBSTACLES = {
    "no e-mail address": _("no e-mail address"),
    "no postal address": _("no postal address"),
    "no phone number": _("no phone number"),
}
_INTEREST = _(
    "The late-payment interest of this formal notice has no figure: the rate tables do not "
    "cover its period (see Settings > Rate tables). Approved as it is, it claims the recovery "
    "indemnity and says the interest runs at the legal rate."
)


def _day(text: str) -> str:
    return formats.short_date(date.fromisoformat(text), current_language())


def _late(m: re.Match[str]) -> str:
    days = int(m["days"])
    return ngettext(
        "%(number)s is %(num)d day late",
        "%(number)s is %(num)d days late",
        days,
        number=m["number"],
    )


def _approval(m: re.Match[str]) -> str:
    said = gettext(
        "Its step (%(step)s) waits for a person’s approval: approve it, skip it or edit it.",
        step=step_label(m["step"]),
    )
    return f"{said} {gettext(_INTEREST)}" if m["interest"] else said


def _channels(m: re.Match[str]) -> str:
    """« e-mail: no e-mail address; letter: no postal address »."""
    parts = []
    for part in m[0].split("; "):
        channel, _sep, obstacle = part.partition(": ")
        words = _OBSTACLES.get(obstacle)
        if channel not in _CHANNELS or words is None:
            return m[0]  # a shape not known here: as written
        parts.append(
            gettext("%(channel)s: %(why)s", channel=gettext(_CHANNELS[channel]), why=gettext(words))
        )
    # French sets a no-break space before the semicolon, as before a colon
    return ("\u00a0; " if current_language() == "fr" else "; ").join(parts)


_CHANNEL_LIST = "(?:{c}): (?:{o})(?:; (?:{c}): (?:{o}))*".format(
    c="|".join(map(re.escape, _CHANNELS)), o="|".join(map(re.escape, _OBSTACLES))
)

# (the shape of a reason the core writes, what the page says instead)
SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?P<number>.+) is (?P<days>\d+) day\(s\) late"), _late),
    (
        re.compile(rf"(?P<number>.+) falls due on (?P<day>{_DAY})"),
        lambda m: gettext(
            "%(number)s falls due on %(day)s", number=m["number"], day=_day(m["day"])
        ),
    ),
    (re.compile(r"promise to pay broken"), lambda m: gettext("A promise to pay was broken.")),
    (
        re.compile(
            r"its step \((?P<step>[^)]+)\) waits for a person's approval: relance action "
            r"approve \S+ \(or skip, or edit it\)"
            r"(?P<interest>\. the late-payment interest of this formal notice has no figure: .*)?",
            re.S,
        ),
        _approval,
    ),
    (
        re.compile(
            r"the late-payment interest of this formal notice has no figure: .* release it as "
            r"it is: relance action release \S+",
            re.S,
        ),
        lambda m: gettext(_INTEREST) + " " + gettext("Add the rate, or release it as it is."),
    ),
    (
        re.compile(
            rf"no longer due on (?P<day>{_DAY}) \(paid, or the plan changed\) before it went out"
        ),
        lambda m: gettext(
            "No longer due on %(day)s (paid, or the plan changed) before it went out.",
            day=_day(m["day"]),
        ),
    ),
    (
        re.compile(
            r"the amounts changed since it was approved \((?P<was>.+) then, (?P<now>.+) now\): "
            r"check its preview, then approve it again: relance action approve \S+"
        ),
        lambda m: gettext(
            "The amounts changed since it was approved (%(was)s then, %(now)s now): check its "
            "preview, then approve it again.",
            was=m["was"],
            now=m["now"],
        ),
    ),
    (
        re.compile(
            rf"letter prepared on (?P<day>{_DAY}), to print and post; then record it: "
            r"relance action letter KEY --tracking NUMBER"
        ),
        lambda m: gettext("Letter prepared on %(day)s, to print and post.", day=_day(m["day"])),
    ),
    (re.compile(_CHANNEL_LIST), _channels),
    (
        re.compile(rf"(?P<step>[a-z0-9_]+) by (?P<channel>[a-z_]+): (?P<why>{_CHANNEL_LIST})"),
        lambda m: gettext(
            "%(step)s by %(channel)s: %(why)s",
            step=step_label(m["step"]),
            channel=channel_word(m["channel"]),
            why=in_words(m["why"]),
        ),
    ),
    (
        re.compile(rf"(?P<step>[a-z0-9_]+) cannot go: (?P<why>{_CHANNEL_LIST})"),
        lambda m: gettext(
            "%(step)s cannot go: %(why)s", step=step_label(m["step"]), why=in_words(m["why"])
        ),
    ),
    (
        re.compile(
            r"(?P<step>[a-z0-9_]+) cancelled by a person: release it to send it "
            r"\(relance action release\)"
        ),
        lambda m: gettext(
            "%(step)s was cancelled by a person: nothing goes out for it.",
            step=step_label(m["step"]),
        ),
    ),
    (
        re.compile(r"courtesy reminders withheld: the customer is in formal recovery"),
        lambda m: gettext("No courtesy reminder: the customer is in formal recovery."),
    ),
    (
        re.compile(r"courtesy skipped: credits and unapplied payments cover it"),
        lambda m: gettext("No courtesy reminder: credits and unapplied payments cover it."),
    ),
    (
        re.compile(r"(?P<currency>[A-Z]{3}): credits and unapplied payments cover what is overdue"),
        lambda m: gettext(
            "%(currency)s: credits and unapplied payments cover what is overdue.",
            currency=m["currency"],
        ),
    ),
)


def in_words(reason: object) -> str:
    """A reason of relance's own, in the page's language; any other text as written."""
    text = str(reason or "").strip()
    for shape, say in SHAPES:
        found = shape.fullmatch(text)
        if found:
            return say(found)
    return text
