"""The JSON QuickBooks Online (Accounting API v3) sends, as far as relance reads it.

Entities use Intuit's PascalCase names; everything relance does not read is ignored. Amounts
are JSON numbers: the client parses them with ``parse_float=Decimal``, so no float exists.
Facts: ../shared/docs/platform-apis.md §2.3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "QAddress",
    "QCreditMemo",
    "QCustomer",
    "QInvoice",
    "QPayment",
    "QRef",
    "QTerm",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class QRef(_Wire):
    value: str
    name: str | None = None


class QEmail(_Wire):
    Address: str | None = None


class QPhone(_Wire):
    FreeFormNumber: str | None = None


class QAddress(_Wire):
    Line1: str | None = None
    Line2: str | None = None
    Line3: str | None = None
    Line4: str | None = None
    Line5: str | None = None
    City: str | None = None
    CountrySubDivisionCode: str | None = None
    PostalCode: str | None = None
    Country: str | None = None


class QMeta(_Wire):
    CreateTime: dt.datetime | None = None
    LastUpdatedTime: dt.datetime | None = None


class QCustomer(_Wire):
    Id: str
    SyncToken: str = "0"
    DisplayName: str = Field(min_length=1)
    CompanyName: str | None = None
    Title: str | None = None  # "Mr.", "Mrs.", "Ms." …, free text (16 characters)
    GivenName: str | None = None
    FamilyName: str | None = None
    PrimaryEmailAddr: QEmail | None = None
    PrimaryPhone: QPhone | None = None
    Mobile: QPhone | None = None
    BillAddr: QAddress | None = None
    Notes: str | None = None
    CurrencyRef: QRef | None = None
    SalesTermRef: QRef | None = None
    Active: bool = True
    Job: bool = False
    ParentRef: QRef | None = None
    BillWithParent: bool = False
    MetaData: QMeta | None = None


class QCustomField(_Wire):
    DefinitionId: str
    Name: str | None = None
    Type: str | None = None
    StringValue: str | None = None


class QLinkedTxn(_Wire):
    TxnId: str
    TxnType: str


class QInvoice(_Wire):
    Id: str
    SyncToken: str = "0"
    DocNumber: str | None = None
    TxnDate: dt.date
    DueDate: dt.date | None = None
    TotalAmt: Decimal
    Balance: Decimal
    CurrencyRef: QRef | None = None
    CustomerRef: QRef
    BillEmail: QEmail | None = None
    BillAddr: QAddress | None = None
    SalesTermRef: QRef | None = None
    PrivateNote: str | None = None
    CustomField: list[QCustomField] = Field(default_factory=list)
    InvoiceLink: str | None = None
    MetaData: QMeta | None = None


class QCreditMemo(_Wire):
    Id: str
    DocNumber: str | None = None
    TxnDate: dt.date
    TotalAmt: Decimal
    RemainingCredit: Decimal | None = None
    Balance: Decimal | None = None
    CurrencyRef: QRef | None = None
    CustomerRef: QRef
    MetaData: QMeta | None = None


class QPaymentLine(_Wire):
    Amount: Decimal = Decimal(0)
    LinkedTxn: list[QLinkedTxn] = Field(default_factory=list)


class QPayment(_Wire):
    Id: str
    TxnDate: dt.date
    TotalAmt: Decimal
    UnappliedAmt: Decimal = Decimal(0)
    CurrencyRef: QRef | None = None
    CustomerRef: QRef
    Line: list[QPaymentLine] = Field(default_factory=list)
    MetaData: QMeta | None = None


class QTerm(_Wire):
    Id: str
    Name: str = ""
    DueDays: int | None = None
