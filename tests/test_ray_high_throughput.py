"""chatcanvas on Ray Serve in its high-throughput mode, as `chatcanvas serve --ray --high-throughput` starts it:
HAProxy takes the HTTP port and hands each request to the ingress replica's own port, and the replicas call each
other over gRPC. Ray reads the mode where a cluster's processes start, so this module starts a cluster of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from chatcanvas.config import Settings  # noqa: E402
from chatcanvas.deploy.ray import APP_NAME, HIGH_THROUGHPUT_ENV, DeployArgs, build_app  # noqa: E402
from chatcanvas.deploy.ray_engine import RayEngine  # noqa: E402
from chatcanvas.errors import EngineError  # noqa: E402
from tests.conftest import CACHE_DIR  # noqa: E402
from tests.test_ray_serve import (  # noqa: E402
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
    """Two `tiny` worker replicas and an ingress on a local cluster started in the high-throughput mode."""
    saved = {name: os.environ.get(name) for name in HIGH_THROUGHPUT_ENV}
    os.environ.update(HIGH_THROUGHPUT_ENV)  # the cluster's processes start from this one's environment
    data = tempfile.mkdtemp(prefix="chatcanvas-ray-fast-")
    session = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, _temp_dir=session)
    try:
        port = free_port()
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        settings = Settings(data_dir=data, cache_dir=CACHE_DIR, model="tiny", api_keys=KEYS, max_steps=LONG,
                            shutdown_wait_s=5)
        options = DeployArgs(workers=2, num_cpus=0.5, torch_threads=1, graceful_shutdown_timeout_s=5)
        serve.run(build_app(settings, options), name=APP_NAME, route_prefix="/")
        cluster = Cluster(f"http://127.0.0.1:{port}", settings, options, settings)
        wait_for(lambda: httpx.get(f"{cluster.url}/readyz").json().get("workers") == 2, "both workers ready")
        yield cluster
    finally:
        # the cluster goes with its processes, HAProxy's included: Serve's own shutdown would wait 30 s, the drain
        # period an ingress replica serving its own port keeps for the load balancer (replicas draining their jobs
        # are checked in test_ray_serve.py)
        ray.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(session, ignore_errors=True)


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
