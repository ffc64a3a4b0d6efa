"""Settings: one place that reads the environment, the TOML files and the secrets folder.

Precedence, highest first: values passed in code (CLI flags) > environment (``RELANCE_…``,
nested with ``__``: ``RELANCE_SMTP__HOST``) > secrets folder > ``relance.toml`` > defaults.
Tenant files ``<tenants_dir>/<slug>.toml`` describe one business (who the creditor is,
where its ledger comes from, which policy applies) and hold no secrets.

A file the user named that is missing, or a key nobody knows, is a ConfigError naming it.
"""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from connector.errors import ConfigError
from connector.legal.claim import ContractTerms
from connector.model import Country, Creditor, Language, Platform
from connector.money import Money

__all__ = [
    "ContractConfig",
    "ContractTermsConfig",
    "FilesSourceConfig",
    "OAuthAppConfig",
    "OdooOptions",
    "PennylaneOptions",
    "QuickBooksOptions",
    "RateSourcesConfig",
    "ReceiverConfig",
    "Settings",
    "SmtpConfig",
    "TenantConfig",
    "load_settings",
    "load_tenant_config",
    "tenant_config_from_text",
    "validation_problems",
]


class SmtpConfig(BaseModel):
    """How to reach the SMTP relay; with none, mail goes to the outbox folder as .eml files."""

    model_config = ConfigDict(extra="forbid")
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: str = Field(default="starttls", pattern="^(starttls|ssl|none)$")
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0)
    ca_file: Path | None = None  # a CA bundle for a relay with a private certificate
    # a login over a connection without TLS sends the password in clear: only when the user
    # says so (a relay on this machine, or on a network they trust)
    allow_plaintext_auth: bool = False

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> SmtpConfig:
        if (
            self.security == "none"
            and self.username
            and self.password is not None
            and not self.allow_plaintext_auth
        ):
            raise ValueError(
                'security = "none" would send the SMTP username and password without TLS, '
                'readable by anyone on the network: set security = "starttls" (or "ssl"), '
                "or, for a relay on this machine or a network you trust, set "
                "allow_plaintext_auth = true in [smtp]"
            )
        return self


class RateSourcesConfig(BaseModel):
    """Where `relance rates update` reads the official series (``[rate_sources]``; a base URL
    can point at a mirror, or at a test server). Webstat (Banque de France) answers only with
    a free API key, and relance ships no series key for the French legal rate it could not
    check: set ``webstat_api_key``, ``fr_legal_series_a`` and ``fr_legal_series_b`` to
    fetch it (see the README)."""

    model_config = ConfigDict(extra="forbid")

    ecb_url: str = "https://data-api.ecb.europa.eu/service"
    boe_url: str = "https://www.bankofengland.co.uk/boeapps/database"
    bundesbank_url: str = "https://api.statistiken.bundesbank.de/rest"
    webstat_url: str = "https://webstat.banque-france.fr/api/explore/v2.1"
    webstat_api_key: SecretStr | None = None
    fr_legal_series_a: str | None = None  # Webstat series key, private creditors
    fr_legal_series_b: str | None = None  # Webstat series key, every other creditor
    timeout_seconds: float = Field(default=20.0, gt=0)


class ReceiverConfig(BaseModel):
    """The webhook receiver of `relance serve` and `relance daemon` (``[receiver]``): its
    limits, and whether /metrics and the API description answer on the webhook port, on a
    port of their own (``ops_port``), or nowhere."""

    model_config = ConfigDict(extra="forbid")
    header_timeout: float = Field(default=10.0, gt=0)  # seconds to send a request's headers
    body_timeout: float = Field(default=20.0, gt=0)  # seconds to send its body, then 408
    max_requests: int = Field(default=128, ge=1)  # deliveries handled at once; more: 503
    max_buffered: int = Field(default=16 * 1024 * 1024, ge=1024)  # their bodies' bytes, in all
    max_body: int = Field(default=1024 * 1024, ge=1024)  # bytes; more: 413
    docs: bool = True  # /docs, /redoc, /openapi.json
    metrics: bool = True  # /metrics (the daemon's)
    ops_host: str = "127.0.0.1"
    ops_port: int | None = Field(default=None, ge=1, le=65535)  # docs and metrics there


class OAuthAppConfig(BaseModel):
    """relance's app at a platform (from the platform's developer console); secrets from env:
    RELANCE_QUICKBOOKS__CLIENT_ID, RELANCE_QUICKBOOKS__CLIENT_SECRET, …"""

    model_config = ConfigDict(extra="forbid")
    client_id: str
    client_secret: SecretStr
    redirect_uri: str = "http://127.0.0.1:8765/callback"
    token_url: str | None = None  # the platform's token endpoint, to point at a sandbox
    authorize_url: str | None = None
    # QuickBooks: the app's webhook verifier token (developer portal > Webhooks)
    webhook_verifier: SecretStr | None = None


