"""`ImageAgent`: the Python API chat apps embed. One call per user message; images in, images out.

    agent = ImageAgent.create(model="tiny", llm="router")
    reply = agent.chat("draw a red fox", user="alice", conversation="main")
    reply.text, reply.images, reply.tool_calls
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.errors import GraphRecursionError

from chatcanvas.agent.capabilities import Capability, Services, default_capabilities
from chatcanvas.agent.checkpoint import open_checkpointer, thread_id
from chatcanvas.agent.llm import load_llm
from chatcanvas.agent.middleware import ImageStateMiddleware
from chatcanvas.config import Settings, get_settings
from chatcanvas.engine import Engine, EngineClient
from chatcanvas.errors import ChatCanvasError, EngineError, InvalidInput, check_text
from chatcanvas.services.images import ImageService
from chatcanvas.services.subjects import SubjectService
from chatcanvas.store import ConversationStore, ImageRecord, SubjectStore
from chatcanvas.tools import ToolContext

MAX_MESSAGE_CHARS = 8000
RECURSION_LIMIT = 16


@dataclass(frozen=True)
class Reply:
    """The agent's answer to one message."""

    text: str
    images: list[ImageRecord]
    tool_calls: list[dict[str, Any]]
    conversation: str
    current_image_id: str | None = None
    """What "it" is after the turn: the newest image made, the one selected, or the one current before."""


@dataclass(frozen=True)
class Progress:
    """A step of an image job made during the turn (from `stream`)."""

    job_id: str
    status: str
    step: int
    total: int
    label: str = "drawing"
    """What the job is doing: "drawing", or "learning Rex" while a subject asked for is still being learned."""


