"""OAuth2 tokens kept encrypted in the store, refreshed ahead of expiry, rotated safely.

* Tokens are encrypted with Fernet (``cryptography``) under a key from the environment
  (``RELANCE_SECRET_KEY``) or a key file; with no key there is no storage, never plaintext.
* A token is refreshed ``margin`` seconds before it expires; its lifetime counts from when
  the refresh was *requested*. A rotated refresh token is stored, in one transaction with
  the new access token, before the access token is handed out: a crash never strands a
  tenant with a refresh token the platform already revoked.
* One refresh at a time per tenant, across threads and, on PostgreSQL, across replicas: the
  one that waited finds the rotated pair stored and uses it.
* A refresh the platform refuses for good (``invalid_grant``) marks the tenant
  "reconnect needed" and raises AuthorizationLost with the command to run.
* :class:`BearerAuth` puts the token on each request and, on a 401, refreshes once and
  replays once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from connector.clock import Clock
from connector.errors import AuthorizationLost, ConfigError, SourceUnavailable
from connector.settings import Settings
from connector.store import Store

__all__ = ["BearerAuth", "OAuthApp", "Token", "TokenManager", "TokenVault", "load_fernet"]

log = logging.getLogger(__name__)
CONNECTED, RECONNECT = "connected", "reconnect_needed"


def load_fernet(settings: Settings) -> Fernet:
    """The token key, from RELANCE_SECRET_KEY or the key file; missing is an error."""
    raw: str | None = None
    if settings.secret_key is not None:
        raw = settings.secret_key.get_secret_value()
    elif settings.secret_key_file is not None:
        try:
            raw = settings.secret_key_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(
                "cannot read the secret key file", path=settings.secret_key_file
            ) from None
    if not raw:
        raise ConfigError(
            "no key to encrypt platform tokens",
            key="RELANCE_SECRET_KEY",
            hint='generate one with `python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"` and set RELANCE_SECRET_KEY '
            "(or secret_key_file)",
        )
    try:
        return Fernet(raw.encode())
    except ValueError:
        raise ConfigError(
            "the secret key is not a Fernet key (32 url-safe base64 bytes)",
            key="RELANCE_SECRET_KEY",
        ) from None


@dataclass(frozen=True, slots=True)
class OAuthApp:
    platform: str
    client_id: str
    client_secret: SecretStr
    token_url: str
    authorize_url: str = ""
    scope: str = ""
    # how the client authenticates at the token endpoint: Pennylane takes the secret in the
    # form body, Intuit in a Basic header
    auth_method: str = "client_secret_post"


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None  # None: a long-lived API token the user revokes by hand
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. QuickBooks' realm id

    def __repr__(self) -> str:  # never a token in a log or a traceback
        expiry = self.expires_at.isoformat() if self.expires_at else "never"
        return f"Token(expires_at={expiry})"


class TokenVault:
    """Encrypted token records, one per (tenant, platform)."""

    def __init__(self, store: Store, fernet: Fernet) -> None:
        self._store, self._fernet = store, fernet

    def save(self, tenant: str, platform: str, token: Token) -> None:
        payload = json.dumps(
            {
                "access_token": token.access_token,
                "refresh_token": token.refresh_token,
                "extra": dict(token.extra),
            }
        )
        self._store.save_credential(
            tenant,
            platform,
            ciphertext=self._fernet.encrypt(payload.encode()).decode(),
            expires_at=token.expires_at,
            status=CONNECTED,
        )

    def load(self, tenant: str, platform: str) -> Token:
        row = self._store.credential(tenant, platform)
        hint = f"connect it: relance connect {platform} --tenant {tenant}"
        if row is None:
            raise AuthorizationLost(
                f"tenant {tenant} is not connected to {platform}", platform=platform, hint=hint
            )
        if row.status == RECONNECT:
            raise AuthorizationLost(
                f"{platform} refused tenant {tenant}'s authorization ({row.detail})",
                platform=platform,
                hint=hint,
            )
        try:
            data = json.loads(self._fernet.decrypt(row.ciphertext.encode()))
        except InvalidToken:
            raise ConfigError(
                "the stored tokens do not decrypt with this secret key",
                key="RELANCE_SECRET_KEY",
                hint=f"use the key they were saved with, or {hint}",
            ) from None
        return Token(
            data["access_token"], data["refresh_token"], row.expires_at, data.get("extra", {})
        )

    def exclusive(self, tenant: str, platform: str) -> AbstractContextManager[None]:
        """One refresh of this tenant's tokens at a time, across every replica."""
        return self._store.exclusive(f"credential:{tenant}:{platform}")

    def reconnect_needed(self, tenant: str, platform: str, detail: str) -> None:
        row = self._store.credential(tenant, platform)
        if row is not None:
            self._store.save_credential(
                tenant,
                platform,
                ciphertext=row.ciphertext,
                expires_at=row.expires_at,
                status=RECONNECT,
                detail=detail,
            )


