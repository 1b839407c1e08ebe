"""SHOP_CONFIG: the default file works, a broken one stops start-up naming the file and the entry."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from runtime.services import loyalty_rules
from runtime.settings import DEFAULT_SHOP_CONFIG, Settings, SettingsError, load_settings
from runtime.shop_config import load_shop_rules


def test_the_default_file_is_a_valid_ladder_starting_at_zero() -> None:
    rules = load_shop_rules(DEFAULT_SHOP_CONFIG)
    assert rules.tiers[0].min_spend == 0 and len(rules.tiers) >= 2


def test_broken_toml_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text("[[tiers]\ncode = ", encoding="utf-8")
    with pytest.raises(SettingsError, match="SHOP_CONFIG"):
        load_shop_rules(path)


def test_a_bad_entry_is_named(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(
        '[[tiers]]\ncode = "basic"\nname_zh = "会员"\nname_en = "Member"\nmin_spend = "0"\nmultiplier = "-1"\n',
        encoding="utf-8",
    )
    with pytest.raises(SettingsError, match=r"tiers\[1\]\.multiplier"):
        load_shop_rules(path)


def test_a_missing_file_is_a_settings_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOP_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsError, match="SHOP_CONFIG"):
        load_settings()


def test_currencies_and_opening_day_reach_the_loyalty_rules(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    ladder = DEFAULT_SHOP_CONFIG.read_text(encoding="utf-8").split("[[tiers]]", 1)[1]
    path.write_text(
        f'opened_on = 2020-03-01\n[currencies]\nCNY = "1"\nUSD = "7.2"\n[[tiers]]{ladder}', encoding="utf-8"
    )
    rules = loyalty_rules(Settings(environment="test", SHOP_CONFIG=str(path), TIMEZONE="Asia/Shanghai"))
    assert rules.points_per_unit == {"CNY": Decimal(1), "USD": Decimal("7.2")}
    assert rules.opened_at == datetime(2020, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_default_file_takes_yuan_at_one_point_per_unit() -> None:
    rules = loyalty_rules(Settings(environment="test"))
    assert rules.points_per_unit == {"CNY": Decimal(1)}
