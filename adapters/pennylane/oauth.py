"""Pennylane's OAuth2 endpoints and the scopes relance asks for.

Apps are registered by Pennylane's partnership team; most tenants will use a company API
token instead (`relance connect pennylane --tenant NAME --token`). Refresh rotates both
tokens. See ../shared/docs/platform-apis.md §1.2.
"""

from __future__ import annotations

from connector.oauth import OAuthApp
from connector.settings import OAuthAppConfig

__all__ = ["AUTHORIZE_URL", "SCOPES", "TOKEN_URL", "oauth_app"]

AUTHORIZE_URL = "https://app.pennylane.com/oauth/authorize"
TOKEN_URL = "https://app.pennylane.com/oauth/token"  # noqa: S105 - an address
SCOPES = ("customer_invoices:all", "customers:all", "categories:all", "transactions:readonly")


def oauth_app(config: OAuthAppConfig) -> OAuthApp:
    return OAuthApp(
        "pennylane",
        config.client_id,
        config.client_secret,
        token_url=config.token_url or TOKEN_URL,
        authorize_url=config.authorize_url or AUTHORIZE_URL,
        scope=" ".join(SCOPES),
        auth_method="client_secret_post",
    )
