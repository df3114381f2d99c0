"""The Discord bot: real app-command and component interactions dispatched through discord.py, with
Discord's REST API replaced at discord.py's HTTP edge by a local server."""

from __future__ import annotations

import io

import discord
import pytest
from discord.http import Route
from PIL import Image

from chatcanvas.agent import ImageAgent
from chatcanvas.server.discord_bot import ChatcanvasBot
from tests.conftest import png_bytes
from tests.fake_discord import APPLICATION_ID, BOT_ID, FakeDiscord, message

USER = {"id": "42", "username": "alice", "discriminator": "0", "avatar": None, "global_name": "Alice"}
_ids = iter(range(20000, 30000))


def interaction(bot: ChatcanvasBot, kind: int, data: dict, **extra) -> discord.Interaction:
    payload = {"id": str(next(_ids)), "application_id": str(APPLICATION_ID), "type": kind, "token": f"tok{next(_ids)}",
               "version": 1, "channel_id": "3000", "channel": {"id": "3000", "type": 1}, "user": USER, "data": data,
               "locale": "en-US", "app_permissions": "0", "entitlements": [], "context": 1,
               "authorizing_integration_owners": {}, "attachment_size_limit": 25 * 1024 * 1024, **extra}
    return discord.Interaction(data=payload, state=bot._connection)


def command(name: str, **options) -> dict:
    kinds = {str: 3, int: 4}
    return {"id": "900", "name": name, "type": 1,
            "options": [{"name": key, "type": kinds[type(value)], "value": value} for key, value in options.items()]}


@pytest.fixture
async def bot(settings, monkeypatch):
    fake = FakeDiscord(attachments={"photo.png": png_bytes(Image.new("RGB", (64, 64), "teal"))})
    monkeypatch.setattr(Route, "BASE", f"{fake.url}/api/v10")
    agent = ImageAgent.create(llm="router", settings=settings)
    client = ChatcanvasBot(agent, application_id=APPLICATION_ID)
    await client.login("test-token")  # GET /users/@me, then setup_hook syncs the slash commands
    client.fake = fake
    yield client
    await client.close()
    agent.close()
    fake.close()


def calls_for(fake: FakeDiscord, token: str) -> list[dict]:
    return [c for c in fake.calls if token in c["path"]]


async def test_the_slash_commands_are_synced(bot):
    synced = next(c for c in bot.fake.calls if c["method"] == "PUT")
    assert synced["path"] == f"/api/v10/applications/{APPLICATION_ID}/commands"
    assert {c["name"] for c in synced["json"]} == {"imagine", "edit", "subject"}


async def test_imagine_defers_first_then_shows_progress_and_follows_up_with_the_png(bot):
    hit = interaction(bot, 2, command("imagine", prompt="a red fox", seed=7))
    await bot.tree._call(hit)
    calls = calls_for(bot.fake, hit.token) + [c for c in bot.fake.calls if f"/interactions/{hit.id}/" in c["path"]]
    calls.sort(key=bot.fake.calls.index)
    assert calls[0]["path"].endswith("/callback") and calls[0]["json"]["type"] == 5  # deferred, before any work
    edits = [c["json"]["content"] for c in calls if c["method"] == "PATCH"]
    assert any(text.startswith("Drawing... step") for text in edits)
    followup = next(c for c in calls if c["method"] == "POST" and c["path"].endswith(hit.token))
    [(name, data)] = followup["files"].items()
    assert name.endswith(".png") and Image.open(io.BytesIO(data)).format == "PNG"
    buttons = followup["json"]["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Re-roll", "Variations", "Edit", "Delete"]
    image_id = name[:-4]
    record = bot.agent.store.get(image_id, "discord:42")
    assert (record.prompt, record.seed, record.conversation) == ("a red fox", 7, "discord:3000")


async def test_buttons_reroll_edit_modal_and_delete(bot):
    first = interaction(bot, 2, command("imagine", prompt="a red fox", seed=7))
    await bot.tree._call(first)
    image_id = next(iter(next(c for c in calls_for(bot.fake, first.token) if c["files"])["files"]))[:-4]

    reroll = interaction(bot, 3, {"custom_id": f"chatcanvas:reroll:{image_id}", "component_type": 2})
    await bot.on_interaction(reroll)
    rerolled = next(c for c in calls_for(bot.fake, reroll.token) if c["files"])
    new_id = next(iter(rerolled["files"]))[:-4]
    assert new_id != image_id and bot.agent.store.get(new_id, "discord:42").prompt == "a red fox"

    open_modal = interaction(bot, 3, {"custom_id": f"chatcanvas:edit:{image_id}", "component_type": 2})
    await bot.on_interaction(open_modal)
    modal = next(c for c in bot.fake.calls if f"/interactions/{open_modal.id}/" in c["path"])
    assert modal["json"]["type"] == 9 and modal["json"]["data"]["custom_id"] == f"chatcanvas:editmodal:{image_id}"

    submit = interaction(bot, 5, {"custom_id": f"chatcanvas:editmodal:{image_id}", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "instruction", "value": "make it blue"}]}]})
    await bot.on_interaction(submit)
    edited_id = next(iter(next(c for c in calls_for(bot.fake, submit.token) if c["files"])["files"]))[:-4]
    edited = bot.agent.store.get(edited_id, "discord:42")
    assert edited.parent_id == image_id and edited.prompt == "a blue fox"

    delete = interaction(bot, 3, {"custom_id": f"chatcanvas:delete:{image_id}", "component_type": 2},
                         message=message("", "3000", "777"))
    await bot.on_interaction(delete)
    assert any(c["method"] == "DELETE" and c["path"].endswith("/messages/@original")
               for c in calls_for(bot.fake, delete.token))


