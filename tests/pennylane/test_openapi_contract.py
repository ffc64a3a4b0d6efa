"""Every request the Pennylane adapter sends, and every answer the emulator gives it, as
Pennylane's OpenAPI description says they must be (openapi_contract.py checks them).

The runs cover what relance does with Pennylane: connecting (``me``, company token and
OAuth), a full sync, an incremental one, payments, targeted reads and the fresh balance
before a send, the invoice's PDF, write-back (a category created, one raced by another
process, tags, an appendix, notes on company and individual customers), and webhook
subscriptions in both published forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from adapters.pennylane.writeback import WriteOptions
from connector.clock import FrozenClock
from connector.errors import SourceRejected
from connector.http import HttpClient
from connector.model import Channel, Creditor, Platform, SourceRef
from connector.oauth import Token, TokenVault, load_fernet
from connector.settings import OAuthAppConfig, Settings, TenantConfig
from connector.source import Outcome
from connector.store import Store
from connector.sync import sync
from tests.emulators.pennylane import (
    API_2026_04,
    API_LATER,
    Exchange,
    Fault,
    PennylaneEmulator,
    PennylaneState,
    seed,
)

from .conftest import StaticToken
from .openapi_contract import check, operation_of, report

HOOK = "https://relance.example.fr/webhooks/pennylane/acme"
# every operation of the spec the adapter calls (README.md lists them, with what for)
OPERATIONS = {
    "getMe",
    "getCustomers",
    "getCustomer",
    "getCustomerInvoices",
    "getCustomerInvoice",
    "getCustomerChanges",
    "getCustomerInvoicesChanges",
    "getCustomerInvoiceMatchedTransactions",
    "getCategoryGroups",
    "getCategoryGroupCategories",
    "postCategories",
    "getCustomerInvoiceCategories",
    "putCustomerInvoiceCategories",
    "getCustomerInvoiceAppendices",
    "postCustomerInvoiceAppendices",
    "putCompanyCustomer",
    "putIndividualCustomer",
    "getWebhookSubscription",
    "postWebhookSubscription",
    "deleteWebhookSubscription",
    "getWebhookSubscriptions",
    "postWebhookSubscriptions",
}


class Company:
    """One emulated company, its store, and a source wired as `relance` wires it."""

    def __init__(self, tmp_path: Path, webhook_api: str) -> None:
        self.clock = FrozenClock.on(date(2026, 3, 10))
        self.state = PennylaneState(self.clock, webhook_api=webhook_api, exchanges=[])
        self.server = PennylaneEmulator(self.state).start()
        self.store = Store.open(f"sqlite:///{tmp_path / f'{webhook_api}.sqlite'}", clock=self.clock)
        self.store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        self.key = Fernet.generate_key()
        self.vault = TokenVault(self.store, Fernet(self.key))
        self.http = HttpClient(
            POLICY,
            base_url=self.server.base_url,
            tenant="acme",
            clock=self.clock,
            auth=StaticToken(),
            classify=classify,
        )
        self.source = PennylaneSource(
            PennylaneClient(self.http),
            "acme",
            self.clock,
            options=WriteOptions(category_group="Relances"),
            vault=self.vault,
        )

    @property
    def exchanges(self) -> list[Exchange]:
        assert self.state.exchanges is not None
        return self.state.exchanges

    def close(self) -> None:
        self.http.close()
        self.store.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def company(tmp_path: Path) -> Iterator[Company]:
    made = Company(tmp_path, API_2026_04)
    yield made
    made.close()


@pytest.fixture
def later(tmp_path: Path) -> Iterator[Company]:
    made = Company(tmp_path, API_LATER)
    yield made
    made.close()


def _outcome(invoice: int, customer: int, number: str, key: str) -> Outcome:
    return Outcome(
        action_key=key,
        step="reminder_1",
        channel=Channel.EMAIL,
        done_on=date(2026, 3, 10),
        receivables=(
            SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id=f"invoice:{invoice}"),
        ),
        note="relance",
        customer=SourceRef(
            platform=Platform.PENNYLANE, tenant="acme", external_id=f"customer:{customer}"
        ),
        numbers=(number,),
        document=b"%PDF-1.4 letter",
    )


def _run_a_tenant_s_life(company: Company) -> None:
    """What relance does with one Pennylane company, from connection to write-back."""
    state, source, clock = company.state, company.source, company.clock
    seed(state, customers=40, invoices=260, today=clock.now().date())
    assert source.check_connection().account_name

    sync(company.store, "acme", source, clock=clock)  # full: customers, invoices, payments
    clock.advance(timedelta(hours=2))
    open_ids = [i for i, r in state.invoices.items() if r["status"] in ("late", "upcoming")]
    partly = next(i for i, r in state.invoices.items() if r["status"] == "partially_paid")
    changed = state.invoices[open_ids[0]]
    state.put("customer_invoices", {**changed, "remaining_amount_with_tax": "10.00",
                                    "status": "partially_paid"})  # fmt: skip
    state.match(open_ids[0], "2026-03-10", "5.00")
    state.put("customers", {**state.customers[1], "phone": "+33102030405"})
    state.delete("customer_invoices", open_ids[1])
    clock.advance(timedelta(minutes=10))
    sync(company.store, "acme", source, clock=clock)  # incremental: changelogs, ids, payments

    refs = [SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id=f"invoice:{i}")
            for i in (open_ids[2], open_ids[1], partly)]  # fmt: skip
    assert list(source.read(refs))  # targeted: what webhook events name
    assert source.open_balance(refs[0]).is_positive  # right before a send
    assert source.document(refs[0]).startswith(b"%PDF")  # appended to a letter

    state.add_group("Relances")
    first = state.invoices[open_ids[2]]
    company_id = first["customer"]["id"]
    individual = next(c for c, r in state.customers.items() if r["customer_type"] == "individual")
    other = next(i for i in open_ids[3:] if state.invoices[i]["customer"]["id"] == individual)
    source.write_back(refs[0], _outcome(open_ids[2], company_id, first["invoice_number"], "a1"))
    receipt = source.write_back(
        SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id=f"invoice:{other}"),
        _outcome(other, individual, state.invoices[other]["invoice_number"], "a2"),
    )
    assert receipt.written
    # another process creates "Relance 2" between this writer's read and its POST: the
    # read is answered as it was before the other's write, the POST meets the real label
    group = next(g for g, r in state.category_groups.items() if r["label"] == "Relances")
    racer = PennylaneSource(
        source.client, "acme", clock, options=WriteOptions(category_group=group)
    )
    state.add_category("Relance 2", group)
    state.inject(Fault("GET", f"/category_groups/{group}/categories", 200,
                       {"items": [], "has_more": False, "next_cursor": None}))  # fmt: skip
    assert racer.writer.category_id("Relance 2") in state.categories


def _manage_subscriptions(company: Company) -> None:
    created = company.source.subscribe(HOOK)
    assert company.source.subscribe(HOOK).id == created.id  # one per token: ours already
    assert [s.id for s in company.source.subscriptions()] == [created.id]
    company.source.unsubscribe(created.id)
    assert company.source.subscriptions() == []


def test_every_exchange_of_a_tenant_s_life_is_as_the_spec_says(company: Company) -> None:
    _run_a_tenant_s_life(company)
    _manage_subscriptions(company)
    results = check(company.exchanges)
    assert not report(results), "mismatches with Pennylane's spec:\n" + report(results)
    covered = {r.operation for r in results}
    assert {o for o in OPERATIONS if "WebhookSubscriptions" not in o} <= covered
    assert company.state.throttled == 0


def test_the_later_subscription_form_is_as_its_description_says(later: Company) -> None:
    _manage_subscriptions(later)
    results = check(later.exchanges)
    assert not report(results), "mismatches with the later description:\n" + report(results)
    paths = {
        (e.method, e.path.rsplit("/", 1)[-1].isdigit(), e.path.split("/")[4])
        for e in later.exchanges
    }
    assert ("POST", False, "webhook_subscriptions") in paths
    assert {"getWebhookSubscriptions", "postWebhookSubscriptions", "deleteWebhookSubscription"} <= {
        r.operation for r in results
    }
    assert not any(e.path.endswith("/webhook_subscription") for e in later.exchanges)


def test_me_with_an_oauth_token_after_a_refresh(
    company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        secret_key=SecretStr(company.key.decode()),
        pennylane=OAuthAppConfig(
            client_id="relance-app",
            client_secret=SecretStr("app-secret"),
            token_url=company.server.token_url,
        ),
    )
    pair = company.state.issue_pair()
    expiring = company.clock.now() + timedelta(minutes=1)  # inside the refresh margin
    TokenVault(company.store, load_fernet(settings)).save(
        "acme", "pennylane", Token(pair["access_token"], pair["refresh_token"], expiring)
    )
    config = TenantConfig(
        slug="acme",
        platform=Platform.PENNYLANE,
        creditor=Creditor(name="Atelier Dupont SAS"),
        api_url=company.server.base_url,
    )
    source = PennylaneSource.from_tenant(
        config, clock=company.clock, store=company.store, settings=settings
    )
    try:
        assert source.check_connection().account_name == "Atelier Dupont SAS"
    finally:
        source.close()
    results = check(company.exchanges)
    assert [r.operation.split(":")[0] for r in results] == ["outside", "getMe"]
    assert not report(results), report(results)


def test_a_mismatch_is_caught_whichever_side_makes_it(company: Company) -> None:
    """The check fails on what the spec does not allow: an answer with a status the
    operation does not list, a record short of a required field, a request body with a
    property the operation does not take."""
    state = company.state
    seed(state, customers=3, invoices=5, today=company.clock.now().date())
    state.inject(
        Fault("POST", "/categories", 409, {"error": "Category already exists.", "status": 409})
    )
    state.inject(Fault("GET", "/customers/1", 200, {"id": 1, "name": "Sans le reste"}))
    client = company.source.client
    group = state.add_group("Relances")
    with pytest.raises(SourceRejected, match="409"):
        client.create_category("Relance 1", group)
    client.customer(1)
    firm = next(c for c, r in state.customers.items() if r["customer_type"] == "company")
    with pytest.raises(SourceRejected, match="400"):  # the emulator refuses it, as it should
        client.http.request(
            "PUT", f"/company_customers/{firm}", json={"notes": "x", "balance": "1"}
        )
    found = {r.operation: r.problems for r in check(company.exchanges)}
    assert any("409" in p for p in found["postCategories"])
    assert any("billing_iban" in p for p in found["getCustomer"])
    assert any("balance" in p for p in found["putCompanyCustomer"])


def test_each_request_names_the_operation_it_follows(company: Company) -> None:
    """Paths the spec does not have are named as such, not passed over."""

    def get(path: str, status: int) -> Exchange:
        return Exchange("GET", path, {}, {}, b"", status, "application/json", b"{}")

    made = [
        get("/api/external/v2/customer_invoices/12/matched_transactions", 200),
        Exchange("POST", "/oauth/token", {}, {}, b"", 200, "application/json", b"{}"),
        get("/api/external/v2/customer_invoices/12/notes", 404),
    ]
    assert [operation_of(e).split(":")[0] for e in made] == [
        "getCustomerInvoiceMatchedTransactions",
        "outside",
        "no such operation",
    ]
