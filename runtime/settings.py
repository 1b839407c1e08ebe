"""Settings from environment variables (and an optional `.env`), split by concern.

Loaded once by each process's entry point and passed down; nothing reads the environment elsewhere.
Every variable, `CAREBOT_ENV` included, is read by pydantic-settings, so `.env` and the environment
behave the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.phones import known_region
from actions.sla import InvalidBusinessHours, parse_holidays, parse_week

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'carebot.db'}"
DEFAULT_SHOP_CONFIG = PROJECT_ROOT / "data" / "shop.toml"
MEMORY_REDIS_URL = "memory://"
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "token", "xxx", "placeholder"}


class _Section(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class EnvironmentSettings(_Section):
    environment: Literal["development", "test", "production"] = Field("development", alias="CAREBOT_ENV")


class DatabaseSettings(_Section):
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    database_echo: bool = Field(False, alias="DATABASE_ECHO")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError("expected a sqlite:///path or postgresql://user@host/db URL")
        return value


class RedisSettings(_Section):
    redis_url: str = Field(MEMORY_REDIS_URL, alias="REDIS_URL")

    @field_validator("redis_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value != MEMORY_REDIS_URL and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected redis://host:port/db, rediss://… or memory:// (in-process stand-in)")
        return value


class NluSettings(_Section):
    nlu_url: str = Field("http://127.0.0.1:5005", alias="NLU_URL")
    nlu_timeout_seconds: float = Field(2.0, alias="NLU_TIMEOUT_SECONDS", gt=0, le=30)
    nlu_confidence_threshold: float = Field(0.5, alias="NLU_CONFIDENCE_THRESHOLD", ge=0, le=1)
    nlu_port: int = Field(5005, alias="NLU_PORT", ge=1, le=65535)

    @field_validator("nlu_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL of the Rasa server")
        return value.rstrip("/")


class BotSettings(_Section):
    telegram_bot_token: str = Field("", alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_BASE_URL")
    staff_group_id: int | None = Field(None, alias="STAFF_GROUP_ID")
    webhook_url: str = Field("", alias="WEBHOOK_URL")
    webhook_secret: str = Field("", alias="WEBHOOK_SECRET")
    webhook_listen: str = Field("0.0.0.0", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, alias="WEBHOOK_PORT", ge=1, le=65535)
    dialogue_ttl_seconds: int = Field(1800, alias="DIALOGUE_TTL_SECONDS", gt=0)
    resend_unsent_after_seconds: float = Field(30, alias="RESEND_UNSENT_AFTER_SECONDS", gt=0, le=3600)


class CareSettings(_Section):
    shop_config: Path = Field(DEFAULT_SHOP_CONFIG, alias="SHOP_CONFIG")
    timezone: str = Field("Asia/Shanghai", alias="TIMEZONE")
    default_language: str = Field("zh", alias="DEFAULT_LANGUAGE")
    # Where a phone number typed without its country code is read ("CN", "SG"); empty: by the customer's
    # language (Chinese: CN), else the country code is asked for.
    phone_region: str = Field("", alias="PHONE_REGION")
    quiet_hours: str = Field("21-9", alias="QUIET_HOURS")
    marketing_per_week: int = Field(2, alias="MARKETING_PER_WEEK", ge=0)
    # Replaced by `[currencies]` in SHOP_CONFIG; refused so an old .env cannot silently earn at another rate.
    retired_points_per_yuan: str | None = Field(None, alias="POINTS_PER_YUAN")
    points_expiry_months: int = Field(12, alias="POINTS_EXPIRY_MONTHS", ge=1)
    birthday_bonus_points: int = Field(100, alias="BIRTHDAY_BONUS_POINTS", ge=0)
    referral_bonus_points: int = Field(200, alias="REFERRAL_BONUS_POINTS", ge=0)
    # Either hours alone, on BUSINESS_DAYS ("9-18"), or days with their hours ("mon-fri 9-18; sat 10-16").
    business_hours: str = Field("9-18", alias="BUSINESS_HOURS")
    business_days: str = Field("1-7", alias="BUSINESS_DAYS")
    # A country's public holidays (the holidays package: CN, US-CA) and/or the shop's closed dates (2026-12-24).
    business_holidays: str = Field("", alias="BUSINESS_HOLIDAYS")
    ticket_response_hours: float = Field(8, alias="TICKET_RESPONSE_HOURS", ge=1, le=2000)
    vip_ticket_response_hours: float = Field(2, alias="VIP_TICKET_RESPONSE_HOURS", ge=1, le=2000)
    ticket_resolution_hours: int = Field(24, alias="TICKET_RESOLUTION_HOURS", ge=1, le=2000)
    vip_ticket_resolution_hours: int = Field(8, alias="VIP_TICKET_RESOLUTION_HOURS", ge=1, le=2000)
    rating_days: int = Field(7, alias="RATING_DAYS", ge=1, le=365)
    # A customer who writes again within this many days of a ticket's resolution reopens it (0: never).
    ticket_reopen_days: int = Field(7, alias="TICKET_REOPEN_DAYS", ge=0, le=365)

    @field_validator("business_hours")
    @classmethod
    def _opening_hours(cls, value: str) -> str:
        try:
            parse_week(value)
        except InvalidBusinessHours as error:
            raise ValueError(
                f"{error}; expected OPEN-CLOSE (9-18, 9:30-18:00) on BUSINESS_DAYS, or days with their hours "
                "(mon-fri 9-12,13-18; sat 10-16)"
            ) from None
        return value

    @field_validator("business_holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        try:
            parse_holidays(value)
        except InvalidBusinessHours as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("business_days")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        first, _, last = value.partition("-")
        if not (first.isdigit() and last.isdigit() and 1 <= int(first) <= int(last) <= 7):
            raise ValueError("expected FIRST-LAST ISO weekdays, e.g. 1-6 (Monday to Saturday)")
        return value

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Shanghai or Europe/London") from None
        return value

    @field_validator("retired_points_per_yuan")
    @classmethod
    def _retired(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError('replaced by [currencies] in SHOP_CONFIG (e.g. CNY = "1"): move the rate there')

    @field_validator("shop_config")
    @classmethod
    def _readable_file(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"no such file: {value} (the shop's tier ladder; copy data/shop.toml and edit it)")
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in {"zh", "en"}:
            raise ValueError("expected zh or en")
        return value

    @field_validator("phone_region")
    @classmethod
    def _phone_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region and not known_region(region):
            raise ValueError("expected a two-letter region code such as CN or SG, or nothing (by language)")
        return region

    @field_validator("quiet_hours")
    @classmethod
    def _hour_range(cls, value: str) -> str:
        start, _, end = value.partition("-")
        if not (start.isdigit() and end.isdigit() and 0 <= int(start) < 24 and 0 <= int(end) < 24):
            raise ValueError("expected START-END in whole hours, e.g. 21-9 (no marketing 21:00-09:00)")
        return value


class OutreachSettings(_Section):
    """Proactive messages: sending rates, greetings, re-engagement and reminders."""

    outreach_rate_per_second: float = Field(30, alias="OUTREACH_RATE_PER_SECOND", gt=0, le=1000)
    paid_rate_per_second: float = Field(1000, alias="PAID_RATE_PER_SECOND", gt=0, le=1000)
    # A dead worker's claimed rows go back to pending, and its rows being sent become unknown, after this.
    outreach_lease_seconds: float = Field(120, alias="OUTREACH_LEASE_SECONDS", ge=1, le=3600)
    greeting_late_hours: int = Field(6, alias="GREETING_LATE_HOURS", ge=0, le=48)
    reengagement_inactive_days: int = Field(60, alias="REENGAGEMENT_INACTIVE_DAYS", ge=7)
    # Other inactivity thresholds for some value segments, e.g. "vip=30,lapsed=120".
    reengagement_segment_days: str = Field("", alias="REENGAGEMENT_SEGMENT_DAYS")
    reengagement_cooldown_days: int = Field(30, alias="REENGAGEMENT_COOLDOWN_DAYS", ge=1)
    reengagement_holdout_percent: int = Field(10, alias="REENGAGEMENT_HOLDOUT_PERCENT", ge=0, le=50)
    expiry_reminder_days: int = Field(30, alias="EXPIRY_REMINDER_DAYS", ge=1, le=90)

    @field_validator("reengagement_segment_days")
    @classmethod
    def _segment_days(cls, value: str) -> str:
        segments = ("vip", "active", "occasional", "at_risk", "lapsed", "new")
        for part in filter(None, (piece.strip() for piece in value.split(","))):
            name, _, days = part.partition("=")
            if name.strip() not in segments or not days.strip().isdigit() or int(days) < 7:
                raise ValueError(
                    f"expected SEGMENT=DAYS pairs, 7 days or more (segments: {', '.join(segments)}), e.g. vip=30"
                )
        return value


class ConsoleSettings(_Section):
    console_host: str = Field("127.0.0.1", alias="CONSOLE_HOST")
    console_port: int = Field(8080, alias="CONSOLE_PORT", ge=1, le=65535)
    shop_api_key: str = Field("", alias="SHOP_API_KEY")
    # Where customers' browsers reach the console (https://desk.example.com). With LINK_SECRET set, a
    # campaign's link button goes through it (/go/...) so that presses are counted; without, links go direct.
    public_url: str = Field("", alias="CONSOLE_PUBLIC_URL")
    link_secret: str = Field("", alias="LINK_SECRET")

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("expected the console's address as customers reach it, e.g. https://desk.example.com")
        return value.rstrip("/")

    @property
    def tracks_links(self) -> bool:
        return bool(self.public_url and self.link_secret)


class Settings:
    """All sections together; `environment` decides whether placeholder secrets are refused."""

    def __init__(self, **overrides: Any) -> None:
        if "environment" in overrides:
            overrides["CAREBOT_ENV"] = overrides.pop("environment")
        self.environment: str = EnvironmentSettings(**_pick(overrides, EnvironmentSettings)).environment
        self.database = DatabaseSettings(**_pick(overrides, DatabaseSettings))
        self.redis = RedisSettings(**_pick(overrides, RedisSettings))
        self.nlu = NluSettings(**_pick(overrides, NluSettings))
        self.bot = BotSettings(**_pick(overrides, BotSettings))
        self.care = CareSettings(**_pick(overrides, CareSettings))
        self.outreach = OutreachSettings(**_pick(overrides, OutreachSettings))
        self.console = ConsoleSettings(**_pick(overrides, ConsoleSettings))
        self._refuse_placeholders()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def _refuse_placeholders(self) -> None:
        if not self.is_production:
            return
        for variable, value in {
            "TELEGRAM_BOT_TOKEN": self.bot.telegram_bot_token,
            "SHOP_API_KEY": self.console.shop_api_key,
        }.items():
            if value.strip().lower() in PLACEHOLDER_SECRETS:
                raise SettingsError(f"{variable}: set a real secret (CAREBOT_ENV=production refuses '{value}')")
        if self.bot.webhook_url and self.bot.webhook_secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise SettingsError("WEBHOOK_SECRET: a webhook in production needs a random secret token")
        if self.console.public_url and self.console.link_secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise SettingsError("LINK_SECRET: counted campaign links (CONSOLE_PUBLIC_URL) need a random secret")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and what is expected."""


def load_settings(**overrides: Any) -> Settings:
    """Read and validate all settings, turning pydantic's errors into one readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            variable = str(item["loc"][0]) if item["loc"] else "?"
            problems.append(f"{variable}={item.get('input')!r}: {item['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None


def _pick(overrides: dict[str, Any], section: type[BaseSettings]) -> dict[str, Any]:
    aliases = {field.alias or name for name, field in section.model_fields.items()}
    return {key: overrides.pop(key) for key in list(overrides) if key in aliases}
