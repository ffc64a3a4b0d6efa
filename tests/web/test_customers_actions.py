"""What a credit manager records on a customer's page, over HTTP against a real ``relance web``:
each outcome is stored as the command line stores it, with the person in its audit event;
a refused form says why in the person's language and changes nothing; a promise moves the
customer's plan past its date (plus the policy's grace days)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

import requests

from connector.model import ReceivableKind, SourceRef
from connector.store import EventType
from tests.web.site import DEMO_TENANT, Site

GRACE_DAYS = 2  # the demo's policy: promise_grace_days


def page_of(key: str) -> str:
    return f"/t/{DEMO_TENANT}/customers/{quote(key, safe=':')}"


def post(
    http: requests.Session, site: Site, key: str, what: str, **data: object
) -> requests.Response:
    return http.post(
        f"{site.url}{page_of(key)}/{what}", data=data, allow_redirects=False, timeout=30
    )


def next_on(http: requests.Session, site: Site, key: str) -> date | None:
    html = http.get(f"{site.url}{page_of(key)}", timeout=30).text
    found = re.search(r'data-next-on="([0-9-]*)"', html)
    assert found, "the page says what relance does next"
    return date.fromisoformat(found.group(1)) if found.group(1) else None


def events(site: Site, key: str) -> list[tuple[EventType, dict[str, object]]]:
    with site.store() as store:
        ref = store.customer(DEMO_TENANT, key).ref
        return [(e.kind, e.payload) for e in store.history(DEMO_TENANT, customer_ref=ref)]


def open_invoices(site: Site, key: str) -> list[tuple[str, str, Decimal]]:
    """(key, number, open balance) of the customer's open invoices."""
    with site.store() as store:
        state = next(
            store.customer_states(DEMO_TENANT, customer_refs=[store.customer(DEMO_TENANT, key).ref])
        )
    return [
        (r.ref.key, r.number, r.open_balance.amount)
        for r in state.receivables
        if r.is_open and r.kind is ReceivableKind.INVOICE
    ]


