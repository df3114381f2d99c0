"""The shared store: records in PostgreSQL, files in a shared folder or on S3, seen alike by every replica.

Each "replica" here is what another server on another machine would have: its own data folder, its own database
connections, the same database URL and storage URL. PostgreSQL is the run's throwaway server and S3 a moto server on
loopback (both from conftest).
"""

from __future__ import annotations

import threading

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from chatcanvas.errors import InvalidInput, NotFound, StorageError
from chatcanvas.store import ImageMeta, ImageStore, SubjectStore, read_parameters
from chatcanvas.store.blobs import BlobStore, open_storage
from chatcanvas.store.db import Database
from chatcanvas.store.jobs import JobStore
from tests.conftest import KEYS, png_bytes
from tests.test_cli import chatcanvas


class Replica:
    """One server's stores: its own data folder and database connections, the shared database and storage."""

    def __init__(self, root, database_url, storage_url, storage_options=None):
        self.root = root
        self.database = Database(database_url)
        self.blobs = open_storage(root, storage_url, storage_options)
        self.images = ImageStore(root, database=self.database, blobs=self.blobs)
        self.subjects = SubjectStore(root, database=self.database, blobs=self.blobs)
        self.jobs = JobStore(root, self.database)


@pytest.fixture
def replicas(tmp_path, postgres_url):
    """`replicas(storage_url, options)`: two replicas on the test's database and that storage."""
    made = []

    def make(storage_url, storage_options=None):
        pair = [Replica(tmp_path / name, postgres_url, storage_url, storage_options) for name in ("one", "two")]
        made.extend(pair)
        return pair

    yield make
    for replica in made:
        replica.database.close()


def meta(**overrides) -> ImageMeta:
    return ImageMeta(**{"owner": "alice", "operation": "generate", "width": 16, "height": 16, "prompt": "a red fox",
                        "seed": 2**32 - 1, "steps": 4, "guidance_scale": 7.5, "model": "tiny", **overrides})


def photo(color: str) -> Image.Image:
    image = Image.new("RGB", (16, 16), color)
    image.paste("white", (4, 4, 10, 10))
    return image


def check_images_are_shared(one: Replica, two: Replica) -> None:
    drawn = one.images.save(photo("red"), meta(conversation="c1"))
    edited = one.images.save(photo("blue"), meta(operation="edit", conversation="c1", parent_id=drawn.id,
                                                 strength=0.6, prompt="a blue fox"))
    uploaded = one.images.add_uploads([png_bytes(photo("green")), png_bytes(photo("olive"), "JPEG")],
                                      owner="alice", conversation="c1")
    assert [r.id for r in two.images.list_images("alice", "c1")] == [r.id for r in [*uploaded[::-1], edited, drawn]]
    seen = two.images.get(edited.id, "alice")
    assert seen.parameters() == edited.parameters() and seen.parent_id == drawn.id  # lineage, seed beyond 32 bits
    assert two.images.read(seen) == one.images.read(edited)
    assert read_parameters(two.images.read(seen)) == edited.parameters()  # the PNG's parameters chunk, intact
    assert two.images.open(two.images.get(uploaded[0].id, "alice")).getpixel((0, 0)) == (0, 128, 0)
    # another owner: absent everywhere
    with pytest.raises(NotFound):
        two.images.get(drawn.id, "bob")
    assert two.images.find(drawn.id, "bob") is None and two.images.list_images("bob") == []
    # erased on one replica, gone on both: record and file
    two.images.delete(drawn.id, "alice")
    assert one.images.find(drawn.id, "alice") is None
    with pytest.raises(NotFound, match="missing from storage"):
        one.images.read(drawn)
    assert not (one.root / "chatcanvas.db").exists() and not (two.root / "chatcanvas.db").exists()


