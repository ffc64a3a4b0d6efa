"""The dashboard's charts as SVG, drawn on the server: no script, no network, no font to fetch.

Each function takes figures from :mod:`connector.insights` and a language (``fr`` or ``en``)
and returns one ``<svg>`` element, 640 by 260, that a page includes as it is:

* accessible — ``role="img"``, a ``<title>`` and a ``<desc>`` that state every figure drawn,
  and a tooltip (``<title>``) on each bar or point;
* safe — every text written into it (a step's name, a currency, a label) is XML-escaped;
* readable — axis labels, amounts formatted as the letters format them (``1 234,56 €``,
  compact on the axis: ``12,5 k €``), colours from the Okabe and Ito palette, which people with
  any common colour-vision deficiency tell apart, and a legend naming each colour;
* honest when there is nothing to draw: « Rien à afficher pour l’instant ».

One currency per chart (amounts of two currencies are never stacked or compared): the page
draws one chart per currency the figures hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from babel.dates import format_date
from babel.numbers import format_compact_currency

from connector import formats
from connector.commitments import Standing
from connector.insights import (
    AgedHistory,
    CollectedByStep,
    DsoHistory,
    ExpectedCash,
    PromiseOutcomes,
)
from connector.money import Money
from connector.reports import BUCKETS

__all__ = [
    "aged_balance_chart",
    "collected_by_step_chart",
    "dso_chart",
    "expected_cash_chart",
    "promises_chart",
]

WIDTH, HEIGHT = 640, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 12, 44, 218  # the plot area
# Okabe & Ito, "Color Universal Design" (2008): distinct under deuteranopia and protanopia
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
)  # fmt: skip
_INK, _GRID = "#222222", "#d9d9d9"

_WORDS = {
    "empty": {"fr": "Rien à afficher pour l’instant", "en": "Nothing to show yet"},
    "aged": {"fr": "Balance âgée", "en": "Aged balance"},
    "dso": {"fr": "DSO (jours)", "en": "DSO (days)"},
    "steps": {"fr": "Encaissé après chaque étape", "en": "Collected after each step"},
    "promises": {"fr": "Promesses de paiement", "en": "Promises to pay"},
    "expected": {
        "fr": "Encaissements attendus sur 30 jours",
        "en": "Cash expected in the next 30 days",
    },
    "kept": {"fr": "Tenues", "en": "Kept"},
    "broken": {"fr": "Non tenues", "en": "Broken"},
    "promised": {"fr": "Promesses", "en": "Promises"},
    "instalments": {"fr": "Échéanciers", "en": "Payment plans"},
    "collected": {"fr": "Encaissé", "en": "Collected"},
    "no_step": {"fr": "Sans relance", "en": "No reminder"},
    "days": {"fr": "jours", "en": "days"},
    "count": {"fr": "nombre", "en": "number"},
    "not_due": {"fr": "Non échu", "en": "Not due"},
    "1-30": {"fr": "1 à 30\u00a0j", "en": "1-30 d"},
    "31-60": {"fr": "31 à 60\u00a0j", "en": "31-60 d"},
    "61-90": {"fr": "61 à 90\u00a0j", "en": "61-90 d"},
    "90+": {"fr": "Plus de 90\u00a0j", "en": "Over 90 d"},
    "week_of": {"fr": "semaine du", "en": "week of"},
}
_BUCKET_COLOURS = dict(zip(BUCKETS, (GREEN, SKY, ORANGE, VERMILION, PURPLE), strict=True))


def _word(key: str, language: str) -> str:
    return _WORDS[key]["fr" if language == "fr" else "en"]


def _listed(parts: Sequence[str], language: str) -> str:
    """Items one after the other: « a ; b » (a narrow no-break space before it) / "a; b"."""
    return ("\u202f; " if language == "fr" else "; ").join(parts)


def _said(label: str, value: str, language: str) -> str:
    """« label : value » (a no-break space before the colon in French) / "label: value"."""
    return f"{label}\u00a0: {value}" if language == "fr" else f"{label}: {value}"


@dataclass(frozen=True, slots=True)
class _Series:
    name: str
    colour: str
    values: tuple[Decimal | None, ...]


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def _svg(kind: str, title: str, desc: str, body: Sequence[str]) -> str:
    ids = f"chart-{kind}"
    return "".join(
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
            f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'aria-labelledby="{ids}-title {ids}-desc" class="chart chart-{kind}" '
            "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
            f'font-size="11" fill="{_INK}">',
            f'<title id="{ids}-title">{escape(title)}</title>',
            f'<desc id="{ids}-desc">{escape(desc)}</desc>',
            _text(8, 18, title, font_size="14", font_weight="600"),
            *body,
            "</svg>",
        )
    )


def _empty(kind: str, title: str, language: str) -> str:
    message = _word("empty", language)
    return _svg(
        kind,
        title,
        message,
        [
            _text(
                WIDTH / 2, HEIGHT / 2, message, text_anchor="middle", font_size="13", fill="#555555"
            )
        ],
    )


def _nice_top(peak: Decimal, *, whole: bool = False) -> tuple[Decimal, Decimal]:
    """A round top for the axis, above ``peak``, and the step of its four or five ticks
    (``whole``: a step of at least 1, for counts)."""
    if peak <= 0:
        return Decimal(1), Decimal(1) if whole else Decimal("0.25")
    magnitude = Decimal(10) ** (peak / 4).adjusted()
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        step = magnitude * factor
        if step * 5 >= peak:
            break
    if whole:
        step = max(step.to_integral_value(rounding="ROUND_CEILING"), Decimal(1))
    top = step * ((peak / step).to_integral_value(rounding="ROUND_CEILING"))
    return top, step


def _legend(series: Sequence[_Series]) -> list[str]:
    parts, x = [], float(_LEFT)
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="28" width="10" height="10" fill="{s.colour}"/>')
        parts.append(_text(x + 14, 37, s.name))
        x += 24 + 6.5 * len(s.name)
    return parts


def _axes(
    top: Decimal, step: Decimal, tick: Callable[[Decimal], str], labels: Sequence[str]
) -> list[str]:
    parts = []
    value = Decimal(0)
    while value <= top:
        y = _y(value, top)
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>'
        )
        parts.append(_text(_LEFT - 6, y + 4, tick(value), text_anchor="end"))
        value += step
    slot = (WIDTH - _RIGHT - _LEFT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        # thirteen months' labels would touch: a label wider than its slot is narrowed to it
        room = slot - 6
        fit = {"textLength": f"{room:.1f}", "lengthAdjust": "spacingAndGlyphs"}
        parts.append(
            _text(
                _LEFT + slot * (i + 0.5),
                _BOTTOM + 16,
                label,
                text_anchor="middle",
                font_size="10",
                **(fit if len(label) * 5.6 > room else {}),
            )
        )
    parts.append(
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{_BOTTOM}" y2="{_BOTTOM}" stroke="{_INK}"/>'
    )
    return parts


def _y(value: Decimal, top: Decimal) -> float:
    return _BOTTOM - float(value / top) * (_BOTTOM - _TOP - 8)


def _bars(
    kind: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[_Series],
    *,
    stacked: bool,
    tick: Callable[[Decimal], str],
    value_text: Callable[[Decimal], str],
    language: str,
    whole: bool = False,
) -> str:
    values = [[max(v or Decimal(0), Decimal(0)) for v in s.values] for s in series]
    peaks = (
        [sum(col) for col in zip(*values, strict=True)]
        if stacked
        else [max(col) for col in zip(*values, strict=True)]
    )
    if not labels or not any(v > 0 for row in values for v in row):
        return _empty(kind, title, language)
    top, step = _nice_top(max(peaks), whole=whole)
    slot = (WIDTH - _RIGHT - _LEFT) / len(labels)
    width = slot * 0.7 / (1 if stacked else len(series))
    body = [*_legend(series), *_axes(top, step, tick, labels)]
    described = []
    for i, label in enumerate(labels):
        base = Decimal(0)
        parts = []
        for n, s in enumerate(series):
            value = values[n][i]
            parts.append(f"{s.name} {value_text(value)}")
            if value <= 0:
                continue
            x = _LEFT + slot * i + slot * 0.15 + (0 if stacked else n * width)
            y_top, y_base = _y(base + value, top), _y(base, top)
            body.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{width:.1f}" '
                f'height="{max(y_base - y_top, 0.5):.1f}" fill="{s.colour}">'
                f"<title>{escape(_said(f'{label} — {s.name}', value_text(value), language))}"
                "</title></rect>"
            )
            if stacked:
                base += value
        described.append(_said(label, ", ".join(parts), language))
    return _svg(kind, title, f"{title}. " + _listed(described, language) + ".", body)


def _month(day: date, language: str) -> str:
    return str(format_date(day, "MMM yy", locale=formats.LOCALES.get(language, "en_GB")))


def _day(day: date, language: str) -> str:
    return str(format_date(day, "d MMM", locale=formats.LOCALES.get(language, "en_GB")))


def _money_tick(currency: str, language: str) -> Callable[[Decimal], str]:
    locale = formats.LOCALES.get(language, "en_GB")
    return lambda v: str(format_compact_currency(v, currency, locale=locale, fraction_digits=1))


def _money_text(currency: str, language: str) -> Callable[[Decimal], str]:
    return lambda v: formats.money(Money(v, currency), language)


def _count_text(language: str) -> Callable[[Decimal], str]:
    return lambda v: formats.number(v, language, places=0)


def aged_balance_chart(history: AgedHistory, currency: str, language: str = "fr") -> str:
    """Stacked bars: each bucket of the aged balance at each month's end and on the day."""
    title = f"{_word('aged', language)} ({currency})"
    points = history.points

    def amount(columns: object, bucket: str) -> Decimal:
        return columns[bucket].amount if isinstance(columns, dict) else Decimal(0)

    series = [
        _Series(
            _word(bucket, language),
            _BUCKET_COLOURS[bucket],
            tuple(amount(dict(p.by_currency.get(currency, {})) or None, bucket) for p in points),
        )
        for bucket in BUCKETS
    ]
    labels = [_month(p.as_of, language) for p in points]
    labels[-1] = _day(points[-1].as_of, language)
    return _bars(
        "aged",
        title,
        labels,
        series,
        stacked=True,
        tick=_money_tick(currency, language),
        value_text=_money_text(currency, language),
        language=language,
    )


