#!/usr/bin/env python3
"""bench/core_baseline.py: the same figures as bench_core, measured with Python's asyncio.

Standard library only. Each figure is the best of --runs runs. Used as the same-run baseline
for the ratios recorded in BENCHMARKS.md (run by bench/run-core)."""
import argparse
import asyncio
import heapq
import random
import time


async def switch(n):
    async def yielder(k):
        for _ in range(k):
            await asyncio.sleep(0)
    t0 = time.perf_counter()
    await asyncio.gather(yielder(n // 2), yielder(n // 2))
    return time.perf_counter() - t0


async def handoff(n, maxsize, producers, consumers):
    q = asyncio.Queue(maxsize)
    per = n // producers
    done = 0

    async def produce():
        for i in range(per):
            await q.put(i + 1)

    async def consume():
        nonlocal done
        got = 0
        while True:
            item = await q.get()
            if item is None:
                break
            got += 1
        done += got

    t0 = time.perf_counter()
    cons = [asyncio.create_task(consume()) for _ in range(consumers)]
    await asyncio.gather(*(produce() for _ in range(producers)))
    for _ in range(consumers):      # sentinels: asyncio has no sender counting
        await q.put(None)
    await asyncio.gather(*cons)
    elapsed = time.perf_counter() - t0
    assert done == per * producers
    return elapsed


async def prio(n):
    q = asyncio.PriorityQueue()
    rnd = random.Random(1)
    t0 = time.perf_counter()
    for i in range(n):
        await q.put((rnd.randrange(1000000), i))   # (priority, counter): stable, as in core
    for _ in range(n):
        await q.get()
    return time.perf_counter() - t0


def best(runs, coro_fn, *args):
    return min(asyncio.run(coro_fn(*args)) for _ in range(runs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--items", type=int, default=200000)
    a = ap.parse_args()
    n = a.items
    print(f"switch (resume + suspend)\t{best(a.runs, switch, n) / n * 1e9:.1f}\tns")
    for maxsize, p, c in [(0, 1, 1), (100, 1, 1), (1, 1, 1), (0, 8, 8), (100, 8, 8)]:
        label = "unbounded" if maxsize == 0 else f"maxsize={maxsize}"
        t = best(a.runs, handoff, n, maxsize, p, c)
        print(f"handoff {p}:{c} {label}\t{n / t / 1e6:.2f}\tM items/s")
    t = best(a.runs, prio, 1000000)
    print(f"priority put+get, 1M items\t{2e6 / t / 1e6:.2f}\tM ops/s")


if __name__ == "__main__":
    main()
