"""Draw prompts: the description in a request to draw, its style words kept ("can I get a watercolor of a fox" ->
"a watercolor of a fox"), and the next picture of a series in the look of the one on screen."""

from __future__ import annotations

import re

from chatcanvas.agent import language as lang
from chatcanvas.agent.rewrite import (
    _GENERIC_PICTURE,
    _STYLE_NOUN,
    COLOR_PHRASE,
    PATTERN_OF,
    STYLES,
    VERB_MEDIUM,
    _fix_articles,
    restore_case,
)


def draw_prompt(text: str) -> str | None:
    """The description in a request to draw, keeping its style words; None when nothing is described.

    "can I get a watercolor of a fox" -> "a watercolor of a fox"; "depict a robot chef cooking pancakes" ->
    "a robot chef cooking pancakes"; "sketch a bicycle" -> "a sketch of a bicycle".
    """
    original = text
    text = lang.strip_politeness(lang.normalize(lang.leading_small_talk(text)))
    text = re.sub(r"^\s*\([^()]{0,60}\)\s*", "", text)  # "(typing for my son) ...": an aside
    text = lang.with_what_they_love(text)
    text = re.sub(r"^(?:he|she|they|my\s+\w+|the\s+\w+)\s+(?:says|said|wants|asks\s+for)\s*:\s*", "", text)  # "he says: ..."
    text = re.sub(r"^(?:so\s+|and\s+)?(?:what|all)\s+(?:i|we)\s+(?:really\s+)?(?:need|want|would\s+like|'d\s+like)\s+(?:right\s+"
                  r"now\s+|now\s+|today\s+|first\s+)?is\s+", "", text)  # "what I need right now is a headshot of me"
    text = re.sub(r"^(?:first|firstly|first\s+up|to\s+start|next|then|lastly|finally)[,:]?\s+(?=(?:i'd|i\s+would|i\s+want|we'd|"
                  r"can|could|please|i\s+need)\b)", "", text)  # "First I'd love a shot of ..."
    wanted = re.match(r"^(?:for\s+[\w'\s-]{1,30}?[,\s]+)?(?:(?:i|we)\s+(?:really\s+)?(?:want|need|would\s+like|'d\s+like)\s+)?"
                      r"something\s+(?P<how>(?:[\w-]+\s+){0,2}?[\w-]+)?\s*(?:[\u2014\u2013:]|\s-|(?=\s+(?:an?|some|two|three)\s))\s*"
                      r"(?=\w)", text)
    if wanted:  # "for our anniversary I want something cute — me and my boyfriend as ...": the picture after it
        how = wanted.group("how") or ""
        text = text[wanted.end():] + (f", {how}" if how and not re.match(r"(?:for|like|to|that|which)\b", how) else "")
    pictured = re.search(r"\b(?:picture|imagine|envision)\s+this\s*[:,\u2014\u2013-]\s*(?=\w)", text)
    if pictured:  # "... and want inspo. picture this: a three tier cake"
        text = text[pictured.end():]
    text = re.sub(r"^.*?\b(?:whether|if)\s+(?:you|u)\s+(?:might|could|would|can)\s+(?:possibly\s+)?(?:be\s+able\s+to\s+)?"
                  r"(?=(?:show|draw|make|paint|create|do|render|sketch|illustrate)\b)", "", text)  # "whether you might be able to show me"
    text = re.sub(r"^.+?[,.;]\s*(?=(?:can|could|may)\s+(?:i|we)\s+see\s+what\b)", "", text)
    text = re.sub(r"^(?:(?:ok|okay|and|now|so)[,\s]+)*(?:one|another)\s+(?:more\s+)?for\s+(?:the|my|our|a|an)\s+[\w\s-]+?(?:slide|page|post|cover|card|poster|banner|"
                  r"section|chapter|flyer|story)\s*[,.:;\u2014\u2013-]*\s+(?=\w)", "", text)  # "one for the conclusion slide. ..."  # "planning a trip. could I see what"
    looks = re.match(r"^(?:(?:can|could|may)\s+(?:i|we)\s+see\s+|show\s+(?:me|us)\s+)?what\s+(?:would\s+|will\s+|might\s+)?"
                     r"(?P<thing>.+?)\s+(?:would\s+|will\s+|might\s+)?(?:looks?|look)\s+like\b\s*(?P<rest>.*)$", text)
    if looks:  # "could I see what the temples look like in autumn", "what would a city ... look like in 2050"
        text = f"{looks.group('thing')} {looks.group('rest')}".strip()
    _, text = lang.strip_frame(text)
    text = re.sub(r"^(?:(?:good\s+)?(?:morning|afternoon|evening)|hola|bonjour|ciao|oi|merhaba|salam|namaste|buenas)"
                  r"(?:\s+(?:sir|madam|ma'am|friend|all|everyone))?[,!.\s]+(?=\w)", "", text)  # "Good evening sir, ..."
    text = re.sub(r"^(?:(?:(?:i|we)\s+)?(?:want|need|would\s+like|'d\s+like)\s+(?:to\s+(?:make|get|have|create|do)\s+)?)?"
                  r"(?:a\s+|an\s+|some\s+)?(?P<kind>picture|pic|image|illustration|drawing|photo|painting)s?\s+for\s+"
                  r"[^:.,]{1,60}?(?:[:.]\s*|,\s*(?:(?:she|he|they|it)\s+(?:have|has|is|are)\s+[^,.]{1,20}[,.]\s*)?)(?=(?:an?|the|"
                  r"some|two|three|\d+|[a-z]+\s+(?:with|in|on|of|and|standing|sitting))\b)", lambda found: (
                      f"\x00{found.group('kind')}\x00" if found.group("kind") in ("illustration", "drawing", "painting")
                      else ""), text)
    # "need picture for window: hand with long nails", "a picture for the birthday of my daughter, she have 6 years,
    # a unicorn ...": the job goes, the picture stays (and its medium, said at the end)
    kind = re.match(r"\x00(\w+)\x00", text)
    text = text[kind.end():] if kind else text
    text = re.sub(r"^(?:need|want)\s+(?:a\s+)?(?:picture|pic|image|photo)\s+(?:of\s+)?(?=\w)", "", text)
    text = re.sub(r"^of\s+(?=\w)", "", text)  # "I need picture of simit, ...": what it is of
    text = re.sub(r"^for\s+(?:my|our|a|an|the)\s+[^,.:]{1,50}[,.:]\s+(?=(?:an?|the|some|two|three|\d+)\b)", "", text)
    # "for my presentation about climate change, a polar bear ...": what it is for goes
    text, medium = _strip_making_verb(text)
    text = re.sub(r"^of\s+(?=\w)", "", text)  # "picture of simit": "picture" read as a verb leaves "of simit"
    if kind and not medium:
        medium = f"an {kind.group(1)} of" if kind.group(1)[0] in "aeiou" else f"a {kind.group(1)} of"
    text = re.sub(rf"^(?:(?:an?|the|some|one|me)\s+)?(?:new\s+|quick\s+|nice\s+)?{_GENERIC_PICTURE}s?(?:\s*:|\s+"
                  r"(?:of|showing|with|featuring|depicting|that\s+shows))\s+", "", text)
    again = re.match(r"^(?:(?:and|ok|okay|so|now)[,\s]+)*(?:one\s+more|another)\s+(?:picture|image|pic|drawing|painting|"
                     r"scene)\s*,\s*(?P<look>[^:,]{1,40}?)(?:\s+again)?\s*:\s*(?=\w)", text)
    if again:  # "and one more picture, watercolor again: a school bus in the rain"
        text = f"{text[again.end():]}, {again.group('look')}"
    text = re.sub(r"^(?:(?:ok|okay|and|so|now|right)[,\s]+)*(?:(?:an?|the|my)\s+)?(?:new|another|different|next|fresh|"
                  r"other)\s+(?:idea|brief|concept|prompt|request|thing|project|one)\s*(?:[:\u2013\u2014-]|,|(?=(?:an?|some|"
                  r"two|three)\s))\s*(?=\w)", "",
                  text)  # "new idea: a lighthouse on a cliff", "ok new brief - a reading nook"
    text = re.sub(r"^(?:(?:an?|the|my)\s+)?(?:second|third|fourth|fifth|separate|fresh|different|new|another|next)\s+"
                  r"(?:picture|image|pic|drawing|piece|scene|painting|design|one)\s*(?:please\s*)?(?:[:,-]|of|with)\s*|"
                  r"^(?:separate|different|unrelated|new|other)\s+(?:thing|task|request|job|topic)\s*[:,-]?\s+(?=\w)|"
                  r"^(?:another|next)\s*[:,-]\s*", "", text)
    text = re.sub(r"\s+(?:too|as well|also|again|next|instead)$", "", lang.strip_politeness(text)).strip()
    text = re.sub(r"^(?:(?:ok|okay|and|so|now)[,\s]+)*(?:[\w'\s-]{0,40}\b(?:next|slide|post|page|panel|card|scene|vill"
                  r"ain|hero|boss|"
                  r"unrelated|different\s+thing|after\s+that|menu)(?:\s+(?:is|for)\b[^:]{0,40})?)\s*:\s*(?=\w)", "", text)
    text = re.sub(r"^(?:(?:ok|okay|and|so)[,\s]+)*now\s+the\s+(?:villain|hero|heroine|boss|sidekick|monster|enemy|main"
                  r"\s+"
                  r"character)\s*,\s*", "", text)  # "now the villain, a pale elf necromancer"
    text = re.sub(r"^(?:the\s+)?(?:boss|villain|hero|heroine|sidekick|monster|enemy|main\s+character)\s*[,.:-]\s*(?=(?"
                  r":an?|the|"
                  r"some)\s)", "", text)  # "next: the boss. a rust-red dragon"
    text = re.sub(r"[?!]+\s+(?=\w)", ", ", text)  # "a fox under an oak tree? Soft watercolor style"
    # "a book cover. Thriller. A lone lighthouse ..." (not the full stop of "Mr. Nibbles")
    text = re.sub(r"(?<=[a-z0-9])\." + lang.NOT_A_TITLE + r"\s+(?=\w)", ", ", text)
    text = re.sub(r",?\s*\b(?:go|go\s+for\s+it|go\s+go|hit\s+it|make\s+it\s+happen|thanks|ty|thx)\W*$", "", text).strip()
    text = re.sub(r",?\s*(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+)?(?:draw|make|do|paint|render|"
                  r"sketch|show\s+me|create)\s+(?:that|this|it|one)(?:\s+for\s+(?:me|us))?\??$", "", text).strip()
    text = _without_story(text)
    if not text or not re.search(r"[a-z]", text):
        return None
    if medium and not re.match(rf"^(?:an?\s+|the\s+)?(?:\w+\s+)?{_STYLE_NOUN}", text):
        text = f"{medium} {text}"
    # "a red cross on yellow", "on yellow and white stripes": the ground, in the words a model knows it by
    text = re.sub(rf"(?<=\s)on\s+(?:an?\s+)?(?P<c>{COLOR_PHRASE.pattern})(?:\s+(?P<p>stripes|checks))?$",
                  lambda m: f"on a {m.group('c')} {PATTERN_OF[m.group('p')] + ' ' if m.group('p') else ''}background",
                  text)
    return restore_case(_fix_articles(text), original)


