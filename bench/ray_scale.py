"""The same N concurrent users against 1 and 2 image worker replicas of the Ray Serve deployment, in one run.

    python bench/ray_scale.py --users 32 --rounds 3 --repeats 3 --model tiny --size 64 --steps 20

Starts a local Ray cluster and deploys chatcanvas twice side by side (`/one`: an ingress and 1 worker replica,
`/two`: an ingress and 2), then, `--repeats` times and alternating between them so both see the same machine, has N
users each send `--rounds` requests (`/v1/images/generations`, one image each; the next as soon as the last was
answered) over HTTP to Serve's port. On a CPU machine each replica gets one torch thread (replicas must not fight
for the same cores); on a GPU node one replica per GPU (with fewer than 3 GPUs the two sides run one after
the other). Prints replicas, images, images/s, p50 and p95 latency and the 2-vs-1 images/s ratio (with the lowest
and highest of the repeats); on a CPU machine also how much two plain one-thread processes gain over one there,
before and after: the ratio's ceiling while other work shares the cores.

It runs in Ray Serve's high-throughput mode, as `chatcanvas serve --ray` starts it on the cluster it starts
(`HIGH_THROUGHPUT_ENV`): HAProxy takes the HTTP port and hands each request to an ingress replica's own port, and
replicas call each other over gRPC; the users still send to the one HTTP port. `--no-high-throughput` runs it with
Serve's Python proxy instead (`chatcanvas serve --ray --no-high-throughput`). `--direct-ingress` runs it with Ray
Serve's direct ingress alone (`RAY_SERVE_ENABLE_DIRECT_INGRESS=1`), the users sending to each application's ingress
replica's own port, with no proxy in between.

Users are many more than one batch (`--users` 32, `--max-batch` 8) so that each replica always has a full batch
waiting: with fewer, a replica that finishes a batch starts the next request that arrives alone, and batching's own
gain (on `tiny` a batch of 8 costs about 1.6 batches of 4, 2.8 single images) is what a second replica competes with.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import ray
from ray import serve

from chatcanvas.config import Settings
from chatcanvas.deploy.ray import HIGH_THROUGHPUT_ENV, DeployArgs, build_app

SIDES = {1: "one", 2: "two"}  # worker replicas -> the application's name and route prefix


@dataclass
class Side:
    replicas: int
    images: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)  # images/s of each repeat
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of the ingress, the proxy, the workers


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _spin(iterations: int) -> None:
    import torch

    torch.set_num_threads(1)
    a = torch.randn(192, 192)
    for _ in range(iterations):
        a = torch.tanh(a @ a)


def machine_parallelism(iterations: int = 1500) -> float:
    """How much faster two one-thread processes do two units of work than one process does one each, right now (2.0
    on two idle cores)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [10, 10])  # both started
        started = time.perf_counter()
        pool.map(_spin, [iterations])
        one = time.perf_counter() - started
        started = time.perf_counter()
        pool.map(_spin, [iterations, iterations])
        two = time.perf_counter() - started
    return 2 * one / two


def process_cpu(name: str) -> dict[str, float]:
    """CPU seconds so far of the processes that share the machine's cores with application `name`'s workers: its
    ingress and worker replicas, the proxy every request passes (Serve's proxy actor, or HAProxy), this process (the
    users' HTTP clients), Ray's raylet and GCS, the admission ledger actor and the Serve controller; found by their
    process titles."""
    import psutil

    roles = {"ingress": (f"ServeReplica:{name}:Ingress",), "workers": (f"ServeReplica:{name}:ImageWorker",),
             "proxy": ("ProxyActor", "bin/haproxy"), "ray": ("raylet",), "gcs": ("gcs_server",),
             "admission": ("Admission",), "controller": ("ServeController",)}
    seconds = dict.fromkeys(roles, 0.0)
    own = psutil.Process().cpu_times()
    seconds["clients"] = own.user + own.system  # this process: the users' HTTP clients
    for process in psutil.process_iter(["cmdline"]):
        title = " ".join(process.info["cmdline"] or ())
        for role, needles in roles.items():
            if any(needle in title for needle in needles):
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                seconds[role] += times.user + times.system
    return seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def direct_url(name: str, guard: float = 600) -> str:
    """The URL of application `name`'s ingress replica under direct ingress: the port Serve gave it, found by asking
    each port of Serve's range which application it serves."""
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        for port in range(30000, 30016):
            try:
                routes = httpx.get(f"http://127.0.0.1:{port}/-/routes", timeout=2).json()
            except (httpx.HTTPError, ValueError):
                continue
            for prefix, app in routes.items():
                if app == name:
                    return f"http://127.0.0.1:{port}{prefix}"
        time.sleep(0.5)
    raise SystemExit(f"application {name}'s ingress did not open a port within {guard} s")


