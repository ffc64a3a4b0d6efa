"""Find the adapter for a tenant's platform without the core importing any adapter.

Adapters register a factory under the ``relance.sources`` entry-point group, named after
the platform; the factory is a class with ``from_tenant(config, **context)``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol, cast

from connector.errors import ConfigError
from connector.oauth import OAuthApp
from connector.settings import Settings, TenantConfig
from connector.source import Source

__all__ = ["available_platforms", "oauth_app_for", "open_source"]

GROUP = "relance.sources"


class _Factory(Protocol):
    def from_tenant(self, config: TenantConfig, **context: Any) -> Source: ...


def available_platforms() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def open_source(config: TenantConfig, **context: Any) -> Source:
    """The configured source of ``config``'s tenant."""
    name = config.platform.value
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise ConfigError(
            f"no adapter installed for platform {name!r} (installed: {available_platforms()})",
            key="platform",
            hint="reinstall relance (`pip install -e .`) so its adapters register",
        )
    factory = cast(_Factory, found[0].load())
    return factory.from_tenant(config, **context)


def oauth_app_for(platform: str, settings: Settings) -> OAuthApp:
    """The platform's OAuth endpoints (from its adapter) with relance's app credentials."""
    config = getattr(settings, platform, None)
    if config is None:
        raise ConfigError(
            f"no {platform} app credentials",
            key=f"RELANCE_{platform.upper()}__CLIENT_ID",
            hint=f"set RELANCE_{platform.upper()}__CLIENT_ID and RELANCE_{platform.upper()}"
            f"__CLIENT_SECRET (from the platform's developer console), or use --token",
        )
    found = [ep for ep in entry_points(group="relance.oauth") if ep.name == platform]
    if not found:
        raise ConfigError(
            f"{platform} has no OAuth flow in relance",
            key="PLATFORM",
            hint="use --token with an API token or key",
        )
    app = found[0].load()(config)
    assert isinstance(app, OAuthApp)
    return app
