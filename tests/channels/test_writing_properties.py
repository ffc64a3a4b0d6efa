"""Property tests: for any customer, any mix of invoices, deductions, reminders and promises,
the e-mails keep the rules of docs/writing.md that a reader checks by eye."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.model import Civility, Contact, Customer, LegalKind, Promise
from connector.money import Money, Totals
from connector.planner import ClaimLine, CreditLine, ItemKind, PlannedAction
from connector.render import RenderedMessage, render

from .scenarios import CALENDAR, CREDITOR, POLICY, ref

TODAY = date(2026, 6, 15)
STEPS = {s.name: s for s in POLICY.steps}
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
FRENCH_MONTHS = {name: n for n, name in enumerate(MONTHS.split(), start=1)}
# words that betray an English sentence left in a French message
ENGLISH = re.compile(
    r"\b(Invoice|Due|Outstanding|Overdue|e-?mail|Dear|Payment|Balance|Reminder|Statement|"
    r"Credit|Total to|Yours|Sir|Madam|Subject|Pay online|days?)\b",
    re.IGNORECASE,
)
STRAY = [
    " ;\n", " ,", " .", "soit  ", ":\n\n", ": \n", "..", ",,", "()", " )", "( ", "—\n", " \u00a0"
]  # fmt: skip
NOUNS = {
    "fr": {"facture": "factures", "échéance": "échéances", "jour": "jours"},
    "en": {"invoice": "invoices", "instalment": "instalments", "day": "days"},
}

names = st.sampled_from(["Durand", "Le Goff", "N'Diaye", "Müller", "de La Tour"])


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    kind = draw(st.sampled_from(LegalKind))
    contacts: tuple[Contact, ...] = ()
    if draw(st.booleans()):
        family = draw(names)
        given = draw(st.sampled_from(["", "Claire", "Jean-Paul"]))
        contacts = (
            Contact(
                name=f"{given} {family}".strip() if draw(st.booleans()) else "",
                family_name=family if draw(st.booleans()) else "",
                civility=draw(st.none() | st.sampled_from(Civility)),
                email="compta@example.fr",
                primary=True,
            ),
        )
    return Customer(
        ref=ref("C1"),
        name=draw(st.sampled_from(["Hôtel des Célestins", "Jean Moreau", "SARL Brun & Fils"])),
        legal_kind=kind,
        language=draw(st.sampled_from(["fr", "en"])),
        contacts=contacts,
    )


@st.composite
def actions(draw: st.DrawFn) -> tuple[PlannedAction, tuple[date, ...], list[Promise]]:
    step = draw(st.sampled_from(["courtesy", "reminder_1", "reminder_2", "statement"]))
    courtesy = step == "courtesy"
    lines = []
    for n in range(draw(st.integers(1, 5))):
        instalment = draw(st.booleans()) and not courtesy and draw(st.booleans())
        term = not instalment and draw(st.booleans()) and draw(st.booleans())
        late = 0 if courtesy else draw(st.integers(0 if step == "statement" else 1, 400))
        due = (
            TODAY - timedelta(days=late)
            if late
            else TODAY + timedelta(days=draw(st.integers(1, 9)))
        )
        amount = Money(Decimal(draw(st.integers(1, 10**7))) / 100, "EUR")
        lines.append(
            ClaimLine(
                key=f"k{n}",
                kind=ItemKind.INSTALMENT
                if instalment
                else ItemKind.TERM
                if term
                else ItemKind.RECEIVABLE,
                # a split invoice's parts share its number: F-9000, parts 1/2 and 2/2 …
                number=f"{n + 1}/5" if instalment else "F-9000" if term else f"F-{n:04d}",
                part=n + 1 if term else None,
                parts=5 if term else None,
                issued_on=due - timedelta(days=30),
                due_on=due,
                open=amount,
                total=amount,
                days_late=late,
                payment_url=draw(st.none() | st.just(f"https://pay.example.fr/{n}")),
            )
        )
    totals = Totals(line.open for line in lines)
    credits = []
    if not courtesy:
        for n in range(draw(st.integers(0, 2))):
            amount = Money(Decimal(draw(st.integers(1, 500))) / 100, "EUR")
            label = draw(st.sampled_from(["payment", f"AV-{n:03d}"]))
            credits.append(CreditLine(f"c{n}", label, TODAY - timedelta(days=n + 3), amount))
            totals.add(-amount)
    template = STEPS.get(step, STEPS["reminder_1"])
    action = PlannedAction(
        key="k",
        customer_ref=ref("C1"),
        step=step,
        kind=template.kind,
        channel=template.channel,
        template=step,
        planned_on=TODAY,
        lines=tuple(sorted(lines, key=lambda ln: ln.due_on)),
        credits=tuple(credits),
        totals=totals,
    )
    sent = draw(st.lists(st.integers(1, 90), max_size=3, unique=True))
    reminders = tuple(sorted(TODAY - timedelta(days=d) for d in sent))
    promises = []
    if step == "reminder_2" and draw(st.booleans()):
        promises.append(
            Promise(
                id="p",
                customer_ref=ref("C1"),
                promised_on=TODAY - timedelta(days=5),
                recorded_on=TODAY - timedelta(days=12),
                amount=Money(Decimal("100.00"), "EUR"),
                balance_at_promise=Money(Decimal("200.00"), "EUR"),
            )
        )
    return action, reminders, promises


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "tr", "td", "th", "li", "div", "title"):
            self.chunks.append("\n")  # a cell or a paragraph reads apart from the next

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def visible(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return "".join(reader.chunks)


def prose(message: RenderedMessage) -> str:
    """The text part without its table, whose columns are padded with spaces on purpose."""
    lines = message.text.split("\n")
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    if rules:
        lines = lines[: rules[0] - 1] + lines[rules[-1] + 2 :]
    return "\n".join([message.subject, *lines])


def check_agreement(text: str, language: str) -> None:
    for figure, noun in re.findall(r"(\d+)\u00a0(\w+)", text):
        n = int(figure)
        singular = n in (0, 1) if language == "fr" else n == 1
        for one, many in NOUNS[language].items():
            if noun == many:
                assert not singular, f"{figure} {noun}"
            if noun == one:
                assert singular, f"{figure} {noun} in {text!r}"


@settings(max_examples=150, deadline=None)
@given(customers(), actions())
def test_every_email_keeps_the_house_rules(
    customer: Customer, drawn: tuple[PlannedAction, tuple[date, ...], list[Promise]]
) -> None:
    action, reminders, promises = drawn
    message = render(
        action,
        customer=customer,
        creditor=CREDITOR,
        policy=POLICY,
        promises=promises,
        reminders=reminders,
    )
    language = customer.language
    words = prose(message)
    parts = [words, visible(message.html)]
    invoices = len({ln.number for ln in action.lines if ln.kind is not ItemKind.INSTALMENT})
    for part in parts:
        for figure in re.findall(r"(\d+)\u00a0(?:factures?|invoices?)\b", part):
            assert int(figure) <= invoices, f"{figure} invoices counted, {invoices} listed"
        assert "(s)" not in part and "(e)" not in part
        check_agreement(part, language)
        for stray in STRAY:
            assert stray not in part, f"stray {stray!r} in {part!r}"
        assert not re.search(r"\S  ", part), f"doubled space in {part!r}"
        assert not re.search(r"^\s*[;,.]", part, re.MULTILINE)
        if language == "fr":
            assert not ENGLISH.search(part), f"English in French: {ENGLISH.search(part)}"
            assert not re.search(" [;:!?»]", part), f"breaking space before a sign in {part!r}"
    everything = "\n".join(parts).lower()
    if customer.legal_kind is LegalKind.B2C:
        for word in ("pénalité", "penalt", "indemnit", "à votre charge", "at your expense"):
            assert word not in everything
        assert not re.search(r"(?<![\d,.\u202f])40\u00a0€|€40(?![\d.,])", everything)
    if len(reminders) < 2:
        assert "malgré nos relances" not in everything
        assert "despite our reminders" not in everything
    if action.step == "courtesy":
        assert "retard" not in everything and "overdue" not in everything
    deadline = re.search(r"soit au plus tard le (\d+)(?:er)?\s(\w+) (\d{4})", words)
    if deadline:
        day = date(int(deadline[3]), FRENCH_MONTHS[deadline[2]], int(deadline[1]))
        assert CALENDAR.is_send_day(day), f"deadline {day} is not a business day"
    assert action.step != "reminder_2" or language != "fr" or deadline


def test_the_parts_of_a_split_invoice_are_not_counted_as_invoices() -> None:
    """Two parts of F-0001 and F-0002: three « échéances », never « 3 factures »."""
    due = TODAY - timedelta(days=20)
    lines = tuple(
        ClaimLine(
            key=f"k{n}",
            kind=kind,
            number=number,
            issued_on=due - timedelta(days=30),
            due_on=due + timedelta(days=n),
            open=Money(Decimal("100.00"), "EUR"),
            total=Money(Decimal("100.00"), "EUR"),
            days_late=20 - n,
            part=part,
            parts=2 if part else None,
        )
        for n, (kind, number, part) in enumerate(
            [
                (ItemKind.TERM, "F-0001", 1),
                (ItemKind.RECEIVABLE, "F-0002", None),
                (ItemKind.TERM, "F-0001", 2),
            ]
        )
    )
    action = PlannedAction(
        key="k",
        customer_ref=ref("C1"),
        step="reminder_1",
        kind=STEPS["reminder_1"].kind,
        channel=STEPS["reminder_1"].channel,
        template="reminder_1",
        planned_on=TODAY,
        lines=lines,
        totals=Totals(line.open for line in lines),
    )
    for language, expected in (("fr", "3\u00a0échéances dépassées"), ("en", "3\u00a0overdue")):
        customer = Customer(ref=ref("C1"), name="Boulangerie Martin", language=language)
        message = render(action, customer=customer, creditor=CREDITOR, policy=POLICY)
        assert expected in message.subject
        assert "3\u00a0factures" not in message.text and "3\u00a0invoices" not in message.text
