"""N chat users at once through the real HTTP server vs the same N requests one after another.

    python bench/concurrency.py --users 8 --rounds 3 --model tiny --size 64 --steps 4

Prints images/s for both, their ratio, and p50/p95 latency; batching is what makes the concurrent side faster.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _live import Live  # noqa: E402

from chatcanvas.config import Settings  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--max-batch", type=int, default=8)
    args = parser.parse_args()
    keys = ",".join(f"key{i}:user{i}" for i in range(args.users))
    with tempfile.TemporaryDirectory() as data, Live(Settings(data_dir=data, model=args.model, api_keys=keys,
                                                              max_batch=args.max_batch)) as live:
        clients = [httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer key{i}"}, timeout=600)
                   for i in range(args.users)]

        def one(index: int, seed: int) -> float:
            started = time.perf_counter()
            response = clients[index].post("/v1/images/generations", json={
                "prompt": f"user {index} draws picture {seed}", "size": f"{args.size}x{args.size}",
                "steps": args.steps, "seed": seed, "response_format": "url"})
            response.raise_for_status()
            return time.perf_counter() - started

        for warm in range(2):
            one(0, warm)
        sequential, concurrent = [], []
        seq_time = conc_time = 0.0
        with ThreadPoolExecutor(args.users) as pool:
            for round_ in range(args.rounds):  # interleaved, so both see the same machine state
                started = time.perf_counter()
                sequential += [one(i, 1000 * round_ + i) for i in range(args.users)]
                seq_time += time.perf_counter() - started
                started = time.perf_counter()
                concurrent += list(pool.map(lambda i, r=round_: one(i, 2000 * r + i), range(args.users)))
                conc_time += time.perf_counter() - started
        images = args.users * args.rounds
    print(f"model={args.model} {args.size}x{args.size} steps={args.steps} users={args.users} rounds={args.rounds} "
          f"max_batch={args.max_batch}")
    for name, latencies, elapsed in (("sequential", sequential, seq_time), ("concurrent", concurrent, conc_time)):
        print(f"  {name:<11} {images / elapsed:7.1f} images/s  p50 {statistics.median(latencies) * 1000:7.1f} ms  "
              f"p95 {percentile(latencies, 0.95) * 1000:7.1f} ms")
    print(f"  ratio concurrent/sequential images/s: {seq_time / conc_time:.2f}x")


if __name__ == "__main__":
    main()
