"""``relance report --dashboard`` in a terminal: the dashboard's figures as tables, the same
numbers as its JSON and as the web dashboard's charts."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from connector.commitments import Standing
from connector.insights import Dashboard
from connector.insights.aged import COLUMNS
from connector.money import Money

__all__ = ["print_dashboard"]


def _amounts(values: dict[str, Money] | object) -> str:
    assert isinstance(values, dict)
    return ", ".join(str(m) for _, m in sorted(values.items())) or "—"


def print_dashboard(console: Console, figures: Dashboard) -> None:
    for currency in figures.aged.currencies:
        table = Table(title=f"aged balance over time ({currency})")
        for name in ("day", *COLUMNS, "net open", f"DSO ({figures.dso.period_days} d)"):
            table.add_column(name, justify="left" if name == "day" else "right")
        for point, dso in zip(figures.aged.points, figures.dso.points, strict=True):
            columns = point.by_currency.get(currency)
            days = dso.days.get(currency)
            table.add_row(
                point.as_of.isoformat(),
                *(str(columns[n].rounded().amount) if columns else "0.00" for n in COLUMNS),
                str(point.total(currency).rounded().amount),
                "—" if days is None else str(days),
            )
        console.print(table)
    steps = Table(title=f"paid after each step, {figures.steps.since} to {figures.as_of}")
    for name in ("step", "paid", "invoices paid", "invoices reached"):
        steps.add_column(name, justify="left" if name == "step" else "right")
    for s in (*figures.steps.steps, figures.steps.without_reminder):
        steps.add_row(
            s.step or "(before any step)",
            _amounts(dict(s.collected)),
            str(s.invoices_paid),
            str(s.invoices_reached),
        )
    console.print(steps)
    promises = Table(title="promises to pay, by the month of their date")
    promises.add_column("month")
    for standing in (Standing.KEPT, Standing.BROKEN, Standing.LIVE, Standing.CANCELLED):
        promises.add_column(standing.value, justify="right")
    for month in figures.promises.months:
        promises.add_row(
            month.month.isoformat()[:7],
            *(
                f"{month.count[s]} ({_amounts(dict(month.amount[s]))})" if month.count[s] else "0"
                for s in (Standing.KEPT, Standing.BROKEN, Standing.LIVE, Standing.CANCELLED)
            ),
        )
    console.print(promises)
    cash = Table(title=f"cash expected, {figures.as_of} to {figures.expected.horizon}")
    for name in ("week", "amount", "promises", "plan instalments"):
        cash.add_column(name, justify="left" if name == "week" else "right")
    for week in figures.expected.weeks():
        cash.add_row(
            f"{week.start} to {week.end}",
            _amounts(dict(week.amounts)),
            str(week.promises),
            str(week.plan_instalments),
        )
    console.print(cash)
