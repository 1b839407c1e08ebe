"""The console in a real Chromium (Playwright): login and logout, a wrong password, an agent refused a
supervisor page, a form posted without its CSRF token, the whole takeover round trip with the customer
on the fake Bot API, tickets, labels, reports, and an admin managing staff accounts."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from carebot.commands.nlu_labels import export_labels
from runtime.settings import PROJECT_ROOT, Settings
from storage.engine import SessionFactory
from tests.bot.telegram.conftest import EN_CUSTOMER, STAFF_GROUP_ID, ZH_CUSTOMER
from tests.bot.telegram.harness import button_data, texts
from tests.console.browser import CHROMIUM, chromium, log_in, screenshot, serving
from tests.console.conftest import PASSWORD
from tests.console.desk import Desk, running_desk
from tests.support.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (.ci/run installs it)")
WAIT_MS = 15_000  # htmx polls every 2 s; expect() retries until this


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture
async def desk(
    start_bot: Callable[[str], object],
    make_settings: Callable[..., Settings],
    fake_bot_api: FakeBotApi,
    shop: SessionFactory,
    stopped_nlu_url: str,
    staff_accounts: dict[str, str],
) -> AsyncIterator[tuple[Desk, str]]:
    """The bot and the console served over HTTP; yields the desk and the console's URL."""
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    async with running_desk(start_bot, settings, shop, stopped_nlu_url) as running, serving(running.app) as url:
        yield running, url


async def test_login_wrong_password_and_logout(browser: Browser, desk: tuple[Desk, str]) -> None:
    _, url = desk
    page = await browser.new_page()
    await log_in(page, url, "Lily", "not my password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await screenshot(page, "login")

    await log_in(page, url, "Lily", PASSWORD)
    await expect(page.get_by_test_id("who")).to_have_text("Lily · agent")
    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(f"{url}/login")
    await page.goto(f"{url}/queue")
    await expect(page).to_have_url(f"{url}/login?next=/queue")


async def test_an_agent_is_refused_a_supervisor_page(browser: Browser, desk: tuple[Desk, str]) -> None:
    _, url = desk
    page = await browser.new_page()
    await log_in(page, url, "Lily", PASSWORD)
    await expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = await page.goto(f"{url}/audit")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("alert")).to_have_text("your role (agent) may not do this")


async def test_a_form_posted_without_its_csrf_token_is_refused(browser: Browser, desk: tuple[Desk, str]) -> None:
    _, url = desk
    page = await browser.new_page()
    await log_in(page, url, "Lily", PASSWORD)
    await page.locator("form.logout input[name=csrf_token]").evaluate("input => input.remove()")
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("alert")).to_contain_text("security token is missing")
    await page.goto(f"{url}/")
    await expect(page.get_by_test_id("who")).to_have_text("Lily · agent")  # the forged logout did nothing


async def test_the_takeover_round_trip_in_the_browser(browser: Browser, desk: tuple[Desk, str]) -> None:
    running, url = desk
    await running.make_vip(ZH_CUSTOMER)
    li_lei, wang_fang = running.customer(EN_CUSTOMER, "en"), running.customer(ZH_CUSTOMER, "zh")
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await log_in(page, url, "Lily", PASSWORD)
    await page.goto(f"{url}/queue")
    await expect(page.get_by_test_id("queue-empty")).to_be_visible()

    await li_lei.say("/human")
    await wang_fang.say("我要找人工客服")
    entries = page.get_by_test_id("queue-entry")
    await expect(entries).to_have_count(2, timeout=WAIT_MS)  # the queue refreshed by itself
    await expect(entries.first).to_contain_text("王芳")
    await expect(entries.first).to_contain_text("VIP")
    await screenshot(page, "queue")

    await entries.first.get_by_role("button", name="Claim").click()
    vip = await running.handoff_of(ZH_CUSTOMER)
    await expect(page).to_have_url(f"{url}/conversations/{vip.id}")
    await page.get_by_role("textbox").fill("您好，我是Lily，马上帮您查订单")
    before = len(running.bot.api.sent_messages(ZH_CUSTOMER))
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_role("status")).to_have_text("Sent.")
    assert texts(running.bot.api.sent_messages(ZH_CUSTOMER)[before:]) == "客服 Lily：您好，我是Lily，马上帮您查订单"

    assert await wang_fang.say("订单号 SO-1001，三天了还没到") == [], "the bot says nothing during the takeover"
    await expect(page.get_by_test_id("transcript")).to_contain_text("订单号 SO-1001，三天了还没到", timeout=WAIT_MS)
    await screenshot(page, "conversation")

    await page.get_by_role("button", name="Close and hand back to the bot").click()
    await expect(page).to_have_url(f"{url}/queue")
    await expect(entries).to_have_count(1)
    rate_buttons = button_data(running.bot.api.sent_messages(ZH_CUSTOMER)[-1])
    assert len(rate_buttons) == 5, "the rating question with its five buttons reached the customer"
    await wang_fang.press(rate_buttons[3])
    assert (await running.handoff_of(ZH_CUSTOMER)).rating == 4

    await page.goto(f"{url}/conversations/{vip.id}")
    await expect(page.get_by_text("Closed · rated 4/5.")).to_be_visible()


