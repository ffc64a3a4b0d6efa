"""The dunning policy: ordered steps, limits and the send window, loaded from TOML.

A policy file is validated as a whole; an error names the file, the key and what is
allowed, and nothing is half-loaded. The default French policy ships in ``config/``.
"""

from __future__ import annotations

import tomllib
from datetime import time
from decimal import Decimal
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connector.errors import ConfigError
from connector.model import Channel, StepKind
from connector.money import Currency, Money

__all__ = [
    "DEFAULT_POLICY",
    "DayBasis",
    "NoticeCoverage",
    "Policy",
    "SendWindow",
    "Step",
    "Weekday",
    "default_policy",
    "load_policy",
]


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as ``date.weekday()``."""
        return list(Weekday).index(self)


class DayBasis(StrEnum):
    CALENDAR = "calendar"  # offsets count calendar days; the send day rolls to a business day
    BUSINESS = "business"  # offsets count business days of the tenant's calendar


class NoticeCoverage(StrEnum):
    """Which overdue invoices a formal notice lists; the others stay in the ordinary schedule
    (they get their own reminders first)."""

    REMINDED_OR_OVERDUE = "reminded_or_overdue"  # reminded at least once, or old enough
    REMINDED = "reminded"  # only invoices that had at least one written reminder
    ALL_OVERDUE = "all_overdue"  # every overdue invoice of the customer, however recent


# Who reads what a step writes: the customer (a reminder, the notice) or the creditor's staff
# (a call to make, a file to hand over). A step for the customer may fall back to a to-do for
# the staff (call instead of write); a to-do for the staff never turns into a letter.
_STAFF_KINDS = frozenset({StepKind.CALL, StepKind.ESCALATION})


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    kind: StepKind
    offset_days: int = Field(ge=-60, le=365, description="days from the due date")
    channel: Channel
    template: str = Field(min_length=1)
    min_open_amount: Decimal = Field(default=Decimal(0), ge=0)
    min_gap_days: int = Field(default=0, ge=0)
    fallback: tuple[Channel, ...] = Field(
        default=(),
        description="channels tried in order when the step's own cannot reach the customer",
    )
    deadline_days: int | None = Field(
        default=None,
        ge=1,
        le=60,
        description="the deadline the step's message gives to pay, from its receipt: the next "
        "step waits until it has passed (a notice's is the policy's notice_deadline_days)",
    )

    @model_validator(mode="after")
    def _courtesy_before_due(self) -> Self:
        if (self.kind is StepKind.COURTESY) != (self.offset_days < 0):
            raise ValueError(
                "only the courtesy step has a negative offset (before the due date), "
                "and the courtesy step must have one"
            )
        return self

    @model_validator(mode="after")
    def _sane_fallback(self) -> Self:
        if self.channel in self.fallback or len(set(self.fallback)) != len(self.fallback):
            raise ValueError("fallback lists other channels than the step's, each once")
        if self.for_staff and set(self.fallback) - {Channel.PHONE_TASK}:
            raise ValueError(
                f"a {self.kind} step writes a to-do for your staff: it cannot fall back to "
                "writing to the customer (without a phone number a call step is skipped)"
            )
        return self

    @property
    def for_staff(self) -> bool:
        """A to-do for the creditor's staff (a call, a hand-over), not a message to the customer."""
        return self.kind in _STAFF_KINDS

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The step's channel, then its fallbacks, in the order they are tried."""
        return (self.channel, *self.fallback)


