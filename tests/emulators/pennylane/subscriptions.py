"""Webhook subscriptions, in the two forms Pennylane has published (platform-apis.md §1.6).

* ``API_2026_04``, the April 2026 spec (the contract in ../shared/specs): one subscription
  per token at the singular ``/webhook_subscription`` (GET, POST, PUT, DELETE); events
  ``customer_invoice.created``, ``quote.created``, ``dms_file.created``; a second POST for
  the same token answers 409.
* ``API_LATER``, the later "Company V2" description: ``/webhook_subscriptions`` and
  ``/webhook_subscriptions/{id}``, up to 10 per company (422 beyond); events
  ``customer_invoice.e_invoicing_status_updated``, ``dms_file.created``,
  ``supplier_invoice.e_invoicing_received``; the read model adds ``disabled_at``,
  ``disabled_reason``, ``last_failure_status``, ``last_failure_at``,
  ``consecutive_failures``.

A company answers one form; the other's path is a 404, as an unknown route is. The secret is
in the creation answer only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.secrets_watch import watch

from .answers import Reply, error, page

if TYPE_CHECKING:
    from .state import PennylaneState

__all__ = ["API_2026_04", "API_LATER", "EVENTS", "INVOICE_EVENT", "PATHS", "answer"]

API_2026_04, API_LATER = "2026-04", "later"
INVOICE_EVENT = "customer_invoice.e_invoicing_status_updated"
EVENTS = {
    API_2026_04: ("customer_invoice.created", "quote.created", "dms_file.created"),
    API_LATER: (INVOICE_EVENT, "dms_file.created", "supplier_invoice.e_invoicing_received"),
}
PATHS = {API_2026_04: "webhook_subscription", API_LATER: "webhook_subscriptions"}
PER_COMPANY = 10
_WRITABLE = {"callback_url", "events", "enabled"}
_HEALTH = {  # the later read model's delivery health, as a new subscription has it
    "disabled_at": None,
    "disabled_reason": None,
    "last_failure_status": None,
    "last_failure_at": None,
    "consecutive_failures": 0,
}


def answer(
    state: PennylaneState,
    method: str,
    segments: list[str],
    query: dict[str, str],
    body: Callable[[], Any],
    token: str,
) -> tuple[int, Any]:
    """The answer to a request under either subscription path; 404 for the other form's."""
    if segments[0] != PATHS[state.webhook_api]:
        raise error(404, "Not Found")
    if state.webhook_api == API_2026_04:
        return _singular(state, method, segments, body, token)
    return _plural(state, method, segments, query, body)


def _singular(
    state: PennylaneState, method: str, segments: list[str], body: Callable[[], Any], token: str
) -> tuple[int, Any]:
    if len(segments) != 1:
        raise error(404, "Not Found")
    mine = next((i for i, s in state.subscriptions.items() if s.get("token") == token), None)
    if method == "POST":
        if mine is not None:
            raise error(409, "A webhook subscription already exists for this token")
        return 201, _create(state, body(), token)
    if mine is None or method not in ("GET", "PUT", "DELETE"):
        raise error(404, "Not Found")
    return _one(state, method, mine, body)


def _plural(
    state: PennylaneState,
    method: str,
    segments: list[str],
    query: dict[str, str],
    body: Callable[[], Any],
) -> tuple[int, Any]:
    if len(segments) == 1 and method == "GET":
        return 200, page([_read(state, s) for _, s in sorted(state.subscriptions.items())], query)
    if len(segments) == 1 and method == "POST":
        if len(state.subscriptions) >= PER_COMPANY:
            raise error(422, f"A company can have at most {PER_COMPANY} webhook subscriptions")
        return 201, _create(state, body(), None)
    if len(segments) != 2 or not segments[1].isdigit():
        raise error(404, "Not Found")
    sub_id = int(segments[1])
    if sub_id not in state.subscriptions or method not in ("GET", "PUT", "DELETE"):
        raise error(404, "Not Found")
    return _one(state, method, sub_id, body)


def _one(
    state: PennylaneState, method: str, sub_id: int, body: Callable[[], Any]
) -> tuple[int, Any]:
    sub = state.subscriptions[sub_id]
    if method == "DELETE":
        del state.subscriptions[sub_id]
        return 204, None
    if method == "PUT":
        changes = body()
        _check(state, changes, partial=True)
        sub.update(changes, updated_at=state.clock.now().isoformat())
        if changes.get("enabled") is True:  # re-enabled by hand: the failures are cleared
            sub.update(_HEALTH)
    return 200, _read(state, sub)


def _create(state: PennylaneState, fields: Any, token: str | None) -> dict[str, Any]:
    _check(state, fields, partial=False)
    sub_id = next(state.ids)
    now = state.clock.now().isoformat()
    secret = secrets.token_hex(24)
    watch(secret)
    state.subscriptions[sub_id] = {
        "id": sub_id,
        "callback_url": fields["callback_url"],
        "events": list(fields["events"]),
        "enabled": fields.get("enabled", True),
        "secret": secret,
        "token": token,
        **_HEALTH,
        "created_at": now,
        "updated_at": now,
    }
    created = {k: state.subscriptions[sub_id][k] for k in ("id", "callback_url", "events")}
    return {
        **created,
        "enabled": state.subscriptions[sub_id]["enabled"],
        "secret": secret,  # the only answer that carries it
        "created_at": now,
        "updated_at": now,
    }


def _read(state: PennylaneState, sub: dict[str, Any]) -> dict[str, Any]:
    stamp = str(sub.get("created_at") or state.clock.now().isoformat())
    view = {
        "id": sub["id"],
        "callback_url": sub.get("callback_url", ""),
        "events": list(sub.get("events", ())),
        "enabled": sub.get("enabled", True),
        "created_at": stamp,
        "updated_at": str(sub.get("updated_at") or stamp),
    }
    if state.webhook_api == API_LATER:
        view.update({k: sub.get(k, v) for k, v in _HEALTH.items()})
    return view


def _check(state: PennylaneState, fields: Any, *, partial: bool) -> None:
    if not isinstance(fields, dict):
        raise Reply(400, {"message": "body must be an object", "code": "ValidateError"})
    unknown = sorted(set(fields) - _WRITABLE)
    if unknown:
        raise Reply(
            400, {"message": f"unknown property {unknown[0]}", "code": "NotExistPropertyDefinition"}
        )
    missing = [] if partial else [k for k in ("callback_url", "events") if k not in fields]
    if missing:
        raise Reply(400, {"message": f"{missing[0]} is required", "code": "NotExistRequiredKey"})
    if "callback_url" in fields and not str(fields["callback_url"]).startswith("https://"):
        raise error(422, "callback_url must be an HTTPS URL")
    events = fields.get("events", [EVENTS[state.webhook_api][0]])
    known = set(EVENTS[state.webhook_api])
    if not isinstance(events, list) or not events or not set(events) <= known:
        raise Reply(
            400,
            {
                "message": f"events must be a non-empty list of: {', '.join(sorted(known))}",
                "field": "events",
                "code": "NotEnumInclude",
            },
        )
    if "enabled" in fields and not isinstance(fields["enabled"], bool):
        raise Reply(400, {"message": "enabled must be a boolean", "code": "ValidateError"})
