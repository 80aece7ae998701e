"""Logging for the long-running commands: one JSON line per event on stderr, residents' data
masked (see `app.logfmt`), libraries' chatter kept down and made just as safe."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from app.logfmt import JsonFormatter, MaskFilter


class _ZaadjeHandler(logging.StreamHandler):
    """Marks the handler we installed, so configuring twice replaces it. Without a stream it
    writes to whatever `sys.stderr` is at the time (as logging's last resort does), so a
    test or a caller that swaps stderr never finds it writing to a closed file."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)  # sets `stream` to sys.stderr when None …
        self._fixed = stream  # … which is undone here: None means "stderr, when writing"

    @property
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed = value


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ZaadjeHandler)]:
        root.removeHandler(old)
    handler = _ZaadjeHandler(stream)
    handler.addFilter(MaskFilter())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces its context on every revision check, and Twilio's client writes
    # eight lines per request (its URL and query; masked, but only noise).
    for noisy in ("alembic", "twilio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # APScheduler logs every run, and warns each time a long dispatch pass makes it skip a
    # run (normal under a backlog: the pass in flight already does that work). Our passes
    # log their own failures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # Library warnings (deprecations) become log lines too, masked like everything else.
    logging.captureWarnings(True)
    return handler


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log without the query string, client address, referer or user agent:
    a query can carry a phone number, and none of the rest is needed to run the service."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "bytes": response.body_length,
                "ms": round(time * 1000, 1),
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
