"""A tenant file that stops loading (a key misspelt by hand, say) never breaks the web app:
every page of the tenant answers — those that need the file say which key is wrong and what
to do (503), the others work as before — and nothing stored is touched."""

from __future__ import annotations

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
