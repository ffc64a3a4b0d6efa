"""Write-backs owed, on SQLite and PostgreSQL: recorded in the transaction that records the
action as done (a kill just after the commit cannot lose it), kept with each refusal, gone
once the source has them."""

from __future__ import annotations

from datetime import date

from connector.policy import default_policy
from connector.store import ActionStatus, Store

from .test_deliveries import DAY, _by_post, _prepare

POLICY = default_policy()


def test_an_action_done_owes_its_write_back_from_the_same_commit(store: Store) -> None:
    letter = _by_post(store)
    _prepare(store, letter)  # a prepared letter owes nothing yet: not posted
    assert store.owed_write_backs("acme") == []

    store.record_posting("acme", letter.key, policy=POLICY, posted_on=date(2026, 3, 12),
                         tracking_number="1A00000000001", write_back=True)  # fmt: skip
    (owed,) = store.owed_write_backs("acme")
    assert (owed.action_key, owed.done_on, owed.attempts) == (letter.key, date(2026, 3, 12), 0)
    assert owed.last_error is None

    assert store.write_back_refused("acme", letter.key, "QuickBooks answered HTTP 503") == 1
    assert store.write_back_refused("acme", letter.key, "QuickBooks answered HTTP 502") == 2
    (owed,) = store.owed_write_backs("acme")
    assert (owed.attempts, owed.last_error) == (2, "QuickBooks answered HTTP 502")

    store.write_back_taken("acme", letter.key)
    assert store.owed_write_backs("acme") == []
    assert store.action("acme", letter.key).status is ActionStatus.POSTED


def test_a_send_owes_a_write_back_only_when_asked(store: Store) -> None:
    letter = _by_post(store)
    store.record_action("acme", letter)
    store.mark_sending("acme", letter.key)
    store.mark_sent("acme", letter.key, receipt="r", policy=POLICY, done_on=DAY,
                    status=ActionStatus.POSTED, write_back=True)  # fmt: skip
    assert [o.done_on for o in store.owed_write_backs("acme")] == [DAY]
    store.write_back_taken("acme", letter.key)
    store.write_back_taken("acme", letter.key)  # twice: nothing left, no error
    assert store.owed_write_backs("acme") == []
