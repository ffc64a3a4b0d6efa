"""Find the adapter for a tenant's platform without the core importing any adapter.

Adapters register a factory under the ``relance.sources`` entry-point group, named after
the platform; the factory is a class with ``from_tenant(config, **context)``.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol, cast

from connector.errors import ConfigError
from connector.settings import TenantConfig
from connector.source import Source

__all__ = ["available_platforms", "open_source"]

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
