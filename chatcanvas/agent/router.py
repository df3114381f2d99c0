"""The built-in offline LLM: a deterministic intent router written as a chat model that emits tool calls.

It runs inside the same `create_agent` loop as any LLM, so tools, state and persistence are shared. It reads
the last user message; the turn facts it needs (the current image, what capabilities know, such as subject
names) reach it as the `turn` setting the agent's middleware binds. After a tool ran it writes the reply.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool
from pydantic import Field

from chatcanvas.agent import intent_model, intents, references, rewrite
from chatcanvas.agent import language as lang


@dataclass(frozen=True)
class TurnFacts:
    """What the router may know about the conversation beyond the messages."""

    current_image_id: str | None = None
    current_prompt: str | None = None
    attached_image_ids: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)
    previous_text: str | None = None  # the user's message before this one
    previous_answered_in_words: bool = False  # it got a reply with no tool call
    previous_action: str = "start"  # what the last turn did: start, reply, draw, edit, select, register
    prefer: str | None = None  # the kind of turn a second look asks the rules for (intent_model.KINDS)
    talk: tuple[str, ...] = ()  # the user's messages answered in words since the last tool call, latest last (<= 3)
    last_action: str = "start"  # what the last turn with a tool call did (register, select, edit, draw)
    history: tuple[str, ...] = ()  # the user's earlier messages, latest last (<= 6)

    @property
    def has_image(self) -> bool:
        return self.current_image_id is not None


# A rule looks at (message text, facts) and returns (tool name, args) or None; lower priority runs first.
# (IN_WORDS, {}) says the turn is answered in words, and no later rule is asked.
Rule = Callable[[str, TurnFacts], "tuple[str, dict] | None"]
IN_WORDS = "reply"


@dataclass(frozen=True)
class RouterRule:
    name: str
    priority: int
    decide: Rule


def _image_rule(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    intent = intents.decide(text, facts)
    return (intent.tool, intent.args) if intent.tool else None


IMAGE_RULES = (RouterRule("images", 50, _image_rule),)


class IntentRouter(BaseChatModel):
    """Offline, deterministic, tool-calling: `llm="router"`.

    The rules read the message structurally and write the tool call. The shipped intent model then reads it as a
    whole; when it names another kind of turn with at least `second_opinion` confidence, the rules are asked again
    for that kind, and their answer stands if they have one ("eh, try that again" reads as an edit to the rules and
    as a re-roll to the model, and the rules write the re-roll once asked for one).
    """

    rules: list[RouterRule] = Field(default_factory=lambda: list(IMAGE_RULES))
    bound_tools: list[str] = Field(default_factory=list)
    turn: dict[str, Any] = Field(default_factory=dict)
    second_opinion: float | None = 0.6  # None: the rules alone
    leaving_a_subject: float = 0.85  # a subject the rules found is dropped only when the model is surer than this

    @property
    def _llm_type(self) -> str:
        return "chatcanvas-router"

    def bind_tools(self, tools: Sequence[BaseTool | dict | Any], *, tool_choice: Any = None,
                   turn: dict[str, Any] | None = None, **kwargs: Any) -> IntentRouter:
        names = [t.name if isinstance(t, BaseTool) else t.get("name", "") for t in tools]
        return self.model_copy(update={"bound_tools": names, "turn": turn or {}})

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        turn = kwargs.get("turn") or self.turn
        message = self._respond(messages, _facts(turn, messages))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _respond(self, messages: list[BaseMessage], facts: TurnFacts) -> AIMessage:
        human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        text = _text_of(human) if human is not None else ""
        text = re.sub(r"(?:^|(?<=\s))@[\w.-]+[:,]?(?=\s|$)", "", text).strip()  # "@imgbot capybara in a hot tub"
        text = lang.without_letter(text)  # "Dear assistant, ... Kind regards, Margaret": the body
        text = lang.as_typed(lang.unshouted(text))  # "coffin *coffee", "it's raining period": as meant
        text = re.sub(r"^\W*(?:bro+|bruh+|dude|bestie|fam|sis)(?:\s*[,!.]+\s*|\s+(?=(?:draw|make|can|could|do|pls|please|"
                      r"gimme|give|show)\b))(?=\w)", "", text, flags=re.I)  # "bro draw me as ..." (not "bro as a knight")
        if messages and isinstance(messages[-1], ToolMessage):
            results = _tool_results(messages)
            asked = messages[-len(results) - 1] if len(messages) > len(results) else None
            prompts = [call["args"]["prompt"] for call in getattr(asked, "tool_calls", None) or []
                       if isinstance(call.get("args", {}).get("prompt"), str)]
            said_before = " ".join(str(m.content) for m in messages[:-len(results) - 1] if isinstance(m, AIMessage))
            note = _range_note(" ".join(prompts), facts, said_before) + _count_note(text, results, facts)
            return AIMessage(content=_summarise(results, note))
        decision = self._decide(text, facts)
        if decision is not None:
            name, args = _moved(*_photo_concepts(decision, text, facts), text)
            if isinstance(args.get("prompt"), str):  # a dark background is black on a model with no greys
                args = {**args, "prompt": intents.nearest(args["prompt"], facts)}
            return AIMessage(content="", tool_calls=[
                {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
            ])
        intent = intents.decide(text, facts)
        return AIMessage(content=intent.reply or (intents.chat_reply(text, facts) if intent.tool else
                                                  intents.help_text(facts)))

    def _rules(self, text: str, facts: TurnFacts) -> tuple[str, dict] | None:
        for rule in sorted(self.rules, key=lambda r: r.priority):
            decision = rule.decide(text, facts)
            if decision is not None and decision[0] == IN_WORDS:
                return None
            if decision is not None and decision[0] in self.bound_tools and (
                    facts.prefer is None or kind_of(decision, facts) == facts.prefer):
                return decision
        return None

    def _decide(self, text: str, facts: TurnFacts) -> tuple[str, dict] | None:
        """The rules' decision, or the one they give when asked for the kind the intent model is sure of."""
        decision = self._rules(text, facts)
        model = intent_model.shipped() if self.second_opinion is not None else None
        if model is None or not text.strip():
            return decision
        guess = model.guess(text, model_context(facts, text))
        first = kind_of(decision, facts)
        if first == "draw" and intents.next_in_series(text):
            return decision  # "now the enemy: a slime monster, also pixel art": the next picture
        if first == "draw" and _NEW_ONE_ASKED.match(lang.normalize(text)):
            return decision  # "let's see a wine bottle label too": a new picture asked for in so many words
        if first == "draw" and _NOW_A_NEW_ONE.match(lang.normalize(text)):
            return decision  # "now a red cross on green and white stripes": the next picture, described whole
        if first == "reply" and (lang.is_reaction(text) or lang.is_small_talk(lang.words(text))):
            return decision  # "oh my god his little hat", "lmaoo": a reaction, whatever the words around it
        if first == "reply" and (intents.asks_about(text) or intents._asks_how(text) or
                                 intents._SAVE_IT.match(lang.normalize(text))):
            return decision  # a question in so many words ("is a fox too weird though? be honest") stays one
        if guess.kind == first or guess.confidence < self.second_opinion:
            return decision
        takes = references.variation_count(text) if first == "variations" else None
        if first == "variations" and references.TAKES_ON.search(lang.normalize(text)) and decision[1].get(
                "prompt") == intents.new_takes_prompt(takes, facts):
            return decision  # "give me three takes on a big black cross": that many new pictures, counted out
        if takes and takes[0] > 1 and not takes[1] and len(lang.words(text).tokens) <= 6:
            return decision  # "make 5 more", "could I see a few of her": that many takes, in so many words
        if takes and takes[0] > 1 and _ON_A_GROUND.fullmatch(takes[1]):
            return decision  # "a few versions on a black background": that many takes, each on the ground said
        if first == "select" and re.search(r"#\s*\d|\b(?:number|no\.)\s*\d|\b(?:going|go)\s+with\s+\d", text, re.I):
            return decision  # "#3 is perfect", "ok going with 4!": a take picked by its number
        if first == "select" and re.match(r"^\W*(?:the\s+)?(?:first|second|third|fourth|last|1st|2nd|3rd|4th)\s+(?:one\s+)?of\s+"
                                          r"(?:those|these|them|the\s+(?:two|three|four|new\s+ones))\b", lang.normalize(text)):
            return decision  # "the first of those two, he looks so grumpy lol": that take, whatever the remark after it
        if first == "register_subject" and len(facts.attached_image_ids) >= 2:
            return decision  # several photos and the rules read who they show ("lol perfect. can I add my cat? her name's Dot")
        if first in ("draw_subject", "register_subject") and (guess.confidence < self.leaving_a_subject or _MYSELF.search(
                text)):
            return decision  # the rules found a subject's name or alias ("our lamp"): names are theirs to read, and
            # "a picture where I'm riding a camel" is of the user who enrolled as "me"
        if first == "edit" and facts.has_image and re.fullmatch(r"\W*(?:[\w-]+\s+){0,3}(?:background|backdrop|bg|sky|lighting|"
                                                                r"colou?rs?|tones?|palette)\W*", lang.normalize(text)):
            return decision  # "plain background", "warmer lighting": a part of the picture on screen, said alone
        if first == "edit" and guess.kind in ("draw", "draw_subject") and facts.has_image and _plainly_asks(text):
            return decision  # "no people", "make it blue": a change of the picture on screen, said in so many words
        if guess.kind == "reply":  # "can we do a sunset over the ocean" with nothing drawn yet is still a request
            return None if facts.has_image and not _plainly_asks(text) else decision
        again = self._rules(text, dataclasses.replace(facts, prefer=guess.kind))
        return again if again is not None else decision


