"""Measure the chat agent's decisions on scripted conversations, so the offline router, a local model (Ollama,
vLLM) and a hosted one can be compared on the same turns.

    report = run_suite(load_conversations("dev"), llm="router")
    print(format_report(report))

Each conversation runs turn by turn through the real `ImageAgent` as a fresh user; each reply is judged on the
decision (draw, edit, reply, select, variations, register / draw a subject), on lineage for edits and on the
words of the prompt it wrote. A wrong decision leaves the conversation as the agent made it, as with a real user.
The conversations and their format: `chatcanvas.eval.suite`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatcanvas.errors import ChatCanvasError, EngineError, NotFound
from chatcanvas.eval.suite import CATEGORY_ORDER, Conversation, attachment_bytes, load_conversations
from chatcanvas.models.shapes.scenes import subject_references

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from chatcanvas.agent import ImageAgent
    from chatcanvas.config import Settings
    from chatcanvas.store import ImageRecord

__all__ = ["Report", "Score", "TurnResult", "format_report", "judge", "load_conversations", "run_conversation",
           "run_suite"]

_UNKNOWN = object()
EVAL_LORA_STEPS = 10
"""LoRA steps for subjects the suite enrolls: it judges the decisions, not how well a subject is learned."""
_WORD = re.compile(r"[^\W_]+")


# --- the report ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TurnResult:
    """One judged turn: whether the decision was right, and (where checked) lineage and prompt fidelity."""

    conversation: str
    turn: int
    say: str
    category: str
    expected: str
    happened: str
    correct: bool
    lineage: bool | None = None  # checked on edit turns that edited a picture
    fidelity: bool | None = None  # checked on turns with must / must_not that wrote a prompt
    notes: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return not self.correct or self.lineage is False or self.fidelity is False

    def to_dict(self) -> dict[str, Any]:
        return {"conversation": self.conversation, "turn": self.turn, "say": self.say, "category": self.category,
                "expected": self.expected, "happened": self.happened, "correct": self.correct,
                "lineage": self.lineage, "fidelity": self.fidelity, "notes": list(self.notes)}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Score:
    """Counts over a set of turns; the `_pct` properties are None where nothing was checked."""

    turns: int = 0
    correct: int = 0
    lineage_checked: int = 0
    lineage_ok: int = 0
    fidelity_checked: int = 0
    fidelity_ok: int = 0

    def add(self, result: TurnResult) -> None:
        self.turns += 1
        self.correct += result.correct
        if result.lineage is not None:
            self.lineage_checked += 1
            self.lineage_ok += result.lineage
        if result.fidelity is not None:
            self.fidelity_checked += 1
            self.fidelity_ok += result.fidelity

    @property
    def decision_pct(self) -> float | None:
        return _percent(self.correct, self.turns)

    @property
    def lineage_pct(self) -> float | None:
        return _percent(self.lineage_ok, self.lineage_checked)

    @property
    def fidelity_pct(self) -> float | None:
        return _percent(self.fidelity_ok, self.fidelity_checked)

    def to_dict(self) -> dict[str, Any]:
        return {"turns": self.turns, "correct": self.correct, "decision_pct": self.decision_pct,
                "lineage_checked": self.lineage_checked, "lineage_ok": self.lineage_ok,
                "lineage_pct": self.lineage_pct, "fidelity_checked": self.fidelity_checked,
                "fidelity_ok": self.fidelity_ok, "fidelity_pct": self.fidelity_pct}


@dataclass
class Report:
    llm: str
    conversations: int
    results: list[TurnResult] = field(default_factory=list)

    @property
    def categories(self) -> dict[str, Score]:
        """Per category (in CATEGORY_ORDER), only the categories the suite has."""
        scores: dict[str, Score] = {}
        for name in CATEGORY_ORDER:
            for result in self.results:
                if result.category == name:
                    scores.setdefault(name, Score()).add(result)
        return scores

    @property
    def overall(self) -> Score:
        score = Score()
        for result in self.results:
            score.add(result)
        return score

    @property
    def failures(self) -> list[TurnResult]:
        return [result for result in self.results if result.failed]

    def result(self, conversation: str, turn: int) -> TurnResult:
        return next(r for r in self.results if (r.conversation, r.turn) == (conversation, turn))

    def to_dict(self) -> dict[str, Any]:
        return {"llm": self.llm, "conversations": self.conversations,
                "categories": {name: score.to_dict() for name, score in self.categories.items()},
                "overall": self.overall.to_dict(), "failures": [r.to_dict() for r in self.failures]}


def format_report(report: Report, show_failures: bool = False) -> str:
    """The per-category table (and, with `show_failures`, one line per wrong turn)."""
    def cell(ok: int, checked: int) -> str:
        return f"{100 * ok / checked:.0f}% ({ok}/{checked})" if checked else "-"

    overall = report.overall
    lines = [f"agent evaluation: llm={report.llm}, {report.conversations} conversations, {overall.turns} turns",
             f"{'category':<12}{'turns':>6}  {'decision':<15}{'lineage':<15}fidelity"]
    rows = [*report.categories.items(), ("overall", overall)]
    for name, score in rows:
        lineage = cell(score.lineage_ok, score.lineage_checked) if name in ("edit", "overall") else "-"
        lines.append(f"{name:<12}{score.turns:>6}  {cell(score.correct, score.turns):<15}{lineage:<15}"
                     f"{cell(score.fidelity_ok, score.fidelity_checked):<15}".rstrip())
    if show_failures:
        lines.append(f"failures ({len(report.failures)}):")
        for result in report.failures:
            what = "; ".join(result.notes) or f"expected {result.expected}"
            where = f"{result.conversation} turn {result.turn} {_short(result.say, 80)}"
            lines.append(f"  {where}: {what}; got {result.happened}")
    return "\n".join(lines)


# --- judging a turn --------------------------------------------------------------------------------------

@dataclass
class Happened:
    """What one turn did, as the judge sees it."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    current_id: str | None = None
    error: str | None = None


