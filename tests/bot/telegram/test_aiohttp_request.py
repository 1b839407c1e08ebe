"""The worker's aiohttp request backend: real calls through the fake Bot API, and what each failure means."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.aiohttp_request import AiohttpRequest
from nlu.local_server import free_port
from tests.support.fake_bot_api import FakeBotApi

CUSTOMER = 910001


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    request = AiohttpRequest(connection_pool_size=4)
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url, request=request) as bot:
        yield bot


async def test_send_message_with_keyboard(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])
    message = await bot.send_message(CUSTOMER, "你好 & welcome", reply_markup=keyboard)

    assert message.text == "你好 & welcome" and message.reply_markup == keyboard
    assert fake_bot_api.sent_messages(CUSTOMER) == [
        {
            "chat_id": CUSTOMER,
            "text": "你好 & welcome",
            "reply_markup": {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]},
        }
    ]


async def test_send_document_goes_as_multipart(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    upload = InputFile(b"order,points\nSO-1,10\n", filename="export.csv")
    message = await bot.send_document(CUSTOMER, upload, caption="导出")

    assert message.document is not None and message.document.file_name == "export.csv"
    assert message.document.file_size == len(b"order,points\nSO-1,10\n") and message.caption == "导出"


async def test_concurrent_sends_share_the_pool(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    sent = await asyncio.gather(*(bot.send_message(CUSTOMER + n, f"m{n}") for n in range(40)))
    assert sorted(m.text or "" for m in sent) == sorted(f"m{n}" for n in range(40))
    assert len(fake_bot_api.sent_messages()) == 40


async def test_telegram_errors_keep_their_meaning(bot: Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(CUSTOMER, "hello")
    fake_bot_api.block_user(CUSTOMER)
    with pytest.raises(Forbidden):
        await bot.send_message(CUSTOMER, "hello")


async def test_nothing_listening_is_a_network_error_safe_to_retry() -> None:
    request = AiohttpRequest(connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as error:
            await request.post(f"http://127.0.0.1:{free_port()}/botX/sendMessage", None)
        assert not isinstance(error.value, TimedOut)
    finally:
        await request.shutdown()


async def test_no_answer_is_timed_out_as_it_may_have_been_sent() -> None:
    received = asyncio.Event()
    hung_up = asyncio.Event()

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        received.set()
        await reader.read()  # never answers: returns when the client gives up and closes the connection
        writer.close()
        await writer.wait_closed()
        hung_up.set()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(connection_pool_size=1, read_timeout=0.3)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/botX/sendMessage", None)
        assert received.is_set()
    finally:
        await request.shutdown()
        await asyncio.wait_for(hung_up.wait(), 5)  # the server side is closed before the loop is
        server.close()
        await server.wait_closed()
