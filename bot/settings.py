"""The one place configuration is read: environment variables, validated at start-up."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError as ConfigError  # where callers have always found it
from bot.pseudonyms import FIX, secret_problem
from bot.roles import RoleBootstrap

# No team may publish figures about fewer people than this, whatever its settings say.
MIN_GROUP_FLOOR = 3


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "crbot"


class Settings(BaseSettings):
    """Every setting crbot reads, from `CRBOT_*` and the platforms' conventional variable names."""

    # An empty variable is an unset one: a `.env` copied from `.env.example` leaves `NAME=`
    # lines behind, and `SLACK_BOT_TOKEN=` must not switch Slack on with an empty token.
    model_config = SettingsConfigDict(
        env_prefix="CRBOT_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CRBOT_DATABASE_URL")
    )
    pack: str = "healthcare"
    content_path: Path | None = None
    # The smallest number of distinct people behind any published figure (docs/PRIVACY.md).
    min_group_size: int = Field(default=5, ge=MIN_GROUP_FLOOR, le=1000)
    # The differential-privacy budget (epsilon) one poll may spend on everything ever published
    # about it, split evenly over at most `releases_per_poll` releases.
    privacy_epsilon: float = Field(default=2.0, gt=0, le=10)
    releases_per_poll: int = Field(default=2, ge=1, le=10)
    pseudonym_secret: SecretStr | None = None
    facilitators: str = ""
    leaders: str = ""
    # No country's number by default: an installation names its own (EAP, local crisis line).
    support_resources: str = (
        "If you need support now, your organisation's employee assistance programme is a good "
        "first call, and in a crisis, your local crisis line or emergency number."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Raw check-in answers older than this are deleted; their counts are kept.
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Settled ledger rows (sent, missed, failed, cancelled) due longer ago than this are counted
    # per rollout and kind, then deleted. Half a year covers a whole 12-section programme, so
    # facilitators' lists of missed posts and every section's checklist stay whole; rows still
    # to send and uncertain posts are never pruned.
    delivery_history_days: int = Field(default=180, ge=7, le=3650)
    # How long the replica sending planned posts holds its lease without renewing it: a replica
    # that dies holds up planned posts this long at most, and a database away for up to two thirds
    # of it stops no send (scheduler/leader.py keeps the margin and renewals in proportion).
    sending_lease_seconds: float = Field(default=30.0, ge=3, le=600)
    # /metrics answers only a request that carries this as a bearer token; unset, it is off.
    metrics_token: SecretStr | None = None
    port: int = Field(default=3978, ge=1, le=65535, validation_alias=AliasChoices("PORT"))
    # Where people's browsers reach this server (`https://crbot.example.org`): the console's
    # sign-in links start with it, and its cookies are Secure when it is https. Unset: no console.
    public_url: str | None = None

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_CLIENT_SECRET"
    )
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(default=None, validation_alias="MicrosoftAppId")
    microsoft_app_password: SecretStr | None = Field(
        default=None, validation_alias="MicrosoftAppPassword"
    )
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        default="MultiTenant", validation_alias="MicrosoftAppType"
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, validation_alias="MicrosoftAppTenantId"
    )
    teams_enabled: bool = False
    # Seconds a call to Teams may go unanswered (botbuilder waits 100): while it waits, it holds
    # a scheduler worker or a person's reply.
    teams_call_timeout: float = Field(default=15.0, gt=0, le=120)
    # The publisher's own pages, which the Teams app package must link to (Teams shows them on
    # the app's About page and in the admin centre); `crbot teams package` refuses to build
    # without real ones. Only the package reads them, so `crbot run` never needs them.
    teams_website_url: str | None = None
    teams_privacy_url: str | None = None
    teams_terms_url: str | None = None
    cadence_path: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith(("postgres://", "postgresql://")):
            # Hosting platforms hand out plain URLs; the bot is async, so use the async driver.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme, _, rest = value.partition("://")
        host = rest.split("/", 1)[0]
        if scheme not in ("http", "https") or not host or "?" in rest or "#" in rest:
            raise ValueError(
                "use the address browsers reach the bot at, e.g. https://crbot.example.org"
            )
        # Links are built by appending paths, so one trailing slash or none reads the same.
        return value.rstrip("/")

    @field_validator("pseudonym_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # The one rule `Pseudonyms` and `crbot doctor` apply too; a custom error keeps the line
        # free of pydantic's "Value error," prefix, and it never repeats the secret.
        problem = None if value is None else secret_problem(value.get_secret_value())
        if problem is not None:
            raise PydanticCustomError("weak_secret", f"{problem}; {FIX}")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database to use: DATABASE_URL, else a SQLite file in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'crbot.db'}"

    @property
    def slack_configured(self) -> bool:
        """Whether Slack credentials of either kind (one workspace or OAuth) are set."""
        single = self.slack_bot_token is not None and self.slack_signing_secret is not None
        return single or self.slack_client_id is not None

    @property
    def teams_configured(self) -> bool:
        """Whether the Teams endpoint should run (credentials set, or local mode asked for)."""
        return self.microsoft_app_id is not None or self.teams_enabled

    def role_bootstrap(self) -> RoleBootstrap:
        """The roles CRBOT_FACILITATORS and CRBOT_LEADERS give (raises ConfigError if malformed)."""
        return RoleBootstrap.parse(self.facilitators, self.leaders)


def variable_name(field: str) -> str:
    """The environment variable a Settings field is read from (its alias, or CRBOT_ + its name)."""
    info = Settings.model_fields.get(field)
    if info is None:
        # Errors on aliased fields are already located by the variable's own name.
        return field
    alias = info.validation_alias
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"CRBOT_{field.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, or raise ConfigError naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raise ConfigError(f"{variable_name(field)}: {first['msg']}") from None
