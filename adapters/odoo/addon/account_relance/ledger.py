# Copyright 2026 relance contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ORM-based source: one company's open receivables read through the ORM and turned into
relance's model objects, with the same mapping the external-API adapter uses. No dunning rule
lives here: the planner decides."""

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from adapters.odoo.mapping import (
    MOVE_FIELDS,
    OPEN,
    TERM_FIELDS,
    customer_from_odoo,
    payment_from_odoo,
    receivable_from_odoo,
    term_rows,
)
from connector.asof import state_as_of
from connector.errors import DataError
from connector.model import (
    Channel,
    Dispute,
    Instalment,
    Pause,
    PaymentPlan,
    Platform,
    Promise,
    SourceRef,
    StepKind,
)
from connector.money import Money
from connector.planner import CustomerState, Delivery, Progress, StepTaken, term_key

_logger = logging.getLogger(__name__)

# res.partner has no ``mobile`` from Odoo 19 on: only the fields every supported version has
PARTNER_FIELDS = [
    "name", "email", "phone", "street", "street2", "zip", "city", "country_code", "lang",
    "vat", "company_registry", "is_company",
]  # fmt: skip
DUNNING_FIELDS = [
    "relance_step", "relance_reminder_count", "relance_last_date", "relance_disputed",
    "relance_dispute_date", "relance_dispute_reason",
]  # fmt: skip
CHUNK = 5000


def tenant_of(company):
    return f"company-{company.id}"


def source_ref(company, kind, record_id):
    return SourceRef(
        platform=Platform.ODOO, tenant=tenant_of(company), external_id=f"{kind}:{record_id}"
    )


def money(amount, currency):
    """An Odoo float converted once, rounded to the currency's minor unit."""
    return Money(Decimal(str(amount or 0)), currency).rounded()


def record_id(ref):
    """The Odoo id inside one of our refs (``odoo:company-1:move:42`` -> 42)."""
    return int(ref.external_id.rsplit(":", 1)[1])


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def step_taken(action, line_type, claimed):
    """A carried-out ``relance.action`` as one step of an item's history. A letter is
    *prepared* until its posting is recorded (then *posted*, dated from its posting); an
    e-mail handed to Odoo's mail queue is *sent*; a call or hand-over is a to-do (*written*).
    Actions done before relance recorded deliveries count as they were then: sent or posted."""
    channel = Channel(action.channel)
    if action.delivery:
        delivery = Delivery(action.delivery)
    else:
        delivery = {Channel.EMAIL: Delivery.SENT, Channel.LETTER: Delivery.POSTED}.get(
            channel, Delivery.WRITTEN
        )
    letter = channel is Channel.LETTER
    on = (action.posted_on or action.done_on) if delivery is Delivery.POSTED else action.done_on
    kind = StepKind(action.kind) if line_type == "overdue" else StepKind.COURTESY
    return StepTaken(
        step=action.step,
        kind=kind,
        channel=channel,
        delivery=delivery,
        on=on,
        action_key=action.key,
        prepared_on=action.done_on if letter else None,
        claimed=claimed if line_type == "overdue" and claimed.currency else None,
        registered=letter and kind is StepKind.NOTICE,
        tracking_number=action.tracking_number or None,
        received_on=action.received_on or None,
    )