def dso_chart(dso: DsoHistory, currency: str, language: str = "fr") -> str:
    """A line: DSO at each month's end and on the day (a gap where there were no sales)."""
    title = f"{_word('dso', language)} — {currency}"
    points = dso.points
    values = [p.days.get(currency) for p in points]
    if not any(v is not None and v > 0 for v in values):
        return _empty("dso", title, language)
    top, step = _nice_top(max(v for v in values if v is not None))
    labels = [_month(p.as_of, language) for p in points]
    labels[-1] = _day(points[-1].as_of, language)
    unit = _word("days", language)
    body = _axes(top, step, lambda v: formats.number(v, language, places=0), labels)
    slot = (WIDTH - _RIGHT - _LEFT) / len(points)
    runs: list[list[str]] = [[]]
    described = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            runs.append([])
            described.append(_said(label, "—", language))
            continue
        x, y = _LEFT + slot * (i + 0.5), _y(value, top)
        runs[-1].append(f"{x:.1f},{y:.1f}")
        shown = f"{formats.number(value, language, places=1)}\u00a0{unit}"
        described.append(_said(label, shown, language))
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BLUE}">'
            f"<title>{escape(described[-1])}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            line = " ".join(run)
            body.insert(
                0, f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2"/>'
            )
    return _svg("dso", title, f"{title}. " + _listed(described, language) + ".", body)