_ON_A_GROUND = re.compile(r"(?:but\s+)?(?:on|against|with|in\s+front\s+of)\s+(?:an?|the|some)\s+(?:[\w-]+\s+){0,4}?"
                          r"(?:background|backdrop|bg)")
_MYSELF = re.compile(r"\b(?:one|picture|pic|image|version|photo)\s+(?:where|in\s+which|with)\s+(?:i'm|i\s+am|im|me)\s+\w+ing\b",
                     re.I)


def _photo_concepts(decision: tuple[str, dict], text: str, facts: TurnFacts) -> tuple[str, dict]:
    """An edit of an uploaded photo names what it adds and removes, so `method=auto` can edit it by inversion where
    the model inverts (SD / SDXL: everything else in the photo kept); drawn pictures keep img2img."""
    name, args = decision
    if name != "edit_image" or args.get("mask_image_id"):
        return decision
    target = args.get("image_id") or facts.current_image_id
    operation = next((image.get("operation") for image in facts.extras.get("images") or []
                      if image.get("id") == target), None)
    if operation != "upload":
        return decision
    add, remove = rewrite.concepts(text)
    return name, {**args, **({"add": add} if add else {}), **({"remove": remove} if remove else {})}


_MOVE = re.compile(r"\b(?:move|shift|slide|reposition|drag|nudge)\b|\b(?:put|place|set)\s+(?:it|them|him|her|the\s+[\w-]+)"
                   r"\s+(?:in|on|at|to|into|over\s+to)\s+(?:the\s+)?(?:middle|center|centre|top|bottom|left|right|"
                   r"corner)\b|\b(?:center|centre)\s+(?:it|them|him|her|the\s+[\w-]+)\b", re.I)