class OrmLedger:
    """Reads what the planner needs for one company, in a few large queries."""

    def __init__(self, env, company, as_of):
        self.env = env
        self.company = company
        self.as_of = as_of
        self.tenant = tenant_of(company)
        self.problems = []
        self.term_lines = {}  # a split invoice's instalment key -> its receivable line id

    # --- the planner's input, customer by customer ----------------------------------------------
    def states(self, partner_ids=None):
        """``(partner id, CustomerState)`` for every customer with an open receivable."""
        rows = self._open_moves(partner_ids)
        terms = self._terms([r["id"] for r in rows])
        receivables = defaultdict(list)
        progress = defaultdict(dict)
        disputes = defaultdict(list)
        for raw in rows:
            try:
                receivable = receivable_from_odoo(
                    {
                        **raw,
                        "invoice_date": _iso(raw["invoice_date"]),
                        "invoice_date_due": _iso(raw["invoice_date_due"]),
                    },
                    self.tenant,
                    terms.get(raw["id"], ()),
                )
            except DataError as exc:
                self.problems.append(exc.message)
                continue
            if receivable is None:
                continue
            partner = raw["commercial_partner_id"][0]
            receivables[partner].append(receivable)
            if receivable.instalments:  # each instalment keeps its own progress, on its line
                for n, line in enumerate(term_rows(terms.get(raw["id"], ())), start=1):
                    key = term_key(receivable.ref.key, n)
                    self.term_lines[key] = line["id"]
                    if line["relance_step"]:
                        progress[partner][key] = Progress(
                            line["relance_step"],
                            line["relance_reminder_count"],
                            line["relance_last_date"] or None,
                        )
            if raw["relance_step"]:
                progress[partner][receivable.ref.key] = Progress(
                    raw["relance_step"],
                    raw["relance_reminder_count"],
                    raw["relance_last_date"] or None,
                )
            if raw["relance_disputed"]:
                disputes[partner].append(
                    Dispute(
                        id=f"move:{raw['id']}",
                        receivable_ref=receivable.ref,
                        opened_on=raw["relance_dispute_date"] or self.as_of,
                        reason=raw["relance_dispute_reason"] or "",
                    )
                )
        partners = sorted(receivables)
        customers = self._customers(partners)
        payments = self._payments(partners)
        promises = self._promises(partners)
        plans, plan_progress = self._plans(partners)
        last_action = self._last_actions(partners)
        pauses = self._pauses(partners)
        history = self._history(partners)
        cancelled = self._cancelled(partners)
        for partner in partners:
            customer = customers.get(partner)
            if customer is None:
                continue
            # only what existed on the day: a promise, plan, dispute, pause or step recorded
            # later is invisible to a run for an earlier date (an invoice paid since stays
            # paid: Odoo's residual is today's)
            yield (
                partner,
                state_as_of(
                    CustomerState(
                        customer=customer,
                        receivables=tuple(receivables[partner]),
                        payments=tuple(payments.get(partner, ())),
                        promises=tuple(promises.get(partner, ())),
                        plans=tuple(plans.get(partner, ())),
                        disputes=tuple(disputes.get(partner, ())),
                        pause=pauses.get(partner),
                        progress={**progress[partner], **plan_progress.get(partner, {})},
                        last_action_on=last_action.get(partner),
                        history=history.get(partner, {}),
                        cancelled=cancelled.get(partner, frozenset()),
                    ),
                    self.as_of,
                ),
            )

    # --- reads -------------------------------------------------------------------------------
    def _open_moves(self, partner_ids):
        domain = [tuple(term) for term in OPEN] + [("company_id", "=", self.company.id)]
        if partner_ids is not None:
            domain.append(("commercial_partner_id", "in", list(partner_ids)))
        return self.env["account.move"].search_read(
            domain, [*MOVE_FIELDS, *DUNNING_FIELDS], order="id"
        )

    def _terms(self, move_ids):
        """Each invoice's receivable lines: one per instalment of its payment terms, with what
        is still open on it (``invoice_date_due`` holds only the last one's date)."""
        found = defaultdict(list)
        Line = self.env["account.move.line"]
        for start in range(0, len(move_ids), CHUNK):
            lines = Line.search_read(
                [
                    ("move_id", "in", move_ids[start : start + CHUNK]),
                    ("account_id.account_type", "=", "asset_receivable"),
                ],
                [*TERM_FIELDS, "relance_step", "relance_reminder_count", "relance_last_date"],
                order="id",
            )
            for line in lines:
                found[line["move_id"][0]].append(
                    {**line, "date_maturity": _iso(line["date_maturity"])}
                )
        return found

    def _customers(self, partner_ids):
        country = self.company.country_id.code or "FR"
        customers = {}
        Partner = self.env["res.partner"].with_context(active_test=False)
        for start in range(0, len(partner_ids), CHUNK):
            for raw in Partner.browse(partner_ids[start : start + CHUNK]).read(PARTNER_FIELDS):
                try:
                    customers[raw["id"]] = customer_from_odoo(raw, self.tenant, country)
                except DataError as exc:
                    self.problems.append(exc.message)
        return customers

    def _payments(self, partner_ids):
        """Payments with a part not yet matched to any invoice: deducted from the claim."""
        if not partner_ids:
            return {}
        unapplied = defaultdict(Decimal)
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("payment_id", "!=", False),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("partner_id.commercial_partner_id", "in", partner_ids),
            ],
            ["payment_id"],
            ["amount_residual_currency:sum"],
        )
        for payment, residual in groups:
            unapplied[payment.id] += abs(Decimal(str(residual)))
        found = defaultdict(list)
        Payment = self.env["account.payment"]
        for raw in Payment.browse(list(unapplied)).read(
            ["name", "date", "amount", "currency_id", "partner_id", "reconciled_invoice_ids"]
        ):
            payment = Payment.browse(raw["id"])
            partner = payment.partner_id.commercial_partner_id
            raw = {**raw, "date": _iso(raw["date"]), "partner_id": (partner.id, partner.name)}
            try:
                found[partner.id].append(payment_from_odoo(raw, self.tenant, unapplied[raw["id"]]))
            except DataError as exc:
                self.problems.append(exc.message)
        return found

    def _promises(self, partner_ids):
        found = defaultdict(list)
        promises = self.env["relance.promise"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", partner_ids)]
        )
        for promise in promises:
            currency = promise.currency_id.name
            found[promise.partner_id.id].append(
                Promise(
                    id=str(promise.id),
                    customer_ref=source_ref(self.company, "partner", promise.partner_id.id),
                    promised_on=promise.promised_on,
                    amount=money(promise.amount, currency),
                    recorded_on=promise.recorded_on,
                    balance_at_promise=money(promise.balance_at_promise, currency),
                    receivable_refs=tuple(
                        source_ref(self.company, "move", m.id) for m in promise.move_ids
                    ),
                    broken_on=promise.broken_on or None,
                    note=promise.note or "",
                )
            )
        return found

    def _plans(self, partner_ids):
        found = defaultdict(list)
        progress = defaultdict(dict)
        plans = self.env["relance.payment.plan"].search(
            [("company_id", "=", self.company.id), ("partner_id", "in", partner_ids)]
        )
        for plan in plans:
            currency = plan.currency_id.name
            lines = plan.line_ids.sorted(lambda ln: (ln.due_on, ln.id))
            if not lines or not plan.move_ids:
                continue
            partner = plan.partner_id.commercial_partner_id.id
            found[partner].append(
                PaymentPlan(
                    id=str(plan.id),
                    customer_ref=source_ref(self.company, "partner", partner),
                    agreed_on=plan.agreed_on,
                    receivable_refs=tuple(
                        source_ref(self.company, "move", m.id) for m in plan.move_ids
                    ),
                    instalments=tuple(
                        Instalment(due_on=ln.due_on, amount=money(ln.amount, currency))
                        for ln in lines
                    ),
                    balance_at_plan=money(plan.balance_at_plan, currency),
                    cancelled_on=plan.cancelled_on or None,
                )
            )
            for n, line in enumerate(lines, start=1):
                if line.relance_step:
                    progress[partner][f"plan:{plan.id}:{n}"] = Progress(
                        line.relance_step,
                        line.relance_reminder_count,
                        line.relance_last_date or None,
                    )
        return found, progress

    def _last_actions(self, partner_ids):
        groups = self.env["relance.action"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "in", partner_ids),
                ("state", "=", "done"),
            ],
            ["partner_id"],
            ["done_on:max"],
        )
        return {partner.id: last for partner, last in groups if last}

    def _history(self, partner_ids):
        """Each item's steps really taken, oldest first, from the actions carried out: what a
        notice and an escalation state as facts, and what makes the schedule wait for a letter
        to be posted and for the deadline it gave (``connector.dunning.history``)."""
        if not partner_ids:
            return {}
        found = defaultdict(lambda: defaultdict(list))
        actions = self.env["relance.action"].search(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "in", partner_ids),
                ("state", "=", "done"),
            ],
            order="done_on, id",
        )
        lines = self.env["relance.action.line"].search_read(
            [("action_id", "in", actions.ids), ("line_type", "in", ("overdue", "upcoming"))],
            ["action_id", "item_key", "line_type", "amount_open", "currency_id"],
            order="action_id, sequence",
        )
        by_action = defaultdict(list)
        for line in lines:
            by_action[line["action_id"][0]].append(line)
        for action in actions:
            for line in by_action[action.id]:
                found[action.partner_id.id][line["item_key"]].append(
                    step_taken(
                        action,
                        line["line_type"],
                        money(
                            line["amount_open"],
                            line["currency_id"][1] if line["currency_id"] else "",
                        ),
                    )
                )
        return {
            partner: {key: tuple(steps) for key, steps in items.items()}
            for partner, items in found.items()
        }

    def _cancelled(self, partner_ids):
        """The keys of the actions a person cancelled, per customer: relance's planner plans
        none of them again and lists the customer as blocked by it, until someone releases it
        (the core's ``CustomerState.cancelled``). An action relance withdrew itself (paid,
        disputed, promised or paused since it was planned) has no ``cancelled_by_id``: its
        step comes back by itself if it falls due again."""
        if not partner_ids:
            return {}
        groups = self.env["relance.action"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "in", partner_ids),
                ("state", "=", "cancelled"),
                ("cancelled_by_id", "!=", False),
            ],
            ["partner_id"],
            ["key:array_agg"],
        )
        return {partner.id: frozenset(keys) for partner, keys in groups}

    def _pauses(self, partner_ids):
        pauses = {}
        paused = self.env["res.partner"].search(
            [("id", "in", partner_ids), ("relance_paused", "=", True)]
        )
        for partner in paused:
            pauses[partner.id] = Pause(
                since=partner.relance_pause_since or self.as_of,
                until=partner.relance_pause_until or None,
                reason=partner.relance_pause_reason or "",
            )
        return pauses
