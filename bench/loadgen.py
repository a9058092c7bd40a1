"""A small HTTP/1.1 load generator for `/sparql`, run in its own process so it does not share the server's GIL.

    python -m bench.loadgen --url http://127.0.0.1:8123 --clients 8 --seconds 5 --query 'SELECT …'

Each client is one keep-alive connection sending GET requests back to back (closed loop). Optionally one
extra "runaway" client sends an expensive query in a loop at the same time; its own results are reported
separately. Bounded: stops after `--seconds` (and `--max-requests` in total). Prints one JSON object:
requests, errors by status, throughput and latency percentiles (ms) of the measured clients.

Hand-written on asyncio streams on purpose (on uvloop when installed): an HTTP client library costs ~1 ms of
CPU per request, which on a 2-core machine would take the CPU the server is being measured with.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _client(
    host: str, port: int, request: bytes, stop_at: float, tally: Tally, budget: list[int], timeout: float
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            assert reader is not None
            writer.write(request)
            status = await asyncio.wait_for(_read_response(reader), timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as error:
            tally.failures[type(error).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[status] += 1
    if writer is not None:
        writer.close()


def _request(host: str, port: int, path: str, query: str) -> bytes:
    target = f"{path}?query={quote(query, safe='')}"
    return (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/sparql-results+json\r\n"
        "User-Agent: scholarkg-bench\r\n\r\n"
    ).encode()


def summarize(tally: Tally, seconds: float) -> dict[str, object]:
    ok = tally.statuses.get(200, 0)
    ms = [1000 * x for x in tally.latencies]
    return {
        "requests": len(tally.latencies),
        "ok": ok,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "failures": dict(tally.failures),
        "errors": len(tally.latencies) - ok + sum(tally.failures.values()),
        "seconds": round(seconds, 3),
        "throughput": round(ok / seconds, 1) if seconds else 0.0,
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p90_ms": round(percentile(ms, 0.90), 2) if ms else None,
        "p99_ms": round(percentile(ms, 0.99), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


async def run(
    url: str,
    query: str,
    clients: int,
    seconds: float,
    *,
    runaway: str | None = None,
    runaway_clients: int = 1,
    max_requests: int = 1_000_000,
    timeout: float = 60.0,
) -> dict[str, object]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path.rstrip("/") or "") + "/sparql"
    stop_at = time.monotonic() + seconds
    tally, slow = Tally(), Tally()
    budget = [max_requests]
    slow_budget = [max_requests]
    tasks = [
        asyncio.create_task(_client(host, port, _request(host, port, path, query), stop_at, tally, budget, timeout))
        for _ in range(clients)
    ]
    if runaway:
        tasks += [
            asyncio.create_task(
                _client(host, port, _request(host, port, path, runaway), stop_at, slow, slow_budget, timeout)
            )
            for _ in range(runaway_clients)
        ]
    started = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    result = summarize(tally, elapsed)
    result["clients"] = clients
    if runaway:
        result["runaway"] = summarize(slow, elapsed)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--query", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runaway", help="an expensive query one extra client sends in a loop")
    parser.add_argument("--runaway-clients", type=int, default=1)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request limit (s)")
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(
        run(
            args.url,
            args.query,
            args.clients,
            args.seconds,
            runaway=args.runaway,
            runaway_clients=args.runaway_clients,
            max_requests=args.max_requests,
            timeout=args.timeout,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
