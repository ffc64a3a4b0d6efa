"""Webhook subscriptions in whichever of Pennylane's two published forms the company answers.

* The Company API v2 spec of April 2026: ``/webhook_subscription`` (singular), one
  subscription per token; events ``customer_invoice.created``, ``quote.created``,
  ``dms_file.created``. relance subscribes to ``customer_invoice.created``: a new invoice is
  read at once rather than at the next poll.
* The later description ("Company V2"): ``/webhook_subscriptions`` and
  ``/webhook_subscriptions/{id}``, up to 10 per company; events
  ``customer_invoice.e_invoicing_status_updated``, ``dms_file.created``,
  ``supplier_invoice.e_invoicing_received`` — no ``customer_invoice.created``. relance
  subscribes to the e-invoicing status event: a dispute or a refusal reaches the plan at once.

Pennylane does not say which form a company has. relance asks once per source: a GET on the
plural path answers a list in the later form and 404 in the April one (a path it does not
have). Each form gets its own path, body and events: neither accepts the other's.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from connector.errors import ConfigError, RelanceError
from connector.oauth import Token, TokenVault
from connector.source import Subscription

from .client import PennylaneClient

__all__ = ["EVENTS", "WEBHOOK_KEY", "WebhookApi", "WebhookSubscriptions"]

WEBHOOK_KEY = "pennylane-webhook"  # the vault record holding a subscription's secret


class WebhookApi(StrEnum):
    """The form of webhook subscriptions a company's API answers."""

    SINGULAR = "2026-04"  # /webhook_subscription, one per token
    PLURAL = "later"  # /webhook_subscriptions, up to 10 per company


EVENTS = {
    WebhookApi.SINGULAR: ("customer_invoice.created",),
    WebhookApi.PLURAL: ("customer_invoice.e_invoicing_status_updated",),
}


class WebhookSubscriptions:
    """``relance webhooks subscribe|list|unsubscribe`` for one Pennylane tenant."""

    def __init__(self, client: PennylaneClient, tenant: str, vault: TokenVault | None) -> None:
        self.client, self.tenant, self.vault = client, tenant, vault
        self._api: WebhookApi | None = None
        self._listed: list[dict[str, Any]] | None = None  # the probe's answer, used once

    def api(self) -> WebhookApi:
        """Which form this company's API answers (asked once: a GET on the plural path)."""
        if self._api is None:
            self._listed = self.client.webhook_subscriptions()
            self._api = WebhookApi.SINGULAR if self._listed is None else WebhookApi.PLURAL
        return self._api

    def _current(self) -> list[dict[str, Any]]:
        if self.api() is WebhookApi.PLURAL:
            listed, self._listed = self._listed, None
            return listed if listed is not None else self.client.webhook_subscriptions() or []
        one = self.client.webhook_subscription()
        return [] if one is None else [one]

    def subscribe(self, url: str) -> Subscription:
        """Create a subscription; its secret, shown only now, goes to the vault encrypted."""
        if self.vault is None:
            raise ConfigError("webhook subscriptions need the store's token vault", key="store")
        api = self.api()
        existing = self._current()
        ours = self._stored_id()
        for current in existing:  # subscribed already, to this address: nothing to create
            if str(current["id"]) == ours and current.get("callback_url") == url:
                return _subscription(current)
        if api is WebhookApi.SINGULAR and existing:  # one per token: someone else's
            current = existing[0]
            raise ConfigError(
                f"this Pennylane token already has webhook subscription {current['id']} "
                f"(to {current.get('callback_url')}); Pennylane keeps one per token",
                key="webhooks",
                hint=f"remove it: relance webhooks unsubscribe --tenant {self.tenant} "
                f"{current['id']}, then subscribe again",
            )
        created = self.client.create_webhook_subscription(
            api is WebhookApi.PLURAL, url, EVENTS[api]
        )
        meta = {"subscription_id": str(created["id"]), "api": api.value}
        self.vault.save(self.tenant, WEBHOOK_KEY, Token(str(created["secret"]), None, None, meta))
        return _subscription(created)

    def list(self) -> list[Subscription]:
        return [_subscription(s) for s in self._current()]

    def unsubscribe(self, subscription_id: str) -> None:
        if not subscription_id.isdigit():
            raise ConfigError(f"{subscription_id!r} is not a Pennylane subscription id", key="ID")
        if self.api() is WebhookApi.PLURAL:
            self.client.delete_webhook_subscription(int(subscription_id))
            return
        current = self._current()
        if not current or str(current[0]["id"]) != subscription_id:
            held = f"it has {current[0]['id']}" if current else "it has none"
            raise ConfigError(
                f"this Pennylane token has no webhook subscription {subscription_id} ({held})",
                key="ID",
                hint=f"relance webhooks list --tenant {self.tenant}",
            )
        self.client.delete_webhook_subscription(None)

    def _stored_id(self) -> str:
        if self.vault is None:
            return ""
        try:
            token = self.vault.load(self.tenant, WEBHOOK_KEY)
        except RelanceError:  # nothing stored, or unreadable: not ours
            return ""
        return str((token.extra or {}).get("subscription_id", ""))


def _subscription(raw: dict[str, Any]) -> Subscription:
    reason = raw.get("disabled_reason")
    return Subscription(
        id=str(raw["id"]),
        url=str(raw.get("callback_url", "")),
        events=tuple(raw.get("events") or ()),
        enabled=bool(raw.get("enabled", True)),
        detail=f"disabled: {reason}" if reason else "",
    )
