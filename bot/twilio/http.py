"""The HTTP client under the official `twilio` client.

Why our own subclass of `AsyncTwilioHttpClient`:
- Retry-After: `TwilioRestException` keeps the status and error code but not the headers, so
  each hand-over gets an `Exchange` (through a context variable, one per asyncio task) in
  which the client leaves the response headers;
- the stock client ignores its own `timeout` and logs every request at INFO; this one applies
  the timeout to every request and logs nothing (URLs carry message SIDs, bodies carry phone
  numbers and texts);
- connections live for one batch (`batch()`), not for the process: the dispatcher hands a
  batch over every second or two, so reconnecting per batch costs little, and no command
  (`zaadje tick`, `reply`, `worker`, `serve`) can leave a session open at exit, whichever
  way it ends;
- Basic auth is sent as a header (aiohttp deprecates `BasicAuth` objects).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response

_quiet = logging.getLogger("zaadje.twilio.http")


@dataclass
class Exchange:
    """The last response of one hand-over, for what the exception does not carry."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


EXCHANGE: ContextVar[Exchange | None] = ContextVar("twilio_exchange", default=None)
_SESSION: ContextVar[aiohttp.ClientSession | None] = ContextVar("twilio_session", default=None)


class TwilioHttp(AsyncTwilioHttpClient):
    def __init__(self, timeout: float, connections: int) -> None:
        super().__init__(pool_connections=False, timeout=timeout, logger=_quiet)
        self.connections = connections

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """One connection pool for the requests made inside (and tasks started inside)."""
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.connections),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        ) as session:
            token = _SESSION.set(session)
            try:
                yield
            finally:
                _SESSION.reset(token)

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        body: object = data
        if data is not None and headers.get("Content-Type") == "application/json":
            body = json.dumps(data)  # the Content API takes JSON, the Messages API a form
        if auth is not None:
            headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        session = _SESSION.get()
        if session is None:  # a request outside a batch: a session of its own
            async with self.batch():
                return await self.request(
                    method, url, params, data, headers, None, timeout, allow_redirects
                )
        async with session.request(
            method.upper(),
            url,
            params=params,  # type: ignore[arg-type]
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
            allow_redirects=allow_redirects,
        ) as answer:
            body = await answer.text()
            exchange = EXCHANGE.get()
            if exchange is not None:
                exchange.status = answer.status
                exchange.headers = dict(answer.headers)
            return Response(answer.status, body, answer.headers)