def test_a_promise_moves_the_customers_plan_past_its_date(site: Site) -> None:
    claire = site.client("claire")
    key = "files:lumen:C017"  # Salle de Sport Vitalis: long overdue, chased today
    today = date.today()
    before = next_on(claire, site, key)
    assert before is not None and before <= today + timedelta(days=4)
    promised = today + timedelta(days=12)
    answer = post(
        claire, site, key, "promise", amount="1 500,00", currency="EUR",
        promised_on=promised.isoformat(), note="Virement annoncé au téléphone",
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("?done=promise")
    after = next_on(claire, site, key)
    assert after is not None and after > promised + timedelta(days=GRACE_DAYS)
    # the store's promise, the audit line naming claire, and the command line agree
    recorded = [p for k, p in events(site, key) if k is EventType.PROMISE_RECORDED]
    assert recorded[-1]["by"] == "claire" and recorded[-1]["promised_on"] == promised.isoformat()
    assert recorded[-1]["amount"] == {"amount": "1500.00", "currency": "EUR"}
    listed = site.relance("--json", "promise", "list", "Vitalis", "--tenant", DEMO_TENANT)
    promises = json.loads(listed.stdout)
    assert [(p["amount"], p["status"]) for p in promises][-1] == ("1500.00", "live")
    plan = site.relance("--json", "plan", "--tenant", DEMO_TENANT)
    assert key not in {a["customer"] for a in json.loads(plan.stdout)["actions"]}
    assert "C017" not in {a["customer"] for a in json.loads(plan.stdout)["actions"]}
    # the list shows the new next date, and the promise
    listing = claire.get(
        f"{site.url}/t/{DEMO_TENANT}/customers", params={"promise": "1"}, timeout=30
    )
    assert f'data-customer="{key}"' in listing.text
    # the timeline shows it, newest first
    html = claire.get(f"{site.url}{page_of(key)}", timeout=30).text
    timeline = html[html.index('class="timeline"') :]
    assert (
        timeline.index("Promise to pay recorded") < timeline.index("Sent")
        if "Sent" in timeline
        else True
    )
    assert "Virement annoncé au téléphone" in timeline and "claire" in timeline


def test_a_refused_form_says_why_in_french_and_records_nothing(site: Site) -> None:
    claire = site.client("claire")
    claire.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    key = "files:lumen:C022"  # Concept Store Oyé: a live payment plan on five invoices
    before = events(site, key)
    refused = post(claire, site, key, "promise", amount="beaucoup", currency="EUR",
                   promised_on="2027-01-10")  # fmt: skip
    assert refused.status_code == 400
    assert "n’est pas un montant" in refused.text and 'lang="fr"' in refused.text
    assert 'value="beaucoup"' in refused.text  # what was typed stays in the form
    no_date = post(claire, site, key, "promise", amount="100", currency="EUR", promised_on="")
    assert no_date.status_code == 400 and "Indiquez la date." in no_date.text
    invoices = open_invoices(site, key)
    planned = next(k for k, number, _ in invoices if number == "F-0179")
    mismatch = post(claire, site, key, "plan", currency="EUR", invoice=[planned],
                    due_on=["2027-01-10"], due_amount=["1"])  # fmt: skip
    assert mismatch.status_code == 400 and "les échéances totalisent" in mismatch.text
    owed = next(amount for k, _, amount in invoices if k == planned)
    twice = post(claire, site, key, "plan", currency="EUR", invoice=[planned],
                 due_on=["2027-01-10"], due_amount=[str(owed)])  # fmt: skip
    assert twice.status_code == 400
    assert "est déjà dans l’échéancier demo-plan-1" in twice.text
    assert events(site, key) == before  # nothing half-saved


def test_every_outcome_of_a_call_is_recorded_with_who_did_it(site: Site) -> None:
    claire = site.client("claire")
    key = "files:lumen:C003"  # Hôtel des Célestins
    invoices = open_invoices(site, key)
    assert len(invoices) >= 2
    (first, first_number, _), (second, _, second_owed) = invoices[0], invoices[1]
    with site.store() as store:
        phone = store.customer(DEMO_TENANT, key).contacts[0].phone
    assert phone
    steps = [
        ("no-answer", {"phone": phone, "note": "Messagerie pleine"}, EventType.CALL_NO_ANSWER),
        ("wrong-number", {"phone": phone}, EventType.CALL_WRONG_NUMBER),
        ("note", {"note": "Rappeler le comptable lundi"}, EventType.NOTE_ADDED),
        ("dispute", {"invoice": [first], "reason": "Quantités"}, EventType.DISPUTE_OPENED),
        (
            "plan",
            {
                "currency": "EUR",
                "invoice": [second],
                "due_on": ["2027-01-15", "2027-02-15"],
                "due_amount": [str(second_owed - 100), "100"],
            },
            EventType.PLAN_AGREED,
        ),
        ("pause", {"until": "2027-03-01", "reason": "Négociation"}, EventType.PAUSED),
        ("resume", {}, EventType.RESUMED),
    ]
    for what, data, kind in steps:
        answer = post(claire, site, key, what, **data)
        assert answer.status_code == 303, (what, answer.text[-2000:])
        last_kind, payload = events(site, key)[-1]
        assert last_kind is kind and payload["by"] == "claire", (what, last_kind, payload)
    html = claire.get(f"{site.url}{page_of(key)}", timeout=30).text
    assert "Wrong number (" in html and "Messagerie pleine" in html
    with site.store() as store:
        ref = SourceRef.model_validate(store.customer(DEMO_TENANT, key).ref.model_dump())
        dispute = store.disputes(DEMO_TENANT, ref)[-1]
        plan = store.plans(DEMO_TENANT, ref)[-1]
    assert dispute.reason == "Quantités" and plan.balance_at_plan.amount == second_owed
    assert f"{first_number}" in html
    for what, item, kind in (
        ("resolve-dispute", dispute.id, EventType.DISPUTE_RESOLVED),
        ("cancel-plan", plan.id, EventType.PLAN_CANCELLED),
    ):
        answer = post(claire, site, key, what, id=item)
        assert answer.status_code == 303, answer.text[-2000:]
        last_kind, payload = events(site, key)[-1]
        assert last_kind is kind and payload["by"] == "claire" and payload["id"] == item
    # a promise, then its cancellation; cancelling it again is refused, in English here
    assert post(claire, site, key, "promise", amount="50", currency="EUR",
                promised_on="2027-01-05").status_code == 303  # fmt: skip
    with site.store() as store:
        promise = store.promises(DEMO_TENANT, ref)[-1]
    assert post(claire, site, key, "cancel-promise", id=promise.id).status_code == 303
    again = post(claire, site, key, "cancel-promise", id=promise.id)
    assert again.status_code == 400 and "was already cancelled on" in again.text
    # another customer's promise through this customer's page: 404
    assert post(claire, site, key, "cancel-promise", id="demo-promise-2").status_code == 404
    journal = claire.get(f"{site.url}/t/{DEMO_TENANT}/journal", timeout=30).text
    assert "Call: wrong number" in journal and "claire" in journal
