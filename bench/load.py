"""A bounded HTTP load generator: asyncio streams, a fixed number of requests, a time cap.

No third-party client is needed (the venv has none): HTTP/1.1 over ``asyncio``
connections, one per concurrent client, reconnecting whenever the server closes (sync
gunicorn workers close after every response). Every run stops at ``requests`` or at
``max_seconds``, whichever comes first, so a stalled server cannot hang the benchmark.
"""

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REQUEST_TIMEOUT = 30


@dataclass(frozen=True)
class Load:
    requests: int
    concurrency: int
    max_seconds: float
    warmup: int = 0


@dataclass
class Outcome:
    """What a run measured: per-request latencies (s), statuses and failures."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile_ms(self, share: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2)

    @property
    def p50_ms(self) -> float | None:
        return round(statistics.median(self.latencies) * 1000, 2) if self.latencies else None

    @property
    def p95_ms(self) -> float | None:
        return self.percentile_ms(0.95)

    def failures(self, *, expected: int) -> int:
        return sum(self.errors.values()) + sum(
            count for code, count in self.statuses.items() if code != expected
        )

    def merged(self, other: "Outcome") -> "Outcome":
        return Outcome(
            seconds=self.seconds + other.seconds,
            latencies=self.latencies + other.latencies,
            statuses=self.statuses + other.statuses,
            errors=self.errors + other.errors,
        )

    def figures(self, *, expected: int) -> dict[str, Any]:
        return {
            "requests": self.completed,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "errors": self.failures(expected=expected),
        }


def request_bytes(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run(
    host: str, port: int, make_request: Callable[[int], bytes], load: Load, *, first: int = 0
) -> Outcome:
    """Send ``load.requests`` requests (request i is ``make_request(first + i)``)."""
    return asyncio.run(_run(host, port, make_request, load, first))


async def _run(host, port, make_request, load: Load, first: int) -> Outcome:
    outcome = Outcome()
    counter = iter(range(first, first + load.requests))
    started = time.perf_counter()
    deadline = started + load.max_seconds

    async def client() -> None:
        connection = None
        for index in counter:
            if time.perf_counter() > deadline:
                break
            payload = make_request(index)
            begun = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.wait_for(
                        asyncio.open_connection(host, port), REQUEST_TIMEOUT
                    )
                status, keep = await asyncio.wait_for(
                    _exchange(connection, payload), REQUEST_TIMEOUT
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                outcome.errors[type(error).__name__] += 1
                connection = _close(connection)
                continue
            outcome.latencies.append(time.perf_counter() - begun)
            outcome.statuses[status] += 1
            if not keep:
                connection = _close(connection)
        _close(connection)

    await asyncio.gather(*(client() for _ in range(load.concurrency)))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def _exchange(connection, payload: bytes) -> tuple[int, bool]:
    """Send one request and read its whole response; (status, connection reusable)."""
    reader, writer = connection
    writer.write(payload)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # body until the server closes
        return status, False
    return status, headers.get("connection") != "close"


def _close(connection) -> None:
    if connection is not None:
        connection[1].close()
    return None
