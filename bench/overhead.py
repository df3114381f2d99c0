"""One request through the whole stack (HTTP, agent, tools, engine, store) vs the direct pipeline call.

    python bench/overhead.py --model tiny --runs 10 --rounds 4

Both draw the same prompt at the same size and steps; the ratio is whole stack / direct (1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _live import Live  # noqa: E402

from chatcanvas.config import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--runs", type=int, default=10, help="runs per block")
    parser.add_argument("--rounds", type=int, default=4, help="blocks of each, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, Live(Settings(data_dir=data, model=args.model)) as live:
        engine = live.app.state.chatcanvas.engine
        loaded = engine.registry.get(args.model)
        pipe, defaults = loaded.base, loaded.defaults
        http = httpx.Client(base_url=live.url, timeout=600)

        def direct(seed: int) -> None:
            with torch.inference_mode():
                pipe("a red fox", num_inference_steps=defaults.steps, guidance_scale=defaults.guidance_scale,
                     width=defaults.width, height=defaults.height, generator=torch.Generator().manual_seed(seed))

        def whole_stack(seed: int) -> None:
            reply = http.post("/v1/chat", json={"message": "draw a red fox", "conversation_id": f"c{seed}"})
            assert reply.status_code == 200 and reply.json()["images"], reply.text

        for warm in range(3):
            direct(warm)
            whole_stack(warm)
        # Blocks of runs, alternating between rounds: switching threads on every call would measure the CPU
        # thread pools spinning against each other (the direct call runs here, the engine on its worker thread).
        times: dict[str, list[float]] = {"direct pipeline call": [], "whole stack /v1/chat": []}
        for round_ in range(args.rounds):
            for name, run in (("direct pipeline call", direct), ("whole stack /v1/chat", whole_stack)):
                run(round_)
                for seed in range(args.runs):
                    started = time.perf_counter()
                    run(1000 * round_ + seed)
                    times[name].append(time.perf_counter() - started)
    print(f"model={args.model} {defaults.width}x{defaults.height} steps={defaults.steps} runs={args.runs}x{args.rounds} "
          f"threads={torch.get_num_threads()}")
    for name, values in times.items():
        print(f"  {name:<22} median {statistics.median(values) * 1000:8.1f} ms")
    ratio = statistics.median(times["whole stack /v1/chat"]) / statistics.median(times["direct pipeline call"])
    print(f"  ratio whole stack / direct: {ratio:.2f}x")


if __name__ == "__main__":
    main()
