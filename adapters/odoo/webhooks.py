"""Odoo webhooks: an automation rule's "Send Webhook Notification", each one a hint to re-read
the record it names (the ``write_date`` sync stays the truth).

Odoo signs nothing: relance makes a token, keeps it encrypted in the vault, and the rule's
URL carries it; the receiver passes it as ``X-Relance-Token``. A notification without it is
refused before its body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from connector.clock import Clock
from connector.errors import AuthorizationLost, ConfigError, DataError, SourceRejected, Unsupported
from connector.oauth import Token, TokenVault
from connector.source import Event, EventKind, Subscription

from .mapping import record_ref

__all__ = ["WEBHOOK_KEY", "OdooWebhooks"]

WEBHOOK_KEY = "odoo-webhook"  # the vault record holding the automation rule's URL token


class OdooWebhooks:
    """The webhook side of OdooSource: subscribing, and checking and parsing notifications."""

    tenant: str
    clock: Clock
    vault: TokenVault | None
    webhook_token: str | None

    def _token(self) -> str | None:
        if self.webhook_token is None:
            self.webhook_token = self._stored_token()
        return self.webhook_token

    def _stored_token(self) -> str | None:
        if self.vault is None:
            return None
        try:
            return self.vault.load(self.tenant, WEBHOOK_KEY).access_token
        except AuthorizationLost:
            return None

    def subscribe(self, url: str) -> Subscription:
        """A token for the automation rule's URL (Odoo signs nothing): kept encrypted."""
        if self.vault is None:
            raise ConfigError("webhooks need the store's token vault", key="store")
        token = secrets.token_urlsafe(24)
        self.vault.save(self.tenant, WEBHOOK_KEY, Token(token, None, None))
        self.webhook_token = token
        joiner = "&" if "?" in url else "?"
        return Subscription(
            id="automation-rule",
            url=f"{url}{joiner}token={token}",
            events=("account.move: on save",),
            enabled=True,
            instructions="in Odoo, create an automation rule on Journal Entry (on save, when "
            "Payment Status or Amount Due changes, filtered to customer invoices and credit "
            "notes) with the action 'Send Webhook Notification' to this address, sending Last "
            "Updated on; keep it private, it carries the token",
        )

    def subscriptions(self) -> list[Subscription]:
        raise Unsupported(
            "Odoo keeps its automation rules to itself",
            hint="see them in Odoo > Settings > Technical > Automation Rules",
        )

    def unsubscribe(self, subscription_id: str) -> None:
        if self.vault is not None:
            self.vault.reconnect_needed(self.tenant, WEBHOOK_KEY, "unsubscribed")
        self.webhook_token = None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """The token from the rule's URL (the receiver passes it as X-Relance-Token) first."""
        expected = self._token()
        if expected is None:
            raise Unsupported(
                f"no Odoo webhook token for tenant {self.tenant}",
                hint=f"relance webhooks subscribe --tenant {self.tenant} --url https://…",
            )
        given = next((v for k, v in headers.items() if k.lower() == "x-relance-token"), "")
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            fresh = self._stored_token() if given else None  # subscribed again since?
            if fresh is None or not hmac.compare_digest(given.encode(), fresh.encode()):
                raise SourceRejected(
                    "Odoo webhook without the tenant's token", platform="odoo", status=401
                )
            self.webhook_token = fresh
        try:
            payload = json.loads(body)
            model, record_id = str(payload["_model"]), int(payload["_id"])
        except (ValueError, KeyError, TypeError):
            raise DataError(
                "an Odoo webhook body is not an automation rule's notification",
                hint="the rule's action must be 'Send Webhook Notification'",
            ) from None
        kind = {"account.move": "move", "res.partner": "partner"}.get(model)
        if kind is None:
            return []
        stamp = str(payload.get("write_date") or hashlib.sha256(body).hexdigest()[:16])
        return [
            Event(
                f"{model}:{record_id}:{stamp}",
                EventKind.CHANGED,
                (record_ref(self.tenant, kind, record_id),),
                self.clock.now(),
            )
        ]
