"""The conversation pipeline on standard input and output (`carebot chat`).

One customer message per line; buttons are printed as numbered options and a line that is just a
number presses that option. Works piped (scripted) and interactively. Piped lines are echoed ("> …")
before their replies, so a transcript reads like the conversation; `/quit`, `quit`, `exit` or the end of
the input ends it (those words are never sent to the bot).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from bot.conversation import Button, Incoming, Outcome, Reply, TurnFailed
from bot.pipeline import Pipeline
from runtime.logs import log_unexpected

logger = logging.getLogger(__name__)

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit", "退出聊天"})
ECHO_PREFIX = "> "


def is_quit(line: str) -> bool:
    """The terminal's own way out; inside the conversation "退出" and "cancel" still leave a flow."""
    return line.strip().lower() in QUIT_WORDS


@dataclass
class TerminalChat:
    pipeline: Pipeline
    user_id: int
    name: str
    language_code: str | None
    output: TextIO = sys.stdout
    documents_dir: Path = Path("var")
    _buttons: list[Button] = field(default_factory=list)

    async def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        if interactive:
            self._print("(type a message; a number presses a button; /quit or Ctrl-D ends the chat)")
        for raw in lines:
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if not interactive:  # a typed line is on the screen already; a piped one is not
                self._print(f"{ECHO_PREFIX}{line}")
            if is_quit(line):
                break
            self._show(await self._answer(self._incoming(line)))

    async def _answer(self, incoming: Incoming) -> Outcome:
        """The terminal's error edge: an unexpected failure is logged (redacted) and answered with the apology."""
        try:
            return await self.pipeline.handle(incoming)
        except TurnFailed as failed:
            log_unexpected(logger, failed.__cause__ or failed, what="terminal message")
            return Outcome(replies=(failed.apology,))

    def _incoming(self, line: str) -> Incoming:
        base = Incoming(
            user_id=self.user_id,
            chat_id=self.user_id,
            kind="text",
            first_name=self.name,
            language_code=self.language_code,
            text=line,
        )
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self._buttons):
            return replace(base, kind="callback", text="", callback_data=self._buttons[int(choice) - 1].data)
        if choice.startswith("/"):
            name, _, args = choice[1:].partition(" ")
            return replace(base, kind="command", text=choice, command=name.lower(), command_args=args.strip())
        return base

    def _show(self, outcome: Outcome) -> None:
        self._buttons = []
        for reply in outcome.replies:
            self._show_reply(reply)
        for notice in outcome.staff_notices:
            self._print(f"  (to the staff group, {notice.kind}) {notice.text}")
        if not outcome.replies and not outcome.staff_notices:
            self._print("  (no reply)")

    def _show_reply(self, reply: Reply) -> None:
        self._print(reply.text)
        for row in reply.buttons:
            for button in row:
                self._buttons.append(button)
                self._print(f"  [{len(self._buttons)}] {button.label}")
        if reply.document is not None:
            self.documents_dir.mkdir(parents=True, exist_ok=True)
            path = self.documents_dir / reply.document.filename
            path.write_bytes(reply.document.content)
            self._print(f"  (file saved: {path})")

    def _print(self, text: str) -> None:
        print(text, file=self.output, flush=True)