def words_of(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def _plurals(word: str) -> set[str]:
    forms = {word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("f"):
        forms.add(word[:-1] + "ves")
    if word.endswith("fe"):
        forms.add(word[:-2] + "ves")
    return forms


def has_phrase(prompt_words: Sequence[str], phrase: str) -> bool:
    """Whole words, case-insensitive, a plural matching its singular ("fox" ~ "foxes"); phrases word by word."""
    wanted = words_of(phrase)
    if not wanted:
        return False

    def same(a: str, b: str) -> bool:
        return a == b or b in _plurals(a) or a in _plurals(b)

    return any(all(same(w, p) for w, p in zip(wanted, prompt_words[start:start + len(wanted)], strict=True))
               for start in range(len(prompt_words) - len(wanted) + 1))


def written_prompt(happened: Happened) -> str | None:
    """The prompt the turn wrote: its last call's `prompt` argument, else its newest picture's prompt."""
    for call in reversed(happened.tool_calls):
        prompt = call.get("args", {}).get("prompt")
        if isinstance(prompt, str):
            return prompt
    return next((image.prompt for image in reversed(happened.images) if image.prompt), None)


def _short(value: Any, limit: int = 0) -> str:
    """A value as a failure line shows it: text quoted, anything else as JSON, cut at `limit` (60 characters, or
    CHATCANVAS_EVAL_WIDTH to read whole prompts)."""
    limit = limit or int(os.environ.get("CHATCANVAS_EVAL_WIDTH") or 60)
    if not isinstance(value, str):
        text = json.dumps(value)
        return text if len(text) <= limit else text[:limit - 3] + "..."
    text = " ".join(value.split())
    return f'"{text if len(text) <= limit else text[:limit - 3] + "..."}"'


def describe_happened(happened: Happened, picture_names: dict[str, str]) -> str:
    """What the turn did, in one line: its tool calls (or reply), the images it made, the current picture."""
    if happened.error:
        return f"error: {happened.error}"
    calls = "; ".join(f"{c['name']}({', '.join(f'{k}={_short(v)}' for k, v in c.get('args', {}).items())})"
                      for c in happened.tool_calls)
    made = ", ".join(image.operation for image in happened.images)
    current = picture_names.get(happened.current_id, "another picture") if happened.current_id else "none"
    parts = [calls or f"a reply {_short(happened.text)}",
             f"{len(happened.images)} new image(s) ({made})" if happened.images else "no new image",
             f"current: {current}"]
    return ", ".join(parts)


def judge(conversation: Conversation, index: int, happened: Happened, pictures: list[list[ImageRecord]],
          current_before: str | None, subject_named: Callable[[str, str], bool]) -> TurnResult:
    """Judge turn `index` from what happened; `pictures` holds each turn's pictures so far (uploads, then the
    images it made) and `subject_named(label, name)` says whether a label names the enrolled subject `name`."""
    turn = conversation.turns[index]
    calls = happened.tool_calls
    names = [call["name"] for call in calls]
    operations = [image.operation for image in happened.images]
    notes: list[str] = []

    def picture_of(turn_index: int, image: int | None) -> str | None:
        made = pictures[turn_index]
        position = -1 if image is None else image
        if not made or position >= len(made):
            notes.append(f"turn {turn_index} made no picture" if image is None else
                         f"turn {turn_index} has no picture #{image}")
            return None
        return made[position].id

    expected = {"draw": "a new picture", "edit": "an edit", "reply": "a reply in words",
                "select": f"turn {turn.select}'s picture" + (f" #{turn.image}" if turn.image is not None else ""),
                "variations": f"{turn.n} new image(s)", "register_subject": f"register_subject {turn.subject}",
                "draw_subject": f"generate_with_subject {turn.subject}"}[turn.expect]
    if happened.error:
        correct = False
    elif turn.expect == "draw":
        correct = bool(operations) and set(operations) == {"generate"} and "edit_image" not in names
    elif turn.expect == "edit":
        correct = "edit_image" in names and "edit" in operations
    elif turn.expect == "reply":
        correct = not calls and not happened.images
    elif turn.expect == "select":
        wanted = picture_of(turn.select, turn.image)
        correct = not happened.images and wanted is not None and happened.current_id == wanted
    elif turn.expect == "variations":
        correct = len(happened.images) == turn.n
    elif turn.expect == "register_subject":
        correct = any(c["name"] == "register_subject" and str(c["args"].get("name", "")).casefold()
                      == turn.subject.casefold() for c in calls)
    else:  # draw_subject
        correct = "personalize" in operations and any(
            c["name"] == "generate_with_subject" and subject_named(str(c["args"].get("subject", "")), turn.subject)
            for c in calls)
    if not correct:
        notes.insert(0, f"expected {expected}")

    lineage = None
    edited = [image for image in happened.images if image.operation == "edit"]
    if turn.expect == "edit" and edited:
        parent = picture_of(turn.parent, turn.image) if turn.parent is not None else current_before
        lineage = parent is not None and edited[-1].parent_id == parent
        if not lineage:
            notes.append("edited the wrong picture")

    fidelity = None
    prompt = written_prompt(happened) if turn.must or turn.must_not else None
    if prompt is not None:
        prompt_words = words_of(prompt)
        missing = [word for word in turn.must if not has_phrase(prompt_words, word)]
        kept = [word for word in turn.must_not if has_phrase(prompt_words, word)]
        fidelity = not missing and not kept
        if missing:
            notes.append(f"prompt {_short(prompt)} lacks {', '.join(missing)}")
        if kept:
            notes.append(f"prompt {_short(prompt)} still has {', '.join(kept)}")

    picture_names = {image.id: f"turn {t}'s picture #{k}" for t, made in enumerate(pictures)
                     for k, image in enumerate(made)}
    picture_names.update({image.id: f"this turn's picture #{k}" for k, image in enumerate(happened.images)})
    return TurnResult(conversation.id, index, turn.say, turn.category, expected,
                      describe_happened(happened, picture_names), correct, lineage, fidelity, tuple(notes))


# --- running ---------------------------------------------------------------------------------------------

def run_suite(conversations: Sequence[Conversation], llm: str | BaseChatModel = "router", *,
              llm_base_url: str | None = None, llm_api_key: str | None = None, data_dir: str | Path | None = None,
              settings: Settings | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Run every conversation through a real `ImageAgent` (one per model the suite names) and judge each turn.

    `data_dir` keeps the run's images and conversations (default: a temporary folder, removed afterwards);
    built-in model weights stay in the settings' cache folder. `progress` hears one line per conversation.
    """
    from chatcanvas.agent import ImageAgent
    from chatcanvas.config import get_settings

    base = settings or get_settings()
    updates: dict[str, Any] = {"cache_dir": base.resolved_cache_dir}
    if llm_base_url:
        updates["llm_base_url"] = llm_base_url
    if llm_api_key:
        updates["llm_api_key"] = llm_api_key
    if base.lora_steps is None:
        updates["lora_steps"] = EVAL_LORA_STEPS
    base = base.model_copy(update=updates)
    label = llm if isinstance(llm, str) else type(llm).__name__
    report = Report(llm=label, conversations=len(conversations))
    run_id = uuid.uuid4().hex[:8]
    agents: dict[str, ImageAgent] = {}
    with ExitStack() as cleanup:
        root = Path(data_dir) if data_dir is not None else Path(
            cleanup.enter_context(tempfile.TemporaryDirectory(prefix="chatcanvas-eval-")))
        for conversation in conversations:
            if conversation.model not in agents:
                folder = root / re.sub(r"[^\w.-]+", "_", conversation.model)
                agents[conversation.model] = ImageAgent.create(model=conversation.model, llm=llm, data_dir=folder,
                                                               settings=base)
                cleanup.callback(agents[conversation.model].close)
            results = run_conversation(agents[conversation.model], conversation, f"eval-{run_id}")
            report.results.extend(results)
            if progress is not None:
                right = sum(r.correct for r in results)
                progress(f"{conversation.id}: {right}/{len(results)} decisions right")
    return report


def run_conversation(agent: ImageAgent, conversation: Conversation, user_prefix: str = "eval") -> list[TurnResult]:
    """One conversation as a fresh user: enroll its subjects, then send and judge each turn in order."""
    user, thread = f"{user_prefix}-{conversation.id}", conversation.id
    for spec in conversation.subjects:
        subject, job = agent.subjects.enroll(user, spec.name, subject_references(4), aliases=list(spec.aliases))
        job.wait()
        status = agent.subjects.subjects.get(user, subject.id).status
        if status != "ready":
            raise EngineError(f"{conversation.id}: the subject {spec.name} could not be enrolled ({status})")

    def subject_named(label: str, name: str) -> bool:
        try:
            return agent.subjects.subjects.find(user, label).name.casefold() == name.casefold()
        except NotFound:
            return label.casefold() == name.casefold()

    pictures: list[list[ImageRecord]] = []
    current: str | None = None
    results = []
    for index, turn in enumerate(conversation.turns):
        attached = attachment_bytes(turn.attach)
        happened = Happened()
        try:
            reply = agent.chat(turn.say, attached, user=user, conversation=thread)
            happened.text, happened.tool_calls, happened.images = reply.text, reply.tool_calls, list(reply.images)
            reply_current = getattr(reply, "current_image_id", _UNKNOWN)
        except ChatCanvasError as exc:
            happened.error, reply_current = str(exc), _UNKNOWN
        uploads = stored_uploads(agent, user, thread, attached)
        if reply_current is _UNKNOWN:
            found = agent.current_image(user, thread)
            reply_current = found.id if found else None
        happened.current_id = reply_current
        before = uploads[-1].id if uploads else current
        results.append(judge(conversation, index, happened, pictures, before, subject_named))
        pictures.append([*uploads, *happened.images])
        current = happened.current_id
    return results


def stored_uploads(agent: ImageAgent, user: str, conversation: str, attached: list[bytes]) -> list[ImageRecord]:
    """The records a turn's attachments became, found by their pixels (a picture sent twice is one record)."""
    if not attached:
        return []
    uploads = [r for r in agent.store.list_images(user, conversation, limit=1000) if r.operation == "upload"]
    found = []
    for data in attached:
        pixels = agent.store.decode(data).convert("RGB").tobytes()
        match = next((r for r in uploads if agent.store.open(r).tobytes() == pixels), None)
        if match is not None:
            found.append(match)
    return found
