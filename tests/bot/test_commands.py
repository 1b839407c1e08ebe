"""Commands: /start with a referral payload, /help, /tier, /stop, /deleteme declined."""

from __future__ import annotations

from sqlalchemy import select

from runtime.services import Services
from storage.engine import SessionFactory
from storage.models import Customer
from tests.bot.conftest import Chat, customer_of, text_of


async def test_start_with_a_friends_referral_code(chat: Chat, shop: SessionFactory) -> None:
    friend = Chat(chat.pipeline, user_id=4242, language_code="en")
    await friend.command("help")
    code = (await customer_of(shop, 4242)).referral_code
    outcome = await chat.command("start", f"ref_{code}")
    assert "好友推荐" in text_of(outcome) and chat.buttons  # thanked, then the menu
    newcomer = await customer_of(shop, 42)
    assert newcomer.referred_by_id == (await customer_of(shop, 4242)).id


async def test_start_with_a_bad_or_own_code_still_welcomes(chat: Chat, shop: SessionFactory) -> None:
    outcome = await chat.command("start", "ref_NOSUCHCODE")
    assert "推荐链接无效" in text_of(outcome)
    assert chat.buttons
    own = (await customer_of(shop, 42)).referral_code
    await chat.command("start", f"ref_{own}")
    assert (await customer_of(shop, 42)).referred_by_id is None


async def test_help_and_tier(chat: Chat) -> None:
    chat.language_code = "en"
    assert len(chat.buttons) == 0
    await chat.command("help")
    assert len(chat.buttons) == 6
    tier = text_of(await chat.command("tier"))
    assert "Member" in tier and "Silver" in tier  # current tier and the next one


async def test_stop_clears_marketing_consent(chat: Chat, shop: SessionFactory) -> None:
    await chat.command("help")
    async with shop() as session, session.begin():
        customer = await session.scalar(select(Customer).where(Customer.telegram_user_id == 42))
        assert customer is not None
        customer.marketing_consent = True
    await chat.command("stop")
    customer = await customer_of(shop, 42)
    assert not customer.marketing_consent and customer.opted_out_at is not None


async def test_deleteme_needs_a_confirmation(chat: Chat, shop: SessionFactory) -> None:
    asked = await chat.command("deleteme")
    assert [button.data for button in chat.buttons] == ["v1:erase:confirm", "v1:flow:cancel"]
    assert asked.replies
    await chat.press("v1:flow:cancel")
    stale = await chat.send("callback", callback_data="v1:erase:confirm")  # the question was withdrawn
    assert stale.replies
    customer = await customer_of(shop, 42)
    assert customer.erased_at is None and customer.name == "小明"


async def test_invite_shows_the_link_or_the_code(chat: Chat, services: Services, shop: SessionFactory) -> None:
    code = text_of(await chat.command("invite"))
    customer = await customer_of(shop, 42)
    assert f"/start ref_{customer.referral_code}" in code and "200" in code
    services.bot_username = "CareShopBot"  # set by the Telegram application from getMe
    link = text_of(await chat.command("invite"))
    assert f"https://t.me/CareShopBot?start=ref_{customer.referral_code}" in link