MOVE_STRENGTH = 0.95
"""How much an edit that moves something may change: img2img at a model's usual strength keeps the old layout."""


def _moved(name: str, args: dict, text: str) -> tuple[str, dict]:
    """An edit that moves something ("actually put it in the middle") may redraw the layout."""
    if name == "edit_image" and "strength" not in args and not args.get("mask_image_id") and \
            not args.get("add") and not args.get("remove") and _MOVE.search(text):
        return name, {**args, "strength": MOVE_STRENGTH}
    return name, args


_NEW_ONE_ASKED = re.compile(r"^(?:(?:ok|okay|now|and|so|also)[,\s]+)*(?:let'?s\s+see|let\s+me\s+see|show\s+me|can\s+i\s+"
                            r"(?:get|have|see)|could\s+i\s+(?:get|have|see))\s+(?:a|an|some)\s+(?![\w-]+\s+(?:on|in|to|for|"
                            r"next\s+to|behind)\s+(?:it|him|her|them|his|her|its|the\s+picture)\b)\w")

_NOW_A_NEW_ONE = re.compile(r"^(?:(?:ok|okay|and|so|alright|right|cool|great|nice|perfect)[,.!\s]+)*(?:now|next)[,:\s]+"
                            r"(?:(?:draw|make|do|paint|show\s+me)\s+)?(?:an?)\s+(?!(?:bit|little|lot|touch|tad|version|"
                            r"one|few|couple)\b)(?![^,.!?]*\b(?:too|also|as\s+well|next\s+to|beside|behind|with\s+it|"
                            r"in\s+it|on\s+it|into\s+it|to\s+it|instead|of\s+it|of\s+this|of\s+that)\b)"
                            r"[^,.!?]*$")