def check_subjects_and_jobs_are_shared(one: Replica, two: Replica) -> None:
    subject = one.subjects.create(owner="alice", name="Rex", aliases=["my dog"], method="lora", model="tiny",
                                  images=[photo("brown"), photo("gray")])
    subject.lora_folder.mkdir(parents=True, exist_ok=True)  # a weights file in the subject's folder, as training
    save_file({"lora_A": torch.ones(4, 2)}, subject.lora_folder / "pytorch_lora_weights.safetensors")  # leaves it
    one.subjects.publish(subject.id)  # what the subject service does when the training job succeeds
    one.subjects.update(subject.id, status="ready", progress=1.0)

    seen = two.subjects.fetch(two.subjects.find("alice", "my dog"))
    assert (seen.id, seen.status, seen.to_dict()["references"]) == (subject.id, "ready", 2)
    assert torch.equal(load_file(seen.lora_folder / "pytorch_lora_weights.safetensors")["lora_A"], torch.ones(4, 2))
    assert [p.name for p in seen.references] == ["00.png", "01.png"]
    with pytest.raises(NotFound):
        two.subjects.find("bob", "Rex")
    assert two.subjects.list_subjects("bob") == []

    one.jobs.add(id="job_1", owner="alice", conversation="c1", kind="edit", model="tiny", seeds=(7,),
                 request={"prompt": "a blue fox"}, blobs={"image.png": png_bytes(photo("red"))}, created=1.0)
    assert two.jobs.get("job_1", "alice").request == {"prompt": "a blue fox"}
    assert two.jobs.get("job_1", "bob") is None
    assert two.jobs.blob("job_1", "image.png") == png_bytes(photo("red"))
    assert one.jobs.claim() and not two.jobs.claim()  # one process on the database resumes unfinished jobs
    one.jobs.release()

    two.subjects.delete("alice", subject.id)
    with pytest.raises(NotFound):
        one.subjects.get("alice", subject.id)
    assert one.blobs.keys(f"subjects/{subject.id}") == []


def test_images_on_postgres_and_a_shared_folder(replicas, tmp_path):
    one, two = replicas(str(tmp_path / "shared"))
    check_images_are_shared(one, two)
    assert not (one.root / "images").exists()  # the files are in the shared folder, in the data folder's layout
    assert next((tmp_path / "shared" / "images").rglob("*.png")).parent.parent.name == "images"


def test_subjects_and_jobs_on_postgres_and_a_shared_folder(replicas, tmp_path):
    one, two = replicas(str(tmp_path / "shared"))
    check_subjects_and_jobs_are_shared(one, two)


def test_images_on_postgres_and_s3(replicas, s3_bucket):
    bucket, options = s3_bucket
    one, two = replicas(f"s3://{bucket}/chatcanvas", options)
    check_images_are_shared(one, two)
    [record] = two.images.list_images("alice", "c1", limit=1)
    assert record.path is None  # no local path that would lie about where the file is
    assert BlobStore(f"s3://{bucket}", options).keys("chatcanvas/images")  # under the URL's prefix


def test_subjects_and_jobs_on_postgres_and_s3(replicas, s3_bucket):
    bucket, options = s3_bucket
    one, two = replicas(f"s3://{bucket}/chatcanvas", options)
    check_subjects_and_jobs_are_shared(one, two)
    assert not any((two.root / "cache" / "subjects").iterdir())  # the deleted subject's local copy went too


def test_a_file_that_cannot_be_stored_leaves_no_record(replicas, s3_server):
    one, _ = replicas("s3://no-such-bucket/chatcanvas", s3_server)
    with pytest.raises(StorageError, match="storage_url: could not write images/.*no-such-bucket"):
        one.images.save(photo("red"), meta())
    with pytest.raises(StorageError, match="could not write subjects/"):
        one.subjects.create(owner="alice", name="Rex", method="ip_adapter", model="tiny", images=[photo("brown")])
    with one.database.connect() as db:
        assert db.execute("SELECT count(*) FROM images").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM subjects").fetchone()[0] == 0
    assert not any((one.root / "cache" / "subjects").iterdir())


def test_subjects_learned_on_one_server_are_drawn_on_another(postgres_url, s3_bucket, settings, tmp_path):
    """Real IP-Adapter embeddings and LoRA weights made by one engine, published to S3, fetched and used by
    another engine with another data folder."""
    from chatcanvas.agent import ImageAgent
    from chatcanvas.engine import GenerateRequest

    bucket, options = s3_bucket
    shared = {"database_url": postgres_url, "storage_url": f"s3://{bucket}/cc", "storage_options": options,
              "lora_steps": 2}
    first = ImageAgent.create(llm="router", settings=settings.model_copy(update={**shared,
                                                                                 "data_dir": tmp_path / "one"}))
    try:
        rex, _ = first.subjects.register("alice", "Rex", [photo("brown"), photo("gray")], method="ip_adapter")
        spot, training = first.subjects.register("alice", "Spot", [photo("black")], method="lora")
        training.wait(120)
        assert rex.status == "ready" and first.subjects.subjects.get("alice", spot.id).status == "ready"
    finally:
        first.close()
    second = ImageAgent.create(llm="router", settings=settings.model_copy(update={**shared,
                                                                                  "data_dir": tmp_path / "two"}))
    try:
        for subject, weights in ((rex, "ip-adapter-"), (spot, "lora/pytorch_lora_weights")):
            _, adapter = second.subjects.adapter("alice", subject.name)
            folder = tmp_path / "two" / "cache" / "subjects" / subject.id  # a local copy in the second data folder
            [name] = [key for key in second.store.blobs.keys(f"subjects/{subject.id}") if key.startswith(weights)]
            assert (folder / name).read_bytes() == second.store.blobs.read(f"subjects/{subject.id}/{name}")
            assert load_file(folder / name)
            [drawn] = second.engine.run(GenerateRequest(prompt=subject.name, width=64, height=64, steps=2, seed=1,
                                                        subject=adapter), owner="alice")
            assert drawn.subject_ids == (subject.id,) and drawn.subject_method == subject.method
        with pytest.raises(NotFound):
            second.subjects.adapter("bob", "Rex")
    finally:
        second.close()