class PennylaneOptions(BaseModel):
    """What relance writes back into a Pennylane company (adapters/pennylane/README.md)."""

    model_config = ConfigDict(extra="forbid")
    # the category group (its label or id) that receives one category per dunning step;
    # groups cannot be created through the API: create it in Pennylane first
    category_group: str | int | None = None
    customer_notes: bool = True  # a dated line appended to the customer's notes
    appendices: bool = True  # each letter's PDF attached to its invoices
    # read the bank transactions matched to partly paid invoices: one request per such
    # invoice, for the payment history in the dossier
    payments: bool = True


class QuickBooksOptions(BaseModel):
    """A QuickBooks Online company (adapters/quickbooks/README.md)."""

    model_config = ConfigDict(extra="forbid")
    sandbox: bool = False  # sandbox-quickbooks.api.intuit.com (the app's Development keys)
    # the name of a string custom field on sales forms that shows the step and next date;
    # None, or one the company has not enabled: the invoice's private note instead
    custom_field: str | None = None
    notes: bool = True  # an Attachable note on the invoice for each reminder
    payments_days: int = Field(default=400, ge=30, le=3660)  # history read on a full sync


class OdooOptions(BaseModel):
    """An Odoo database (adapters/odoo/README.md); the API key is stored by relance connect."""

    model_config = ConfigDict(extra="forbid")
    database: str = ""
    login: str = ""  # the login of the user who owns the API key
    protocol: Literal["json2", "jsonrpc", "xmlrpc"] | None = None  # None: from the server's version
    company_id: int | None = None  # one company of a multi-company database; None: all


class FilesSourceConfig(BaseModel):
    """A file-based ledger: a folder of relance CSVs, or a FEC with its contacts."""

    model_config = ConfigDict(extra="forbid")
    csv_dir: Path | None = None
    fec: Path | None = None
    contacts: Path | None = None
    due_dates: Path | None = None
    payment_terms_days: int = Field(default=30, ge=0)
    # the files' encoding when detection is not wanted (utf-8, iso-8859-15, windows-1252, cp1147)
    encoding: str | None = None
    # a snapshot that would close more than a tenth of the open invoices is refused unless set
    allow_mass_close: bool = False


class ContractTermsConfig(BaseModel):
    """What the terms of sale say, replacing the statutory defaults where the law allows."""

    model_config = ConfigDict(extra="forbid")
    late_payment_rate: Decimal | None = Field(default=None, ge=0, le=100)  # percent a year
    recovery_indemnity: Decimal | None = Field(default=None, ge=0)  # per invoice, in EUR


class ContractConfig(ContractTermsConfig):
    """Tenant-wide terms, with overrides per customer id."""

    customers: dict[str, ContractTermsConfig] = Field(default_factory=dict)

    def terms_for(self, external_id: str) -> ContractTerms:
        """The customer's terms as the legal calculator takes them."""
        terms = self.for_customer(external_id)
        indemnity = terms.recovery_indemnity
        return ContractTerms(
            rate=terms.late_payment_rate,
            indemnity=None if indemnity is None else Money(indemnity, "EUR"),
        )

    def for_customer(self, external_id: str) -> ContractTermsConfig:
        specific = self.customers.get(external_id)
        return ContractTermsConfig(
            late_payment_rate=(specific and specific.late_payment_rate) or self.late_payment_rate,
            recovery_indemnity=(specific and specific.recovery_indemnity)
            or self.recovery_indemnity,
        )


class ScheduleConfig(BaseModel):
    """When the daemon runs the tenant's cycle: a crontab line in the tenant's timezone."""

    model_config = ConfigDict(extra="forbid")
    cron: str = "0 9 * * mon-fri"  # business days at 09:00
    timezone: str | None = None  # default: the tenant's

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a crontab line (minute hour day month weekday): {exc}"
            ) from None
        return value


