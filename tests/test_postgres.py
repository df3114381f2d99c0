"""Conversations and jobs in Postgres (CHATCANVAS_DATABASE_URL): the run's throwaway PostgreSQL server (conftest)."""

from __future__ import annotations

import pytest

from chatcanvas.agent import ImageAgent


def test_conversations_persist_in_postgres_across_agents(settings, postgres_url):
    settings = settings.model_copy(update={"database_url": postgres_url})
    first = ImageAgent.create(llm="router", settings=settings)
    try:
        drawn = first.chat("draw a red fox", user="alice", conversation="main")
        first.chat("draw a green frog", user="bob", conversation="main")
    finally:
        first.close()
    second = ImageAgent.create(llm="router", settings=settings)  # a restart: state comes back from Postgres
    try:
        edited = second.chat("make it blue", user="alice", conversation="main")
        assert edited.images[0].parent_id == drawn.images[0].id
        assert "frog" not in " ".join(str(m.content) for m in second.messages("alice", "main"))
        assert second.current_image("bob", "main").prompt == "a green frog"
    finally:
        second.close()
    assert not (settings.resolved_data_dir / "conversations.db").exists()


def test_a_database_url_that_is_not_postgres_is_refused(settings):
    from chatcanvas.errors import InvalidInput

    with pytest.raises(InvalidInput, match="database_url: only postgresql:// URLs"):
        ImageAgent.create(llm="router", settings=settings.model_copy(update={"database_url": "mysql://x"}))


def test_jobs_are_recorded_in_postgres_and_survive_a_restart(settings, postgres_url):
    from PIL import Image

    from chatcanvas.engine import EditRequest, Engine, GenerateRequest
    from chatcanvas.errors import JobInterrupted
    from tests.test_durable_jobs import Busy

    settings = settings.model_copy(update={"database_url": postgres_url})
    busy = Busy(settings)
    first = busy.engine
    assert first.job_store.table == "chatcanvas_jobs"
    photo = Image.new("RGB", (64, 48), "orange")
    edit = first.submit(EditRequest(prompt="a blue square", image=photo, steps=2, seed=3), owner="alice",
                        conversation="c1")
    draw = first.submit(GenerateRequest(prompt="a red circle", steps=2, seed=7), owner="bob")
    with Engine(settings) as beside:  # a second process on the same database does not take them over
        assert beside.resumed == 0 and not beside.job_store.claim()
    first.close(timeout=0)
    with pytest.raises(JobInterrupted):
        edit.wait(0)
    busy.release()

    with Engine(settings) as second:
        assert second.resumed == 2
        [edited] = second.job(edit.id, "alice").wait(120)
        [drawn] = second.job(draw.id, "bob").wait(120)
        assert (edited.width, edited.height, edited.conversation, drawn.seed) == (64, 48, "c1", 7)
    import psycopg

    with psycopg.connect(postgres_url) as db:
        statuses = dict(db.execute("SELECT id, status FROM chatcanvas_jobs").fetchall())
        assert statuses[edit.id] == statuses[draw.id] == "succeeded"
        assert db.execute("SELECT count(*) FROM chatcanvas_jobs_blobs").fetchone()[0] == 0
    assert not settings.resolved_data_dir.joinpath("jobs").exists()  # the pictures were kept in the database
