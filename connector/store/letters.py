"""Letters a person posts: a prepared letter becomes *posted* when its posting is recorded.

A letter's PDF lands in the outbox as *prepared*; nothing about its items moves until a
person records that it went into the post (date, tracking number for a registered letter).
That record moves the items' progress as of the posting day and wakes the customer's
schedule up; the delivery date (the AR's) can be added later, and counts the notice's
deadline from it. The tracking number, the dates and whether it went registered stay in the
action's ``details``, where the collection file reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update

from connector.errors import StoreError
from connector.model import Channel
from connector.policy import Policy
from connector.store import schema as t
from connector.store.codec import action_from_json
from connector.store.dashboards import note_action_steps
from connector.store.outbox import OutboxMixin, _record
from connector.store.types import ActionRecord, ActionStatus, EventType
from connector.store.write_backs import owe_write_back

__all__ = ["LettersMixin"]


class LettersMixin(OutboxMixin):
    def record_posting(
        self,
        tenant: str,
        key: str,
        *,
        policy: Policy,
        posted_on: date | None = None,
        tracking_number: str | None = None,
        registered: bool | None = None,
        received_on: date | None = None,
        write_back: bool = False,
        by: str | None = None,
    ) -> ActionRecord:
        """Record a letter's posting (a prepared letter becomes posted) or, for a letter
        already posted, its tracking number or delivery date. Dates are checked against the
        letter's: posted on or after the day it was made, delivered on or after its posting.
        With ``write_back``, a posting owes the source its write-back, dated that day."""
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            status = ActionStatus(row.status)
            if row.channel != Channel.LETTER.value or status not in (
                ActionStatus.PREPARED,
                ActionStatus.POSTED,
            ):
                raise StoreError(
                    f"{key} is not a letter to post or posted (it is a {row.channel}, {status})",
                    hint="`relance status` lists the letters to post",
                )
            details: dict[str, Any] = dict(row.details or {})
            prepared_on = date.fromisoformat(
                details.get("prepared_on") or row.planned_on.isoformat()
            )
            already = str(details.get("posted_on") or "") or None
            if already is None and posted_on is None:
                raise StoreError(f"{key}: give the day the letter was posted")
            assumed = "posting" in details  # from before postings were recorded: correctable
            if already and posted_on and posted_on.isoformat() != already and not assumed:
                raise StoreError(f"{key} was recorded as posted on {already}")
            day = posted_on if posted_on is not None else date.fromisoformat(str(already))
            if day < prepared_on:
                raise StoreError(f"{key} was made on {prepared_on}: it cannot be posted on {day}")
            is_registered = (
                registered if registered is not None else bool(details.get("registered"))
            )
            number = tracking_number or details.get("tracking_number") or None
            if is_registered and not number:
                raise StoreError(
                    f"{key} goes registered: its tracking number is the proof of the notice",
                    hint="give --tracking NUMBER (or --not-registered for an ordinary letter)",
                )
            if received_on is not None and received_on < day:
                raise StoreError(
                    f"{key} was posted on {day}: it cannot be received on {received_on}"
                )
            changes = {
                "prepared_on": prepared_on.isoformat(),
                "posted_on": day.isoformat(),
                "registered": is_registered,
                "tracking_number": number or "",
            }
            if received_on is not None:
                changes["received_on"] = received_on.isoformat()
            details.update(changes)
            details.pop("posting", None)  # an assumed posting is now a recorded one
            conn.execute(
                update(t.actions)
                .where(t.actions.c.id == row.id)
                .values(status=ActionStatus.POSTED.value, details=details, updated_at=self._now())
            )
            note_action_steps(conn, tenant, [row.id])
            action = action_from_json(row.payload)
            if status is ActionStatus.PREPARED:
                self._save_progress(conn, tenant, action, policy, day)
                if write_back:
                    owe_write_back(conn, tenant, key, day, self._now())
            self._log(
                conn,
                tenant,
                EventType.LETTER_POSTED
                if status is ActionStatus.PREPARED
                else EventType.LETTER_TRACKED,
                customer_key=row.customer_key,
                receivable_keys=[r.key for r in action.receivable_refs],
                payload={
                    "action": key,
                    "step": action.step,
                    **changes,
                    **({"by": by} if by else {}),  # a person, in the web app
                },
            )
            self._touch(conn, tenant, {row.customer_key})
            return _record(self._get(conn, tenant, key))

    def letters_to_post(self, tenant: str) -> list[ActionRecord]:
        return self.actions(tenant, status=ActionStatus.PREPARED)
