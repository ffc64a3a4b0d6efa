"""A person's decisions about the actions that wait for one: approve, skip, hold, edit.

The policy's ``approval`` names the kinds of step whose actions a run records as *awaiting
approval* instead of carrying them out (:meth:`ReviewMixin.await_approval`). A person then

* approves one (:meth:`approve_action`): it goes out at the next run, on a balance read fresh
  from the source (a customer who paid meanwhile gets nothing);
* skips one (:meth:`skip_action`): it is never sent, and the customer's schedule moves on as
  if the step had been taken (the next step counts its gap from that day);
* holds one that was approved, or planned, and not sent yet (:meth:`hold_action`): it waits
  for approval again;
* edits its text (:meth:`edit_message`): the edit is kept with the action (``details.edit``)
  and is what goes out.

Each decision is one transaction with an audit event naming who took it (``by``). What the
action record keeps in ``details``: ``approved_by``, ``approved_at`` and ``approved_totals``
(the amounts it was approved with: when they change before it goes, it waits again);
``held_by``; ``skipped_by``; ``edit`` = ``{"subject", "text", "by", "at"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, update

from connector.errors import DataError, StoreError
from connector.model import Channel
from connector.policy import Policy
from connector.store import schema as t
from connector.store.codec import action_from_json
from connector.store.outbox import OutboxMixin, _record
from connector.store.types import ActionRecord, ActionStatus, EventType

__all__ = ["APPROVAL_FIELDS", "ReviewMixin", "approved", "edit_of"]

# what an approval leaves in the action's details (taken out again by a hold)
APPROVAL_FIELDS = ("approved_by", "approved_at", "approved_totals")
# an edit of this many characters is refused: a message, not a document
MAX_TEXT = 100_000


def approved(record: ActionRecord) -> bool:
    """Whether a person approved this action (and nobody held it since)."""
    return bool(record.details.get("approved_by"))


def edit_of(record: ActionRecord) -> Mapping[str, Any] | None:
    """A person's edit of the action's message, if any: ``subject``, ``text``, ``by``, ``at``."""
    edit = record.details.get("edit")
    return edit if isinstance(edit, Mapping) else None


def _who(by: str) -> str:
    who = " ".join(str(by).split())
    if not who:
        raise DataError("a decision names the person who took it", hint="give --by NAME")
    return who


class ReviewMixin(OutboxMixin):
    def _decide(
        self,
        conn: Connection,
        tenant: str,
        row: Row[Any],
        *,
        status: ActionStatus,
        event: EventType,
        details: Mapping[str, Any],
        error: str | None,
        payload: Mapping[str, Any],
    ) -> ActionRecord:
        conn.execute(
            update(t.actions)
            .where(t.actions.c.id == row.id)
            .values(status=status.value, updated_at=self._now(), error=error, details=details)
        )
        self._log(
            conn,
            tenant,
            event,
            customer_key=row.customer_key,
            receivable_keys=[r.key for r in action_from_json(row.payload).receivable_refs],
            payload={"action": row.key, "step": row.step, **payload},
        )
        return _record(self._get(conn, tenant, row.key))

    def await_approval(self, tenant: str, key: str, reason: str) -> ActionRecord:
        """A run reached a planned action whose step waits for a person: nothing goes out
        until one approves it (``reason`` says why it waits, and what to do)."""
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if row.status != ActionStatus.PLANNED.value:
                raise StoreError(f"action {key} is {row.status}; it cannot await approval")
            details = {k: v for k, v in (row.details or {}).items() if k not in APPROVAL_FIELDS}
            return self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus.AWAITING_APPROVAL,
                event=EventType.ACTION_AWAITING_APPROVAL,
                details=details,
                error=reason,
                payload={"reason": reason},
            )

    def approve_action(self, tenant: str, key: str, by: str) -> ActionRecord:
        """``by`` approves an action awaiting approval: it goes out at the next run (its
        customer is reviewed then). Approving an approved action again changes nothing."""
        who = _who(by)
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            details = dict(row.details or {})
            if row.status == ActionStatus.PLANNED.value and details.get("approved_by"):
                return _record(row)
            if row.status != ActionStatus.AWAITING_APPROVAL.value:
                raise StoreError(
                    f"action {key} is {row.status}: only an action awaiting approval is approved",
                    hint="a held or failed one is released: relance action release KEY",
                )
            action = action_from_json(row.payload)
            details.update(
                approved_by=who,
                approved_at=self._now().isoformat(),
                approved_totals={c: str(m.amount) for c, m in action.totals.items()},
            )
            details.pop("held_by", None)
            record = self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus.PLANNED,
                event=EventType.ACTION_APPROVED,
                details=details,
                error=None,
                payload={"by": who},
            )
            self._touch(conn, tenant, {row.customer_key})
            return record

    def hold_action(self, tenant: str, key: str, by: str, reason: str) -> ActionRecord:
        """``by`` keeps an action approved (or planned) and not sent yet from going out: it
        waits for approval again, whatever the policy says of its step."""
        who = _who(by)
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if row.status != ActionStatus.PLANNED.value:
                raise StoreError(
                    f"action {key} is {row.status}: only an action approved or planned, and "
                    "not sent yet, is held back",
                    hint="an action awaiting approval already waits; skip or cancel it instead",
                )
            details = {k: v for k, v in (row.details or {}).items() if k not in APPROVAL_FIELDS}
            details["held_by"] = who
            why = " ".join(reason.split()) or "held by a person"
            return self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus.AWAITING_APPROVAL,
                event=EventType.ACTION_HELD,
                details=details,
                error=f"{why} ({who})",
                payload={"by": who, "reason": why},
            )

    def skip_action(
        self, tenant: str, key: str, by: str, reason: str, *, policy: Policy, on: date
    ) -> ActionRecord:
        """``by`` decides this step is not sent: the action is *skipped*, and the customer's
        schedule moves on from ``on`` as if the step had been taken (the next step counts
        its gap from that day; nothing is in the items' history: nothing went out)."""
        who = _who(by)
        allowed = (ActionStatus.AWAITING_APPROVAL, ActionStatus.PLANNED, ActionStatus.HELD)
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if ActionStatus(row.status) not in allowed:
                raise StoreError(
                    f"action {key} is {row.status}: only an action not carried out (awaiting "
                    "approval, planned or held) is skipped",
                    hint="a failed one is cancelled: relance action cancel KEY",
                )
            why = " ".join(reason.split()) or "skipped by a person"
            details = {**(row.details or {}), "skipped_by": who, "skipped_on": on.isoformat()}
            self._save_progress(conn, tenant, action_from_json(row.payload), policy, on)
            record = self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus.SKIPPED,
                event=EventType.ACTION_SKIPPED,
                details=details,
                error=f"{why} ({who})",
                payload={"by": who, "reason": why, "on": on.isoformat()},
            )
            self._touch(conn, tenant, {row.customer_key})
            return record

    def edit_message(
        self,
        tenant: str,
        key: str,
        by: str,
        *,
        subject: str,
        text: str,
        before: Mapping[str, str] | None = None,
    ) -> ActionRecord:
        """``by`` rewrites the subject and text of an action's message before it goes out;
        the HTML part of an e-mail is then the edited text in the same layout, escaped
        (:func:`connector.edits.with_edit`). ``before`` is the subject and text as they
        stood (what the preview showed); the audit event keeps it with the edit. Its status
        does not change: an action awaiting approval still waits for it."""
        who = _who(by)
        subject = " ".join(subject.split())
        text = text.replace("\r\n", "\n").strip()
        if not subject or not text:
            raise DataError("an edited message needs a subject and a text")
        if len(text) > MAX_TEXT:
            raise DataError(f"an edited text is at most {MAX_TEXT} characters")
        editable = (
            ActionStatus.AWAITING_APPROVAL,
            ActionStatus.PLANNED,
            ActionStatus.HELD,
            ActionStatus.FAILED,
        )
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if ActionStatus(row.status) not in editable:
                raise StoreError(f"action {key} is {row.status}: its message can no longer change")
            if Channel(row.channel) is Channel.LETTER:
                raise DataError(
                    f"action {key} is a letter: its wording (legal mentions, the statement of "
                    "what is owed) is composed from its step's template, not edited here",
                    hint="edit the step's template, or skip this letter and write your own",
                )
            details = dict(row.details or {})
            earlier = details.get("edit")
            was = (
                {"subject": earlier["subject"], "text": earlier["text"]}
                if isinstance(earlier, Mapping)
                else dict(before or {})
            )
            now = self._now().isoformat()
            details["edit"] = {"subject": subject, "text": text, "by": who, "at": now}
            return self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus(row.status),
                event=EventType.MESSAGE_EDITED,
                details=details,
                error=row.error,
                payload={"by": who, "before": was, "after": {"subject": subject, "text": text}},
            )

    def withdraw(self, tenant: str, key: str, reason: str) -> ActionRecord:
        """A run found an action awaiting approval, or approved, no longer due (paid, or the
        plan changed): it is *skipped*, nothing moves, and any approval lapses. Planned
        again later under the same key, it is recorded afresh (:meth:`record_action`)."""
        with self._tx() as conn:
            row = self._get(conn, tenant, key)
            if row.status not in (ActionStatus.AWAITING_APPROVAL.value, ActionStatus.PLANNED.value):
                raise StoreError(f"action {key} is {row.status}; it cannot be withdrawn")
            details = {k: v for k, v in (row.details or {}).items() if k not in APPROVAL_FIELDS}
            details["withdrawn"] = True
            return self._decide(
                conn,
                tenant,
                row,
                status=ActionStatus.SKIPPED,
                event=EventType.ACTION_SKIPPED,
                details=details,
                error=reason,
                payload={"reason": reason, "withdrawn": True},
            )

    def awaiting_approval(self, tenant: str) -> list[ActionRecord]:
        """The actions waiting for a person's approval, oldest first."""
        return self.actions(tenant, status=ActionStatus.AWAITING_APPROVAL)

    def find_action(self, tenant: str, key: str) -> ActionRecord | None:
        """The action recorded under ``key``, or None."""
        try:
            return self.action(tenant, key)
        except StoreError:
            return None
