"""Logging in and out of a real ``relance web`` process, over HTTP."""

from __future__ import annotations

import re

import pytest
import requests

from connector.accounts import password_matches
from tests.web.site import PASSWORD, Site


def _form(site: Site) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{site.url}/login", timeout=10)
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    return http, token.group(1)


def _attempt(site: Site, login: str, password: str) -> requests.Response:
    http, token = _form(site)
    return http.post(
        f"{site.url}/login",
        data={"login": login, "password": password, "login_token": token},
        cookies={"relance_login": http.cookies.get("relance_login", "")},
        allow_redirects=False,
        timeout=10,
    )


def test_a_person_logs_in_with_a_secure_http_only_cookie_and_out_again(site: Site) -> None:
    answer = _attempt(site, "Claire", PASSWORD)  # the login is not case-sensitive
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "relance_session=" in cookie
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    claire = site.client("claire")
    home = claire.get(f"{site.url}/t/lumen/journal", timeout=10)
    assert home.status_code == 200 and "Claire Martin" in home.text
    assert claire.post(f"{site.url}/logout", allow_redirects=False, timeout=10).status_code == 303
    after = claire.get(f"{site.url}/t/lumen/journal", allow_redirects=False, timeout=10)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(site: Site) -> None:
    wrong = _attempt(site, "claire", "not the password")
    nobody = _attempt(site, "nobody", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert "do not match an account" in wrong.text and "do not match an account" in nobody.text
    assert "set-cookie" not in {k.lower() for k in wrong.headers} or (
        "relance_session" not in wrong.headers.get("set-cookie", "")
    )


def test_the_login_form_is_rate_limited_per_login(site: Site) -> None:
    for _ in range(5):
        assert _attempt(site, "victor", "guess guess guess").status_code == 401
    refused = _attempt(site, "victor", PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many failed attempts" in refused.text
    # another person is not locked out by victor's failures
    assert _attempt(site, "claire", PASSWORD).status_code == 303


def test_a_login_post_without_its_form_token_changes_nothing(site: Site) -> None:
    answer = requests.post(
        f"{site.url}/login",
        data={"login": "claire", "password": PASSWORD, "login_token": "forged"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 403
    assert "relance_session" not in answer.headers.get("set-cookie", "")


@pytest.mark.reads_only
def test_a_post_without_the_session_csrf_token_is_refused(site: Site) -> None:
    claire = site.client("claire")
    del claire.headers["X-CSRF-Token"]
    refused = claire.post(f"{site.url}/logout", allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    # the session is still open: the forged logout did nothing
    assert claire.get(f"{site.url}/t/lumen/journal", timeout=10).status_code == 200


def test_after_login_the_browser_goes_only_to_a_page_of_this_site(site: Site) -> None:
    http, token = _form(site)
    answer = http.post(
        f"{site.url}/login",
        data={
            "login": "claire", "password": PASSWORD, "login_token": token,
            "next": "//evil.example/steal",
        },
        cookies={"relance_login": http.cookies.get("relance_login", "")},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_removing_an_account_ends_its_sessions_at_once(site: Site) -> None:
    victor = site.client("victor")
    assert victor.get(f"{site.url}/t/lumen/journal", timeout=10).status_code == 200
    done = site.relance("users", "remove", "victor")
    assert done.returncode == 0, done.stderr
    gone = victor.get(f"{site.url}/t/lumen/journal", allow_redirects=False, timeout=10)
    assert gone.status_code == 303


@pytest.mark.reads_only
def test_passwords_are_kept_as_argon2id_hashes(site: Site) -> None:
    with site.store() as store:
        found = store.person("claire")
    assert found is not None
    _person, stored = found
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert password_matches(stored, PASSWORD)
    assert not password_matches(stored, PASSWORD + "!")
