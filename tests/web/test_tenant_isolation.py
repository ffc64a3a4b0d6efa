"""No page of one tenant shows or changes anything of another: every route under
``/t/{tenant}/`` is tried, by a person with no role in that tenant (404, the same as a tenant
that does not exist), and with the other tenant's records in the URL (404).

A route with a path parameter this test does not know fails it: add how to find a real
value of that parameter in ``OTHER_RECORDS`` below, so the new route is covered."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute

from connector.store import Store
from connector.web.app import PAGES
from tests.web.site import DEMO_TENANT, RIVAL, Site


def _any_customer(store: Store, tenant: str) -> str:
    return next(iter(store.customer_names(tenant)))


def _any_receivable(store: Store, tenant: str) -> str:
    return next(iter(store.open_receivables(tenant))).ref.key


def _any_action(store: Store, tenant: str) -> str:
    actions = store.actions(tenant)
    return actions[0].key if actions else "files:nobody|reminder_1|files:nothing"


# path parameter -> a real value of that kind, in the given tenant
OTHER_RECORDS: dict[str, Callable[[Store, str], str]] = {
    "customer": _any_customer,
    "receivable": _any_receivable,
    "invoice": _any_receivable,
    "action": _any_action,
}


def _routes(site: Site) -> list[tuple[str, str]]:
    """Every route of every page module the app includes (``connector.web.app.PAGES``)."""
    found = []
    for module in PAGES:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "{tenant}" in route.path:
                found.extend((method, route.path) for method in sorted(route.methods))
    return found


def _fill(path: str, tenant: str, records_of: str, store: Store) -> str:
    filled = path.replace("{tenant}", tenant)
    for name in [p.split(":")[0] for p in re.findall(r"{([^}]+)}", filled)]:
        assert name in OTHER_RECORDS, f"{path}: add {name!r} to OTHER_RECORDS"
        value = OTHER_RECORDS[name](store, records_of)
        filled = re.sub(r"{" + name + r"(:[^}]*)?}", value, filled)
    return filled


@pytest.mark.reads_only
def test_every_tenant_route_answers_404_to_a_person_of_another_tenant(site: Site) -> None:
    routes = _routes(site)
    assert len(routes) >= 2, routes
    rita = site.client("rita")  # manager of rival only
    with site.store() as store:
        for method, path in routes:
            url = site.url + _fill(path, DEMO_TENANT, DEMO_TENANT, store)
            answer = rita.request(method, url, allow_redirects=False, timeout=30)
            assert answer.status_code == 404, (method, path, answer.status_code)
            assert "Atelier Lumen" not in answer.text
            # and a tenant that does not exist answers the same
            nowhere = site.url + _fill(path, "no-such-tenant", DEMO_TENANT, store)
            assert (
                rita.request(method, nowhere, allow_redirects=False, timeout=30).status_code == 404
            )


@pytest.mark.reads_only
def test_no_route_shows_another_tenants_records_under_ones_own_tenant(site: Site) -> None:
    routes = [(m, p) for m, p in _routes(site) if p.count("{") > 1]
    claire = site.client("claire")  # manager of lumen, none of rival
    with site.store() as store:
        for method, path in routes:
            url = site.url + _fill(path, DEMO_TENANT, RIVAL, store)
            answer = claire.request(method, url, allow_redirects=False, timeout=30)
            assert answer.status_code == 404, (method, path, answer.status_code)
            assert "Rival" not in answer.text and "SECRET" not in answer.text


@pytest.mark.reads_only
def test_the_pages_of_ones_own_tenant_never_name_the_other(site: Site) -> None:
    claire = site.client("claire")
    with site.store() as store:
        for method, path in _routes(site):
            if method != "GET" or path.count("{") > 1:
                continue
            url = site.url + _fill(path, DEMO_TENANT, DEMO_TENANT, store)
            answer = claire.get(url, allow_redirects=False, timeout=60)
            if answer.status_code == 303:  # only ever to a page of the same tenant
                assert answer.headers["location"].startswith(f"/t/{DEMO_TENANT}/"), path
                continue
            assert answer.status_code == 200, (path, answer.status_code)
            assert "Rival" not in answer.text and "SECRET" not in answer.text, path