async def test_a_ticket_moves_through_its_statuses_with_the_customer_told(
    browser: Browser, desk: tuple[Desk, str]
) -> None:
    running, url = desk
    wang_fang = running.customer(ZH_CUSTOMER, "zh")
    await wang_fang.say("/start")
    ticket_id = await running.open_ticket(ZH_CUSTOMER, "包裹三天没动，订单 SO-1001", age=timedelta(0))
    overdue_id = await running.open_ticket(ZH_CUSTOMER, "上周的退款还没到", age=timedelta(days=3))
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await log_in(page, url, "Lily", PASSWORD)
    await page.get_by_role("link", name="Tickets").click()
    await expect(page.locator(f"tr:has(a:text-is('#{overdue_id}'))")).to_have_class("overdue")
    await expect(page.locator(f"tr:has(a:text-is('#{ticket_id}'))")).not_to_have_class("overdue")
    # The worker's overdue job, run twice: the staff group hears of the overdue ticket once.
    assert [await running.run_overdue_job(), await running.run_overdue_job()] == [1, 0]
    announcements = [
        call
        for call in running.bot.api.calls("sendMessage")
        if call.params.get("chat_id") == STAFF_GROUP_ID and f"#{overdue_id}" in str(call.params.get("text"))
    ]
    assert len(announcements) == 1
    await page.get_by_role("link", name=f"#{ticket_id}", exact=True).click()

    for button, status, told in (
        ("In progress", "In progress", f"工单 #{ticket_id} 进度更新"),
        ("Waiting for the customer", "Waiting for the customer", f"工单 #{ticket_id}：客服在等待您的回复"),
        ("Resolved", "Resolved", f"工单 #{ticket_id} 已解决"),
    ):
        before = len(running.bot.api.sent_messages(ZH_CUSTOMER))
        await page.get_by_role("button", name=button, exact=True).click()
        await expect(page.get_by_test_id("ticket-status")).to_have_text(status)
        await expect(page.get_by_role("status")).to_have_text("Saved; the customer was told.")
        assert texts(running.bot.api.sent_messages(ZH_CUSTOMER)[before:]).startswith(told)
    rate_buttons = button_data(running.bot.api.sent_messages(ZH_CUSTOMER)[-1])
    await wang_fang.press(rate_buttons[4])
    await page.get_by_role("textbox").fill("已联系快递，明天送达")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.get_by_test_id("note")).to_contain_text("已联系快递，明天送达")
    await expect(page.get_by_text("5/5")).to_be_visible()
    await screenshot(page, "ticket")

    # Two days later the parcel is still missing: the customer writes again and the ticket is reopened.
    answer = await wang_fang.say("还是没收到，快递说放门口了")
    assert texts(answer).startswith(f"工单 #{ticket_id} 已重新打开")
    await page.reload()
    await expect(page.get_by_test_id("ticket-status")).to_have_text("In progress")
    await expect(page.get_by_test_id("customer-note")).to_contain_text("还是没收到，快递说放门口了")
    reopened = f"🔁 工单 #{ticket_id} [delivery] 被客户重新打开"
    told = await running.bot.api.wait_for(
        "sendMessage", predicate=lambda call: str(call.params.get("text", "")).startswith(reopened)
    )
    assert "负责人：Lily" in told[0].params["text"]
    await wang_fang.say("麻烦快点")  # already open again: staff are not told a second time
    assert len([c for c in running.bot.api.calls("sendMessage") if str(c.params.get("text")).startswith(reopened)]) == 1


