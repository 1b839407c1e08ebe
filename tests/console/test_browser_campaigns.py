"""A marketer in a real Chromium: from the menu to a drafted, previewed and scheduled campaign."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from console.app import create_app
from runtime.settings import Settings
from storage.engine import SessionFactory
from tests.console.browser import CHROMIUM, chromium, log_in, screenshot, serving
from tests.console.conftest import INTENTS, PASSWORD
from tests.support.outreach import add_customers, empty_shop

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture
async def console_url(console_settings: Settings, redis: object) -> AsyncIterator[str]:
    async with serving(create_app(console_settings, intents=INTENTS)) as url:
        yield url


async def test_a_marketer_drafts_previews_and_schedules_a_campaign(
    console_url: str, staff_accounts: dict[str, str], session_factory: SessionFactory
) -> None:
    await empty_shop(session_factory)
    await add_customers(session_factory, 4, first_chat=100_000)
    await add_customers(session_factory, 2, first_chat=200_000, language="en")
    async with chromium() as browser:
        await drafts_previews_and_schedules(browser, console_url)


async def drafts_previews_and_schedules(browser: Browser, url: str) -> None:
    page = await browser.new_page()
    await log_in(page, url, "Mona", PASSWORD)
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_role("link", name="New campaign").click()
    await page.get_by_label("Name", exact=True).fill("双十二")
    await page.get_by_label("Text (Chinese)").fill("{name}，双十二您的{points}积分可抵现")
    await page.get_by_label("Text (English)").fill("{name}, your {pionts} points")  # a typo a marketer makes
    await page.get_by_label("Chinese", exact=True).check()
    await page.get_by_role("button", name="Create draft").click()
    await expect(page.get_by_role("alert")).to_contain_text("unknown placeholder {pionts}")
    await expect(page.get_by_label("Name", exact=True)).to_have_value("双十二")  # nothing typed is lost

    await page.get_by_label("Text (English)").fill("{name}, use your {points} points this 12.12")
    await page.get_by_role("button", name="Create draft").click()
    await expect(page.get_by_role("status")).to_contain_text("created as a draft")
    await expect(page.get_by_test_id("audience-size")).to_have_text("4")
    await expect(page.get_by_test_id("sample-zh")).to_have_text("顾客100000，双十二您的0积分可抵现")
    await page.get_by_label("At (shop time; empty = now)").fill("2030-12-12T10:00")
    await page.get_by_role("button", name="Schedule").click()
    await expect(page.get_by_test_id("campaign-status")).to_have_text("scheduled")
    await screenshot(page, "campaign")