class ImageAgent:
    """An image-making chat agent over one engine: LangChain `create_agent`, image tools, persistent threads."""

    def __init__(self, engine: EngineClient, chat_model: BaseChatModel, *,
                 capabilities: Sequence[Capability] | None = None, settings: Settings | None = None):
        self.settings = settings or engine.settings
        self.engine = engine
        self.store = engine.store
        self.conversations = ConversationStore(self.settings.resolved_data_dir, database=self.store.database)
        self._resources = ExitStack()
        self._capabilities = list(capabilities or default_capabilities())
        self.subjects = SubjectService(engine, self.store, SubjectStore(
            self.settings.resolved_data_dir, database=self.store.database, blobs=self.store.blobs))
        self.images = ImageService(engine, self.store, self.subjects.adapter_by_id, self.subjects.edit_prompt_by_id)
        services = Services(engine, self.store, self.settings, self.subjects)
        tools = [tool for capability in self._capabilities for tool in capability.tools(services)]
        self.checkpointer = open_checkpointer(self.settings.resolved_data_dir, self.settings.database_url,
                                              self._resources)
        self.graph = create_agent(
            chat_model,
            tools=tools,
            middleware=[ImageStateMiddleware(self.store, self._capabilities)],
            context_schema=ToolContext,
            checkpointer=self.checkpointer,
        )
        # turns of one conversation run one at a time; other conversations never wait on them
        self._turn_locks = KeyedLocks()

    @classmethod
    def create(cls, model: str | None = None, llm: str | BaseChatModel | None = None,
               data_dir: str | Path | None = None, *, settings: Settings | None = None,
               capabilities: Sequence[Capability] | None = None,
               engine: Callable[[Settings], EngineClient] | None = None) -> ImageAgent:
        """An agent with its own engine; every argument is optional and defaults to the settings.

        `engine` builds the engine from the agent's settings (the Ray deployment's ingress passes one that draws on
        its image workers); by default it is the local `Engine` on this machine's device."""
        updates: dict[str, Any] = {}
        if model:
            updates["model"] = model
        if data_dir:
            updates["data_dir"] = Path(data_dir)
        if isinstance(llm, str):
            updates["llm"] = llm
        settings = (settings or get_settings()).model_copy(update=updates)
        capabilities = list(capabilities or default_capabilities())
        rules = [rule for capability in capabilities for rule in capability.rules]
        chat_model = load_llm(llm if isinstance(llm, BaseChatModel) else settings.llm, rules=rules,
                              base_url=settings.llm_base_url, api_key=settings.llm_api_key)
        engine = (engine or Engine)(settings)
        try:
            return cls(engine, chat_model, capabilities=capabilities, settings=settings)
        except BaseException:
            engine.close()  # e.g. a bad database URL: do not leave the worker running
            raise

    # --- chatting ----------------------------------------------------------------------------------
    def chat(self, text: str, images: Sequence[bytes] = (), user: str = "local",
             conversation: str = "default", image_ids: Sequence[str] = ()) -> Reply:
        """Send one message (with optional image attachments) and get the reply once every tool is done.

        `images` are new files (bytes); `image_ids` name images already stored for this user (e.g. one picked
        in a chat UI to edit). Both become this turn's attachments, the last one the current image.
        """
        reply = None
        for item in self.stream(text, images, user=user, conversation=conversation, image_ids=image_ids):
            if isinstance(item, Reply):
                reply = item
        assert reply is not None
        return reply

    async def achat(self, text: str, images: Sequence[bytes] = (), user: str = "local",
                    conversation: str = "default", image_ids: Sequence[str] = ()) -> Reply:
        """`chat` without blocking the event loop (the device work runs on the engine's worker anyway)."""
        return await asyncio.to_thread(self.chat, text, images, user, conversation, image_ids)

    def stream(self, text: str, images: Sequence[bytes] = (), user: str = "local",
               conversation: str = "default", image_ids: Sequence[str] = ()) -> Iterator[Progress | Reply]:
        """Yield `Progress` for each denoising step of the turn's image jobs, then the final `Reply`.

        The message and attachments are checked (and attachments stored) before this returns, so a bad
        request raises here rather than from the first `next()`.
        """
        if not isinstance(text, str):
            raise InvalidInput("message", "must be text")
        if not text.strip() and not images and not image_ids:
            raise InvalidInput("message", "must not be empty")
        if len(text) > MAX_MESSAGE_CHARS:
            raise InvalidInput("message", f"is {len(text)} characters long; the limit is {MAX_MESSAGE_CHARS}")
        check_text("message", text)
        _check_name("user", user)
        _check_name("conversation", conversation)
        picked = [self.store.get(image_id, user) for image_id in image_ids]  # NotFound for another user's
        attached = self.store.add_uploads(list(images), owner=user, conversation=conversation,
                                          describe=self.engine.describe) if images else []
        attached = picked + attached
        self.conversations.touch(user, conversation, text)

        human = HumanMessage(content=text or "(image attached)", id=f"msg_{uuid.uuid4().hex}")
        state: dict[str, Any] = {"messages": [human], "attached_image_ids": [r.id for r in attached]}
        if attached:
            state["current_image_id"] = attached[-1].id
        return self._run(state, human.id, user, conversation)

    def _run(self, state: dict[str, Any], human_id: str, user: str, conversation: str) -> Iterator[Progress | Reply]:
        config = {"configurable": {"thread_id": thread_id(user, conversation), "user": user,
                                   "conversation": conversation}, "recursion_limit": RECURSION_LIMIT}
        final: dict[str, Any] | None = None
        with self._turn_locks.hold(thread_id(user, conversation)):
            try:
                for mode, chunk in self.graph.stream(state, config, context=ToolContext(user, conversation),
                                                     stream_mode=["custom", "values"]):
                    if mode == "custom" and isinstance(chunk, dict) and chunk.get("type") == "progress":
                        yield Progress(chunk["job_id"], chunk["status"], chunk["step"], chunk["total"],
                                       chunk.get("label", "drawing"))
                    elif mode == "values":
                        final = chunk
            except GraphRecursionError:
                stopped = "I stopped after too many steps without finishing; please rephrase the request."
                yield Reply(stopped, [], [], conversation, self._current_id(user, conversation))
                return
            except ChatCanvasError:
                raise
            except Exception as exc:
                raise EngineError(f"the agent failed: {type(exc).__name__}: {exc}") from exc
        yield self._reply(final or {}, human_id, user, conversation)

    def _reply(self, state: dict[str, Any], human_id: str, user: str, conversation: str) -> Reply:
        messages: list[BaseMessage] = state.get("messages", [])
        start = next((i for i, m in enumerate(messages) if m.id == human_id), len(messages))
        turn = messages[start + 1:]
        tool_calls = [{"name": call["name"], "args": call["args"]}
                      for m in turn if isinstance(m, AIMessage) for call in m.tool_calls]
        images = []
        for message in turn:
            if isinstance(message, ToolMessage) and message.status != "error" and isinstance(message.artifact, dict):
                for image in message.artifact.get("images", []):
                    images.append(self.store.get(image["id"], user))
        last_ai = next((m for m in reversed(turn) if isinstance(m, AIMessage) and not m.tool_calls), None)
        text = last_ai.text if last_ai is not None else ""
        return Reply(text=text, images=images, tool_calls=tool_calls, conversation=conversation,
                     current_image_id=state.get("current_image_id"))

    # --- the conversation ----------------------------------------------------------------------------
    def messages(self, user: str = "local", conversation: str = "default") -> list[BaseMessage]:
        snapshot = self.graph.get_state({"configurable": {"thread_id": thread_id(user, conversation)}})
        return list(snapshot.values.get("messages", []))

    def conversation(self, user: str, conversation: str) -> dict[str, Any]:
        """One of the user's conversations as JSON-ready data; `NotFound` for an unknown (or another's) one."""
        index = self.conversations.get(user, conversation)
        messages = []
        for message in self.messages(user, conversation):
            if isinstance(message, HumanMessage):
                messages.append({"role": "user", "content": message.text})
            elif isinstance(message, AIMessage):
                calls = [{"name": c["name"], "args": c["args"]} for c in message.tool_calls]
                messages.append({"role": "assistant", "content": message.text, "tool_calls": calls})
            elif isinstance(message, ToolMessage):
                artifact = message.artifact if isinstance(message.artifact, dict) else {}
                messages.append({"role": "tool", "name": message.name, "status": message.status,
                                 "content": message.text,
                                 "image_ids": [i["id"] for i in artifact.get("images", [])]})
        current = self.current_image(user, conversation)
        return {**index.to_dict(), "current_image_id": current.id if current else None, "messages": messages}

    def attachments(self, user: str, conversation: str) -> list[list[str]]:
        """Per user message, oldest first, the pictures attached to its turn (uploads, or a picture picked to edit):
        the state right after the message arrived holds them."""
        attached: dict[str, list[str]] = {}
        config = {"configurable": {"thread_id": thread_id(user, conversation)}}
        for snapshot in self.graph.get_state_history(config, filter={"source": "loop"}):
            messages = snapshot.values.get("messages") or []
            if messages and isinstance(messages[-1], HumanMessage):
                attached[messages[-1].id] = list(snapshot.values.get("attached_image_ids") or [])
        return [attached.get(message.id, []) for message in self.messages(user, conversation)
                if isinstance(message, HumanMessage)]

    def make_current(self, user: str, conversation: str, image_id: str) -> None:
        """What "it" means from now on in the conversation, as the select_image tool leaves it (the caller checks
        that the picture is one of the conversation's)."""
        self.graph.update_state({"configurable": {"thread_id": thread_id(user, conversation)}},
                                {"current_image_id": image_id})

    def forget(self, user: str, conversation: str) -> None:
        """Erase the conversation's state (its messages and current picture)."""
        self.checkpointer.delete_thread(thread_id(user, conversation))

    def _current_id(self, user: str, conversation: str) -> str | None:
        current = self.current_image(user, conversation)
        return current.id if current else None

    def current_image(self, user: str = "local", conversation: str = "default") -> ImageRecord | None:
        snapshot = self.graph.get_state({"configurable": {"thread_id": thread_id(user, conversation)}})
        return self.store.find(snapshot.values.get("current_image_id"), user)

    def cancel(self, user: str = "local", conversation: str = "default") -> int:
        """Cancel the conversation's queued and running image jobs; the turn then ends with a reply."""
        jobs = self.engine.active_jobs(user, conversation)
        for job in jobs:
            self.engine.cancel(job)
        return len(jobs)

    def close(self) -> None:
        self.engine.close()
        self._resources.close()

    def __enter__(self) -> ImageAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



class KeyedLocks:
    """One lock per key, made on first use and dropped when nobody holds or waits for it (memory stays flat)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[str, list[Any]] = {}  # key -> [lock, holders and waiters]

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._mutex:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._mutex:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]

    def __len__(self) -> int:
        with self._mutex:
            return len(self._locks)


def _check_name(field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidInput(field, "must be a non-empty name of at most 200 characters")
    check_text(field, value)
