"""What the law lets a creditor claim: recovery indemnities and late-payment interest.

France by default, the EU directive baseline, the United Kingdom, Germany, Belgium and
Spain; B2B and B2C. Rates are data (``tables/``), each value with its period and source.
"""

from connector.legal.claim import (
    ContractTerms,
    DayCount,
    Imputation,
    InterestPeriod,
    InvoiceClaim,
    InvoiceDebt,
    LateInvoice,
    LegalClaim,
    assess,
)
from connector.legal.rates import MissingRate, RatePeriod, RateTable, RateTables

__all__ = [
    "ContractTerms",
    "DayCount",
    "Imputation",
    "InterestPeriod",
    "InvoiceClaim",
    "InvoiceDebt",
    "LateInvoice",
    "LegalClaim",
    "MissingRate",
    "RatePeriod",
    "RateTable",
    "RateTables",
    "assess",
]
