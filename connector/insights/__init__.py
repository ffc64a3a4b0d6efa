"""The dashboard's figures, per tenant and as of a day: what ``relance report`` shows, over
time, and how the dunning works. Money stays per currency; nothing dated after the day counts.
"""

from connector.insights.aged import (
    COLUMNS,
    AgedHistory,
    AgedPoint,
    DsoHistory,
    DsoPoint,
    aged_history,
    dso_history,
    month_ends,
)

__all__ = [
    "COLUMNS",
    "AgedHistory",
    "AgedPoint",
    "DsoHistory",
    "DsoPoint",
    "aged_history",
    "dso_history",
    "month_ends",
]