class TokenManager:
    """Hands out a valid access token for one tenant, refreshing and rotating as needed."""

    def __init__(
        self,
        app: OAuthApp,
        vault: TokenVault,
        tenant: str,
        clock: Clock,
        *,
        margin: timedelta = timedelta(minutes=5),
        timeout: float = 15.0,
    ) -> None:
        self.app, self.vault, self.tenant, self.clock = app, vault, tenant, clock
        self.margin, self.timeout = margin, timeout
        # one refresh at a time, in this process and across replicas (the vault's lock): a
        # rotation kills the previous pair, so two concurrent refreshes would leave the
        # tenant disconnected
        self._lock = threading.Lock()
        self._current: Token | None = None

    def access_token(self) -> str:
        """The current access token: kept in memory while it is fresh (an access token
        stays valid until it expires, even once another replica has refreshed), read
        from the vault, and refreshed if need be, when it is not."""
        token = self._current
        if token is None or self._stale(token):
            token = self.vault.load(self.tenant, self.app.platform)
            if self._stale(token):
                token = self.refresh(token)
            self._current = token
        return token.access_token

    def _stale(self, token: Token) -> bool:
        return token.expires_at is not None and token.expires_at - self.margin <= self.clock.now()

    def refresh(self, token: Token | None = None) -> Token:
        with self._lock, self.vault.exclusive(self.tenant, self.app.platform):
            stored = self.vault.load(self.tenant, self.app.platform)
            if token is not None and stored.refresh_token != token.refresh_token:
                self._current = stored  # another thread or replica rotated it: the new pair
                return stored
            return self._refresh(stored)

    def replace_rejected(self, access_token: str) -> Token:
        """After a 401 on ``access_token``: refresh, unless another call already did."""
        with self._lock, self.vault.exclusive(self.tenant, self.app.platform):
            stored = self.vault.load(self.tenant, self.app.platform)
            if stored.access_token != access_token:
                self._current = stored
                return stored
            return self._refresh(stored)

    def _refresh(self, token: Token) -> Token:
        platform, hint = (
            self.app.platform,
            f"relance connect {self.app.platform} --tenant {self.tenant}",
        )
        if not token.refresh_token:
            raise AuthorizationLost(
                f"the {platform} token of {self.tenant} expired and cannot be refreshed",
                platform=platform,
                hint=hint,
            )
        requested_at = self.clock.now()
        session = OAuth2Session(
            self.app.client_id,
            self.app.client_secret.get_secret_value(),
            token_endpoint_auth_method=self.app.auth_method,
        )
        try:
            raw: dict[str, Any] = session.refresh_token(
                self.app.token_url, refresh_token=token.refresh_token, timeout=self.timeout
            )
        except OAuthError as exc:
            if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                self.vault.reconnect_needed(self.tenant, platform, exc.error)
                raise AuthorizationLost(
                    f"{platform} refused the refresh token for tenant {self.tenant} ({exc.error})",
                    platform=platform,
                    hint=f"Reconnect: {hint}",
                ) from None
            raise SourceUnavailable(
                f"{platform} token endpoint error ({exc.error})", platform=platform
            ) from None
        except requests.RequestException as exc:
            raise SourceUnavailable(
                f"{platform} token endpoint unreachable ({type(exc).__name__})", platform=platform
            ) from None
        finally:
            session.close()
        fresh = Token(
            raw["access_token"],
            raw.get("refresh_token") or token.refresh_token,
            requested_at + timedelta(seconds=int(raw.get("expires_in", 3600))),
            token.extra,
        )
        self.vault.save(self.tenant, platform, fresh)  # rotated token stored before any use
        self._current = fresh
        log.info("refreshed the %s token of tenant %s: %r", platform, self.tenant, fresh)
        return fresh


class BearerAuth(requests.auth.AuthBase):
    """Bearer token on every request; a 401 triggers one refresh and one replay."""

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.manager.access_token()}"
        request.register_hook("response", self._on_response)
        return request

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401 or getattr(response.request, "_relance_replayed", False):
            return response
        response.content  # noqa: B018 - release the connection, whatever the refresh does
        response.close()
        sent = str(response.request.headers.get("Authorization", "")).removeprefix("Bearer ")
        token = self.manager.replace_rejected(sent)
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {token.access_token}"
        retry._relance_replayed = True  # type: ignore[attr-defined]
        replayed = response.connection.send(retry, **kwargs)
        replayed.history.append(response)
        return replayed
