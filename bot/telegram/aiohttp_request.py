"""A python-telegram-bot request backend on aiohttp, for sending in bulk.

httpx's connection pool slows down as it grows: on this machine (2 cores, 2026-12-02) concurrent
sendMessage calls to the fake Bot API ran at ~700/s with 8 connections and ~250/s with 26-64 with httpx,
and at ~2,600/s with aiohttp. A paid broadcast needs 1,000/s, so the worker's outbound bot uses this
backend (PTB documents `BaseRequest` for exactly this); the interactive bot keeps PTB's default.

Errors keep the meaning the sender relies on: `NetworkError` when the request certainly did not reach
Telegram (no connection could be made, or none became free in the pool), so it is safe to send again;
`TimedOut` when it may have (the connection broke or the answer did not come), so it is never re-sent.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """`BaseRequest` over one aiohttp session with a bounded connection pool."""

    __slots__ = ("_connect_timeout", "_pool_size", "_read_timeout", "_session")

    def __init__(self, *, connection_pool_size: int, read_timeout: float = 5.0, connect_timeout: float = 5.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        # aiohttp's `connect` covers waiting for a pool slot and connecting: the request is not sent yet.
        timeout = aiohttp.ClientTimeout(
            connect=_given(pool_timeout, self._connect_timeout) + _given(connect_timeout, self._connect_timeout),
            sock_read=_given(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: not sent") from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}: Telegram may have received the request") from error


def _given(value: ODVInput[float], default: float) -> float:
    """PTB passes DEFAULT_NONE for "use the backend's default" and None for "no limit"."""
    if isinstance(value, DefaultValue):
        return default
    return 3600.0 if value is None else value


def _body(request_data: RequestData | None) -> dict[str, str] | aiohttp.FormData | None:
    """Form fields like PTB's own backend sends them; multipart when files are attached."""
    if request_data is None:
        return None
    if not request_data.multipart_data:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters)
    for field, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(field, content, filename=filename, content_type=mime_type)
    return form