class TenantConfig(BaseModel):
    """One business relance works for."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    platform: Platform = Platform.FILES
    country: Country = "FR"
    timezone: str = "Europe/Paris"
    language: Language = "fr"
    policy: Path | None = None  # None: the default French policy
    creditor: Creditor
    files: FilesSourceConfig | None = None
    pennylane: PennylaneOptions = Field(default_factory=PennylaneOptions)
    quickbooks: QuickBooksOptions = Field(default_factory=QuickBooksOptions)
    odoo: OdooOptions = Field(default_factory=OdooOptions)
    jurisdiction: str = Field(default="FR", pattern="^(FR|EU|UK|DE|BE|ES)$")
    api_url: str | None = None  # the platform's API base, to point at a sandbox or an emulator
    contract: ContractConfig = Field(default_factory=ContractConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)


def validation_problems(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        lines.append(f"{key}: {message}")
    return "\n    ".join(lines)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RELANCE_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file="relance.toml",
        secrets_dir=None,
    )

    store_url: str = "sqlite:///relance.sqlite"
    outbox_dir: Path = Path("outbox")
    tenants_dir: Path = Path("config/tenants")
    smtp: SmtpConfig | None = None
    pennylane: OAuthAppConfig | None = None
    quickbooks: OAuthAppConfig | None = None
    log_format: str = Field(default="text", pattern="^(text|json)$")
    # the key that encrypts platform tokens in the store (Fernet): from the environment
    # (RELANCE_SECRET_KEY) or a key file; never written in relance.toml
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    # newer rate tables: `relance rates import FILE` and `relance rates update` keep each
    # version here as a file of its own
    rates_dir: Path = Path.home() / ".local" / "share" / "relance" / "rates"
    rate_sources: RateSourcesConfig = Field(default_factory=RateSourcesConfig)
    receiver: ReceiverConfig = Field(default_factory=ReceiverConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            file_secret_settings,
            _TomlWithoutSecretKey(settings_cls),
        )


class _TomlWithoutSecretKey(TomlConfigSettingsSource):
    """relance.toml, refused when it holds the key that encrypts the platforms' tokens: a key
    beside the store it opens (in a file that gets copied, versioned, backed up) protects
    nothing."""

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        if "secret_key" in values:
            raise ConfigError(
                "the encryption key (secret_key) must not be written in this file",
                path=self.toml_file_path if isinstance(self.toml_file_path, str | Path) else None,
                key="secret_key",
                hint="remove it, then give it in the environment (RELANCE_SECRET_KEY), in a "
                "secrets folder (RELANCE_SECRETS_DIR), or in a file of its own readable by "
                "relance alone, named by secret_key_file",
            )
        return values


def load_settings(
    config: Path | None = None, *, secrets_dir: Path | None = None, **overrides: Any
) -> Settings:
    """Build the settings; ``config`` names a TOML file that must exist.

    Secrets may also come from a folder of files named like the variables
    (``relance_secret_key``, ``relance_smtp__password`` …): ``secrets_dir`` or
    ``RELANCE_SECRETS_DIR`` — a Docker or Kubernetes secrets mount, say.
    """
    values = {k: v for k, v in overrides.items() if v is not None}
    folder = secrets_dir or (
        Path(os.environ["RELANCE_SECRETS_DIR"]) if os.environ.get("RELANCE_SECRETS_DIR") else None
    )
    if folder is not None:
        if not folder.is_dir():
            raise ConfigError(
                "the secrets folder does not exist", path=folder, key="RELANCE_SECRETS_DIR"
            )
        values["_secrets_dir"] = folder
    try:
        if config is None:
            return Settings(**values)
        if not config.is_file():
            raise ConfigError("configuration file not found", path=config)
        model_config = SettingsConfigDict(**{**Settings.model_config, "toml_file": config})
        named: type[Settings] = type("Settings", (Settings,), {"model_config": model_config})
        return named(**values)
    except ValidationError as exc:
        raise ConfigError(
            "invalid settings:\n    " + validation_problems(exc),
            path=config or "relance.toml / RELANCE_* environment",
            hint="see config/relance.example.toml",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=config or "relance.toml") from None


def load_tenant_config(path: Path) -> TenantConfig:
    """Read one tenant file; relative paths in it are relative to the file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "tenant file not found", path=path, hint="create it with `relance init`"
        ) from None
    return tenant_config_from_text(text, path)


def tenant_config_from_text(text: str, path: Path) -> TenantConfig:
    """What :func:`load_tenant_config` makes of ``text`` were it the content of ``path`` (to
    check a new version of the file before it replaces the old one)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc})", path=path) from None
    raw.setdefault("slug", path.stem)
    try:
        tenant = TenantConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(
            "invalid tenant configuration:\n    " + validation_problems(exc),
            path=path,
            hint="see config/tenants/example.toml",
        ) from None
    base = path.parent
    if tenant.policy is not None and not tenant.policy.is_absolute():
        tenant = tenant.model_copy(update={"policy": base / tenant.policy})
    terms = tenant.creditor.terms_of_sale
    if terms and not Path(terms).is_absolute():
        creditor = tenant.creditor.model_copy(update={"terms_of_sale": str(base / terms)})
        tenant = tenant.model_copy(update={"creditor": creditor})
    if tenant.files is not None:
        files = tenant.files
        resolved = {
            name: base / value
            for name in ("csv_dir", "fec", "contacts", "due_dates")
            if isinstance(value := getattr(files, name), Path) and not value.is_absolute()
        }
        tenant = tenant.model_copy(update={"files": files.model_copy(update=resolved)})
    if tenant.creditor.logo:
        tenant = tenant.model_copy(update={"creditor": _with_logo(tenant.creditor, path)})
    return tenant


def _with_logo(creditor: Creditor, tenant_file: Path) -> Creditor:
    """The creditor with its logo's path resolved from the tenant file's folder, once the
    file is known to be there: a letter never goes out without the logo its tenant named."""
    logo = Path(creditor.logo)
    if not logo.is_absolute():
        logo = tenant_file.parent / logo
    if not logo.is_file():
        raise ConfigError(
            f"the logo file {logo} does not exist",
            path=tenant_file,
            key="creditor.logo",
            hint="give the path of a PNG or JPEG file (relative to the tenant file), "
            "or remove the key",
        )
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ConfigError(
            f"the logo {logo.name} is not a PNG or JPEG file",
            path=tenant_file,
            key="creditor.logo",
            hint="save the logo as .png or .jpg",
        )
    return creditor.model_copy(update={"logo": str(logo)})
