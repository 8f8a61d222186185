"""ASGI middleware that caps request bodies, declared (Content-Length) or streamed (chunked)."""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyLimit:
    """Answers 413 as soon as a body is known or seen to exceed ``max_bytes``; nothing past it is read."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self, size: str) -> bytes:
        return json.dumps(
            {
                "detail": f"body of {size} bytes exceeds the limit of {self.max_bytes} bytes; "
                "send fewer or shorter documents per request"
            }
        ).encode()

    async def _reject(self, send: Any, size: str) -> None:
        body = self._message(size)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send, declared.decode())
            return
        chunks: list[bytes] = []
        seen = 0
        while True:  # buffer the body (at most max_bytes) so a streamed body obeys the limit too
            message: Message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes:
                await self._reject(send, f"more than {self.max_bytes}")
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replay(messages: list[Message], receive: Any) -> Any:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # http.disconnect and later messages come from the server

    return replayed
