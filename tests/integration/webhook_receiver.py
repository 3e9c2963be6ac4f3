"""A local webhook for push-notification tests: an aiohttp server in a thread of the test.

It keeps every POST it gets (path, headers, body). Under `/hooks/flaky/<name>`
it answers 503 to the first two POSTs of each path, then 200; under
`/hooks/redirect` it answers 307 to `/target`, and counts what reaches
`/target`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names in lower case (daprd rewrites their case)
    body: bytes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WebhookReceiver:
    """The webhook server on 127.0.0.1:`port`; `start` and `stop` it."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        path = request.path
        self.attempts[path] += 1
        if path == "/target":
            return web.Response(status=200)
        if path == "/hooks/redirect":
            return web.Response(status=307, headers={"Location": f"{self.url}/target"})
        if path.startswith("/hooks/flaky/") and self.attempts[path] <= 2:
            return web.Response(status=503)
        body = await request.read()
        self.received.append(
            Received(path, {k.lower(): v for k, v in request.headers.items()}, body)
        )
        return web.Response(status=200)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_route("POST", "/{tail:.*}", self._hook)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(30), "the webhook receiver did not start"

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def wait_for(self, path: str, predicate: Any, timeout_s: float = 180) -> list[Received]:
        """The POSTs to `path` once `predicate(list of them)` holds (fails after `timeout_s`)."""
        deadline = time.monotonic() + timeout_s
        while True:
            got = [r for r in list(self.received) if r.path == path]
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} got {len(got)} POSTs: {[r.body for r in got]}")
            time.sleep(0.2)
