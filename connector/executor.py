"""Carry out planned actions through the outbox, so nothing is lost or sent twice.

For each action, in order:

1. the open balance of every invoice it claims is fetched fresh from the source; a change
   is stored and the customer re-planned (someone who has just paid is never reminded);
2. the action is recorded in the outbox under its idempotency key (an action already
   recorded is not carried out again: running the same cycle twice sends nothing new);
3. it is marked *sending* and committed, handed to its channel, then marked with what the
   channel did — *sent* (a relay or a provider took it), *written* (a file in the outbox
   folder: an .eml with no relay, a to-do), *prepared* (a letter to print and post) — in one
   transaction with the progress of every item it covered (a prepared letter moves nothing
   until its posting is recorded: :meth:`Executor.record_posting`);
4. the outcome is written back to the source where the platform allows it, once it is true:
   an e-mail only written to a folder is not written back as sent, a letter only once posted.
   The write-back is owed from 3's commit on: one the platform refused, or that a kill cut,
   is tried again at the end of every later run until the source has it.

A relay that refuses every recipient for good fails the action with the refused addresses:
the next plan reaches the customer on the step's fallback channel until its addresses change.
A relay that cannot be reached, or refuses the login, fails no message: the e-mails wait for
the next run (``RunReport.to_retry`` counts those a run a few minutes later may send), and
the letters and to-dos of the run are made all the same.

A step the policy's ``approval`` names waits for a person: between 2 and 3 the action is
recorded *awaiting approval* and goes no further until a person approves it (then it goes at
the next run, from 1), skips it or edits it (:mod:`connector.approval`,
:mod:`connector.store.review`).

A crash between 3's hand-over and its commit leaves the action *sending*: the next run
holds it for review (:meth:`Store.hold_unknown_outcomes`), and the customer gets nothing
more until a person releases or cancels it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from connector.approval import (
    INTEREST_WITHOUT_RATE,
    unsent_decisions,
    wait_for_approval,
    withdraw_stale,
)
from connector.calendar import BusinessCalendar
from connector.channels import ChannelSender
from connector.clock import Clock
from connector.edits import with_edit
from connector.errors import (
    DeliveryError,
    DeliveryUncertain,
    RecipientRefused,
    RelanceError,
    RelayUnavailable,
    SourceError,
    StoreError,
    Unsupported,
)
from connector.legal import ContractTerms, LegalClaim, RateTables
from connector.legal.notice import notice_claim
from connector.model import Channel, Creditor, Customer, SourceRef
from connector.money import Money
from connector.planner import Blocked, CustomerPlan, PlannedAction, plan, plan_customer
from connector.policy import Policy
from connector.render import RenderedMessage, reminder_days, render
from connector.run_report import (
    ATTENTION,
    STATUS_OF,
    ActionResult,
    RunReport,
    outcome,
    said,
)
from connector.settings import ContractConfig
from connector.source import Source
from connector.store import ActionRecord, ActionStatus, Store
from connector.store.item_history import SUPERSEDED
from connector.store.review import approved, edit_of
from connector.write_back import settle, settle_owed, true_to_write_back

__all__ = ["ATTENTION", "INTEREST_WITHOUT_RATE", "ActionResult", "Executor", "RunReport"]

log = logging.getLogger(__name__)


Progress = Callable[[int], None]


class Executor:
    """Runs one tenant's planning and sending for a day."""

    def __init__(
        self,
        *,
        store: Store,
        tenant: str,
        policy: Policy,
        calendar: BusinessCalendar,
        creditor: Creditor,
        channels: Mapping[Channel, ChannelSender],
        clock: Clock,
        source: Source | None = None,
        jurisdiction: str = "FR",
        rate_tables: RateTables | None = None,
        contract: ContractConfig | None = None,
    ) -> None:
        self.store = store
        self.tenant = tenant
        self.policy = policy
        self.calendar = calendar
        self.creditor = creditor
        self.channels = channels
        self.clock = clock
        self.source = source
        self.jurisdiction = jurisdiction
        self.rate_tables = rate_tables or RateTables()
        self.contract = contract or ContractConfig()
        self._tried: set[str] = set()  # write-backs tried in this run

    # --- planning -----------------------------------------------------------------------------
    def plan(self, as_of: date, *, everyone: bool = False) -> Iterable[CustomerPlan]:
        """What is due on ``as_of``; reads only customers due for review unless ``everyone``."""
        states = self.store.customer_states(
            self.tenant, due_on=None if everyone else as_of, as_of=as_of, policy=self.policy
        )
        return plan(states, self.policy, self.calendar, as_of)

    def dry_run(self, as_of: date, *, on_customer: Progress | None = None) -> RunReport:
        """The dry run: what a run would do, changing nothing."""
        report = RunReport(self.tenant, as_of, dry_run=True)
        for customer_plan in self.plan(as_of, everyone=True):
            self._tally(report, customer_plan, on_customer)
            report.planned.extend(customer_plan.actions)
            key = customer_plan.customer_ref.key
            report.blocked.extend((key, why) for why in customer_plan.blocked)
        return report

    # --- running ------------------------------------------------------------------------------
    def run(
        self,
        as_of: date,
        *,
        on_customer: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> RunReport:
        """Plan and carry out the day. ``stop`` is asked between customers: once it says so,
        what was done stays committed and the rest waits for the next cycle."""
        report = RunReport(self.tenant, as_of, dry_run=False)
        self._tried = set()
        for held in self.store.hold_unknown_outcomes(self.tenant):
            report.results.append(
                outcome(held.action, ActionStatus.HELD, held.error or "outcome unknown")
            )
        unsent = unsent_decisions(self.store, self.tenant, self.calendar, as_of)
        awaiting = self._customers_awaiting_review()
        reviews: dict[str, date | None] = {}
        blocks: dict[str, tuple[Blocked, ...]] = {}
        acted: list[SourceRef] = []
        with ExitStack() as stack:
            for sender in self.channels.values():
                # one SMTP connection for the whole run, opened with its first e-mail
                stack.enter_context(sender.batch())
            for customer_plan in self.plan(as_of):
                if stop is not None and stop():
                    report.stopped = True
                    break
                self._tally(report, customer_plan, on_customer)
                key = customer_plan.customer_ref.key
                withdraw_stale(self.store, self.tenant, unsent.pop(key, []), customer_plan, as_of)
                reviews[key] = customer_plan.next_review_on
                blocks[key] = customer_plan.blocked
                if not customer_plan.actions:
                    continue
                if key in awaiting:
                    report.notes.append((key, "waiting for review of an earlier action"))
                    report.waiting.append(key)
                    reviews[key] = None
                    continue
                acted.append(customer_plan.customer_ref)
                for action in customer_plan.actions:
                    result = self._carry_out(action, as_of, report)
                    if result is not None:
                        report.results.append(result)
        # customers we acted on: their next review is what a fresh plan says now
        for state in self.store.customer_states(
            self.tenant, customer_refs=acted, as_of=as_of, policy=self.policy
        ):
            after = plan_customer(state, self.policy, self.calendar, as_of)
            reviews[state.customer.ref.key] = after.next_review_on if not after.actions else as_of
            blocks[state.customer.ref.key] = after.blocked
        self.store.set_next_review(self.tenant, reviews)
        self.store.set_blocked(self.tenant, blocks)
        report.blocked = [(key, why) for key, found in blocks.items() for why in found]
        report.letters_to_post = len(self.store.letters_to_post(self.tenant))
        report.awaiting_approval = len(self.store.awaiting_approval(self.tenant))
        if self.source is not None and not report.stopped:  # the day's sends first
            earlier = settle_owed(
                self.store, self.tenant, self.source, self.policy, skip=self._tried
            )
            report.to_retry += earlier.transient
        report.write_backs_pending = len(self.store.owed_write_backs(self.tenant))
        return report

    def _tally(self, report: RunReport, customer_plan: CustomerPlan, cb: Progress | None) -> None:
        report.customers_reviewed += 1
        key = customer_plan.customer_ref.key
        report.notes.extend((key, note) for note in customer_plan.notes)
        if cb is not None:
            cb(1)

    def _customers_awaiting_review(self) -> set[str]:
        waiting = self.store.actions(self.tenant, status=ActionStatus.HELD)
        waiting += self.store.actions(self.tenant, status=ActionStatus.SENDING)
        return {record.customer_ref.key for record in waiting}

    def _carry_out(
        self, action: PlannedAction, as_of: date, report: RunReport
    ) -> ActionResult | None:
        earlier = self.store.find_action(self.tenant, action.key)
        if earlier is not None and earlier.status is ActionStatus.AWAITING_APPROVAL:
            # still waiting for a person: its figures brought up to date for the preview,
            # the source not asked (it is, once approved, just before it goes)
            self.store.record_action(self.tenant, action, self.policy)
            return None
        fresh = self._refresh_balances(action, as_of)
        if fresh is None or fresh.key != action.key:
            why = "paid or changed at the source before sending"
            if earlier is not None and earlier.status is ActionStatus.PLANNED:
                self.store.withdraw(self.tenant, action.key, why)
            if fresh is None:
                return outcome(action, ActionStatus.SKIPPED, why)
        action = fresh
        report.planned.append(action)  # with the figures fresh from the source
        record = self.store.record_action(self.tenant, action, self.policy)
        if record.status is not ActionStatus.PLANNED:
            if record.status not in (ActionStatus.HELD, ActionStatus.FAILED):
                return None  # done earlier (or a letter to post): nothing new to report
            return outcome(action, record.status, record.error or "waiting for a person")
        customer = self.store.customer(self.tenant, action.customer_ref)
        legal = self._legal(action, customer)
        waits = wait_for_approval(self.store, self.policy, record, action, legal)
        if waits is not None:
            return waits
        if legal is not None and legal.interest_missing and not approved(record):
            held = self._hold_for_interest(action, legal)
            if held is not None:
                return held
        try:
            message = self._compose(action, customer, legal, edit_of(record))
            sender = self.channels[action.channel]
        except KeyError:
            return self._fail(action, f"no {action.channel} channel set up")
        except RelanceError as exc:
            return self._fail(action, exc.message)
        self.store.mark_sending(self.tenant, action.key)
        try:
            receipt = sender.send(message, action_key=action.key)
        except DeliveryUncertain as exc:
            self.store.mark_held(self.tenant, action.key, exc.message)
            log.warning("action %s held: %s", action.key, exc.message)
            return outcome(action, ActionStatus.HELD, exc.message)
        except RecipientRefused as exc:
            refused = {
                "channel": action.channel.value,
                "recipients": list(exc.recipients),
                "reason": exc.message,
            }
            self.store.mark_failed(self.tenant, action.key, exc.message, {"refused": refused})
            detail = f"{exc.message} (the next run uses the step's fallback)"
            log.warning("action %s failed: %s", action.key, detail)
            return outcome(action, ActionStatus.FAILED, detail)
        except DeliveryError as exc:
            # the channel said no before accepting: nothing went out
            if exc.transient or isinstance(exc, RelayUnavailable):
                # a relay down or deferring, or refusing the login (fixed in the settings):
                # the message itself is fine, and goes at the next run
                self.store.requeue(self.tenant, action.key, exc.message)
                detail = f"{exc.message} (will retry at the next run)"
                report.to_retry += exc.transient
            else:
                self.store.mark_failed(self.tenant, action.key, exc.message)
                detail = exc.message
            log.warning("action %s failed: %s", action.key, detail)
            return outcome(action, ActionStatus.FAILED, detail)
        status = STATUS_OF[receipt.delivery]
        details = dict(receipt.details)
        if "prepared_on" in details:  # the day the letter was made for (an as-of run's)
            details["prepared_on"] = as_of.isoformat()
        owed = self.source is not None and true_to_write_back(action.channel, receipt.delivery)
        self.store.mark_sent(
            self.tenant,
            action.key,
            receipt=receipt.reference,
            policy=self.policy,
            done_on=as_of,
            details=details,
            status=status,
            write_back=owed,  # owed until the source has it, a kill from now on included
        )
        log.info("action %s %s via %s", action.key, status, action.channel)
        if action.fallback:
            self._supersede(action)
        if owed and self.source is not None:
            back = settle(
                self.store, self.tenant, self.source, self.policy, action, as_of, receipt.document
            )
            self._tried.add(action.key)
            report.to_retry += back.transient and not back.taken
        line = said(action, status, receipt.reference)
        return replace(outcome(action, status, line), reference=receipt.reference)

    # --- messages and a person's approval ---------------------------------------------------
    def message(
        self, action: PlannedAction, *, edit: Mapping[str, Any] | None = None
    ) -> RenderedMessage:
        """The message ``action`` goes out as, a person's ``edit`` applied: what its channel
        is handed (:mod:`connector.preview` shows it)."""
        customer = self.store.customer(self.tenant, action.customer_ref)
        return self._compose(action, customer, self._legal(action, customer), edit)

    def _compose(
        self,
        action: PlannedAction,
        customer: Customer,
        legal: LegalClaim | None,
        edit: Mapping[str, Any] | None,
    ) -> RenderedMessage:
        promises = [
            p
            for p in self.store.promises(self.tenant, action.customer_ref)
            if p.id in action.broken_promises
        ]
        message = render(
            action,
            customer=customer,
            creditor=self.creditor,
            policy=self.policy,
            legal=legal,
            promises=promises,
            reminders=reminder_days(action, self._sent_to(action.customer_ref)),
        )
        if action.channel is Channel.LETTER:
            message = replace(message, attachments=self._invoice_pdfs(action))
        return with_edit(message, edit)

    def _supersede(self, action: PlannedAction) -> None:
        """The step went on a fallback: its attempt on the step's own channel, refused, is
        closed (its refusal still stands until the customer's addresses change)."""
        first = action.key.rpartition("|")[0]
        try:
            record = self.store.action(self.tenant, first)
        except StoreError:
            return  # the step's own channel was never tried (no address at all)
        if record.status is ActionStatus.FAILED:
            self.store.cancel_action(
                self.tenant, first, f"{SUPERSEDED}{action.step} went by {action.channel}"
            )

    # --- letters a person posts -----------------------------------------------------------
    def record_posting(
        self,
        key: str,
        *,
        posted_on: date | None,
        tracking_number: str | None = None,
        registered: bool | None = None,
        received_on: date | None = None,
        by: str | None = None,
    ) -> ActionRecord:
        """A person posted a prepared letter (or has its tracking number or AR for one
        posted): record it, and write it back to the source once it is posted."""
        before = self.store.action(self.tenant, key)
        record = self.store.record_posting(
            self.tenant,
            key,
            policy=self.policy,
            posted_on=posted_on,
            tracking_number=tracking_number,
            registered=registered,
            received_on=received_on,
            write_back=self.source is not None,
            by=by,
        )
        if before.status is ActionStatus.PREPARED and self.source is not None:
            day = date.fromisoformat(record.details["posted_on"])
            path = Path(record.receipt or "")
            document = path.read_bytes() if path.is_file() else None
            settle(self.store, self.tenant, self.source, self.policy, record.action, day, document)
        return record

    def _sent_to(self, customer_ref: SourceRef) -> list[PlannedAction]:
        """What really reached this customer — e-mails a relay took, letters posted, not an
        .eml only written to a folder: « malgré nos relances » needs two of them."""
        sent = [
            record
            for status in (ActionStatus.SENT, ActionStatus.POSTED)
            for record in self.store.actions(
                self.tenant, status=status, customer_key=customer_ref.key
            )
        ]
        return [record.action for record in sent if record.customer_ref == customer_ref]

    def _invoice_pdfs(self, action: PlannedAction) -> tuple[tuple[str, bytes, str], ...]:
        """The invoices' own PDFs, appended to a letter where the source has them."""
        if self.source is None:
            return ()
        found = []
        for line in action.lines:
            if line.ref is None:
                continue
            try:
                found.append(
                    (f"{line.number}.pdf", self.source.document(line.ref), "application/pdf")
                )
            except Unsupported:
                continue
            except SourceError as exc:
                log.warning("invoice PDF of %s unavailable: %s", line.ref.key, exc.message)
        return tuple(found)

    def _fail(self, action: PlannedAction, message: str) -> ActionResult:
        """Nothing went out: record why, for a person to fix and release."""
        self.store.mark_failed(self.tenant, action.key, message)
        return outcome(action, ActionStatus.FAILED, message)

    def _refresh_balances(self, action: PlannedAction, as_of: date) -> PlannedAction | None:
        """Re-read balances at the source; re-plan the customer when one changed."""
        if self.source is None:
            return action
        changed = False
        for ref in action.receivable_refs:  # a split invoice's lines are parts of one balance
            try:
                balance = self.source.open_balance(ref)
            except Unsupported:
                return action
            except SourceError as exc:
                log.warning("fresh balance of %s unavailable: %s", ref.key, exc.message)
                return None
            if balance != self.store.receivable(self.tenant, ref).open_balance:
                self.store.update_open_balance(self.tenant, ref, balance)
                changed = True
        if not changed:
            return action
        states = list(
            self.store.customer_states(
                self.tenant, customer_refs=[action.customer_ref], as_of=as_of, policy=self.policy
            )
        )
        if not states:
            return None
        again = plan_customer(states[0], self.policy, self.calendar, as_of)
        return next((a for a in again.actions if a.step == action.step), None)

    def _legal(self, action: PlannedAction, customer: Customer) -> LegalClaim | None:
        """The statutory figures for a formal notice (None for any other step). Without a
        rate the law needs, the indemnities are still there and ``interest_missing`` says
        why the interest has no figure."""
        terms = self.contract.for_customer(customer.ref.external_id)
        contract = ContractTerms(
            rate=terms.late_payment_rate,
            indemnity=None
            if terms.recovery_indemnity is None
            else Money(terms.recovery_indemnity, "EUR"),
        )
        return notice_claim(
            action,
            customer,
            jurisdiction=self.jurisdiction,
            tables=self.rate_tables,
            contract=contract,
        )

    def _hold_for_interest(self, action: PlannedAction, legal: LegalClaim) -> ActionResult | None:
        """A notice whose interest has no figure waits for a person, once: released, it goes
        out as it is (the indemnity claimed, the interest said to run at the legal rate)."""
        if self.store.released_by_person(self.tenant, action.key):
            return None
        reason = (
            f"{INTEREST_WITHOUT_RATE}: {legal.interest_missing}. The notice claims the "
            f"recovery indemnity and says the interest runs at the legal rate. Add the rate "
            f"and release it, or release it as it is: relance action release {action.key}"
        )
        log.warning("action %s held: interest without a rate", action.key)
        self.store.mark_held(self.tenant, action.key, reason)
        return outcome(action, ActionStatus.HELD, reason)
