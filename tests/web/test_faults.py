"""What goes wrong never breaks the web app. A tenant file that stops loading (a key
misspelt by hand, say): every page of the tenant answers — those that need the file say which
key is wrong and what to do (503), the others work as before — and nothing stored is
touched. A record relance cannot read: its page says something went wrong (500, never a
dropped connection), the log has the traceback, every other page works."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

from tests.web.site import DEMO_TENANT, Site
from tests.web.test_tenant_isolation import _fill, _routes


def test_a_tenant_file_that_does_not_load_is_said_on_every_page_that_needs_it(
    site: Site,
) -> None:
    tenant_file = site.folder / "tenants" / f"{DEMO_TENANT}.toml"
    text = tenant_file.read_text(encoding="utf-8")
    tenant_file.write_text(text.replace("[creditor]\n", "[creditor]\nsiren = 1\n", 1))
    claire = site.client("claire")
    claire.headers["Accept-Language"] = "fr"
    with site.store() as store:
        actions_before = len(store.actions(DEMO_TENANT))
        said = 0
        for method, path in _routes(site):
            if method != "GET":
                continue
            url = site.url + _fill(path, DEMO_TENANT, DEMO_TENANT, store)
            answer = claire.get(url, allow_redirects=False, timeout=60)  # never a reset
            assert answer.status_code in (200, 303, 404, 503), (path, answer.status_code)
            if answer.status_code == 503:
                said += 1
                assert "Les réglages de cette entreprise ne se chargent pas" in answer.text
                assert "creditor.siren: unknown key" in answer.text, path
        assert said >= 3  # the settings pages at least
        assert len(store.actions(DEMO_TENANT)) == actions_before
    log = (site.folder / "web.log").read_text(encoding="utf-8")
    assert "Traceback" not in log


def test_a_record_that_cannot_be_read_gets_a_page_not_a_dropped_connection(site: Site) -> None:
    with site.store() as store:
        first, second = list(store.customer_names(DEMO_TENANT))[:2]
    with sqlite3.connect(site.folder / "relance.sqlite") as db:  # a hostile edit of the store
        db.execute(
            "UPDATE customers SET data = '{\"name\": ' WHERE tenant = ? AND key = ?",
            (DEMO_TENANT, first),
        )
    claire = site.client("claire")
    claire.headers["Accept-Language"] = "fr"
    broken = claire.get(f"{site.url}/t/{DEMO_TENANT}/customers/{quote(first, safe='')}", timeout=60)
    assert broken.status_code == 500
    assert "Une erreur est survenue" in broken.text and "Rien n’a été modifié" in broken.text
    assert "Traceback" not in broken.text
    other = claire.get(f"{site.url}/t/{DEMO_TENANT}/customers/{quote(second, safe='')}", timeout=60)
    assert other.status_code == 200
    assert "Traceback" in (site.folder / "web.log").read_text(encoding="utf-8")