_STORY = re.compile(r",\s*(?:(?:and|because|cause|cuz|since|as)\s+)?(?:he|she|they|we|i)(?:'s|s|'re|'ve|'m|\s+is|\s+are|\s+was|"
                    r"\s+has|\s+have)?\s+(?P<next>[\w']+)[^,]*$", re.I)
_STORY_WORDS = frozenset("wants wanted loves loved likes liked adores just really so very been "
                         "turns turned turning started starts gets got grew grows lives lived thinks thought says said "
                         "quite totally absolutely obsessed mad crazy huge big massive gonna going will would can could "
                         "keeps kept only still already".split())
"""What the user tells of the one pictured ("she's just started ballet lessons", "he wants to go to space when he
grows up"), not what the picture shows ("she's wearing a red dress", "he's a pirate")."""


def _without_story(text: str) -> str:
    """The picture without the story told after it: "Ava as a ballerina on a big stage, she's just started ballet
    lessons and she's so proud" -> "Ava as a ballerina on a big stage"."""
    while True:
        told = _STORY.search(text)
        if not told or told.start() < 8 or not (told.group("next").lower() in _STORY_WORDS or told.group("next").isdigit()):
            return text
        text = text[:told.start()].rstrip()


SAME_LOOK = re.compile(
    r"[,;]?\s*(?:(?:in|with|using|keep(?:ing)?)\s+)?(?:the\s+)?same\s+(?P<kind>[\w-]+\s+)?(?:vibe|style|look|feel|mood|"
    r"aesthetic|palette|"
    r"colou?rs?|colou?r\s+scheme|lighting|theme|energy|treatment|art\s+style)s?(?:\s+as\s+(?:before|that|this|it|the\s+"
    r"(?:last|previous|other|first)(?:\s+one)?))?|[,;]?\s*(?:to\s+match|matching\s+(?:it|this|that|the\s+(?:last|"
    r"previous|other)\s+one))\b", re.I)


