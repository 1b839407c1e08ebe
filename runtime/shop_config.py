"""Read the shop's configuration file (SHOP_CONFIG, TOML) and sync it into the database at start-up."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from actions.shop_setup import InvalidShopRules, ShopRules, parse_shop_rules, sync_shop_rules
from runtime.settings import SettingsError
from storage.engine import SessionFactory

logger = logging.getLogger(__name__)


def load_shop_rules(path: Path) -> ShopRules:
    """The validated file; a malformed one stops start-up with a message naming the file and the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"SHOP_CONFIG={path}: cannot read it as UTF-8 TOML ({error})") from None
    try:
        return parse_shop_rules(data)
    except InvalidShopRules as error:
        raise SettingsError(f"SHOP_CONFIG={path}:\n  {error}") from None


async def sync_shop_config(session_factory: SessionFactory, rules: ShopRules) -> None:
    """Copy the file's tier ladder into the database (idempotent: an unchanged file writes nothing)."""
    async with session_factory() as session, session.begin():
        report = await sync_shop_rules(session=session, rules=rules)
    if report.added or report.changed:
        logger.info("shop configuration synced: %d tiers added, %d changed", report.added, report.changed)
