#!/usr/bin/env python3
"""Slow-client check (issue 24): hold N slow connections from one loopback address
while /health is asked from another, and print how long /health takes.

Each slow connection sends the start of a request and then one header byte a second,
never finishing; when the server closes one (over its cap, or at the header timeout)
it is opened again after --reopen seconds (1 by default, as slowloris tools do), so N
stay in the attempt. /health is asked from SOURCE over a
fresh connection every half second. A benchmark: prints figures, asserts nothing.
Standard library only.
"""

import argparse
import asyncio
import resource
import statistics
import time


async def slow_client(host, port, stop, counts, reopen):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=("127.0.0.1", 0))
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(0.2)
            continue
        counts["open"] += 1
        try:
            writer.write(b"POST /api/v1/records HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            while not stop.is_set():
                writer.write(b"X")
                await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(1), timeout=1.0)
                    if not data:
                        break
                except asyncio.TimeoutError:
                    pass
        except OSError:
            pass
        finally:
            counts["open"] -= 1
            counts["closed_by_server"] += 1
            writer.close()
        await asyncio.sleep(reopen)


async def health(host, port, source):
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port, local_addr=(source, 0))
    writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    return (time.monotonic() - started) * 1000, answer.split(b"\r\n", 1)[0].decode()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--clients", type=int, default=1100)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--source", default="127.0.0.2")
    p.add_argument("--no-health", action="store_true", help="only hold the slow clients (health is asked from outside)")
    p.add_argument("--reopen", type=float, default=1.0)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.clients + 512), hard))
    stop = asyncio.Event()
    counts = {"open": 0, "closed_by_server": 0, "refused": 0}
    tasks = [asyncio.create_task(slow_client(a.host, a.port, stop, counts, a.reopen)) for _ in range(a.clients)]
    await asyncio.sleep(3)
    times, bad = [], []
    peak = {"open": counts["open"]}
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        if a.no_health:
            peak["open"] = max(peak["open"], counts["open"])
            await asyncio.sleep(0.5)
            continue
        try:
            ms, status = await health(a.host, a.port, a.source)
            (times if status.startswith("HTTP/1.1 200") else bad).append((ms, status))
        except (OSError, asyncio.TimeoutError) as e:
            bad.append((None, repr(e)))
        peak["open"] = max(peak["open"], counts["open"])
        await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    ms = sorted(t for t, _ in times)
    print(
        f"slow clients: {a.clients} from 127.0.0.1, {peak['open']} held open at most "
        f"({counts['closed_by_server']} closed by the server and reopened after {a.reopen} s)"
    )
    if a.no_health:
        pass
    elif ms:
        print(
            f"/health from {a.source}: {len(ms)} answered 200, {len(bad)} failed; "
            f"median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, max {ms[-1]:.1f} ms"
        )
    else:
        print(f"/health from {a.source}: never answered ({bad[:3]})")


asyncio.run(main())