def test_a_second_server_leaves_alone_a_subject_the_first_is_learning(postgres_url, settings, tmp_path):
    from chatcanvas.agent import ImageAgent

    shared = {"database_url": postgres_url, "storage_url": str(tmp_path / "shared"), "lora_steps": 100_000}
    first = ImageAgent.create(llm="router", settings=settings.model_copy(update={**shared,
                                                                                 "data_dir": tmp_path / "one"}))
    try:
        subject, job = first.subjects.enroll("alice", "Rex", [photo("brown")], method="lora")
        started = threading.Event()
        job.subscribe(lambda event: started.set() if event.step >= 1 else None)
        assert started.wait(120)
        second = ImageAgent.create(llm="router", settings=settings.model_copy(update={**shared,
                                                                                      "data_dir": tmp_path / "two"}))
        try:  # the first server resumes and follows the jobs on this database; the second does not fail them
            assert first.engine.resumes_jobs and not second.engine.resumes_jobs
            assert second.subjects.subjects.get("alice", subject.id).status == "training"
        finally:
            second.close()
        first.engine.cancel(job)
        with pytest.raises(Exception, match="cancelled"):
            job.wait(120)
    finally:
        first.close()


def test_a_picture_made_on_one_server_is_served_by_another(postgres_url, s3_bucket, live, tmp_path):
    bucket, options = s3_bucket
    shared = {"database_url": postgres_url, "storage_url": f"s3://{bucket}/cc", "storage_options": options,
              "api_keys": KEYS}
    first = live(data_dir=tmp_path / "one", **shared)
    second = live(data_dir=tmp_path / "two", **shared)
    with first.client("key-alice") as alice_one, second.client("key-alice") as alice_two, \
            second.client("key-bob") as bob_two:
        made = alice_one.post("/v1/images/generations", json={"prompt": "a red circle", "size": "64x64", "steps": 2,
                                                              "seed": 5, "response_format": "url"})
        assert made.status_code == 200, made.text
        image_id = made.json()["data"][0]["id"]
        served = alice_two.get(f"/v1/images/{image_id}")
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        assert served.content == alice_one.get(f"/v1/images/{image_id}").content
        assert read_parameters(served.content)["seed"] == 5
        assert alice_two.get(f"/v1/images/{image_id}/meta").json()["prompt"] == "a red circle"
        assert bob_two.get(f"/v1/images/{image_id}").status_code == 404
        assert alice_two.delete(f"/v1/images/{image_id}").status_code == 204
        assert alice_one.get(f"/v1/images/{image_id}").status_code == 404
    assert not (tmp_path / "one" / "images").exists() and not (tmp_path / "two" / "images").exists()


@pytest.mark.parametrize(("url", "message"), [
    ("nosuch://bucket/x", "storage_url: cannot open 'nosuch://bucket/x': Protocol not known: nosuch"),
    ("gcs://bucket/x", "storage_url: gcs:// storage needs a package that is not installed"),
])
def test_a_storage_url_that_cannot_be_opened_is_refused_at_start(settings, url, message):
    from chatcanvas.server import create_app

    with pytest.raises(InvalidInput, match=message):
        create_app(settings.model_copy(update={"storage_url": url}))


def test_the_cli_says_what_is_wrong_with_the_storage_url_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CHATCANVAS_STORAGE_URL", "nosuch://bucket/x")
    result = chatcanvas("generate", "a red fox", "--model", "tiny", cwd=tmp_path, data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: storage_url: cannot open 'nosuch://bucket/x': Protocol not known: nosuch"]