def wait_ready(url: str, workers: int, guard: float = 600) -> None:
    deadline = time.monotonic() + guard
    while True:
        try:
            answer = httpx.get(f"{url}/readyz", timeout=10)
            if answer.status_code == 200 and answer.json().get("workers") == workers:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{workers} worker replica(s) did not become ready within {guard} s")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="requests per user in one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--max-batch", type=int, default=8)
    parser.add_argument("--direct-ingress", action="store_true",
                        help="Serve's direct ingress (RAY_SERVE_ENABLE_DIRECT_INGRESS=1): each ingress replica serves "
                             "HTTP on its own port, no proxy in between")
    parser.add_argument("--high-throughput", action=argparse.BooleanOptionalAction, default=None,
                        help="Ray Serve's high-throughput mode, as `chatcanvas serve --ray` starts it on its own "
                             "cluster: HAProxy takes the HTTP port, gRPC between replicas (HIGH_THROUGHPUT_ENV); the "
                             "default but with --direct-ingress. --no-high-throughput: Serve's Python proxy")
    args = parser.parse_args()
    if args.high_throughput is None:
        args.high_throughput = not args.direct_ingress
    if args.high_throughput:  # read by the Serve processes this run starts
        os.environ.update(HIGH_THROUGHPUT_ENV)
    if args.direct_ingress:
        os.environ["RAY_SERVE_ENABLE_DIRECT_INGRESS"] = "1"  # read by the Serve processes this run starts

    ray.init(include_dashboard=False, log_to_driver=False, _temp_dir=tempfile.mkdtemp(prefix="ray-", dir="/tmp"),
             num_cpus=8)  # logical CPUs: both sides deployed at once; the machine's cores are what they are
    gpus = int(ray.cluster_resources().get("GPU", 0))
    sides = [Side(1)] if gpus == 1 else [Side(1), Side(2)]
    side_by_side = not gpus or gpus >= 3
    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    base = f"http://127.0.0.1:{port}"
    keys = ",".join(f"key{i}:user{i}" for i in range(args.users))

    def deploy(side: Side) -> str:
        name = SIDES[side.replicas]
        settings = Settings(data_dir=tempfile.mkdtemp(prefix=f"chatcanvas-bench-{name}-"), model=args.model,
                            api_keys=keys, max_batch=args.max_batch, max_jobs_per_user=args.users)
        options = DeployArgs(workers=side.replicas, num_cpus=1, num_gpus=1 if gpus else 0,
                             torch_threads=None if gpus else 1, max_ongoing_requests=args.users,
                             max_queued_requests=args.users * 4)
        serve.run(build_app(settings, options), name=name, route_prefix=f"/{name}")
        url = direct_url(name) if args.direct_ingress else f"{base}/{name}"
        wait_ready(url, side.replicas)
        return url

    def measure(side: Side, url: str, repeat: int, pool: ThreadPoolExecutor) -> None:
        clients = [httpx.Client(base_url=url, headers={"Authorization": f"Bearer key{i}"}, timeout=600)
                   for i in range(args.users)]

        def one(index: int, seed: int) -> float:
            started = time.perf_counter()
            response = clients[index].post("/v1/images/generations", json={
                "prompt": f"user {index} draws picture {seed}", "size": f"{args.size}x{args.size}",
                "steps": args.steps, "seed": seed, "response_format": "url"})
            response.raise_for_status()
            return time.perf_counter() - started

        def user(index: int) -> list[float]:
            return [one(index, 100_000 * repeat + 100 * r + index) for r in range(args.rounds)]

        if repeat == 0:  # every replica has run the pipeline before timing
            for warm in range(2 * side.replicas):
                list(pool.map(lambda i, w=warm: one(i, 10_000_000 + 100 * w + i), range(args.users)))
        cpu_before = process_cpu(SIDES[side.replicas])
        started = time.perf_counter()
        latencies = [latency for each in pool.map(user, range(args.users)) for latency in each]
        elapsed = time.perf_counter() - started
        for role, seconds in process_cpu(SIDES[side.replicas]).items():
            side.cpu[role] = side.cpu.get(role, 0.0) + seconds - cpu_before[role]
        side.images += len(latencies)
        side.elapsed += elapsed
        side.latencies += latencies
        side.rates.append(len(latencies) / elapsed)

    ceilings = [] if gpus else [machine_parallelism()]
    with ThreadPoolExecutor(args.users) as pool:
        if side_by_side:
            urls = [deploy(side) for side in sides]
            for repeat in range(args.repeats):
                for side, url in zip(sides, urls, strict=True):
                    measure(side, url, repeat, pool)
        else:
            for side in sides:
                url = deploy(side)
                for repeat in range(args.repeats):
                    measure(side, url, repeat, pool)
                serve.delete(SIDES[side.replicas])
    if not gpus:
        ceilings.append(machine_parallelism())
    serve.shutdown()
    ray.shutdown()

    mode = "high-throughput" if args.high_throughput else "direct ingress" if args.direct_ingress else "Serve's proxy"
    print(f"model={args.model} {args.size}x{args.size} steps={args.steps} users={args.users} rounds={args.rounds} "
          f"repeats={args.repeats} max_batch={args.max_batch} gpus={gpus} "
          f"({'side by side' if side_by_side else 'one side after the other'}; "
          f"{mode})")
    print(f"  {'replicas':>8} {'images':>7} {'images/s':>9} {'p50 ms':>8} {'p95 ms':>8}   CPU ms per image: "
          f"{'workers':>8} {'ingress':>8} {'proxy':>6} {'clients':>8} "
          f"{'raylet+gcs':>10} {'admission':>9} {'controller':>10}")
    for side in sides:
        per_image = {role: 1000 * seconds / side.images for role, seconds in side.cpu.items()}
        print(f"  {side.replicas:>8} {side.images:>7} {side.images / side.elapsed:>9.2f} "
              f"{statistics.median(side.latencies) * 1000:>8.1f} {percentile(side.latencies, 0.95) * 1000:>8.1f}"
              f"   {'':>17} {per_image['workers']:>8.1f} {per_image['ingress']:>8.1f} {per_image['proxy']:>6.1f}"
              f" {per_image['clients']:>8.1f} {per_image['ray'] + per_image['gcs']:>10.1f}"
              f" {per_image['admission']:>9.1f} {per_image['controller']:>10.1f}")
    if len(sides) == 2:
        one, two = sides
        ratios = [b / a for a, b in zip(one.rates, two.rates, strict=True)]
        print(f"  ratio 2 vs 1 replicas, images/s: {(two.images / two.elapsed) / (one.images / one.elapsed):.2f}x "
              f"(repeats: {min(ratios):.2f}x to {max(ratios):.2f}x)")
    if ceilings:
        print(f"  two one-thread processes vs one on this machine, before and after: {ceilings[0]:.2f}x, "
              f"{ceilings[1]:.2f}x (2.00x on two idle cores)")


if __name__ == "__main__":
    main()