def matching_draw(text: str, current: str) -> str | None:
    """A new subject in the look of the picture on screen: "the bedroom next, same vibe" after "a cozy living room,
    scandinavian style" -> "the cozy bedroom, scandinavian style"; None when `text` asks for no same look."""
    if not SAME_LOOK.search(text):
        return None
    # "in the same watercolor style": the style it names stays in the words
    said = SAME_LOOK.sub(lambda m: f", {m.group('kind').strip()} style" if m.group("kind") else "", text)
    drawn = draw_prompt(re.sub(r"^[\s,;:-]*(?:(?:but|and|only|just|now)\s+)*", "", said))
    if not drawn:
        return None
    head, *rest = [part.strip() for part in current.split(",") if part.strip()]
    if ":" in head:  # "a hero image: flat vector illustration": what follows the colon is one more part
        head, _, after = head.partition(":")
        rest = [after.strip(), *rest] if after.strip() else rest
    medium = re.match(rf"^(?:an?\s+)?(?:[\w-]+\s+)?{_STYLE_NOUN}s?\s+of\s+", head, re.I)  # "a watercolor of ..."
    styled = bool(re.match(rf"^(?:an?\s+)?(?:[\w-]+\s+)?{_STYLE_NOUN}", drawn, re.I)) or any(
        re.search(rf"\b{re.escape(style)}\b", drawn.lower()) for style in STYLES)  # its own medium wins
    lead = medium.group(0) if medium and not styled else ""
    head = head[medium.end():] if medium else head
    words = head.split()
    cut = next((i for i, w in enumerate(words) if w.lower() in lang.PREPOSITIONS and i), len(words))
    looks = [w for w in words[:cut - 1] if w.lower() not in lang.DETERMINERS | _NOT_A_LOOK
             and "ADJ" in lang.pos_of(w.lower()) and w.lower() not in drawn.lower().split()
             and not w.lower().endswith("ing")]  # "living room" is a noun
    looks += [style for style in STYLES if not styled and re.search(rf"\b{re.escape(style)}\b", head.lower())
              and not any(style in kept for kept in looks)]
    first, _, remainder = drawn.partition(" ")
    if looks:
        drawn = (f"{first} {' '.join(looks)} {remainder}" if first.lower() in lang.DETERMINERS and remainder
                 else f"{' '.join(looks)} {drawn}")
    rest = [bit.strip() for part in rest for bit in part.split(":") if bit.strip()]  # "muted palette: Kiwi perched ..."
    extra = [part for part in rest if part.lower() not in drawn.lower() and _a_look(part)]
    return _fix_articles(", ".join([lead + drawn, *extra]))