async def test_a_label_set_in_the_browser_is_exported_into_training_data(
    browser: Browser, desk: tuple[Desk, str], tmp_path: Path
) -> None:
    running, url = desk
    await running.customer(EN_CUSTOMER, "en").say(
        "my parcel SO-20261101-007 has not moved for days, 2 boxes of 12345678, call 13800138000"
    )
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await log_in(page, url, "Lily", PASSWORD)
    await page.get_by_role("link", name="Labels").click()
    row = page.get_by_test_id("label-row").filter(has_text="my parcel SO-20261101-007")
    await row.get_by_role("combobox").select_option("order_status")
    await row.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Label saved.")

    written = await export_labels(running.shop, root=PROJECT_ROOT, out=tmp_path)
    assert written == {tmp_path / "en" / "labelled.yml": 1}
    exported = (tmp_path / "en" / "labelled.yml").read_text(encoding="utf-8")
    assert "- intent: order_status" in exported
    masked = "my parcel SO-20000101-001 has not moved for days, 2 boxes of 12345678, call 13800000000"
    assert masked in exported, "the order id and the phone number masked, the other numbers kept"


async def test_the_reports_page(browser: Browser, desk: tuple[Desk, str]) -> None:
    running, url = desk
    await running.make_vip(ZH_CUSTOMER)
    for user, language, rating in ((ZH_CUSTOMER, "zh", 5), (EN_CUSTOMER, "en", 4)):
        await running.customer(user, language).say("/human")
        await running.rated_chat(user, staff="Lily", wait=timedelta(minutes=3 if rating == 5 else 9), rating=rating)
    resolved = await running.open_ticket(ZH_CUSTOMER, "坏了", age=timedelta(hours=5))
    await running.resolve_ticket(resolved, staff="Lily", rating=4)
    await running.open_ticket(EN_CUSTOMER, "late", age=timedelta(days=3))
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await log_in(page, url, "Sam", PASSWORD)  # a supervisor
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_test_id("chats")).to_have_text("2")
    await expect(page.get_by_test_id("csat")).to_have_text("4.5/5")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV (one row per conversation)").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("conversations-")
    await screenshot(page, "reports")


async def test_an_admin_adds_a_member_changes_their_role_and_deactivates_them(
    browser: Browser, desk: tuple[Desk, str]
) -> None:
    _, url = desk
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await log_in(page, url, "Ada", PASSWORD)
    await page.get_by_role("link", name="Staff").click()
    await page.get_by_label("Name (customers see it before every reply)").fill("Nina")
    await page.get_by_label("Telegram user id (to act in the staff group; optional)").fill("4242")
    await page.get_by_role("button", name="Add", exact=True).click()
    shown = page.get_by_test_id("one-time-password")
    await expect(shown).to_contain_text("One-time password for Nina")
    password = (await shown.locator("code").inner_text()).strip()

    nina_page = await browser.new_page()  # Nina's own browser: she logs in with the password handed over
    await log_in(nina_page, url, "Nina", password)
    await expect(nina_page.get_by_test_id("who")).to_have_text("Nina · agent")

    row = page.locator("[data-testid=staff-row][data-name=Nina]")
    await row.get_by_role("combobox").select_option("supervisor")
    await row.get_by_role("button", name="Change role").click()
    await expect(page.get_by_role("status")).to_have_text("Role changed.")
    await expect(row.get_by_role("combobox")).to_have_value("supervisor")
    await nina_page.goto(f"{url}/")
    await expect(nina_page.get_by_test_id("who")).to_have_text("Nina · supervisor")
    await screenshot(page, "staff")

    await row.get_by_role("button", name="Deactivate").click()
    await expect(page.get_by_role("status")).to_contain_text("Deactivated")
    await expect(row.get_by_test_id("staff-active")).to_have_text("no")
    await nina_page.goto(f"{url}/queue")
    await expect(nina_page).to_have_url(f"{url}/login?next=/queue")  # her session ended
    await log_in(nina_page, url, "Nina", password)
    await expect(nina_page.get_by_role("alert")).to_have_text("Wrong name or password.")