def _plainly_asks(text: str) -> bool:
    """A request in so many words ("make it woodblock print style", "can you do it at golden hour"): the rules'
    reading of it stands against a second look that hears talk."""
    said = re.sub(r"^(?:(?:ok|okay|so|now|and|then|hmm+|nah|yes|yeah|cool|nice|great)[,.!\s]+)+", "",
                  lang.strip_politeness(lang.normalize(text)))
    return bool(re.match(r"^(?:make|add|remove|change|turn|put|give|swap|replace|move|paint|recolou?r|lose|drop|"
                         r"ditch|take)\s+(?:it|this|that|the|a|an|some|him|her|them|more|less)\b", said) or re.match(
        r"^(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?)?(?:draw|sketch|paint|render|illustrate|"
        r"generate|create)\s+(?:me\s+|us\s+)?(?:a|an|some|two|three|four|\d+)\s+\w", said) or re.match(
        r"^(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?(?:do|make|draw|give)\s+(?:me\s+|us\s+)?(?:a|an|one)\s+"
        r"(?:pic|picture|image|drawing|painting|sketch|photo|version)\s+of\s+(?:a|an|some|the|my|our)\s+\w", said) or re.match(
        r"^(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?(?:make|add|remove|change|turn|put|give|swap|"
        r"replace|move|do)\s+(?:it|this|that|the|him|her|them)\b", said) or re.match(
        r"^(?:no|without|minus)\s+(?:more\s+)?[a-z]+(?:\s+[a-z]+)?\W*$", said) or re.match(  # "no people": one thing less
        r"^(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?)?(?:write|put|add|print)\s+(?:on|in|across|onto)\s+(?:the|this|"
        r"it|that)\b.*['\"\u2018\u201c]", said) or re.match(
        r"^(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?)?(?:write|print|spell\s+out)\s+(?!(?:a|an|me|us|"
        r"some|something)\b).+\s+(?:on|across|along|over|under|above|below|at)\s+(?:it|this|that|the|top|bottom)\b",
        said)) or bool(lang.THEN_ASKS.search(said)) or bool(re.search(
        r"(?:^|[.!?]\s+)(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?)?(?:do|make|give\s+me|show\s+me)\s+"
        r"(?:\d|two|three|four|five|six)\s+(?:more\s+)?(?:of\s+(?:these|those|this|that|it)|versions?|variations?|options?|"
        r"takes?)\b", said))  # "omg cute. can u do 4 of these": as many again
    # "can you write Happy 80th on it?": lettering on the picture;
    # "she looks kinda mad lol make her happy": a remark, then the ask


def kind_of(decision: tuple[str, dict] | None, facts: TurnFacts) -> str:
    """The kind of turn (intent_model.KINDS) a tool call is."""
    if decision is None:
        return "reply"
    name, args = decision
    if name == "generate_image":
        made_again = facts.current_prompt is not None and args.get("prompt") == facts.current_prompt
        return "variations" if int(args.get("n") or 1) > 1 or made_again else "draw"
    if name == "generate_with_subject" and facts.current_prompt is not None:
        from chatcanvas.agent.subjects import named_again, subject_entry

        subject = subject_entry(args.get("subject"), facts)
        if int(args.get("n") or 1) > 1 or (subject is not None and args.get("prompt") == named_again(
                facts.current_prompt, subject)):
            return "variations"  # more takes of a picture of the subject
    return {"edit_image": "edit", "select_image": "select", "generate_with_subject": "draw_subject",
            "register_subject": "register_subject"}.get(name, "reply")


def model_context(facts: TurnFacts, text: str) -> intent_model.Context:
    """What the intent model is told of the turn besides its words."""
    from chatcanvas.agent.subjects import mentioned_subject

    known = facts.extras.get("subjects") or []
    model = (facts.extras.get("model_range") or {}).get("name")
    return intent_model.Context(
        has_image=facts.has_image, attached=len(facts.attached_image_ids), previous=facts.previous_action,
        model="shapes" if model == "shapes" else "tiny",
        named_subject=bool(known) and mentioned_subject(text, known) is not None, has_subjects=bool(known))


