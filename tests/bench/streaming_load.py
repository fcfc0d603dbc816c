"""Load generator for the streaming benchmark (tests/bench/test_streaming.py).

Run in a process of its own, so that the client's work does not compete with the server for
the interpreter lock: it presses Run for N demo runs, opens their N streams at once, and prints
one JSON line per stream (status, time to first text delta, gaps between deltas, the server's
own time to first token, outcome).

    python tests/bench/streaming_load.py --base http://127.0.0.1:8000 --session SESSIONID --runs 200
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lessons.sse import EventStreamParser  # pure: no Django needed here

LESSON = "/lessons/raw-response-events/?preset=text-deltas"


async def press_run(client: httpx.AsyncClient, form: dict[str, str]) -> str:
    page = await client.get(LESSON)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, f"no CSRF token on the lesson page (status {page.status_code})"
    response = await client.post(
        LESSON,
        data={**form, "csrfmiddlewaretoken": token.group(1)},
        headers={"HX-Request": "true", "Referer": str(client.base_url) + LESSON},
    )
    url = re.search(r'sse-connect="([^"]+)"', response.text)
    assert url, f"Run was refused: {response.status_code} {response.text[:300]}"
    return url.group(1)


async def httpx_chunks(
    client: httpx.AsyncClient, url: str, result: dict[str, object]
) -> AsyncIterator[str]:
    async with client.stream("GET", url) as response:
        result["status"] = response.status_code
        async for text in response.aiter_text():
            yield text


async def socket_chunks(
    client: httpx.AsyncClient, url: str, result: dict[str, object]
) -> AsyncIterator[str]:
    """The same GET over a bare socket (HTTP/1.0: no chunked encoding to undo), so that the
    figure is the server's HTTP path and not the Python client library's."""
    base = httpx.URL(str(client.base_url))
    reader, writer = await asyncio.open_connection(base.host, base.port)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    writer.write(
        f"GET {url} HTTP/1.0\r\nHost: {base.host}:{base.port}\r\n"
        f"Accept: text/event-stream\r\nCookie: {cookie}\r\n\r\n".encode()
    )
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        result["status"] = int(head.split(b" ", 2)[1])
        while chunk := await reader.read(65536):
            yield chunk.decode()
    finally:
        writer.close()


async def read(
    client: httpx.AsyncClient, url: str, start: asyncio.Event, *, raw: bool = False
) -> dict[str, object]:
    await start.wait()
    sent = time.perf_counter()
    arrivals: list[float] = []
    result: dict[str, object] = {"status": None, "done": False, "error": None}
    parser = EventStreamParser()
    chunks = socket_chunks if raw else httpx_chunks
    try:
        async for text in chunks(client, url, result):
            now = time.perf_counter()
            for event in parser.feed(text):
                if event.event == "text-main":
                    arrivals.append(now - sent)
                elif event.event == "done":
                    result["done"] = True
                    result["completed"] = "outcome-completed" in event.data
                    server = re.search(r'data-ttft-ms="([\d.]+)"', event.data)
                    result["server_ttft"] = float(server.group(1)) / 1000 if server else None
    except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as error:
        result["error"] = repr(error)
    result["ttft"] = arrivals[0] if arrivals else None
    result["deltas"] = len(arrivals)
    result["gaps"] = [round(b - a, 6) for a, b in itertools.pairwise(arrivals)]
    result["total"] = arrivals[-1] if arrivals else None
    return result


async def main(arguments: argparse.Namespace) -> None:
    form = {
        "preset": "text-deltas",
        "prompt": "Explain, at length, how a streamed reply reaches the reader.",
        "length": arguments.length,
        "first_token_ms": str(arguments.first_token_ms),
        "token_ms": str(arguments.token_ms),
    }
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(
        base_url=arguments.base,
        cookies={"sessionid": arguments.session},
        timeout=httpx.Timeout(300),
        limits=limits,
    ) as client:
        urls = []
        for _ in range(arguments.runs):  # one by one: the Run presses are not what we measure
            urls.append(await press_run(client, form))
        start = asyncio.Event()
        readers = [
            asyncio.create_task(read(client, url, start, raw=arguments.client == "socket"))
            for url in urls
        ]
        await asyncio.sleep(0.2)  # every reader is waiting on the event
        start.set()
        for result in await asyncio.gather(*readers):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--length", default="long", choices=["short", "medium", "long"])
    parser.add_argument("--first-token-ms", type=int, default=400)
    parser.add_argument("--token-ms", type=int, default=50)
    parser.add_argument("--client", default="httpx", choices=["httpx", "socket"])
    asyncio.run(main(parser.parse_args()))
