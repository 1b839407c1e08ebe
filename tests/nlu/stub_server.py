"""A tiny real HTTP server on 127.0.0.1 standing in for Rasa's /model/parse, scripted per test."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

OK_PAYLOAD: dict[str, Any] = {
    "text": "运费多少",
    "intent": {"name": "faq", "confidence": 0.91},
    "intent_ranking": [
        {"name": "faq", "confidence": 0.91},
        {"name": "product_question", "confidence": 0.05},
    ],
    "entities": [{"entity": "product", "value": "TEA-LJ-250", "start": 0, "end": 2}],
    "response_selector": {
        "all_retrieval_intents": ["faq"],
        "faq": {"response": {"intent_response_key": "faq/shipping_fee", "confidence": 0.97}, "ranking": []},
    },
}


@dataclass
class StubRasa:
    """Answers each request with the next scripted reply: a dict (JSON 200), an int status, "hang", "garbage"."""

    replies: list[Any] = field(default_factory=list)
    default: Any = field(default_factory=lambda: OK_PAYLOAD)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
        length = int({k.lower(): v for k, v in headers.items()}.get("content-length", "0"))
        body = json.loads(await reader.readexactly(length)) if length else {}
        self.requests.append(body)
        reply = self.replies.pop(0) if self.replies else self.default
        if reply == "hang":
            await self.release.wait()
            return False
        if reply == "garbage":
            status, content = 200, b"<html>not json</html>"
        elif isinstance(reply, int):
            status, content = reply, b'{"error": "scripted"}'
        else:
            status, content = 200, json.dumps(reply).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n".encode()
            + content
        )
        await writer.drain()
        return True


@asynccontextmanager
async def stub_rasa(*replies: Any) -> AsyncIterator[StubRasa]:
    stub = StubRasa(replies=list(replies))
    server = await asyncio.start_server(stub.handle, "127.0.0.1", 0)
    stub.port = server.sockets[0].getsockname()[1]
    try:
        yield stub
    finally:
        stub.release.set()
        server.close()
        await server.wait_closed()


async def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port
