"""Intuit's OAuth2 endpoints (the same for sandbox and production keys) and the accounting
scope. The redirect carries the company's ``realmId``, kept with the tokens.
See ../shared/docs/platform-apis.md §2.2.
"""

from __future__ import annotations

from connector.oauth import OAuthApp
from connector.settings import OAuthAppConfig

__all__ = ["AUTHORIZE_URL", "SCOPE", "TOKEN_URL", "oauth_app"]

AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"  # noqa: S105 - an address
SCOPE = "com.intuit.quickbooks.accounting"


def oauth_app(config: OAuthAppConfig) -> OAuthApp:
    return OAuthApp(
        "quickbooks",
        config.client_id,
        config.client_secret,
        token_url=config.token_url or TOKEN_URL,
        authorize_url=config.authorize_url or AUTHORIZE_URL,
        scope=SCOPE,
        auth_method="client_secret_basic",
    )
