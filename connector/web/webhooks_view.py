"""What Settings > Connection says of a tenant's webhooks: the receiver's address to give the
platform, whether the signing secret (or token) is in place — never the secret itself — and
what the receiver stored last. Deliveries the receiver refused are not stored (its log says
why); what it accepted is in the inbox until a sync acts on it."""

from __future__ import annotations

from dataclasses import dataclass

from connector.model import Platform
from connector.settings import Settings
from connector.store import InboxSummary, Store

__all__ = ["WebhookView", "webhook_view"]

# the vault records holding a subscription's secret (adapters/pennylane/subscriptions.py) and
# the automation rule's token (adapters/odoo/webhooks.py)
_VAULT_RECORD = {Platform.PENNYLANE: "pennylane-webhook", Platform.ODOO: "odoo-webhook"}


def _(text: str) -> str:
    return text


@dataclass(frozen=True)
class WebhookView:
    path: str  # after the receiver's public address (https://…)
    secret_ready: bool
    secret_words: str  # what the secret is, to translate
    setup: str  # how to set it up, to translate (a command or the platform's console)
    command: str  # the command to type, if one sets it up
    inbox: InboxSummary


def webhook_view(store: Store, settings: Settings, slug: str, platform: Platform) -> WebhookView:
    """The tenant's webhooks; ``files`` tenants have none (callers do not ask)."""
    inbox = store.inbox_summary(slug)
    if platform is Platform.QUICKBOOKS:
        app = settings.quickbooks
        return WebhookView(
            path="/webhooks/quickbooks",
            secret_ready=app is not None and app.webhook_verifier is not None,
            secret_words=_("The app’s verifier token (RELANCE_QUICKBOOKS__WEBHOOK_VERIFIER)"),
            setup=_(
                "One address for every company of relance’s app: enter it in the Intuit "
                "developer portal, Webhooks, with the entities Invoice, Payment, CreditMemo and "
                "Customer."
            ),
            command="",
            inbox=inbox,
        )
    path = f"/webhooks/{platform.value}/{slug}"
    secret_ready = store.credential(slug, _VAULT_RECORD[platform]) is not None
    if platform is Platform.PENNYLANE:
        return WebhookView(
            path=path,
            secret_ready=secret_ready,
            secret_words=_("The subscription’s signing secret, stored encrypted"),
            setup=_(
                "Subscribe from the command line; Pennylane gives the signing secret once and "
                "relance stores it encrypted."
            ),
            command=f"relance webhooks subscribe --tenant {slug} --url https://…{path}",
            inbox=inbox,
        )
    return WebhookView(
        path=f"{path}?token=…",
        secret_ready=secret_ready,
        secret_words=_("The automation rule’s token, stored encrypted"),
        setup=_(
            "The command gives the full address with its token; in Odoo, an automation rule "
            "on Journal Entry sends a webhook notification to it."
        ),
        command=f"relance webhooks subscribe --tenant {slug} --url https://…{path}",
        inbox=inbox,
    )
