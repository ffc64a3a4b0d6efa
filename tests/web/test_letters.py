"""A registered letter's posting, recorded from the web: the formal notice approved, the next
run prepares its letter; a person posts it and records the day and the registered-mail number
on the letter's page; the record, the journal (who did it) and the customer's timeline say so.
A viewer cannot record it."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from connector.store import ActionStatus, EventType
from tests.web.site import DEMO_TENANT, Site
from tests.web.test_today import _waiting_notice, relay, reviewed_site  # noqa: F401 - fixtures


def test_a_person_records_a_letters_posting_and_the_trail_says_who(
    reviewed_site: Site,  # noqa: F811 - the fixture imported above
) -> None:
    site = reviewed_site
    notice = _waiting_notice(site)
    base = f"{site.url}/t/{DEMO_TENANT}/actions/{quote(notice, safe='')}"
    claire = site.client("claire")
    assert claire.post(f"{base}/approve", allow_redirects=False, timeout=60).status_code == 303
    done = site.relance("--tenant", DEMO_TENANT, "run")
    assert done.returncode in (0, 10), done.stderr
    with site.store() as store:
        letter = store.action(DEMO_TENANT, notice)
    assert letter.status is ActionStatus.PREPARED, letter.status
    day = date.fromisoformat(letter.details.get("prepared_on") or letter.planned_on.isoformat())
    # the letter's page offers the form, and Today links to it
    claire.headers["Accept-Language"] = "fr"
    page = claire.get(f"{base}/preview", timeout=60).text
    assert 'id="posting"' in page and "N° de recommandé" in page
    today = claire.get(f"{site.url}/t/{DEMO_TENANT}/today", timeout=60).text
    assert f"{quote(notice, safe='')}/preview#posting" in today
    assert "relance action letter" not in today

    victor = site.client("victor")  # a viewer
    forged = victor.post(
        f"{base}/posted", data={"posted_on": day.isoformat(), "tracking_number": "1A 111 111"},
        allow_redirects=False, timeout=60,
    )  # fmt: skip
    assert forged.status_code == 403
    missing = claire.post(f"{base}/posted", data={"posted_on": day.isoformat()}, timeout=60)
    assert missing.status_code == 409  # a registered notice needs its number: said, not stored
    with site.store() as store:
        assert store.action(DEMO_TENANT, notice).status is ActionStatus.PREPARED

    number = "1A 234 567 8901 2"
    posted = claire.post(
        f"{base}/posted", data={"posted_on": day.isoformat(), "tracking_number": number},
        allow_redirects=False, timeout=60,
    )  # fmt: skip
    assert posted.status_code == 303
    with site.store() as store:
        record = store.action(DEMO_TENANT, notice)
        events = [
            e
            for e in store.journal(DEMO_TENANT, limit=100)
            if e.kind is EventType.LETTER_POSTED and e.payload.get("action") == notice
        ]
    assert record.status is ActionStatus.POSTED
    assert record.details["posted_on"] == day.isoformat()
    assert record.details["tracking_number"] == "1A 234 567 8901 2"
    assert len(events) == 1 and events[0].payload["by"] == "claire"
    timeline = claire.get(
        f"{site.url}/t/{DEMO_TENANT}/customers/{quote(record.customer_ref.key, safe='')}",
        timeout=60,
    ).text
    assert "1A 234 567 8901 2" in timeline and day.strftime("%d/%m/%Y") in timeline
