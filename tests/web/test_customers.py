"""The customers' list and a customer's page over HTTP, against a real ``relance web`` on a copy
of the demo: the figures agree with ``relance report``; the page opens every message as it
went out; a collection file downloads; a viewer sees and cannot act; another tenant's
customer is 404."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest

from tests.web.site import DEMO_TENANT, Site

LIST = f"/t/{DEMO_TENANT}/customers"


def page_of(key: str) -> str:
    return f"{LIST}/{quote(key, safe=':')}"


def listed_balances(html: str) -> dict[str, dict[str, Decimal]]:
    found: dict[str, dict[str, Decimal]] = {}
    for row in re.findall(r'<tr data-customer="([^"]+)">(.*?)</tr>', html, re.S):
        key, cells = row
        found[key] = {
            currency: Decimal(amount)
            for currency, amount in re.findall(r'data-amount="([A-Z]{3}) (-?[0-9.]+)"', cells)
        }
    return found


@pytest.mark.reads_only
def test_the_list_has_every_customer_with_an_open_balance_as_relance_report_figures_it(
    site: Site,
) -> None:
    claire = site.client("claire")
    answer = claire.get(f"{site.url}{LIST}", timeout=30)
    assert answer.status_code == 200
    listed = listed_balances(answer.text)
    report = site.relance("--json", "report", "--customers", "--tenant", DEMO_TENANT)
    assert report.returncode == 0, report.stderr
    expected = {
        key: {c: Decimal(v) for c, v in owed.items()}
        for key, owed in json.loads(report.stdout)["customers"].items()
    }
    assert len(expected) > 20
    assert {
        k: {c: v.quantize(Decimal("0.01")) for c, v in m.items()} for k, m in listed.items()
    } == expected
    # sorted by balance, the largest first (each of the demo's customers owes in one currency)
    firsts = [max(m.values()) for m in listed.values()]
    assert firsts == sorted(firsts, reverse=True)


@pytest.mark.reads_only
def test_search_filters_and_sorting(site: Site) -> None:
    claire = site.client("claire")

    def keys(**params: str) -> list[str]:
        answer = claire.get(f"{site.url}{LIST}", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return list(listed_balances(answer.text))

    assert keys(q="garage") == ["files:lumen:C002"]
    by_number = keys(q="c03")  # a customer number's start, any case
    assert by_number and all(k.startswith("files:lumen:C03") for k in by_number)
    assert keys(dispute="1") == ["files:lumen:C002"]  # the demo's dispute, on F-0019
    assert keys(paused="1") == ["files:lumen:C009"]  # paused until 2026-12-31
    assert set(keys(bucket="90+")) <= set(keys())
    assert keys(bucket="90+") and set(keys(bucket="90+")).isdisjoint(keys(bucket="1-30"))
    by_name = claire.get(f"{site.url}{LIST}", params={"sort": "name"}, timeout=30).text
    names = re.findall(r'<tr data-customer="[^"]+">\s*<td><a href="[^"]+">([^<]+)</a>', by_name)
    assert names == sorted(names, key=str.lower) and len(names) == len(keys())
    assert (
        claire.get(f"{site.url}{LIST}", params={"sort": "nonsense"}, timeout=30).status_code == 404
    )


@pytest.mark.reads_only
def test_the_customer_page_opens_each_message_as_it_went_out(site: Site) -> None:
    claire = site.client("claire")
    answer = claire.get(f"{site.url}{page_of('files:lumen:C003')}", timeout=30)
    assert answer.status_code == 200
    html = answer.text
    assert "Hôtel des Célestins" in html and "Open invoices" in html and "Timeline" in html
    assert "https://factures.example.fr/atelier-lumen/" in html  # the invoices' PDFs
    links = re.findall(r'href="(/t/lumen/sent/[^"]+)"', html)
    assert links, "the timeline links what went out"
    kinds = set()
    for link in links:
        shown = claire.get(site.url + link.replace("&amp;", "&"), timeout=30)
        assert shown.status_code == 200, link
        if "Text version" in shown.text:
            kinds.add("email")
            frame = re.search(r'<iframe class="preview" sandbox="" src="([^"]+)"', shown.text)
            assert frame
            inner = claire.get(site.url + frame.group(1), timeout=30)
            assert inner.status_code == 200 and "<html" in inner.text.lower()
            policy = inner.headers["content-security-policy"]
            assert "sandbox" in policy and "default-src 'none'" in policy
            assert "script-src" not in policy  # no script, from anywhere
        elif "The to-do" in shown.text:
            kinds.add("task")
        elif "Open the letter (PDF)" in shown.text:
            kinds.add("letter")
            pdf = re.search(r'href="([^"]+/file)"', shown.text)
            assert pdf
            letter = claire.get(site.url + pdf.group(1), timeout=30)
            assert letter.headers["content-type"] == "application/pdf"
            assert letter.content.startswith(b"%PDF")
    assert {"email", "task"} <= kinds, kinds


@pytest.mark.reads_only
def test_the_collection_file_downloads_as_relance_dossier_writes_it(site: Site) -> None:
    claire = site.client("claire")
    answer = claire.get(f"{site.url}{page_of('files:lumen:C017')}/dossier", timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert "dossier-C017-" in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = archive.namelist()
    assert len(names) > 3 and any(n.endswith(".pdf") for n in names)


@pytest.mark.reads_only
def test_a_viewer_sees_everything_and_acts_on_nothing(site: Site) -> None:
    victor = site.client("victor")
    answer = victor.get(f"{site.url}{page_of('files:lumen:C005')}", timeout=30)
    assert answer.status_code == 200
    assert "Timeline" in answer.text and "Open invoices" in answer.text
    assert (
        "Record a call" not in answer.text
        and 'method="post" action="/t/lumen/customers' not in answer.text
    )
    refused = victor.post(
        f"{site.url}{page_of('files:lumen:C005')}/promise",
        data={"amount": "100", "currency": "EUR", "promised_on": "2027-01-15"},
        allow_redirects=False,
        timeout=30,
    )
    assert refused.status_code == 403
    with site.store() as store:
        history = store.history(
            DEMO_TENANT, customer_ref=store.customer(DEMO_TENANT, "files:lumen:C005").ref
        )
    assert not [e for e in history if e.payload.get("by") == "victor"]


@pytest.mark.reads_only
def test_another_tenants_customer_under_this_tenant_is_404(site: Site) -> None:
    claire = site.client("claire")
    for path in (page_of("files:rival:R1"), page_of("files:rival:R1") + "/dossier"):
        answer = claire.get(f"{site.url}{path}", timeout=30)
        assert answer.status_code == 404 and "SECRET" not in answer.text
    posted = claire.post(
        f"{site.url}{page_of('files:rival:R1')}/note", data={"note": "x"}, timeout=30
    )
    assert posted.status_code == 404
