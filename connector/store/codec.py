"""Lossless JSON for what the store keeps whole: planned actions, promises, plans…

Amounts travel as strings (never floats), dates as ISO strings.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from connector.model import Channel, SourceRef, StepKind
from connector.money import Money, Totals
from connector.planner import (
    ClaimLine,
    CoveredInvoice,
    CreditLine,
    Delivery,
    ItemKind,
    PlannedAction,
    StepTaken,
)

__all__ = [
    "action_from_json",
    "action_to_json",
    "money_from_json",
    "money_to_json",
    "step_from_json",
    "step_to_json",
]


def money_to_json(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def money_from_json(raw: dict[str, str]) -> Money:
    return Money(Decimal(raw["amount"]), raw["currency"])


def _ref_to_json(ref: SourceRef | None) -> dict[str, str] | None:
    return None if ref is None else ref.model_dump(mode="json")


def _ref_from_json(raw: dict[str, str] | None) -> SourceRef | None:
    return None if raw is None else SourceRef.model_validate(raw)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day_from(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def step_to_json(step: StepTaken) -> dict[str, Any]:
    """A step an item went through (its fields are documented in connector.dunning.history)."""
    return {
        "step": step.step,
        "kind": step.kind.value,
        "channel": step.channel.value,
        "delivery": step.delivery.value,
        "on": step.on.isoformat(),
        "prepared_on": _day(step.prepared_on),
        "action": step.action_key,
        "claimed": None if step.claimed is None else money_to_json(step.claimed),
        "registered": step.registered,
        "tracking_number": step.tracking_number,
        "received_on": _day(step.received_on),
        "answer_by": _day(step.answer_by),
    }


def step_from_json(raw: dict[str, Any]) -> StepTaken:
    claimed = raw.get("claimed")
    return StepTaken(
        step=raw["step"],
        kind=StepKind(raw["kind"]),
        channel=Channel(raw["channel"]),
        delivery=Delivery(raw["delivery"]),
        on=date.fromisoformat(raw["on"]),
        action_key=raw["action"],
        prepared_on=_day_from(raw.get("prepared_on")),
        claimed=None if claimed is None else money_from_json(claimed),
        registered=bool(raw.get("registered")),
        tracking_number=raw.get("tracking_number"),
        received_on=_day_from(raw.get("received_on")),
        answer_by=_day_from(raw.get("answer_by")),
    )


def _line_to_json(line: ClaimLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "kind": line.kind.value,
        "number": line.number,
        "issued_on": line.issued_on.isoformat(),
        "due_on": line.due_on.isoformat(),
        "open": money_to_json(line.open),
        "total": money_to_json(line.total),
        "days_late": line.days_late,
        "ref": _ref_to_json(line.ref),
        "plan_id": line.plan_id,
        "document_url": line.document_url,
        "payment_url": line.payment_url,
        "part": line.part,
        "parts": line.parts,
        "covers": [
            {"number": c.number, "due_on": c.due_on.isoformat(), "total": money_to_json(c.total)}
            for c in line.covers
        ],
        "steps": [step_to_json(step) for step in line.steps],
        "payments": [
            {"on": on.isoformat(), "amount": money_to_json(amount)} for on, amount in line.payments
        ],
    }


def _line_from_json(raw: dict[str, Any]) -> ClaimLine:
    return ClaimLine(
        key=raw["key"],
        kind=ItemKind(raw["kind"]),
        number=raw["number"],
        issued_on=date.fromisoformat(raw["issued_on"]),
        due_on=date.fromisoformat(raw["due_on"]),
        open=money_from_json(raw["open"]),
        total=money_from_json(raw["total"]),
        days_late=int(raw["days_late"]),
        ref=_ref_from_json(raw["ref"]),
        plan_id=raw["plan_id"],
        document_url=raw["document_url"],
        payment_url=raw["payment_url"],
        part=raw.get("part"),  # absent from actions recorded before instalments were split
        parts=raw.get("parts"),
        covers=tuple(
            CoveredInvoice(
                c["number"], date.fromisoformat(c["due_on"]), money_from_json(c["total"])
            )
            for c in raw.get("covers", ())
        ),
        steps=tuple(step_from_json(step) for step in raw.get("steps", ())),
        payments=tuple(  # absent from actions recorded before payments were dated
            (date.fromisoformat(p["on"]), money_from_json(p["amount"]))
            for p in raw.get("payments", ())
        ),
    )


def action_to_json(action: PlannedAction) -> dict[str, Any]:
    return {
        "key": action.key,
        "customer_ref": _ref_to_json(action.customer_ref),
        "step": action.step,
        "kind": action.kind.value,
        "channel": action.channel.value,
        "template": action.template,
        "planned_on": action.planned_on.isoformat(),
        "lines": [_line_to_json(line) for line in action.lines],
        "upcoming": [_line_to_json(line) for line in action.upcoming],
        "credits": [
            {
                "key": c.key,
                "label": c.label,
                "on": c.on.isoformat(),
                "amount": money_to_json(c.amount),
            }
            for c in action.credits
        ],
        "totals": [money_to_json(m) for m in action.totals.values()],
        "broken_promises": list(action.broken_promises),
        "reason": action.reason,
        "later": [_line_to_json(line) for line in action.later],
        "fallback": action.fallback,
    }


def action_from_json(raw: dict[str, Any]) -> PlannedAction:
    customer_ref = _ref_from_json(raw["customer_ref"])
    assert customer_ref is not None
    return PlannedAction(
        key=raw["key"],
        customer_ref=customer_ref,
        step=raw["step"],
        kind=StepKind(raw["kind"]),
        channel=Channel(raw["channel"]),
        template=raw["template"],
        planned_on=date.fromisoformat(raw["planned_on"]),
        lines=tuple(_line_from_json(x) for x in raw["lines"]),
        upcoming=tuple(_line_from_json(x) for x in raw["upcoming"]),
        credits=tuple(
            CreditLine(
                c["key"], c["label"], date.fromisoformat(c["on"]), money_from_json(c["amount"])
            )
            for c in raw["credits"]
        ),
        totals=Totals(money_from_json(m) for m in raw["totals"]),
        broken_promises=tuple(raw["broken_promises"]),
        reason=raw["reason"],
        later=tuple(_line_from_json(x) for x in raw.get("later", ())),
        fallback=raw.get("fallback", ""),
    )
