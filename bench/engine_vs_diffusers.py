"""Engine vs plain diffusers on the same model, prompts, steps and size, side by side in one process.

    python bench/engine_vs_diffusers.py --model tiny --steps 4 --size 64 --runs 10 --rounds 4

Prints seconds per image for each and their ratio (engine / plain: 1.0 means no overhead).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from diffusers import AutoPipelineForText2Image

from chatcanvas.config import Settings
from chatcanvas.engine import Engine, GenerateRequest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--runs", type=int, default=10, help="runs per block")
    parser.add_argument("--rounds", type=int, default=4, help="blocks of each, alternating")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        engine = Engine(Settings(data_dir=data_dir, model=args.model))
        loaded = engine.registry.get(args.model)
        plain = AutoPipelineForText2Image.from_pretrained(engine.registry.source(args.model), dtype=engine.registry.dtype)
        plain = plain.to(engine.registry.device)
        plain.set_progress_bar_config(disable=True)
        request = dict(prompt="a red fox in the snow", steps=args.steps, width=args.size, height=args.size,
                       guidance_scale=loaded.defaults.guidance_scale)

        def run_plain(seed: int) -> None:
            plain(request["prompt"], num_inference_steps=args.steps, width=args.size, height=args.size,
                  guidance_scale=request["guidance_scale"], generator=torch.Generator("cpu").manual_seed(seed))

        def run_engine(seed: int) -> None:
            engine.run(GenerateRequest(**request, seed=seed))

        for warm in range(3):
            run_plain(warm)
            run_engine(warm)
        # Blocks of runs, alternating between rounds (not call by call: the two run on different threads, whose
        # CPU thread pools would spin against each other and measure that instead).
        timings: dict[str, list[float]] = {"plain diffusers": [], "chatcanvas engine": []}
        for round_ in range(args.rounds):
            for name, fn in (("plain diffusers", run_plain), ("chatcanvas engine", run_engine)):
                fn(round_)
                for seed in range(args.runs):
                    started = time.perf_counter()
                    fn(1000 * round_ + seed)
                    timings[name].append(time.perf_counter() - started)
        engine.close()

    print(f"model={args.model} steps={args.steps} size={args.size}x{args.size} runs={args.runs}x{args.rounds} "
          f"device={engine.registry.device} threads={torch.get_num_threads()}")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:<18} median {median * 1000:8.1f} ms/image  {args.steps / median:8.1f} it/s")
    ratio = statistics.median(timings["chatcanvas engine"]) / statistics.median(timings["plain diffusers"])
    print(f"  ratio engine/plain: {ratio:.3f}x (includes storing the PNG with fsync)")


if __name__ == "__main__":
    main()
