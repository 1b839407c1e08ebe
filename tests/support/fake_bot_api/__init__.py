"""A real HTTP fake of the Telegram Bot API for end-to-end tests.

    async with FakeBotApi() as api:
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        await api.inject(api.user_message(42, "hi"))
        await api.wait_for("sendMessage")

A tornado server on 127.0.0.1 in the test's event loop (server.py) answers the methods CareBot calls
(methods.py) with objects PTB can de-json, records every call, can be told to fail (429, 403 for blocked
users, any error), and delivers updates built by updates.py to getUpdates long polls or to a webhook set
with setWebhook (delivery.py). state.py holds the chats, messages and topics both sides share.
"""

from tests.support.fake_bot_api.protocol import JSON
from tests.support.fake_bot_api.server import Call, FakeBotApi, FloodLimits

__all__ = ["JSON", "Call", "FakeBotApi", "FloodLimits"]
