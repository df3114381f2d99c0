"""`chatcanvas serve`: the HTTP API, the OpenAI-compatible endpoints and the web chat page."""

from __future__ import annotations

import ipaddress
import os
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer

from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, quiet_libraries, settings_with
from chatcanvas.config import Settings
from chatcanvas.errors import InvalidInput


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    model: ModelOpt = None,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs API keys.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    llm: Annotated[Optional[str], typer.Option("--llm", help="router, provider:model, or hf:org/model.")] = None,
    api_keys_file: Annotated[Optional[Path], typer.Option(help="A file of KEY:user lines.")] = None,
    data_dir: DataDirOpt = None,
    ray: Annotated[bool, typer.Option("--ray", help="Deploy on Ray Serve: an ingress and image worker replicas "
                                                    "(pip install 'chatcanvas\\[ray]').")] = False,
    ray_address: Annotated[Optional[str], typer.Option(help="With --ray: the cluster to join (ray://... or "
                                                            "HOST:PORT); else a local one is started.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="With --ray: image worker replicas (one per GPU).")] = 1,
    high_throughput: Annotated[Optional[bool], typer.Option(
        "--high-throughput/--no-high-throughput",
        help="With --ray, on the local cluster it starts: Ray Serve's high-throughput mode (the default there: "
             "HAProxy takes the port, gRPC between replicas, each ingress replica also serving on a port of its own, "
             "30000 up, at --host), or Serve's Python proxy (--no-high-throughput). A joined cluster keeps its mode.",
        show_default=False,
    )] = None,
) -> None:
    """Serve chatcanvas over HTTP (Ctrl-C or SIGTERM: stop taking requests, finish the running ones)."""
    if high_throughput is not None and not ray:
        flag = "--high-throughput" if high_throughput else "--no-high-throughput"
        raise InvalidInput(flag, "is a mode of Ray Serve: add --ray")
    if ray:
        check_ray_installed()
    if high_throughput and ray_address:
        from chatcanvas.deploy.ray import HIGH_THROUGHPUT_ENV  # Ray is there: checked above

        names = " ".join(f"{name}={value}" for name, value in HIGH_THROUGHPUT_ENV.items())
        raise InvalidInput("--high-throughput", "a cluster that is joined keeps the mode it was started with: set "
                                                f"{names} where its nodes start")
    settings = settings_with(model, data_dir)
    if llm:
        settings = settings.model_copy(update={"llm": llm})
    if api_keys_file:
        settings = settings.model_copy(update={"api_keys_file": api_keys_file})
    quiet_libraries()
    import uvicorn

    from chatcanvas.server import create_app
    from chatcanvas.server.auth import load_keys

    if not load_keys(settings) and not is_loopback(host):
        raise InvalidInput("host", f"refusing to serve {host} without API keys: set CHATCANVAS_API_KEYS="
                                   "'KEY:user,...' or --api-keys-file, or bind 127.0.0.1")
    users = sorted(set(load_keys(settings).values()))
    typer.echo(f"chatcanvas: model {settings.model}, llm {settings.llm}, "
               f"{'users ' + ', '.join(users) if users else 'one local user (no keys)'}; "
               f"http://{host}:{port}/  (OpenAI base_url http://{host}:{port}/v1)"
               + (f"; Ray Serve, {workers} image worker(s)" if ray else ""))
    if ray:
        serve_on_ray(settings, host, port, ray_address, workers, high_throughput=high_throughput is not False)
        return
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", timeout_graceful_shutdown=120)


def check_ray_installed() -> None:
    """`InvalidInput` (one line) when Ray Serve is missing."""
    try:
        import ray.serve  # noqa: F401
    except ImportError as exc:
        if (exc.name or "ray").split(".")[0] != "ray":
            raise
        raise InvalidInput("--ray", "Ray Serve is not installed: pip install 'chatcanvas[ray]'") from None


def serve_on_ray(settings: Settings, host: str, port: int, address: str | None, workers: int,
                 high_throughput: bool = True) -> None:
    """Start a local Ray cluster or join `address`, then deploy the chatcanvas application on it (until Ctrl-C).
    `high_throughput`: the local cluster runs Ray Serve's high-throughput mode (`HIGH_THROUGHPUT_ENV`; a value
    already in the environment wins); a joined cluster keeps the mode it was started with."""
    import ray
    from ray import serve

    from chatcanvas.deploy.ray import APP_NAME, HIGH_THROUGHPUT_ENV, DeployArgs, build_app

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    if high_throughput and address is None:  # read by the cluster's processes, which start from this environment
        for name, value in HIGH_THROUGHPUT_ENV.items():
            os.environ.setdefault(name, value)
    context = ray.init(address=address or None)
    mode = "high-throughput mode" if os.environ.get("RAY_SERVE_ENABLE_HA_PROXY") == "1" else "Serve's proxy"
    typer.echo(f"chatcanvas: Ray cluster {context.address_info['gcs_address']} "
               + ("(joined)" if address else f"(started here, {mode})"))
    signal.signal(signal.SIGTERM, interrupt)  # SIGTERM stops it as Ctrl-C does (set after Ray sets its own)
    options = DeployArgs(workers=workers)
    if address is None:  # a cluster of this machine alone: the replicas share its cores
        cpus = ray.cluster_resources().get("CPU", 1.0)
        options = DeployArgs(workers=workers, num_cpus=min(1.0, max(0.1, (cpus - options.ingress_cpus) / workers)),
                             torch_threads=max(1, int(cpus // workers)))
    serve.start(http_options={"host": host, "port": port})
    try:
        serve.run(build_app(settings, options), name=APP_NAME, route_prefix="/", blocking=True)
    except KeyboardInterrupt:
        typer.echo("chatcanvas: stopping; the workers finish their running jobs first")
        serve.delete(APP_NAME)  # on a cluster that was joined, the application goes too
