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
from chatcanvas.deploy.ray_engine import WORKER_LOST, RayEngine  # noqa: E402
from chatcanvas.errors import EngineError  # noqa: E402
from tests.conftest import CACHE_DIR  # noqa: E402
from tests.test_ray_serve import GUARD_S, KEYS, LONG, Cluster, free_port, wait_for  # noqa: E402

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
        cluster.port = port
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

    listeners = {connection.pid for connection in psutil.net_connections(kind="tcp")
                 if connection.status == psutil.CONN_LISTEN and connection.laddr.port == fast_cluster.port}
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
    carol = fast_cluster.client("carol")
    job_id = carol.post("/v1/jobs", json={"prompt": "a long one", "size": "64x64", "steps": LONG,
                                          "seed": 5}).json()["id"]

    def holder():
        running = carol.get(f"/v1/jobs/{job_id}").json()["step"] > 0
        return running and next((w["replica"] for w in fast_cluster.workers() if job_id in w["running"]), None)

    replica = wait_for(holder, "the job to start on a replica")
    ray.kill(ray.get_actor(replica, namespace="serve"), no_restart=True)
    ended = wait_for(lambda: (body := carol.get(f"/v1/jobs/{job_id}").json())["status"] in ("succeeded", "failed")
                     and body, "the job to end after its replica died", guard=3 * GUARD_S)
    if ended["status"] == "succeeded":  # retried from its first step on the other replica
        assert carol.get(f"/v1/images/{ended['images'][0]['id']}").status_code == 200
    else:
        assert ended["error"] == WORKER_LOST
    for user, image_ids in fast_cluster.acknowledged.items():
        for image_id in image_ids:
            assert fast_cluster.client(user).get(f"/v1/images/{image_id}").content.startswith(b"\x89PNG")


def test_an_ingress_whose_handles_route_on_its_main_loop_says_what_to_set(monkeypatch):
    from ray.serve._private import constants

    monkeypatch.setattr(constants, "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP", False)
    with pytest.raises(EngineError, match="RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP=1"):
        RayEngine(Settings(model="tiny"), worker=None)
