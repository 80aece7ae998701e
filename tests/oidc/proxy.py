"""A test-only reverse proxy in front of the real OpenID Connect provider.

The desk talks to the provider only through this proxy (the provider's issuer is the proxy's
address), so a test can change the token endpoint's answer on its way: alter a claim of the ID
token (its signature no longer fits) or sign one that has expired with the provider's own key.
Every other request and answer passes unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

# Headers that belong to one connection, not to the message (RFC 9110 §7.6.1), and those
# of a body that is passed on decompressed (and may be rewritten).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)
BODY = frozenset({"content-length", "content-encoding", "etag"})
TokenRewrite = Callable[[dict[str, Any]], dict[str, Any]]


class Proxy:
    def __init__(self) -> None:
        self.target = ""  # the provider's own address, set once it listens
        self.rewrite_token: TokenRewrite | None = None  # armed by a test
        self.token_requests = 0
        self._http: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self.forward)
        app.on_cleanup.append(self._close)
        return app

    async def forward(self, request: web.Request) -> web.StreamResponse:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in HOP_BY_HOP | {"accept-encoding", "content-length"}
        }
        headers["X-Forwarded-Host"] = request.host
        headers["X-Forwarded-Proto"] = request.scheme
        async with self._http.request(
            request.method,
            self.target + request.path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
            out = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | BODY]
            status = answer.status
        if request.path.endswith("/token") and request.method == "POST":
            self.token_requests += 1
            if self.rewrite_token is not None and status == 200:
                body = json.dumps(self.rewrite_token(json.loads(body))).encode()
        response = web.Response(status=status, body=body)
        for key, value in out:
            response.headers.add(key, value)
        return response

    async def _close(self, _: web.Application) -> None:
        if self._http is not None:
            await self._http.close()
