"""The terminal chat's own behaviour: piped lines echoed before their replies, /quit and quit end it,
numbered buttons, and no made-up name for the customer."""

from __future__ import annotations

import io

from bot.pipeline import Pipeline
from bot.terminal import TerminalChat, is_quit
from storage.engine import SessionFactory
from tests.bot.conftest import customer_of
from tests.support.fake_nlu import ScriptedNlu


def _chat(pipeline: Pipeline, output: io.StringIO, *, name: str = "") -> TerminalChat:
    return TerminalChat(pipeline, user_id=7001, name=name, language_code="en", output=output)


async def test_piped_lines_are_echoed_before_their_replies(pipeline: Pipeline, nlu: ScriptedNlu) -> None:
    nlu.say("hello", "greet")
    nlu.say("my points", "check_points")
    output = io.StringIO()
    await _chat(pipeline, output).run(["hello\n", "\n", "my points\n"], interactive=False)
    lines = output.getvalue().splitlines()
    assert lines[0] == "> hello"
    assert lines[1].startswith("Hello! I'm the shop's care assistant")  # no name given: none invented
    points_at = lines.index("> my points")
    assert lines[points_at + 1] == "Your points balance is 0."
    assert not any(line == ">" or line == "> " for line in lines)  # blank lines are skipped, not echoed


async def test_quit_ends_the_chat_and_is_never_sent(pipeline: Pipeline, nlu: ScriptedNlu) -> None:
    for word in ("quit", "/quit", " QUIT ", "exit"):
        nlu.say("hello", "greet")
        output = io.StringIO()
        await _chat(pipeline, output).run([f"{word}\n", "hello\n"], interactive=False)
        assert output.getvalue().splitlines() == [f"> {word}"]
    assert "quit" not in " ".join(nlu.parsed) and "hello" not in nlu.parsed


async def test_interactive_lines_are_not_echoed(pipeline: Pipeline, nlu: ScriptedNlu) -> None:
    nlu.say("hello", "greet")
    output = io.StringIO()
    await _chat(pipeline, output, name="Ann").run(["hello\n", "/quit\n"], interactive=True)
    lines = output.getvalue().splitlines()
    assert "/quit" in lines[0]  # the hint says how to leave
    assert not any(line.startswith("> ") for line in lines)
    assert lines[1].startswith("Hello Ann!")


async def test_a_number_presses_the_shown_button(pipeline: Pipeline, nlu: ScriptedNlu, shop: SessionFactory) -> None:
    nlu.say("hello", "greet")
    output = io.StringIO()
    await _chat(pipeline, output).run(["hello\n", "1\n"], interactive=False)
    text = output.getvalue()
    assert "  [1] My points" in text
    assert text.split("> 1\n", 1)[1].startswith("Your points balance is 0.")
    customer = await customer_of(shop, 7001)
    assert customer.name == ""  # nothing like "Terminal" stored as the customer's name


def test_quit_words() -> None:
    assert is_quit("/quit") and is_quit("quit") and is_quit("Exit ") and is_quit("/exit")
    assert not is_quit("退出") and not is_quit("I want to quit smoking") and not is_quit("cancel")
