"""Settings > Policy: the tenant's dunning steps, limits and send window, as a table; a
manager changes the simple values (each step's offset and channel, the limits, the send
window). The new policy is checked by ``connector.policy`` exactly as a policy file is, then
written to the tenant's own policy file (a copy of the shipped default the first time)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.errors import RelanceError
from connector.model import Channel, StepKind
from connector.policy import Policy, Weekday
from connector.web.i18n import gettext
from connector.web.pages.settings import MANAGER_POST, audit, settings_page, tenant_file
from connector.web.security import Access, context_of, tenant_access
from connector.web.tenant_files import save_policy

__all__ = ["router"]

router = APIRouter()

LIMITS = ("max_reminders", "max_reminders_small", "small_amount", "notice_deadline_days")


def _(text: str) -> str:
    return text


# each kind of step, and each day, in the page's words
KINDS = {
    StepKind.COURTESY: _("Courtesy reminder (before the due date)"),
    StepKind.REMINDER: _("Reminder"),
    StepKind.CALL: _("Phone call"),
    StepKind.NOTICE: _("Formal notice"),
    StepKind.ESCALATION: _("Escalation"),
}
DAYS = {
    Weekday.MON: _("Mon"), Weekday.TUE: _("Tue"), Weekday.WED: _("Wed"), Weekday.THU: _("Thu"),
    Weekday.FRI: _("Fri"), Weekday.SAT: _("Sat"), Weekday.SUN: _("Sun"),
}  # fmt: skip


def _load(request: Request, access: Access) -> tuple[Any, Policy]:
    ctx = context_of(request).app_state()
    try:
        config = ctx.tenant_config(access.tenant)
        return config, ctx.policy(config)
    finally:
        ctx.close_sources()


def _show(
    request: Request,
    access: Access,
    *,
    saved: str | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    config, policy = _load(request, access)
    return settings_page(
        request,
        access,
        "policy",
        policy=policy,
        own_file=config.policy.name if config.policy else None,
        channels=list(Channel),
        weekdays=list(Weekday),
        kinds=list(StepKind),
        kind_label=lambda kind: gettext(KINDS[StepKind(kind)]),
        day_label=lambda day: gettext(DAYS[Weekday(day)]),
        saved=saved,
        problems=problems,
        status_code=status_code,
    )


@router.get("/t/{tenant}/settings/policy")
def policy_page(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    saved = "Saved: the next cycle plans with it." if "saved" in request.query_params else None
    return _show(request, access, saved=saved)


def _changes(policy: Policy, form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """What the form changes, as save_policy takes it, and the values that are no number or
    time (by field)."""
    problems: dict[str, str] = {}
    changes: dict[str, Any] = {"policy": {}, "send_window": {}, "steps": {}}

    def number(field: str, current: Any, decimal: bool = False) -> Any:
        text = str(form.get(field, "")).strip().replace(",", ".")
        try:
            value: Any = Decimal(text) if decimal else int(text)
        except (ValueError, InvalidOperation):
            problems[field] = "a whole number" if not decimal else "a number"
            return current
        return value

    for key in LIMITS:
        current = getattr(policy, key)
        value = number(key, current, decimal=key == "small_amount")
        if value != current:
            changes["policy"][key] = str(value) if key == "small_amount" else value
    for step in policy.steps:
        found: dict[str, Any] = {}
        offset = number(f"{step.name}.offset_days", step.offset_days)
        if offset != step.offset_days:
            found["offset_days"] = offset
        channel = str(form.get(f"{step.name}.channel", step.channel))
        if channel != step.channel:
            if channel not in {c.value for c in Channel}:
                problems[f"{step.name}.channel"] = "not a channel"
            else:
                found["channel"] = channel
                # the fallbacks stay, less the step's new channel
                if channel in step.fallback:
                    found["fallback"] = [c.value for c in step.fallback if c != channel]
        if found:
            changes["steps"][step.name] = found
    # the boxes are read only from a form that showed them (unticked is then « none »)
    approval = [k.value for k in StepKind if form.get(f"approval.{k.value}")]
    if form.get("approval.shown") and set(approval) != {k.value for k in policy.approval}:
        changes["policy"]["approval"] = approval
    window = policy.send_window
    days = [d.value for d in Weekday if form.get(f"day.{d.value}")]
    if days != [d.value for d in window.days]:
        changes["send_window"]["days"] = days
    for key in ("start", "end"):
        text = str(form.get(key, "")).strip()
        try:
            value = time.fromisoformat(text)
        except ValueError:
            problems[key] = "a time, such as 09:00"
            continue
        if value != getattr(window, key):
            changes["send_window"][key] = value.strftime("%H:%M")
    return changes, problems


@router.post("/t/{tenant}/settings/policy")
async def save(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    form = dict(await request.form())
    config, policy = _load(request, access)
    changes, problems = _changes(policy, form)
    if problems:
        return _show(request, access, problems=problems, status_code=400)
    if not any(changes.values()):
        return RedirectResponse(f"/t/{access.tenant.slug}/settings/policy", status_code=303)
    try:
        _new, written = save_policy(tenant_file(request, access), config, changes)
    except RelanceError as exc:
        return _show(request, access, problems={"": exc.message}, status_code=400)
    audit(
        request,
        access,
        "policy",
        file=written.name,
        changed={k: v for k, v in changes.items() if v},
    )
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/policy?saved=1", status_code=303)
