"""The takeover round trip over HTTP: a customer asks for a person through the fake Bot API, the agent claims
the chat in the console (VIP first), replies, sees the customer's answer, closes; the customer rates with
the inline buttons. The bot says nothing to the customer while staff have the chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from runtime.settings import Settings
from storage.engine import SessionFactory
from tests.bot.telegram.conftest import EN_CUSTOMER, STAFF_GROUP_ID, ZH_CUSTOMER
from tests.bot.telegram.harness import button_data, texts
from tests.console.conftest import csrf_of, log_in
from tests.console.desk import Desk, running_desk
from tests.support.fake_bot_api import FakeBotApi


@pytest.fixture
async def desk(
    start_bot: Callable[[str], object],
    make_settings: Callable[..., Settings],
    fake_bot_api: FakeBotApi,
    shop: SessionFactory,
    stopped_nlu_url: str,
    staff_accounts: dict[str, str],
) -> AsyncIterator[tuple[Desk, httpx.AsyncClient]]:
    settings = make_settings(fake_bot_api, nlu_url=stopped_nlu_url)
    async with running_desk(start_bot, settings, shop, stopped_nlu_url) as running:
        app = running.app
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
        ):
            yield running, client


async def test_the_takeover_round_trip(desk: tuple[Desk, httpx.AsyncClient]) -> None:
    running, console = desk
    await running.make_vip(ZH_CUSTOMER)
    li_lei, wang_fang = running.customer(EN_CUSTOMER, "en"), running.customer(ZH_CUSTOMER, "zh")
    await li_lei.say("/human")  # first in time, but not a VIP
    await wang_fang.say("/human")
    await running.bot.api.wait_for(  # both staff topics are open and recorded (their cards posted in them)
        "sendMessage",
        count=2,
        predicate=lambda call: call.params.get("chat_id") == STAFF_GROUP_ID and call.params.get("message_thread_id"),
    )
    vip = await running.handoff_of(ZH_CUSTOMER)
    assert vip.staff_topic_id is not None

    assert (await log_in(console, "Lily")).status_code == 303
    queue = (await console.get("/queue")).text
    assert re.findall(r'data-handoff="(\d+)"', queue)[0] == str(vip.id), "the VIP is first"
    assert "王芳" in queue and "VIP" in queue and "Li Lei" in queue

    claimed = await console.post(f"/handoffs/{vip.id}/claim", data={"csrf_token": csrf_of(queue)})
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/conversations/{vip.id}"
    page = (await console.get(f"/conversations/{vip.id}")).text
    assert "金卡会员" in page  # the customer card, in the customer's language

    before = len(running.bot.api.sent_messages(ZH_CUSTOMER))
    sent = await console.post(
        f"/conversations/{vip.id}/reply", data={"csrf_token": csrf_of(page), "text": "您好，我是Lily，马上帮您看"}
    )
    assert sent.headers["location"] == f"/conversations/{vip.id}?notice=sent"
    assert texts(running.bot.api.sent_messages(ZH_CUSTOMER)[before:]) == "客服 Lily：您好，我是Lily，马上帮您看"

    assert await wang_fang.say("订单还没到，能帮我查查吗") == [], "the bot stays silent during the takeover"
    assert await wang_fang.say("帮助") == [], "even for words it would otherwise answer"
    transcript = (await console.get(f"/conversations/{vip.id}/transcript")).text
    assert "订单还没到，能帮我查查吗" in transcript and "客服 Lily：" in transcript

    closed = await console.post(f"/conversations/{vip.id}/close", data={"csrf_token": csrf_of(page)})
    assert closed.status_code == 303 and closed.headers["location"] == "/queue"
    closing = running.bot.api.sent_messages(ZH_CUSTOMER)[-2:]
    rate_buttons = button_data(closing[-1])
    assert len(rate_buttons) == 5 and all(f":handoff:{vip.id}:" in data for data in rate_buttons)
    assert (await running.handoff_of(ZH_CUSTOMER)).status == "closed"
    closed_topics = [call.params["message_thread_id"] for call in running.bot.api.calls("closeForumTopic")]
    assert closed_topics == [vip.staff_topic_id], "the staff group sees the chat closed from the console"

    thanks = await wang_fang.press(rate_buttons[4])
    assert thanks and (await running.handoff_of(ZH_CUSTOMER)).rating == 5

    queue_after = (await console.get("/queue")).text
    assert str(vip.id) not in re.findall(r'data-handoff="(\d+)"', queue_after)
    assert "Li Lei" in queue_after


async def test_a_chat_claimed_by_someone_else_cannot_be_taken_or_answered(
    desk: tuple[Desk, httpx.AsyncClient],
) -> None:
    running, console = desk
    await running.customer(EN_CUSTOMER, "en").say("/human")
    handoff = await running.handoff_of(EN_CUSTOMER)
    await log_in(console, "Sam")
    queue = (await console.get("/queue")).text
    assert (await console.post(f"/handoffs/{handoff.id}/claim", data={"csrf_token": csrf_of(queue)})).status_code == 303
    await console.post("/logout", data={"csrf_token": csrf_of(queue)})

    await log_in(console, "Lily")
    token = csrf_of((await console.get("/queue")).text)
    taken = await console.post(f"/handoffs/{handoff.id}/claim", data={"csrf_token": token})
    answer = await console.post(f"/conversations/{handoff.id}/reply", data={"csrf_token": token, "text": "hi"})
    assert taken.status_code == answer.status_code == 409
    assert (await running.handoff_of(EN_CUSTOMER)).staff_id is not None
