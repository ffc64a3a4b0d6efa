"""Today: what waits for a person's approval, what needs a person (held, failed, blocked,
letters to post), and what relance plans for today and the coming days — grouped by
customer, each with its preview. A user approves (one, or a selection), holds, skips or edits;
a viewer only reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role
from connector.errors import RelanceError
from connector.planner import PlannedAction, plan_customer
from connector.store import ActionRecord, ActionStatus, Store
from connector.store.ledger import ref_from_key
from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["HORIZON_DAYS", "router"]

log = logging.getLogger("relance.web")
router = APIRouter()
HORIZON_DAYS = 7  # the coming days shown
PAGE_SIZE = 25  # customers planned per page (their states and plans: ~4 ms each on a big tenant)
LISTED = 200  # actions listed per section at most


def _grouped(
    records: Iterable[ActionRecord], names: dict[str, str]
) -> list[tuple[str, str, list[ActionRecord]]]:
    groups: dict[str, list[ActionRecord]] = {}
    for record in records:
        groups.setdefault(record.customer_ref.key, []).append(record)
    return sorted(
        ((key, names.get(key, key), items) for key, items in groups.items()),
        key=lambda group: group[1].lower(),
    )


@router.get("/t/{tenant}/today")
def today(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    web = context_of(request)
    store, slug = web.store, access.tenant.slug
    day = web.today(access.tenant)
    all_waiting = store.awaiting_approval(slug)
    approved = [
        r for r in store.actions(slug, status=ActionStatus.PLANNED) if r.details.get("approved_by")
    ]
    all_attention = [
        *store.actions(slug, status=ActionStatus.HELD),
        *store.actions(slug, status=ActionStatus.FAILED),
    ]
    all_letters = store.actions(slug, status=ActionStatus.PREPARED)
    all_blocked = store.blocked_customers(slug)
    counts = {
        "waiting": len(all_waiting),
        "approved": len(approved),
        "attention": len(all_attention),
        "letters": len(all_letters),
        "blocked": len(all_blocked),
    }
    waiting, attention = all_waiting[:LISTED], all_attention[:LISTED]
    approved, letters, blocked = approved[:LISTED], all_letters[:LISTED], all_blocked[:LISTED]
    keys = {r.customer_ref.key for r in (*waiting, *approved, *attention, *letters)}
    total, due = store.due_for_review(
        slug, day + timedelta(days=HORIZON_DAYS), offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )  # fmt: skip
    coming = _coming(request, access, [d.key for d in due], {d.key: d.review_on for d in due})
    names = {d.key: d.name for d in due}
    names.update(_names(store, slug, keys - names.keys()))
    recorded_keys = {r.key for r in (*waiting, *approved, *attention, *letters)}
    coming = [(a, waits) for a, waits in coming if a.key not in recorded_keys]
    return page(
        request,
        "today/today.html",
        day=day,
        horizon=day + timedelta(days=HORIZON_DAYS),
        waiting=_grouped(waiting, names),
        counts=counts,
        listed=LISTED,
        approved=_grouped(approved, names),
        attention=_grouped(attention, names),
        letters=_grouped(letters, names),
        blocked=blocked,
        coming=_coming_grouped(coming, names),
        coming_count=len(coming),
        due_total=total,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        may_decide=access.may(Role.USER),
        done=done,
    )


def _names(store: Store, tenant: str, keys: set[str]) -> dict[str, str]:
    """Each customer's name, in one query (a customer gone from the ledger: its key)."""
    found = store.customer_names(tenant, keys=keys) if keys else {}
    return {key: found.get(key, key) for key in keys}


def _coming(
    request: Request, access: Access, customer_keys: list[str], review_on: dict[str, date]
) -> list[tuple[PlannedAction, bool]]:
    """What the planner plans for these customers on their review day (today at the
    earliest): the same code as a run, for one page of customers only; each action with
    whether the policy has it wait for a person's approval."""
    if not customer_keys:
        return []
    web = context_of(request)
    state = web.app_state()
    try:
        executor = state.executor(access.tenant, with_source=False)
        day = web.today(access.tenant)
        refs = [ref_from_key(key) for key in customer_keys]  # keys the agenda just gave
        found: list[PlannedAction] = []
        for customer_state in web.store.customer_states(
            access.tenant.slug, customer_refs=refs, as_of=day, policy=executor.policy
        ):
            when = max(day, review_on.get(customer_state.customer.ref.key, day))
            plan = plan_customer(customer_state, executor.policy, executor.calendar, when)
            found.extend(plan.actions)
        return [
            (a, executor.policy.needs_approval(a.kind))
            for a in sorted(found, key=lambda a: (a.planned_on, a.key))
        ]
    except RelanceError as exc:
        log.warning("today: the coming days could not be planned: %s", exc.message)
        return []
    finally:
        state.close_sources()


def _coming_grouped(
    actions: list[tuple[PlannedAction, bool]], names: dict[str, str]
) -> list[tuple[str, str, list[tuple[PlannedAction, bool]]]]:
    groups: dict[str, list[tuple[PlannedAction, bool]]] = {}
    for action, waits in actions:
        groups.setdefault(action.customer_ref.key, []).append((action, waits))
    return sorted(
        ((key, names.get(key, key), items) for key, items in groups.items()),
        key=lambda group: (min(a.planned_on for a, _ in group[2]), group[1].lower()),
    )


@router.post("/t/{tenant}/today/approve")
async def approve_selection(
    request: Request,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
) -> Response:
    """Approve every action ticked on the page (those awaiting approval of this tenant)."""
    form = await request.form()
    keys = [str(k) for k in form.getlist("action")][:LISTED]
    store, slug = context_of(request).store, access.tenant.slug
    waiting = {r.key for r in store.awaiting_approval(slug)}
    approved = 0
    for key in keys:
        if key in waiting:
            store.approve_action(slug, key, access.person.login)
            approved += 1
    log.info("web: %s approved %d action(s) of %s", access.person.login, approved, slug)
    return RedirectResponse(f"/t/{slug}/today?done=approved-{approved}", status_code=303)