class SendWindow(_Strict):
    days: tuple[Weekday, ...] = (
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
        Weekday.THU,
        Weekday.FRI,
    )
    start: time = time(9, 0)
    end: time = time(18, 0)
    skip_public_holidays: bool = True
    country: str | None = Field(
        default=None, description="public holidays of this country; default: the tenant's"
    )
    subdivision: str | None = None

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if not self.days:
            raise ValueError("at least one send day is needed")
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Policy(_Strict):
    name: str = "default"
    currency: Currency = "EUR"
    day_basis: DayBasis = DayBasis.CALENDAR
    max_reminders: int = Field(default=2, ge=0, le=10)
    small_amount: Decimal = Field(default=Decimal(150), ge=0)
    max_reminders_small: int = Field(default=1, ge=0, le=10)
    promise_grace_days: int = Field(default=2, ge=0, le=60)
    notice_deadline_days: int = Field(default=8, ge=1, le=60)
    notice_covers: NoticeCoverage = NoticeCoverage.REMINDED_OR_OVERDUE
    notice_min_days_overdue: int | None = Field(
        default=None,
        ge=0,
        le=365,
        description="days late from which an invoice never reminded is in the notice; "
        "default: the day the notice step would fall due for it on its own",
    )
    letter_delivery_days: int = Field(
        default=3,
        ge=0,
        le=15,
        description="until its receipt is recorded, a letter counts as delivered this many "
        "days after its posting",
    )
    send_window: SendWindow = SendWindow()
    approval: frozenset[StepKind] = Field(
        default=frozenset({StepKind.NOTICE, StepKind.ESCALATION}),
        description="the kinds of step whose actions wait for a person's approval before "
        "they go out (relance action approve KEY); [] lets every step go on its own",
    )
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique, got {names}")
        offsets = [s.offset_days for s in self.steps]
        if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
            raise ValueError(f"steps must be in strictly increasing offset order, got {offsets}")
        kinds = [s.kind for s in self.steps]
        if kinds.count(StepKind.COURTESY) > 1 or kinds.count(StepKind.NOTICE) > 1:
            raise ValueError("at most one courtesy step and one notice step")
        if StepKind.NOTICE in kinds:
            notice_at = kinds.index(StepKind.NOTICE)
            if StepKind.REMINDER in kinds[notice_at:]:
                raise ValueError("reminders come before the formal notice, not after it")
        if self.max_reminders_small > self.max_reminders:
            raise ValueError("max_reminders_small cannot exceed max_reminders")
        if self.notice_covers is NoticeCoverage.REMINDED and StepKind.NOTICE in kinds:
            before = kinds[: kinds.index(StepKind.NOTICE)]
            if StepKind.REMINDER not in before or self.max_reminders_small < 1:
                raise ValueError(
                    'notice_covers = "reminded" needs a reminder step before the notice and '
                    "max_reminders_small of 1 or more: else no invoice would ever be in a notice"
                )
        return self

    # --- helpers the planner uses -----------------------------------------------------------
    def needs_approval(self, kind: StepKind) -> bool:
        """Whether an action of a step of this kind waits for a person before it goes out."""
        return kind in self.approval

    def index_of(self, name: str) -> int:
        for i, step in enumerate(self.steps):
            if step.name == name:
                return i
        raise KeyError(name)

    def deadline_of(self, step_name: str) -> int | None:
        """The days to pay a step's message gives, from its receipt (None: it gives none)."""
        for step in self.steps:
            if step.name == step_name:
                if step.deadline_days is not None:
                    return step.deadline_days
                return self.notice_deadline_days if step.kind is StepKind.NOTICE else None
        return None

    @property
    def notice_step(self) -> Step | None:
        return next((s for s in self.steps if s.kind is StepKind.NOTICE), None)

    def max_reminders_for(self, claim: Money) -> int:
        """Fewer reminders before the notice when the claim is small (policy currency only)."""
        if claim.currency == self.currency and claim.amount < self.small_amount:
            return self.max_reminders_small
        return self.max_reminders


def _format_loc(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
        else:
            parts.append(item)
    key = ".".join(parts) or "(top level)"
    # name the step too, where we can: steps[2] (phone)
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        steps = raw.get("steps")
        if isinstance(steps, list) and loc[1] < len(steps) and isinstance(steps[loc[1]], dict):
            name = steps[loc[1]].get("name")
            if name:
                key = key.replace(f"steps[{loc[1]}]", f"steps[{loc[1]}] ({name})", 1)
    return key


def _allowed(error: Any) -> str:
    ctx = error.get("ctx") or {}
    if "expected" in ctx and str(ctx["expected"]) not in error.get("msg", ""):
        return f"; allowed: {ctx['expected']}"
    if error.get("type") == "extra_forbidden":
        return "; this key is unknown (check its spelling)"
    return ""


def policy_from_mapping(raw: dict[str, Any], *, origin: Path | str) -> Policy:
    """Validate a parsed policy document; errors name ``origin``, the key and what is allowed."""
    flat = dict(raw.get("policy", {}))
    unknown = set(raw) - {"policy", "send_window", "steps"}
    if unknown:
        raise ConfigError(
            f"unknown table(s) {sorted(unknown)}; allowed: [policy], [send_window], [[steps]]",
            path=origin,
        )
    if "send_window" in raw:
        flat["send_window"] = raw["send_window"]
    if "steps" in raw:
        flat["steps"] = raw["steps"]
    try:
        return Policy.model_validate(flat)
    except ValidationError as exc:
        problems = [
            f"{_format_loc(tuple(e['loc']), raw)}: {e['msg']}{_allowed(e)}" for e in exc.errors()
        ]
        raise ConfigError(
            "invalid policy:\n    " + "\n    ".join(problems),
            path=origin,
            hint="see config/policy.fr.toml for a commented example",
        ) from None


def load_policy(path: Path) -> Policy:
    """Read and validate a policy TOML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("policy file not found", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read policy file ({exc.strerror})", path=path) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path) from None
    return policy_from_mapping(raw, origin=path)


DEFAULT_POLICY = "policy.fr.toml"


def default_policy() -> Policy:
    """The French default policy shipped in ``config/policy.fr.toml``."""
    resource = files("relance_config").joinpath(DEFAULT_POLICY)
    raw = tomllib.loads(resource.read_text(encoding="utf-8"))
    return policy_from_mapping(raw, origin=f"config/{DEFAULT_POLICY}")
