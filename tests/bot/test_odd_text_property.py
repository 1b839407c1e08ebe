"""Any text a customer (or a broken client) can send gets a real answer, never the error apology."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import Incoming
from bot.pipeline import Pipeline
from bot.texts import text
from tests.bot.conftest import UPDATE_IDS

APOLOGIES = {text("zh", "error.sorry"), text("en", "error.sorry")}
ODD_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "So", "Mn"]), max_size=50),
    st.sampled_from(["\ud800", "a\udfffb", "\x00" * 50, "\u202e\u2066", "🏳️‍🌈" * 300, "/", "取消\x00"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=ODD_TEXT)
async def test_odd_text_gets_a_real_reply(pipeline: Pipeline, body: str) -> None:
    incoming = Incoming(user_id=77, chat_id=77, kind="text", update_id=next(UPDATE_IDS), text=body)
    outcome = await pipeline.handle(incoming)
    assert outcome.replies
    assert not {reply.text for reply in outcome.replies} & APOLOGIES


async def test_a_broken_name_does_not_lock_the_customer_out(pipeline: Pipeline) -> None:
    incoming = Incoming(
        user_id=78, chat_id=78, kind="text", update_id=next(UPDATE_IDS), text="hi", first_name="A\ud800\x00B"
    )
    outcome = await pipeline.handle(incoming)
    assert outcome.replies and not {reply.text for reply in outcome.replies} & APOLOGIES