def _acted(messages: Sequence[BaseMessage], start: int, end: int) -> tuple[bool, str | None]:
    """Whether the turn between two user messages called a tool, and what the first of register, select, edit, draw
    it did."""
    calls = [call for m in messages[start + 1:end] if isinstance(m, AIMessage) for call in m.tool_calls or []]
    done = {intent_model.PREVIOUS_OF[kind_of((call["name"], call["args"]), TurnFacts())] for call in calls}
    return bool(calls), next((kind for kind in ("register", "select", "edit", "draw") if kind in done), None)


def _facts(turn: dict[str, Any], messages: Sequence[BaseMessage] = ()) -> TurnFacts:
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    previous, in_words, action = None, False, "start"
    talk: list[str] = []
    last_action = "start"
    for start, end in reversed(list(zip(humans, humans[1:]))):  # the turns before this one, latest first
        called, kind = _acted(messages, start, end)
        if previous is None:
            previous, in_words, action = _text_of(messages[start]), not called, kind or "reply"
        if called:
            last_action = kind or "draw"
            break
        if len(talk) < 3:
            talk.insert(0, _text_of(messages[start]))
    return TurnFacts(
        current_image_id=turn.get("current_image_id"),
        current_prompt=turn.get("current_prompt"),
        attached_image_ids=tuple(turn.get("attached_image_ids") or ()),
        extras=turn.get("extras") or {},
        previous_text=previous,
        previous_answered_in_words=in_words,
        previous_action=action,
        talk=tuple(talk),
        last_action=last_action,
        history=tuple(_text_of(messages[i]) for i in humans[-7:-1]),
    )


def _text_of(message: BaseMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return " ".join(part.get("text", "") for part in message.content if isinstance(part, dict))


def _tool_results(messages: list[BaseMessage]) -> list[ToolMessage]:
    results: list[ToolMessage] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        results.append(message)
    return list(reversed(results))


def _range_note(text: str, facts: TurnFacts, said_before: str = "") -> str:
    """What the model could not draw of the prompts it was given (`text`), said after the picture; once said in this
    conversation (`said_before`: the assistant's earlier replies), only the words it has not said yet, without the
    model's whole range again."""
    names = {w.lower() for subject in facts.extras.get("subjects", [])
             for label in (subject["name"], *subject["aliases"]) for w in label.split()}
    unknown = [w for w in intents.unknown_words(text, facts) if w.lower() not in names]
    model = facts.extras.get("model_range") or {}
    if not unknown:
        return ""
    if "model does not know" in said_before:
        fresh = [w for w in unknown if repr(w) not in said_before]
        return f" ({', '.join(repr(w) for w in fresh)}: not known to the {model.get('name', 'current')} model.)" \
            if fresh else ""
    return (f" The {model.get('name', 'current')} model does not know {', '.join(repr(w) for w in unknown)}, "
            f"so it drew the rest; it draws {model.get('summary', 'a limited range')}.")


def _count_note(text: str, results: list[ToolMessage], facts: TurnFacts) -> str:
    """ "give me 10 variations" when at most 4 are made at once: the reply says so."""
    from chatcanvas.agent import references

    asked = references.variation_count(text)
    made = sum(len((r.artifact or {}).get("images", [])) for r in results if isinstance(r.artifact, dict))
    limit = int(facts.extras.get("max_images") or 4)
    if asked is None or asked[0] <= limit or not made or made >= asked[0]:
        return ""
    return f" You asked for {asked[0]}; I make at most {limit} at once (CHATCANVAS_MAX_IMAGES)."


def _summarise(results: list[ToolMessage], note: str = "") -> str:
    lines = []
    for result in results:
        if result.status == "error":
            lines.append(f"Sorry, I couldn't do that: {result.content}")
            continue
        images = (result.artifact or {}).get("images", []) if isinstance(result.artifact, dict) else []
        if images:
            ids = ", ".join(image["id"] for image in images)
            noun = "image" if len(images) == 1 else "images"
            if result.name == "edit_image":
                lines.append(f"Done: here is the new version ({ids}).")
            elif len(images) > 1:
                lines.append(f"Here are {len(images)} takes ({ids}). Pick one (\"the second one\") or change it.")
            else:
                lines.append(f"Here is your {noun} ({ids}). Ask me to change it, e.g. \"make it blue\".")
        else:
            lines.append(str(result.content) if isinstance(result.content, str) else json.dumps(result.content))
    return "\n".join(lines) + (note if lines and not any(r.status == "error" for r in results) else "")
