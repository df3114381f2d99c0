"""What the agent can do, as plug-ins: each capability brings tools, a system-prompt section and router rules.

The agent's core (loop, state, prompt, persistence) never names a tool; a new capability (subjects, say) is
one more entry in `default_capabilities`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.tools import BaseTool

from chatcanvas.agent.guides import GUIDE_RULES
from chatcanvas.agent.router import IMAGE_RULES, RouterRule
from chatcanvas.config import Settings
from chatcanvas.engine import Engine
from chatcanvas.engine.ranges import model_range
from chatcanvas.services.subjects import SubjectService, named_prompt
from chatcanvas.store import ImageRecord, ImageStore, Subject
from chatcanvas.tools import create_image_tools


@dataclass(frozen=True)
class Services:
    """What capabilities build their tools on."""

    engine: Engine
    store: ImageStore
    settings: Settings
    subjects: SubjectService


@dataclass(frozen=True)
class TurnView:
    """The conversation as a capability sees it when the prompt is written."""

    user: str
    conversation: str
    current_image: ImageRecord | None
    attached: list[ImageRecord] = field(default_factory=list)


class Capability(Protocol):
    name: str
    rules: Sequence[RouterRule]

    def tools(self, services: Services) -> list[BaseTool]: ...

    def describe(self, turn: TurnView) -> tuple[str | None, dict[str, Any]]:
        """A system-prompt section (or None) and facts for the offline router."""
        ...


@dataclass
class ImageCapability:
    """generate_image, edit_image and select_image; the conversation's image ledger and the model's range."""

    name: str = "images"
    rules: Sequence[RouterRule] = IMAGE_RULES + GUIDE_RULES
    _services: Services | None = None

    def tools(self, services: Services) -> list[BaseTool]:
        self._services = services
        return create_image_tools(services.engine, services.store, subject_lookup=services.subjects.adapter_by_id,
                                  subject_prompt=services.subjects.edit_prompt_by_id)

    def describe(self, turn: TurnView) -> tuple[str | None, dict[str, Any]]:
        if self._services is None:
            return None, {}
        services = self._services
        images = list(reversed(services.store.list_images(turn.user, turn.conversation, limit=LEDGER_SIZE)))
        # the user's subjects read once for the whole ledger (a deleted one is left out)
        known = {s.id: s for s in services.subjects.subjects.list_subjects(turn.user)} if any(
            r.subject_ids for r in images) else {}
        drawn = [[known[i] for i in r.subject_ids if i in known] for r in images]
        shown = [_subjects_shown(subjects) for subjects in drawn]
        prompts = [_in_user_words(r, subjects) for r, subjects in zip(images, drawn)]
        facts: dict[str, Any] = {
            "images": [{"id": r.id, "prompt": prompt, "operation": r.operation, "parent_id": r.parent_id,
                        "seed": r.seed, **subjects} for r, prompt, subjects in zip(images, prompts, shown)],
            "max_images": services.settings.max_images,
        }
        lines = []
        if images:
            lines.append("The conversation's images, oldest first (#ordinal id: prompt). To make an earlier one "
                         "current without drawing (\"undo\", \"go back to the first one\", \"the red one\"), call "
                         "select_image with its id. For \"another one\" or \"3 variations\", call generate_image "
                         "with the current prompt and n.")
            for ordinal, (record, prompt) in enumerate(zip(images, prompts), 1):
                about = _short(prompt) if prompt else "an uploaded photo"
                parent = f", edited from {record.parent_id}" if record.parent_id else ""
                lines.append(f"#{ordinal} {record.id}: {about} ({record.operation}{parent})")
        known = model_range(services.settings.model)
        if known is not None:
            facts["model_range"] = {"name": services.settings.model, "summary": known.summary,
                                    "examples": list(known.examples), "unknown": known.unknown_words,
                                    "words": frozenset(known.words), "nearest": known.nearest_prompt}
            lines.append(f"The image model is {services.settings.model}: it can only draw {known.summary}. Write "
                         f"prompts in those words, e.g. \"{known.examples[0]}\"; when asked for anything else, say "
                         "so and name what it can draw.")
        return "\n".join(lines) or None, facts


LEDGER_SIZE = 40
"""How many of the conversation's latest images the prompt lists and references can reach."""


def _short(prompt: str, limit: int = 80) -> str:
    return prompt if len(prompt) <= limit else prompt[:limit - 3].rstrip() + "..."


def default_capabilities() -> list[Capability]:
    from chatcanvas.agent.subjects import SubjectCapability

    return [ImageCapability(), SubjectCapability()]


def _in_user_words(record: ImageRecord, subjects: list[Subject]) -> str | None:
    """A picture's prompt as the user would say it: a subject by its name ("Rex surfing"), not by the phrase its
    method was prompted with ("sks dog surfing")."""
    prompt = record.prompt
    for subject in subjects if prompt else ():
        prompt = named_prompt(subject, prompt)
    return prompt


def _subjects_shown(subjects: list[Subject]) -> dict[str, list[str]]:
    """The names of the user's subjects drawn in a picture, and what else the user calls them ("grandma"), so "go
    back to grandma's" finds it."""
    return {"subjects": [subject.name for subject in subjects],
            "subject_aliases": [alias for subject in subjects for alias in subject.aliases]}
