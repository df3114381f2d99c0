"""chatcanvas on Ray Serve: a local Ray cluster started here, the ingress and two `tiny` image worker replicas.

One cluster for the whole module (starting it is most of the time); every request goes over real HTTP through
Serve's proxy to the ingress replica and on to the worker replicas, which share one data folder.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")
from ray.serve.schema import ServeDeploySchema  # noqa: E402

from chatcanvas.config import Settings  # noqa: E402
from chatcanvas.deploy.ray import APP_NAME, HIGH_THROUGHPUT_ENV, INGRESS, WORKER, DeployArgs, build_app  # noqa: E402
from chatcanvas.deploy.ray_engine import WORKER_LOST  # noqa: E402
from tests.conftest import CACHE_DIR  # noqa: E402

pytestmark = pytest.mark.ray

KEYS = "key-alice:alice,key-bob:bob,key-carol:carol,key-dave:dave"
LONG = 1000  # steps: seconds of drawing on one CPU thread at 64x64 (the most tiny's scheduler takes)
GUARD_S = 120  # hang guard of one wait: ten times what the slowest wait here takes on a busy two-core machine
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, guard: float = GUARD_S):
    deadline = time.monotonic() + guard
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} did not happen within {guard} s"
        time.sleep(0.2)


class Cluster:
    def __init__(self, url: str, settings: Settings, options: DeployArgs, worker_settings: Settings):
        self.url, self.settings, self.options, self.worker_settings = url, settings, options, worker_settings
        self.acknowledged: dict[str, list[str]] = {}  # user -> image ids answered to them

    def client(self, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer key-{user}"}, timeout=GUARD_S)

    def acknowledge(self, user: str, images: list[dict]) -> None:
        self.acknowledged.setdefault(user, []).extend(image["id"] for image in images)

    def workers(self) -> list[dict]:
        handle = serve.get_deployment_handle(WORKER, app_name=APP_NAME)
        return [answer for answer in handle.broadcast("health").results(timeout_s=GUARD_S, return_exceptions=True)
                if isinstance(answer, dict)]


@pytest.fixture(scope="module")
def cluster(postgres_server, s3_server):
    """Two worker replicas and an ingress on a local Ray cluster, sharing a store as replicas on different nodes
    would: records in PostgreSQL, files in an S3 bucket (moto), so every image is read from where another replica
    wrote it."""
    import boto3
    import psycopg

    from chatcanvas.store.db import close_databases

    database, bucket = f"ray_{uuid.uuid4().hex[:12]}", f"ray-{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.format(database="postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    boto3.client("s3", endpoint_url=s3_server["endpoint_url"], aws_access_key_id=s3_server["key"],
                 aws_secret_access_key=s3_server["secret"], region_name="us-east-1").create_bucket(Bucket=bucket)
    data = Path(tempfile.mkdtemp(prefix="chatcanvas-ray-data-"))
    worker_data = Path(tempfile.mkdtemp(prefix="chatcanvas-ray-worker-data-"))  # no disk shared with the ingress
    session = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths live under it
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, _temp_dir=session)
    try:
        port = free_port()
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        settings = Settings(data_dir=data, cache_dir=CACHE_DIR, model="tiny", api_keys=KEYS, max_steps=LONG,
                            shutdown_wait_s=10, database_url=postgres_server.format(database=database),
                            storage_url=f"s3://{bucket}/chatcanvas", storage_options=s3_server)
        # two workers on half a CPU each, one torch thread; four jobs in a replica at once and eight waiting at
        # the ingress: the overload test's burst goes past that
        options = DeployArgs(workers=2, num_cpus=0.5, torch_threads=1, max_ongoing_requests=4, max_queued_requests=8,
                             graceful_shutdown_timeout_s=GUARD_S)
        worker_settings = settings.model_copy(update={"data_dir": worker_data})
        serve.run(build_app(settings, options, worker_settings), name=APP_NAME, route_prefix="/")
        cluster = Cluster(f"http://127.0.0.1:{port}", settings, options, worker_settings)
        wait_for(lambda: httpx.get(f"{cluster.url}/readyz").json().get("workers") == 2, "both workers ready")
        yield cluster
    finally:
        serve.shutdown()
        ray.shutdown()
        close_databases()
        with psycopg.connect(postgres_server.format(database="postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {database} WITH (FORCE)")
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(worker_data, ignore_errors=True)
        shutil.rmtree(session, ignore_errors=True)


def test_eight_concurrent_turns_and_images_land_on_both_replicas(cluster):
    before = {worker["replica"]: worker["served"] for worker in cluster.workers()}
    assert len(before) == 2
    ready = httpx.get(f"{cluster.url}/readyz").json()
    assert ready["status"] == "ready" and ready["workers"] == 2

    def chat(user: str, index: int) -> tuple[str, dict]:
        response = cluster.client(user).post("/v1/chat", json={"message": f"draw a red fox number {index}"})
        return user, response

    def image(user: str, index: int) -> tuple[str, dict]:
        response = cluster.client(user).post("/v1/images/generations", json={
            "prompt": f"a blue square {index}", "size": "64x64", "steps": 4, "seed": index, "response_format": "url"})
        return user, response

    calls = [(chat, "alice", 0), (image, "alice", 1), (chat, "bob", 2), (image, "bob", 3),
             (image, "alice", 4), (chat, "alice", 5), (image, "bob", 6), (chat, "bob", 7)]
    with ThreadPoolExecutor(len(calls)) as pool:
        results = list(pool.map(lambda call: call[0](call[1], call[2]), calls))
    for user, response in results:
        assert response.status_code == 200, response.text
        images = response.json().get("images") or response.json().get("data")
        assert len(images) == 1
        cluster.acknowledge(user, images)
    after = {worker["replica"]: worker["served"] for worker in cluster.workers()}
    assert sum(after.values()) - sum(before.values()) == 8
    assert all(after[replica] > before[replica] for replica in before), (before, after)  # both replicas drew


def test_the_official_openai_client_works_unchanged(cluster):
    import openai

    client = openai.OpenAI(base_url=f"{cluster.url}/v1", api_key="key-carol", max_retries=0)
    result = client.images.generate(prompt="a lighthouse", size="64x64", response_format="b64_json",
                                    extra_body={"seed": 3, "steps": 3})
    assert len(result.data) == 1 and result.data[0].b64_json
    cluster.acknowledge("carol", [{"id": result.data[0].model_extra["id"]}])
    reply = client.chat.completions.create(model="chatcanvas", user="trip",
                                           messages=[{"role": "user", "content": "draw a red fox"}])
    assert reply.choices[0].message.model_extra["images"]
    with pytest.raises(openai.BadRequestError, match="multiple of 8"):
        client.images.generate(prompt="a fox", size="63x64")


def test_one_user_never_sees_another_users_images_or_jobs(cluster):
    alice, bob = cluster.client("alice"), cluster.client("bob")
    drawn = alice.post("/v1/images/generations", json={"prompt": "a red ring", "size": "64x64", "steps": 3})
    assert drawn.status_code == 200, drawn.text
    cluster.acknowledge("alice", drawn.json()["data"])
    image_id = drawn.json()["data"][0]["id"]
    job = alice.post("/v1/jobs", json={"prompt": "a green circle", "size": "64x64", "steps": 3})
    assert job.status_code == 202
    job_id = job.json()["id"]
    for path in (f"/v1/images/{image_id}", f"/v1/images/{image_id}/meta", f"/v1/jobs/{job_id}"):
        assert bob.get(path).status_code == 404
        assert alice.get(path).status_code == 200
    assert bob.post(f"/v1/jobs/{job_id}/cancel").status_code == 404
    assert image_id not in {image["id"] for image in bob.get("/v1/images").json()["data"]}
    finished = wait_for(lambda: (body := alice.get(f"/v1/jobs/{job_id}").json())["status"] == "succeeded" and body,
                        "alice's job")
    cluster.acknowledge("alice", finished["images"])


def _photos(color: str, count: int = 2) -> list[tuple[str, tuple[str, bytes, str]]]:
    import io

    from PIL import Image

    files = []
    for index in range(count):
        picture = Image.new("RGB", (64, 64), color)
        picture.paste("white", (8 + index * 4, 8, 40, 40))
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        files.append(("images[]", (f"{color}{index}.png", buffer.getvalue(), "image/png")))
    return files


def test_subjects_are_learned_and_drawn_by_workers_that_share_no_disk_with_the_ingress(cluster):
    import fsspec

    alice = cluster.client("alice")
    created = alice.post("/v1/subjects", data={"name": "Rex", "aliases": "my dog", "method": "lora"},
                         files=_photos("brown"))
    assert created.status_code == 202, created.text
    subject_id = created.json()["id"]
    subject = wait_for(lambda: (body := alice.get(f"/v1/subjects/{subject_id}").json())["status"] != "training"
                       and body, "Rex learned")
    assert subject["status"] == "ready", subject
    # the worker that trained the LoRA put its weights in the bucket itself: the ingress's disk never held them
    bucket = cluster.settings.storage_url.removeprefix("s3://")
    stored = fsspec.filesystem("s3", **cluster.settings.storage_options).find(f"{bucket}/subjects/{subject_id}")
    assert any(name.endswith(".safetensors") and "/lora/" in name for name in stored), stored
    ingress_copy = cluster.settings.resolved_data_dir / "cache" / "subjects" / subject_id
    assert not list(ingress_copy.rglob("*.safetensors"))
    # a worker without a copy of Rex (as on a node that did not train him) fetches it from the bucket to draw him
    shutil.rmtree(cluster.worker_settings.resolved_data_dir / "cache" / "subjects" / subject_id)
    for message in ("draw my dog on the moon", "now Rex at the beach"):
        reply = alice.post("/v1/chat", json={"message": message})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["tool_calls"][0]["name"] == "generate_with_subject", body
        meta = alice.get(f"/v1/images/{body['images'][0]['id']}/meta").json()
        assert meta["subject_ids"] == [subject_id] and meta["subject_method"] == "lora"
        cluster.acknowledge("alice", body["images"])
    assert cluster.client("bob").get(f"/v1/subjects/{subject_id}").status_code == 404
    # an IP-Adapter subject's embeddings, computed on a worker, reach the bucket the same way
    mia = alice.post("/v1/subjects", data={"name": "Mia", "method": "ip_adapter"}, files=_photos("gray"))
    assert mia.status_code in (201, 202), mia.text
    mia_id = mia.json()["id"]
    assert wait_for(lambda: alice.get(f"/v1/subjects/{mia_id}").json()["status"] != "training",
                    "Mia learned") and alice.get(f"/v1/subjects/{mia_id}").json()["status"] == "ready"
    drawn = alice.post("/v1/chat", json={"message": "Mia in a garden"}).json()
    assert alice.get(f"/v1/images/{drawn['images'][0]['id']}/meta").json()["subject_ids"] == [mia_id]
    cluster.acknowledge("alice", drawn["images"])


def test_the_ray_engine_is_an_engine_client_in_any_process(cluster):
    from chatcanvas.deploy.ray_engine import RayEngine
    from chatcanvas.engine import EngineClient, GenerateRequest, JobStatus

    # this test process is a client of the cluster too: an engine here draws on the same worker replicas
    settings = cluster.settings.model_copy(update={"durable_jobs": False})
    with RayEngine(settings, serve.get_deployment_handle(WORKER, app_name=APP_NAME)) as engine:
        assert isinstance(engine, EngineClient)
        health = wait_for(lambda: (h := engine.health()).workers == 2 and h, "both replicas heard")
        assert health.alive and health.loaded_models == ("tiny",) and health.queue_depth == 0
        request = GenerateRequest(prompt="a red fox", width=64, height=64, steps=3, seed=5)
        job = engine.submit(request, owner="erin")
        statuses = []
        job.subscribe(lambda event: statuses.append(event.status))
        (image,) = job.wait(GUARD_S)
        assert (image.owner, image.seed, image.steps) == ("erin", 5, 3)
        assert engine.store.open(image).size == (64, 64)  # read from the bucket a worker replica wrote it to
        assert statuses[-1] is JobStatus.SUCCEEDED and engine.job(job.id, "erin") is job
        # the ingress fixes the seeds: the same job drawn again, on either replica, is the same picture
        assert engine.submit(request, owner="erin").wait(GUARD_S)[0].id == image.id
        with pytest.raises(Exception, match="steps"):
            engine.submit(GenerateRequest(prompt="x", steps=LONG + 1), owner="erin")  # checked here, nothing sent


def test_a_burst_past_the_caps_is_refused_with_429_never_500(cluster):
    def submit(user: str, index: int) -> httpx.Response:
        return cluster.client(user).post("/v1/jobs", json={"prompt": f"burst {index}", "size": "64x64",
                                                           "steps": LONG, "seed": index})

    with ThreadPoolExecutor(10) as pool:
        alice = list(pool.map(lambda i: submit("alice", i), range(10)))
    # the per-user cap (8) counts alice's jobs on both replicas together
    assert sorted(r.status_code for r in alice) == [202] * 8 + [429] * 2
    assert all("you already have 8 images waiting" in r.json()["error"]["message"]
               for r in alice if r.status_code == 429)
    with ThreadPoolExecutor(16) as pool:
        others = list(pool.map(lambda i: submit("bob" if i % 2 else "carol", 100 + i), range(16)))
    statuses = [r.status_code for r in others]
    assert set(statuses) <= {202, 429}, [r.text for r in others]
    refused = [r for r in others if r.status_code == 429]
    assert refused, "8 replica slots and 8 queued: some of 24 jobs must be refused"
    for response in refused:
        assert response.headers["Retry-After"]
        assert response.json()["error"]["code"] == "queue_full"
        assert "the image queue is full" in response.json()["error"]["message"]
    jobs = [(r.request.headers["authorization"].removeprefix("Bearer key-"), r.json()["id"])
            for r in [*alice, *others] if r.status_code == 202]
    for user, job_id in jobs:
        assert cluster.client(user).post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    for user, job_id in jobs:
        wait_for(lambda u=user, j=job_id: cluster.client(u).get(f"/v1/jobs/{j}").json()["status"] == "cancelled",
                 f"job {job_id} to end cancelled")


def test_a_job_cancelled_over_http_stops_on_its_replica(cluster):
    dave = cluster.client("dave")
    job_id = dave.post("/v1/jobs", json={"prompt": "a slow one", "size": "64x64", "steps": LONG}).json()["id"]
    wait_for(lambda: dave.get(f"/v1/jobs/{job_id}").json()["step"] > 0, "the job to start drawing")
    assert any(job_id in worker["running"] for worker in cluster.workers())
    assert dave.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    ended = wait_for(lambda: (body := dave.get(f"/v1/jobs/{job_id}").json())["status"] == "cancelled" and body,
                     "the job to end cancelled")
    assert ended["error"].startswith(f"job {job_id} was cancelled at step")
    wait_for(lambda: not any(job_id in worker["running"] for worker in cluster.workers()),
             "the replica to stop the job")


def kill_the_replica_of_a_running_job(cluster: Cluster, user: str, seed: int) -> None:
    """Start a long job, kill its worker replica mid-job: the job ends, retried from its first step on the other
    replica or failed with a clear error, and every image acknowledged so far is still readable."""
    client = cluster.client(user)
    job_id = client.post("/v1/jobs", json={"prompt": "a long one", "size": "64x64", "steps": LONG,
                                           "seed": seed}).json()["id"]

    def holder():
        running = client.get(f"/v1/jobs/{job_id}").json()["step"] > 0
        return running and next((w["replica"] for w in cluster.workers() if job_id in w["running"]), None)

    replica = wait_for(holder, "the job to start on a replica")
    ray.kill(ray.get_actor(replica, namespace="serve"), no_restart=True)
    ended = wait_for(lambda: (body := client.get(f"/v1/jobs/{job_id}").json())["status"] in ("succeeded", "failed")
                     and body, "the job to end after its replica died", guard=3 * GUARD_S)
    if ended["status"] == "succeeded":  # retried from its first step on the other replica
        assert client.get(f"/v1/images/{ended['images'][0]['id']}").status_code == 200
        assert not any(w["replica"] == replica for w in cluster.workers())
    else:
        assert ended["error"] == WORKER_LOST
    for owner, image_ids in cluster.acknowledged.items():
        for image_id in image_ids:
            response = cluster.client(owner).get(f"/v1/images/{image_id}")
            assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_a_replica_killed_mid_job_costs_a_retry_and_no_acknowledged_image(cluster):
    kill_the_replica_of_a_running_job(cluster, "bob", seed=11)
    ready = httpx.get(f"{cluster.url}/readyz")
    assert ready.status_code in (200, 503) and ready.json()["workers"] >= 1


def test_replicas_stopping_let_their_running_jobs_finish(cluster):
    from chatcanvas.deploy.ray_engine import RayEngine
    from chatcanvas.engine import GenerateRequest

    wait_for(lambda: len(cluster.workers()) == 2, "two workers again")
    settings = cluster.settings.model_copy(update={"durable_jobs": False})
    with RayEngine(settings, serve.get_deployment_handle(WORKER, app_name=APP_NAME)) as engine:
        jobs = [engine.submit(GenerateRequest(prompt=f"drawn on {i}", width=64, height=64, steps=LONG, seed=i),
                              owner=user) for i, user in enumerate(("bob", "carol"))]
        holders = wait_for(lambda: {w["replica"] for w in cluster.workers() for job in jobs if job.id in w["running"]}
                           if all(job.step > 0 for job in jobs) else None, "both jobs to run")
        # deploying again with one worker replaces both replicas (a new code version) and drops one: each old
        # replica stops only once its running job has ended (graceful_shutdown_timeout_s)
        assert not any(job.done for job in jobs)
        serve.run(build_app(cluster.settings, cluster.options.model_copy(update={"workers": 1}),
                            cluster.worker_settings), name=APP_NAME, route_prefix="/")
        for job in jobs:
            assert len(job.wait(GUARD_S)) == 1
        assert engine.replicas_lost == 0  # each finished on the replica it started on: none was retried
    remaining = wait_for(lambda: (workers := cluster.workers()) and len(workers) == 1 and workers, "one replica left")
    assert remaining[0]["replica"] not in holders


def test_the_serve_config_and_the_rayservice_name_what_the_code_deploys():
    config = yaml.safe_load((REPO / "deploy" / "serve_config.yaml").read_text())
    service = yaml.safe_load((REPO / "deploy" / "kuberay-rayservice.yaml").read_text())
    assert service["kind"] == "RayService"
    inline = yaml.safe_load(service["spec"]["serveConfigV2"])
    for serve_config in (config, inline):
        ServeDeploySchema.model_validate(serve_config)  # what `serve deploy` and KubeRay check
        (application,) = serve_config["applications"]
        assert application["name"] == APP_NAME
        assert application["import_path"] == "chatcanvas.deploy.ray:app_builder"
        assert {d["name"] for d in application["deployments"]} == {INGRESS, WORKER}
        DeployArgs.model_validate(application["args"])  # every argument is one the builder takes
    groups = [service["spec"]["rayClusterConfig"]["headGroupSpec"],
              *service["spec"]["rayClusterConfig"]["workerGroupSpecs"]]
    for group in groups:  # every pod starts its Ray processes in the high-throughput mode the code names
        env = {item["name"]: item.get("value") for container in group["template"]["spec"]["containers"]
               for item in container.get("env", [])}
        assert {"CHATCANVAS_DATABASE_URL", "CHATCANVAS_STORAGE_URL"} <= set(env)
        assert {name: env.get(name) for name in HIGH_THROUGHPUT_ENV} == HIGH_THROUGHPUT_ENV


def test_app_builder_arguments_are_checked_with_one_clear_line():
    from chatcanvas.deploy.ray import parse_args
    from chatcanvas.errors import InvalidInput

    assert parse_args({"model": "tiny", "workers": "2", "num_cpus": "0.5"}).workers == 2
    with pytest.raises(InvalidInput, match=r"^workers: Input should be a valid integer.*got 'two'"):
        parse_args({"workers": "two"})
    with pytest.raises(InvalidInput, match=r"^wrokers: unknown argument"):
        parse_args({"wrokers": "2"})
    with pytest.raises(InvalidInput, match=r"^min_workers: Input should be greater than or equal to 1"):
        parse_args({"min_workers": "0"})


def test_the_ledger_counts_each_users_cap_in_slots_the_ingress_replicas_lease_and_give_back():
    """The cap holds across two ingress replicas; a replica admits a user's next job on a slot it already holds
    without asking the ledger, tells it in its next news, and gives a slot back once it has been spare a while."""
    from chatcanvas.deploy.admission import Admission, Leases

    ledger, now = Admission(), [0.0]
    one, two = Leases(idle_s=1.0, clock=lambda: now[0]), Leases(idle_s=1.0, clock=lambda: now[0])

    def admit(name: str, leases: Leases, job_id: str, cap: int = 2) -> str:
        if leases.take(job_id, "ana"):
            return "held"
        granted = ledger.lease(name, "ana", job_id, cap, *leases.news())
        leases.granted(job_id, "ana", granted)
        return "leased" if granted else "refused"

    assert admit("in1", one, "j1") == "leased" and admit("in2", two, "j2") == "leased"
    assert admit("in1", one, "j3") == "refused" and admit("in2", two, "j3") == "refused"  # 2 slots: the cap
    assert ledger.count("ana") == 2 and ledger.in_flight() == {"ana": 2}
    one.release("j1")
    assert admit("in1", one, "j4") == "held"  # the slot j1 had, still held by in1: no call
    assert admit("in2", two, "j5") == "refused"  # in1 holds it: in2 cannot have it
    ledger.update("in1", *one.news())
    assert ledger.in_flight() == {"ana": 2}  # j1 ended, j4 runs: the ledger heard both
    one.release("j4")
    now[0] += 0.5
    ledger.update("in1", *one.news())
    assert ledger.count("ana") == 2  # spare for half a second: still in1's
    now[0] += 0.6
    ledger.update("in1", *one.news())
    assert ledger.count("ana") == 1 and ledger.in_flight() == {"ana": 1}  # given back
    assert admit("in2", two, "j6") == "leased"  # now in2 may take it
    two.release("j2")
    two.release("j6")
    ledger.update("in2", *two.news(everything=True))  # stopping: every spare slot goes back at once
    assert ledger.count("ana") == 0 and ledger.in_flight() == {}

    restarted = Admission()  # the actor restarted empty: one sync from each replica makes it whole
    assert admit("in1", one, "j7") == "leased"
    restarted.sync("in1", {"j7": "ana"}, one.slots())
    assert restarted.count("ana") == 1
    assert restarted.lease("in2", "ana", "j8", 2) and not restarted.lease("in2", "ana", "j9", 2)
