"""chatcanvas on Ray Serve in its high-throughput mode, as `chatcanvas serve --ray` starts it by default on the
local cluster it starts: HAProxy takes the HTTP port and hands each request to the ingress replica's own port, and
the replicas call each other over gRPC. The module runs the CLI itself, so the mode, the ports and the stop are the
ones a user gets; it joins the CLI's cluster to ask the workers and to kill one.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from chatcanvas.config import Settings  # noqa: E402
from chatcanvas.deploy.ray import DeployArgs  # noqa: E402
from chatcanvas.deploy.ray_engine import RayEngine  # noqa: E402
from chatcanvas.errors import EngineError  # noqa: E402
from tests.conftest import CACHE_DIR  # noqa: E402
from tests.test_ray_serve import (  # noqa: E402
    GUARD_S,
    KEYS,
    LONG,
    Cluster,
    free_port,
    kill_the_replica_of_a_running_job,
    wait_for,
)

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def fast_cluster():
    """`chatcanvas serve --ray --workers 2 --model tiny`, no mode named: two worker replicas and an ingress on the
    local cluster the command starts."""
    data = Path(tempfile.mkdtemp(prefix="chatcanvas-ray-fast-"))
    port = free_port()
    env = {**os.environ, "CHATCANVAS_API_KEYS": KEYS, "CHATCANVAS_MAX_STEPS": str(LONG),
           "CHATCANVAS_SHUTDOWN_WAIT_S": "5", "PYTHONUNBUFFERED": "1",
           # the 30 s an ingress replica serving its own port keeps serving while stopping, for a load balancer
           # to let go of it first: 1 s here, so that the stop below is seconds
           "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "1"}
    for name in ("RAY_ADDRESS", "RAY_SERVE_ENABLE_HA_PROXY", "RAY_SERVE_THROUGHPUT_OPTIMIZED"):
        env.pop(name, None)  # the command's own default, not this machine's
    log = data / "serve.log"
    with open(log, "w") as out:
        command = subprocess.Popen(
            [sys.executable, "-c", "from chatcanvas.cli import main; main()", "serve", "--ray", "--workers", "2",
             "--model", "tiny", "--port", str(port), "--data-dir", str(data / "data")],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        said = wait_for(lambda: command.poll() is None and re.search(r"Ray cluster (\S+) \((.*)\)", log.read_text())
                        or command.poll() is not None, "the command to start its cluster", guard=3 * GUARD_S)
        assert command.poll() is None, log.read_text()[-3000:]
        assert said.group(2) == "started here, high-throughput mode"
        # a cluster that `ray.init` started asks for the token in ~/.ray/auth_token; a process joining it by its
        # address turns token mode on first, as `ray.init` does in a process that starts a cluster
        os.environ["RAY_AUTH_MODE"] = "token"
        ray._raylet.Config.initialize("")
        ray.init(address=said.group(1), log_to_driver=False)
        settings = Settings(data_dir=data / "data", cache_dir=CACHE_DIR, model="tiny", api_keys=KEYS, max_steps=LONG)
        cluster = Cluster(f"http://127.0.0.1:{port}", settings, DeployArgs(workers=2), settings)
        wait_for(lambda: command.poll() is not None or _ready(cluster.url) == 2, "both workers ready",
                 guard=3 * GUARD_S)
        assert command.poll() is None, log.read_text()[-3000:]
        cluster.command, cluster.log = command, log
        yield cluster
    finally:
        ray.shutdown()  # this process leaves the cluster; the command's SIGTERM stops it, as a user's would
        if command.poll() is None:
            command.send_signal(signal.SIGTERM)
            try:
                command.wait(timeout=3 * GUARD_S)
            except subprocess.TimeoutExpired:
                os.killpg(command.pid, signal.SIGKILL)
                raise
        shutil.rmtree(data, ignore_errors=True)


def _ready(url: str) -> int:
    try:
        return httpx.get(f"{url}/readyz", timeout=10).json().get("workers", 0)
    except (httpx.HTTPError, ValueError):
        return 0


def test_haproxy_takes_the_port_and_the_official_openai_client_draws_on_both_replicas(fast_cluster):
    import openai
    import psutil

    port = httpx.URL(fast_cluster.url).port
    listeners = {connection.pid for connection in psutil.net_connections(kind="tcp")
                 if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port}
    assert listeners and all("haproxy" in psutil.Process(pid).name() for pid in listeners)  # not Serve's proxy

    before = {worker["replica"]: worker["served"] for worker in fast_cluster.workers()}
    assert len(before) == 2

    def draw(index: int) -> tuple[str, str]:
        user = ("alice", "bob")[index % 2]
        client = openai.OpenAI(base_url=f"{fast_cluster.url}/v1", api_key=f"key-{user}", max_retries=0)
        result = client.images.generate(prompt=f"a red square {index}", size="64x64", response_format="url",
                                        extra_body={"seed": index, "steps": 4})
        return user, result.data[0].model_extra["id"]

    with ThreadPoolExecutor(8) as pool:
        drawn = list(pool.map(draw, range(8)))
    after = {worker["replica"]: worker["served"] for worker in fast_cluster.workers()}
    assert sum(after.values()) - sum(before.values()) == 8
    assert all(after[replica] > before[replica] for replica in before)  # both replicas drew
    for user, image_id in drawn:
        fast_cluster.acknowledge(user, [{"id": image_id}])
        other = "bob" if user == "alice" else "alice"
        assert fast_cluster.client(user).get(f"/v1/images/{image_id}").content.startswith(b"\x89PNG")
        assert fast_cluster.client(other).get(f"/v1/images/{image_id}").status_code == 404
    with pytest.raises(openai.BadRequestError, match="multiple of 8"):
        openai.OpenAI(base_url=f"{fast_cluster.url}/v1", api_key="key-alice", max_retries=0).images.generate(
            prompt="a fox", size="63x64")


def test_a_replica_killed_mid_job_costs_a_retry_over_grpc(fast_cluster):
    kill_the_replica_of_a_running_job(fast_cluster, "carol", seed=5)


def test_an_ingress_whose_handles_route_on_its_main_loop_says_what_to_set(monkeypatch):
    from ray.serve._private import constants

    monkeypatch.setattr(constants, "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP", False)
    with pytest.raises(EngineError, match="RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP=1"):
        RayEngine(Settings(model="tiny"), worker=None)


def test_the_ingress_replicas_own_port_listens_at_host_alone_and_asks_for_a_key(fast_cluster):
    import psutil

    ingress = {process.pid for process in psutil.process_iter(["name", "cmdline"])
               if "ServeReplica:chatcanvas:Ingress" in " ".join([process.info["name"] or ""]
                                                                 + (process.info["cmdline"] or []))}
    own = [connection.laddr for connection in psutil.net_connections(kind="tcp")
           if connection.status == psutil.CONN_LISTEN and connection.pid in ingress
           and 30000 <= connection.laddr.port < 31000]
    assert own and all(address.ip == "127.0.0.1" for address in own), own  # --host, not every interface
    for address in own:
        answer = httpx.post(f"http://127.0.0.1:{address.port}/v1/images/generations", json={"prompt": "a fox"})
        assert answer.status_code == 401


def test_sigterm_stops_the_command_and_its_cluster(fast_cluster):
    """Last in the module: the stop a user gets from SIGTERM (or Ctrl-C)."""
    command = fast_cluster.command
    command.send_signal(signal.SIGTERM)
    assert command.wait(timeout=3 * GUARD_S) == 0, fast_cluster.log.read_text()[-3000:]
    assert "chatcanvas: stopping; the workers finish their running jobs first" in fast_cluster.log.read_text()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{fast_cluster.url}/readyz", timeout=10)
