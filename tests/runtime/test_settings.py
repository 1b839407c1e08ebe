"""Settings: embedded defaults work, bad values stop start-up with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.settings import MEMORY_REDIS_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "NLU_URL", "TIMEZONE", "CAREBOT_ENV", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings()
    assert settings.database.database_url.startswith("sqlite:///")
    assert settings.database.database_url.endswith("var/carebot.db")
    assert settings.redis.redis_url == MEMORY_REDIS_URL
    assert settings.care.timezone == "Asia/Shanghai"


def test_phone_region_is_a_region_code(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().care.phone_region == ""  # by the customer's language
    monkeypatch.setenv("PHONE_REGION", " sg ")
    assert load_settings().care.phone_region == "SG"


def test_postgres_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db.internal/carebot")
    assert load_settings().database.database_url == "postgresql://shop@db.internal/carebot"


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("DATABASE_URL", "mysql://x", "sqlite:///path or postgresql://"),
        ("REDIS_URL", "localhost:6379", "redis://host:port/db"),
        ("TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("NLU_URL", "rasa:5005", "http://"),
        ("QUIET_HOURS", "late", "START-END"),
        ("NLU_CONFIDENCE_THRESHOLD", "2", "less than or equal to 1"),
        ("STAFF_GROUP_ID", "staff", "valid integer"),
        ("POINTS_PER_YUAN", "2", "[currencies] in SHOP_CONFIG"),
        ("REENGAGEMENT_SEGMENT_DAYS", "whales=3", "SEGMENT=DAYS"),
        ("OUTREACH_RATE_PER_SECOND", "0", "greater than 0"),
        ("PHONE_REGION", "China", "two-letter region code"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, hint: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert variable in str(error.value)
    assert hint in str(error.value)


def test_production_refuses_placeholder_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOT_ENV", "production")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "changeme")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        load_settings()


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TIMEZONE=Europe/London\n")
    assert load_settings().care.timezone == "Europe/London"


def test_production_in_dotenv_refuses_placeholder_secrets(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CAREBOT_ENV=production\nTELEGRAM_BOT_TOKEN=changeme\n")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        load_settings()


def test_unknown_environment_names_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOT_ENV", "prod")
    with pytest.raises(SettingsError, match="CAREBOT_ENV") as error:
        load_settings()
    assert "production" in str(error.value)