def _a_look(part: str) -> bool:
    """Whether a part of a description says how the picture looks ("flat vector illustration", "brand colors teal and
    orange", "soft light", "moody") rather than what else it shows ("team of people around a phone")."""
    words = part.lower().split()
    return any(re.search(rf"\b{re.escape(style)}\b", part.lower()) for style in STYLES) or bool(
        set(words) & _LOOK_WORDS) or bool(re.search(r"\b(?:style|styled|palette|lighting|lit|toned?|mood)\b", part.lower())) or (
        len(words) <= 3 and all(lang.pos_of(word) & {"ADJ", "ADV"} for word in words))


_LOOK_WORDS = frozenset("colors colours color colour palette light lighting shadows mood vibe aesthetic look tones "
                        "hues pastel neon monochrome minimalist minimal flat vector isometric retro vintage "
                        "photorealistic cinematic dreamy moody".split())
_NOT_A_LOOK = frozenset("big small large tiny little huge giant old young new tall short long wide narrow fat thin "
                        "baby adult first last other same".split())
"""What a subject is, not how the picture looks: not carried over to the next subject of a series."""


def _strip_making_verb(text: str) -> tuple[str, str | None]:
    """ "depict a robot" -> ("a robot", None); "paint me a lake" -> ("a lake", "a painting of")."""
    words = text.split()
    for length in (1, 2, 3):  # "draw", "mock up", "whip me up"
        if len(words) <= length:
            break
        head, rest = words[:length], words[length:]
        verb = head[0]
        if not lang.can_be_verb(verb) or (not verb_only(verb) and rest[0] not in lang.DETERMINERS | {"me", "us"}) or \
                any(w not in lang.PARTICLES | {"me", "us", "out", "for"} for w in head[1:]):
            continue
        first = rest[0]
        if (first in lang.DETERMINERS or first.isdigit() or first in ("me", "us") or
                first in lang.PARTICLES or _starts_description(rest)):
            rest = rest[1:] if first in ("me", "us") else rest
            rest = rest[1:] if rest and rest[0] in lang.PARTICLES else rest
            return " ".join(rest), VERB_MEDIUM.get(verb)
    return text, None


MAKING_VERBS = frozenset(
    "draw paint sketch render illustrate generate create design depict imagine visualize visualise show doodle "
    "produce craft compose picture photograph mock whip conjure envision portray make do give get".split())


def verb_only(word: str) -> bool:
    """A word that reads as a verb when it opens a message: a making verb, or one that is no noun or adjective."""
    return word in MAKING_VERBS or (lang.pos_of(word) == frozenset({"VERB"}) and lang.can_be_verb(word))


def _starts_description(rest: list[str]) -> bool:
    """After a verb, a description can start bare: "draw cats", "render futuristic cities"."""
    first = rest[0]
    pos = lang.pos_of(first)
    if not pos:  # a word no dictionary here knows is a name: "draw Leo riding a dragon", "paint Max as a pirate"
        return bool(re.fullmatch(r"[a-z]{2,}(?:'s)?", first))
    return ("NOUN" in pos or "ADJ" in pos) and first not in lang.PREPOSITIONS and first not in ("it", "this", "that")