def collected_by_step_chart(
    figures: CollectedByStep,
    currency: str,
    language: str = "fr",
    step_name: Callable[[str], str] | None = None,
) -> str:
    """Bars: what was paid after each step (and before any), in one currency; ``step_name``
    gives a step's words (else its name, spaced)."""
    title = f"{_word('steps', language)} ({currency})"
    rows = [*figures.steps, figures.without_reminder]
    name = step_name or (lambda step: step.replace("_", " "))
    labels = [name(s.step) if s.step else _word("no_step", language) for s in rows]
    series = [
        _Series(
            _word("collected", language),
            BLUE,
            tuple(
                s.collected[currency].amount if currency in s.collected else Decimal(0)
                for s in rows
            ),
        )
    ]
    return _bars(
        "steps",
        title,
        labels,
        series,
        stacked=False,
        tick=_money_tick(currency, language),
        value_text=_money_text(currency, language),
        language=language,
    )


def promises_chart(outcomes: PromiseOutcomes, language: str = "fr") -> str:
    """Grouped bars: how many promises of each month were kept, and how many broken."""
    title = _word("promises", language)
    months = outcomes.months
    series = [
        _Series(
            _word("kept", language), BLUE, tuple(Decimal(m.count[Standing.KEPT]) for m in months)
        ),
        _Series(
            _word("broken", language),
            ORANGE,
            tuple(Decimal(m.count[Standing.BROKEN]) for m in months),
        ),
    ]
    return _bars(
        "promises",
        title,
        [_month(m.month, language) for m in months],
        series,
        stacked=False,
        tick=_count_text(language),
        value_text=_count_text(language),
        language=language,
        whole=True,
    )


def expected_cash_chart(expected: ExpectedCash, currency: str, language: str = "fr") -> str:
    """Stacked bars by week: what live promises and plan instalments should bring in."""
    title = f"{_word('expected', language)} ({currency})"
    weeks = expected.weeks()

    def part(week_days: tuple[date, date], which: str) -> Decimal:
        start, end = week_days
        return sum(
            (
                getattr(d, which)[currency].amount
                for d in expected.days
                if start <= d.day <= end and currency in getattr(d, which)
            ),
            Decimal(0),
        )

    series = [
        _Series(
            _word("promised", language),
            BLUE,
            tuple(part((w.start, w.end), "promised") for w in weeks),
        ),
        _Series(
            _word("instalments", language),
            ORANGE,
            tuple(part((w.start, w.end), "instalments") for w in weeks),
        ),
    ]
    return _bars(
        "expected",
        title,
        [_day(w.start, language) for w in weeks],
        series,
        stacked=True,
        tick=_money_tick(currency, language),
        value_text=_money_text(currency, language),
        language=language,
    )
