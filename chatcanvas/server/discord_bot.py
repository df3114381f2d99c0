"""The Discord bot (discord.py 2.x): /imagine, /edit and /subject, buttons under results, and chat by mention or DM.

Every command defers at once (Discord allows 3 seconds), shows progress by editing the deferred message, and
follows up with the PNGs. A Discord user is the chatcanvas user `discord:<id>`; a thread or DM is one
conversation. Image work goes through the same tools and agent as every other entry point.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import Any

import discord
from discord import app_commands

from chatcanvas.agent import ImageAgent, Progress, Reply
from chatcanvas.engine import JobEvent
from chatcanvas.errors import ChatCanvasError
from chatcanvas.services.chat import ChatService, ChatTurn
from chatcanvas.store import ImageRecord
from chatcanvas.tools import ToolBox

log = logging.getLogger(__name__)
PREFIX = "chatcanvas"
PROGRESS_EVERY_SECONDS = 1.0


def discord_user(user: discord.abc.User) -> str:
    return f"discord:{user.id}"


def conversation_of(channel_id: int | None) -> str:
    return f"discord:{channel_id}"


class ResultButtons(discord.ui.View):
    """Re-roll, variations, edit, delete: handled by the bot from their custom ids (they outlive restarts)."""

    def __init__(self, image_id: str):
        super().__init__(timeout=None)
        for action, label, style in (("reroll", "Re-roll", discord.ButtonStyle.secondary),
                                     ("vary", "Variations", discord.ButtonStyle.secondary),
                                     ("edit", "Edit", discord.ButtonStyle.primary),
                                     ("delete", "Delete", discord.ButtonStyle.danger)):
            self.add_item(discord.ui.Button(label=label, style=style, custom_id=f"{PREFIX}:{action}:{image_id}"))


class EditModal(discord.ui.Modal):
    def __init__(self, image_id: str):
        super().__init__(title="Edit the image", custom_id=f"{PREFIX}:editmodal:{image_id}")
        self.add_item(discord.ui.TextInput(label="What should change?", custom_id="instruction", max_length=500,
                                           placeholder="make it blue"))


class ChatcanvasBot(discord.Client):
    def __init__(self, agent: ImageAgent, *, application_id: int | None = None, sync_commands: bool = True):
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, application_id=application_id)
        self.agent = agent
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self._register_commands()

    async def setup_hook(self) -> None:
        if self.sync_commands:
            await self.tree.sync()

    # --- running tools with progress ------------------------------------------------------------------
    async def run_tool(self, interaction: discord.Interaction, tool: str, **args: Any) -> tuple[str, dict]:
        loop = asyncio.get_running_loop()
        last = [0.0]

        def on_progress(event: JobEvent) -> None:
            now = time.monotonic()
            if event.step and event.total and (now - last[0] >= PROGRESS_EVERY_SECONDS or event.step == 1):
                last[0] = now
                asyncio.run_coroutine_threadsafe(interaction.edit_original_response(
                    content=f"Drawing... step {event.step} of {event.total}"), loop)

        toolbox = ToolBox(self.agent.subjects, discord_user(interaction.user),
                          conversation_of(interaction.channel_id), on_progress)
        return await asyncio.to_thread(toolbox.call, tool, **args)

    async def answer(self, interaction: discord.Interaction, tool: str, **args: Any) -> None:
        """The deferred interaction's answer: the text, the PNGs, and buttons under the last one."""
        try:
            text, artifact = await self.run_tool(interaction, tool, **args)
        except ChatCanvasError as exc:
            await interaction.edit_original_response(content=f"Sorry, I couldn't do that: {exc}")
            return
        images = [self.agent.images.get(image["id"], discord_user(interaction.user))
                  for image in artifact.get("images", [])]
        await interaction.edit_original_response(content=text[:2000])
        if images:
            await interaction.followup.send(files=await self.attachments(images), view=ResultButtons(images[-1].id))

    async def converse(self, interaction: discord.Interaction, text: str, images: list[bytes] = (),
                       image_ids: list[str] = ()) -> None:
        """A deferred interaction answered by a chat turn in its channel: progress, then the reply and PNGs."""
        loop = asyncio.get_running_loop()
        last = [0.0]

        def show(progress: Progress) -> None:
            now = time.monotonic()
            if progress.step and progress.total and (now - last[0] >= PROGRESS_EVERY_SECONDS or progress.step == 1):
                last[0], doing = now, progress.label[:1].upper() + progress.label[1:]
                asyncio.run_coroutine_threadsafe(interaction.edit_original_response(
                    content=f"{doing}... step {progress.step} of {progress.total}"), loop)

        reply = await asyncio.to_thread(self._turn, text, images, image_ids, discord_user(interaction.user),
                                        conversation_of(interaction.channel_id), show)
        if isinstance(reply, str):
            await interaction.edit_original_response(content=reply)
            return
        await interaction.edit_original_response(content=(reply.text or "Done.")[:2000])
        if reply.images:
            await interaction.followup.send(files=await self.attachments(reply.images),
                                            view=ResultButtons(reply.images[-1].id))

    async def attachments(self, records: list[ImageRecord]) -> list[discord.File]:
        """The pictures as Discord attachments, their bytes read from the store (any storage) off the event loop."""
        return await asyncio.to_thread(lambda: [as_file(record, self.agent.store.read(record)) for record in records])

    def _turn(self, text: str, images: list[bytes], image_ids: list[str], user: str, conversation: str,
              show: Any) -> Reply | str:
        """One chat turn on this thread: `show(Progress)` for each step; the reply, or a line saying why not."""
        try:
            turn = ChatTurn(user=user, conversation=conversation, text=text, uploads=images, image_ids=image_ids)
            for item in ChatService(self.agent).stream(turn):
                if isinstance(item, Progress):
                    show(item)
                else:
                    return item
        except ChatCanvasError as exc:
            return f"Sorry, I couldn't do that: {exc}"
        return "Done."

    # --- slash commands ---------------------------------------------------------------------------------
    def _register_commands(self) -> None:
        tree = self.tree

        @tree.command(name="imagine", description="Draw a picture from a description")
        @app_commands.describe(prompt="What to draw", seed="Reproduce an earlier picture", size="e.g. 512x512",
                               steps="Denoising steps")
        async def imagine(interaction: discord.Interaction, prompt: str, seed: int | None = None,
                          size: str | None = None, steps: int | None = None) -> None:
            await interaction.response.defer(thinking=True)
            width = height = None
            if size and "x" in size:
                width, height = (int(v) if v.isdigit() else -1 for v in size.lower().split("x", 1))
            await self.answer(interaction, "generate_image", prompt=prompt, seed=seed, width=width, height=height,
                              steps=steps)

        @tree.command(name="edit", description="Change the last picture here, or an attached one")
        @app_commands.describe(instruction="What should change", image="A picture to edit instead")
        async def edit(interaction: discord.Interaction, instruction: str,
                       image: discord.Attachment | None = None) -> None:
            await interaction.response.defer(thinking=True)
            # the instruction is a chat turn: whoever decides in chat (the LLM, or the offline router) writes
            # the edit, about the attached picture or else the channel's current one
            await self.converse(interaction, instruction, images=[await image.read()] if image is not None else [])

        @tree.command(name="subject", description="Enroll, list or delete your personalized subjects")
        @app_commands.describe(action="enroll, list or delete", name="The subject's name, e.g. Rex",
                               photo="A photo of it (enroll)", photo2="Another photo", method="ip_adapter or lora")
        async def subject(interaction: discord.Interaction, action: str, name: str | None = None,
                          photo: discord.Attachment | None = None, photo2: discord.Attachment | None = None,
                          method: str | None = None) -> None:
            await interaction.response.defer(thinking=True)
            user = discord_user(interaction.user)
            service = self.agent.subjects
            try:
                if action == "list":
                    subjects = service.subjects.list_subjects(user)
                    text = "\n".join(f"{s.name} ({s.method}, {s.status})" for s in subjects) or "No subjects yet."
                elif action == "delete":
                    found = service.subjects.find(user, name or "")
                    await asyncio.to_thread(service.delete, user, found.id)
                    text = f"Deleted {found.name} and its photos."
                elif action == "enroll":
                    uploads = [await asyncio.to_thread(self.agent.images.upload, await p.read(), user)
                               for p in (photo, photo2) if p]
                    text, _ = await self.run_tool(interaction, "register_subject", name=name or "",
                                                  image_ids=[u.id for u in uploads], method=method)
                else:
                    text = "Use action enroll, list or delete."
            except ChatCanvasError as exc:
                text = f"Sorry, I couldn't do that: {exc}"
            await interaction.edit_original_response(content=text[:2000])

    # --- buttons and the edit modal ---------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = (interaction.data or {}).get("custom_id", "")
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        if not custom_id.startswith(f"{PREFIX}:"):
            return
        _, action, image_id = custom_id.split(":", 2)
        try:
            record = self.agent.images.get(image_id, discord_user(interaction.user))
        except ChatCanvasError:
            await interaction.response.send_message("That picture isn't yours.", ephemeral=True)
            return
        if action == "edit":
            await interaction.response.send_modal(EditModal(record.id))
        elif action == "delete":
            await interaction.response.defer()
            await interaction.delete_original_response()
        elif action == "reroll":
            await interaction.response.defer(thinking=True)
            await self.answer(interaction, "generate_image", prompt=record.prompt or "", width=record.width,
                              height=record.height)
        elif action == "vary":
            await interaction.response.defer(thinking=True)
            await self.answer(interaction, "edit_image", prompt=record.prompt or "", image_id=record.id, strength=0.45)
        elif action == "editmodal":
            instruction = _modal_value(interaction.data, "instruction")
            await interaction.response.defer(thinking=True)
            await self.converse(interaction, instruction, image_ids=[record.id])

    # --- mentions and DMs: the chat agent ---------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None:
            return
        direct = isinstance(message.channel, discord.DMChannel)
        if not direct and self.user not in message.mentions:
            return
        text = message.content.replace(f"<@{self.user.id}>", "").replace(f"<@!{self.user.id}>", "").strip()
        images = [await a.read() for a in message.attachments if (a.content_type or "").startswith("image/")]
        placeholder = await message.reply("On it...")
        loop = asyncio.get_running_loop()
        reply = await asyncio.to_thread(self._chat, text, images, message, placeholder, loop)
        if isinstance(reply, str):
            await placeholder.edit(content=reply)
            return
        await placeholder.edit(content=(reply.text or "Done.")[:2000])
        if reply.images:
            await message.channel.send(files=await self.attachments(reply.images),
                                       view=ResultButtons(reply.images[-1].id))

    def _chat(self, text: str, images: list[bytes], message: discord.Message, placeholder: discord.Message,
              loop: asyncio.AbstractEventLoop) -> Reply | str:
        last = [0.0]

        def show(progress: Progress) -> None:
            if progress.step and progress.total and (time.monotonic() - last[0] >= PROGRESS_EVERY_SECONDS
                                                     or progress.step == 1):
                last[0], doing = time.monotonic(), progress.label[:1].upper() + progress.label[1:]
                asyncio.run_coroutine_threadsafe(
                    placeholder.edit(content=f"{doing}... step {progress.step} of {progress.total}"), loop)

        return self._turn(text, images, [], discord_user(message.author), conversation_of(message.channel.id), show)


def as_file(record: ImageRecord, png: bytes) -> discord.File:
    return discord.File(io.BytesIO(png), filename=f"{record.id}.png", description=(record.prompt or "")[:1000])


def _modal_value(data: dict | None, custom_id: str) -> str:
    for row in (data or {}).get("components", []):
        for component in row.get("components", []):
            if component.get("custom_id") == custom_id:
                return str(component.get("value", ""))
    return ""
