"""`chatcanvas serve`: the HTTP API, the OpenAI-compatible endpoints and the web chat page."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Optional

import typer

from chatcanvas.cli.common import DataDirOpt, ModelOpt, app, quiet_libraries, settings_with
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
) -> None:
    """Serve chatcanvas over HTTP (Ctrl-C or SIGTERM: stop taking requests, finish the running ones)."""
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
               f"http://{host}:{port}/  (OpenAI base_url http://{host}:{port}/v1)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", timeout_graceful_shutdown=120)