async def test_someone_elses_image_button_is_refused(bot):
    hit = interaction(bot, 2, command("imagine", prompt="a red fox", seed=7))
    await bot.tree._call(hit)
    image_id = next(iter(next(c for c in calls_for(bot.fake, hit.token) if c["files"])["files"]))[:-4]
    other = interaction(bot, 3, {"custom_id": f"chatcanvas:reroll:{image_id}", "component_type": 2},
                        user={**USER, "id": "99"})
    await bot.on_interaction(other)
    answer = next(c for c in bot.fake.calls if f"/interactions/{other.id}/" in c["path"])
    assert answer["json"]["type"] == 4 and answer["json"]["data"]["content"] == "That picture isn't yours."
    assert answer["json"]["data"]["flags"] == 64  # ephemeral


async def test_edit_with_an_attachment_and_subject_enrollment(bot):
    attachment = {"id": "555", "filename": "photo.png", "size": 100, "content_type": "image/png",
                  "url": f"{bot.fake.url}/attachments/photo.png", "proxy_url": f"{bot.fake.url}/attachments/photo.png"}
    edit = interaction(bot, 2, {"id": "901", "name": "edit", "type": 1, "options": [
        {"name": "instruction", "type": 3, "value": "make this a watercolor"},
        {"name": "image", "type": 11, "value": "555"}], "resolved": {"attachments": {"555": attachment}}})
    await bot.tree._call(edit)
    edited_id = next(iter(next(c for c in calls_for(bot.fake, edit.token) if c["files"])["files"]))[:-4]
    upload = bot.agent.store.get(bot.agent.store.get(edited_id, "discord:42").parent_id, "discord:42")
    assert upload.operation == "upload"

    enroll = interaction(bot, 2, {"id": "902", "name": "subject", "type": 1, "options": [
        {"name": "action", "type": 3, "value": "enroll"}, {"name": "name", "type": 3, "value": "Rex"},
        {"name": "photo", "type": 11, "value": "555"}], "resolved": {"attachments": {"555": attachment}}})
    await bot.tree._call(enroll)
    assert "Registered Rex" in [c for c in calls_for(bot.fake, enroll.token) if c["method"] == "PATCH"][-1]["json"][
        "content"]
    listing = interaction(bot, 2, command("subject", action="list"))
    await bot.tree._call(listing)
    assert "Rex (ip_adapter, ready)" in calls_for(bot.fake, listing.token)[-1]["json"]["content"]
    assert [s.name for s in bot.agent.subjects.subjects.list_subjects("discord:42")] == ["Rex"]


async def test_a_dm_chats_through_the_agent(bot):
    data = {"id": "8000", "channel_id": "3000", "content": "draw a green frog", "tts": False, "pinned": False,
            "type": 0, "author": USER, "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": []}
    channel = discord.DMChannel(me=bot.user, state=bot._connection, data={"id": "3000", "type": 1,
                                                                            "recipients": [USER]})
    await bot.on_message(discord.Message(state=bot._connection, channel=channel, data=data))
    posts = [c for c in bot.fake.calls if c["path"] == "/api/v10/channels/3000/messages" and c["method"] == "POST"]
    assert posts[0]["json"]["content"] == "On it..."
    assert any(c["files"] for c in posts)
    assert bot.agent.store.list_images("discord:42")[0].prompt == "a green frog"
    assert BOT_ID == bot.user.id


async def test_edit_is_written_by_the_configured_llm_not_the_offline_rules(settings, monkeypatch):
    from tests.scripted import ScriptedChatModel, tool_call

    fake = FakeDiscord()
    monkeypatch.setattr(Route, "BASE", f"{fake.url}/api/v10")
    llm = ScriptedChatModel()
    agent = ImageAgent.create(llm=llm, settings=settings)
    client = ChatcanvasBot(agent, application_id=APPLICATION_ID)
    try:
        await client.login("test-token")
        client.fake = fake
        await client.tree._call(interaction(client, 2, command("imagine", prompt="a red fox", seed=3)))  # a tool call
        fox = agent.store.list_images("discord:42")[0]
        llm.enqueue(tool_call("edit_image", prompt="a red fox in a snowy forest, winter light"), "Done: snow.")
        edit = interaction(client, 2, command("edit", instruction="put some snow around it"))
        await client.tree._call(edit)
        edited = agent.store.list_images("discord:42")[0]
        assert (edited.parent_id, edited.prompt) == (fox.id, "a red fox in a snowy forest, winter light")
        assert "put some snow around it" in [str(m.content) for m in llm.history[-2]][-1]  # the user's words
        assert [c for c in calls_for(fake, edit.token) if c["method"] == "PATCH"][-1]["json"]["content"] == "Done: snow."
        assert any(c["files"] for c in calls_for(fake, edit.token))
    finally:
        await client.close()
        agent.close()
        fake.close()
