"""The personalization capability: subject tools, the subjects named in the prompt, and router rules for
"this is my dog Rex" (with photos) and "draw Rex surfing"."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool

from chatcanvas.agent import intents, references
from chatcanvas.agent import language as lang
from chatcanvas.agent.capabilities import Services, TurnView
from chatcanvas.agent.router import IN_WORDS, RouterRule, TurnFacts
from chatcanvas.tools import create_subject_tools

_INTRO = re.compile(
    r"^(?:(?:hey|hi|ok|okay|k|kk|so|and|also|now|alright|right)[,!]?\s+){0,3}(?:(?:this|these|that|those|it|here|they)\s*(?:is|are|'s|'re)\s+"
    r"(?:(?:a\s+|some\s+|a\s+few\s+|\w+\s+)?(?:photos?|photographs?|pictures?|pics?|shots?|images?|snaps?|scans?|selfi"
    r"es?)"
    r"\s+of\s+)?|"
    r"(?:i\s+have|i've|we\s+have|we've|i|we)\s+(?:just\s+)?(?:attached|uploaded|added|sent|included|shared)\s+"
    r"(?:a\s+|some\s+|a\s+few\s+|\w+\s+)?(?:photos?|photographs?|pictures?|pics?|shots?|images?|snaps?|scans?|selfies?)"
    r"\s+of\s+|"
    r"(?:here\s+(?:is|are)|here's)\s+(?:(?:a\s+|some\s+|a\s+few\s+|\w+\s+)?(?:photos?|photographs?|pictures?|pics?|"
    r"shots?|images?|snaps?|scans?)\s+of\s+)?|meet\s+|say\s+hi\s+to\s+|"
    r"(?:please\s+)?(?:remember|save|learn|enroll|register|store|keep|call|name)\s+(?:this|these|him|her|them|it|"
    r"the\s+\w+)\s+as\s+|(?:his|her|its|their|my)\s+name\s+is\s+|"
    r"(?:please\s+)?(?:learn|remember|enroll|register)\s+(?:what\s+)?)(?P<who>.+?)(?:\s+looks?\s+like)?$",
    re.IGNORECASE,
)


_CAPITALIZED = r"(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Capt|Sgt|Sir)\.?\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?"
"""A name as written: "Rex", "Kestrel Vane", "Mr. Nibbles" (a title's full stop is part of it)."""

_NAMED = re.compile(
    r"\b(?:[Cc]all|[Nn]ame|save|remember|enroll|register|store|keep|label)\s+(?:it|him|her|them|this|these|that|those|"
    r"the\s+\w+|me)\s+(?:as\s+)?[\"']?(?P<name>" + _CAPITALIZED + r")|\b[Nn]ame(?:d|:|'s|s)?\s*(?:(?:him|her|it|them)\s+)?(?:is\s+)"
    r"?[\"']?"
    r"(?P<other>" + _CAPITALIZED + r")|"
    r"\b(?i:he|she|we|they|i|(?:the|my|our)\s+\w+|everyone|everybody|we\s+all|they\s+all)\s+calls?\s+"
    r"(?:it\s+|him\s+|her\s+|them\s+)?(?:the\s+)?"
    r"[\"']?(?P<calls>" + _CAPITALIZED + r")|"
    r"\bcalled\s+[\"']?(?P<called>" + _CAPITALIZED + r")|"
    r"\b(?:it's|its|it\s+is)\s+(?:our|my)\s+(?:[a-z]+\s+){0,2}(?P<ours>" + _CAPITALIZED + r")\b|"
    r"\b(?:[Ii]\s+am|[Ii]'m|[Ii]m)\s+(?P<iam>(?!Sorry\b|So\b|Not\b|Just\b|Really\b)[A-Z][\w-]*)\b|\bgoes\s+by\s+[\"']?"
    r"(?P<goes>[A-Za-z][\w-]*)|\b[Ii]\s+go\s+by\s+[\"']?(?P<igo>[A-Za-z][\w-]*)|"
    r"\b[Nn]ame(?:'s|\s+is|s)\s+[\"']?(?P<lownamed>[a-z][\w-]*)\b(?=\s*(?:[,.!;\u2014-]|$|[^\w\s]|\s+(?:and|btw|lol|hes|he's|"
    r"shes|she's|its|it's)\b))|"
    r"\b(?:i\s+am|i'm|im)\s+(?P<lowiam>[a-z][\w-]*)(?=\s*[,.!;]|$)|"
    r"\b(?i:this|that)\s+(?:[a-z]+\s+){1,2}(?:is|'s)\s+(?P<is>[A-Z][\w-]*)\b|"
    r"\bmeet\s+(?P<meet>" + _CAPITALIZED + r")\b(?!\s*,)|"
    r"\b(?:we're|we\s+are|were|they're|they\s+are|he's|she's|it's|hes|shes|its)\s+called\s+[\"']?"
    r"(?P<lowcalled>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)[\"']?(?=\s*(?:[,.!;]|$))|"
    r"\b(?:save|call|register|remember|enroll|store|keep|name|label)\s+(?P<who>me|myself|it|him|her|them|this|these|"
    r"those|that)\s+as\s+[\"']?(?P<lowas>[a-z][\w-]*)[\"']?(?=\s*(?:[,.!;?]|$|\s+(?:thx|thanks|thank\s+you|pls|"
    r"please|ty|lol)\b))")
# "four pics attached", "🐱": said around an introduction, not part of it
_AROUND = re.compile(r"\s*(?:\(?(?:\d+|one|two|three|four|five|six|some|a\s+few|a\s+couple(?:\s+of)?)\s+(?:more\s+)?"
                     r"(?:pics?|photos?|photographs?|pictures?|images?|shots?|snaps?|selfies?)\s+(?:attached|included|"
                     r"here|"
                     r"below|above|incoming)\)?|[^\x00-\u2fff]+|,\s*(?:\d+|one|two|three|four|five|six|a\s+few)\s+"
                     r"(?:pics?|photos?|pictures?|images?|shots?|selfies?)\W*$)", re.I)
_NOT_A_NAME = re.compile(r"\b(?:make|change|turn|add|remove|draw|paint|put|give|swap|replace|edit|stage|furnish|decorate|"
                         r"declutter|retouch|restyle|redecorate|enhance|brighten|tidy|fix|clean|get\s+rid|erase|delete|crop|"
                         r"blur|lighten|darken|recolou?r)\b|\b(?:see|show(?:\s+me|\s+us)?|imagine|picture|visuali[sz]e)\s+(?:it|this"
                         r"|that|the\s+\w+)\s+(?:with|without|in|as|painted|redone|done\s+up)\b", re.I)
"""An edit asked of one photo ("make it brighter", "I would like to see it with a bench"), not a name for it."""


def _plain_name(word: str, nouns: bool = False) -> bool:
    """A lower-case word that can be a name: "jay", "pancake" (after "name is"); not "back", "tired", "done"."""
    kinds = lang.pos_of(word)
    if word in _NOT_NAMES or word.endswith(("ing", "ed", "ly")) or kinds & {"ADJ", "ADV", "VERB"} - (
            {"VERB"} if nouns else set()):
        return False
    return nouns or not kinds - {"NOUN", "PROPN"} and len(word) > 1


def _name_slot(word: str) -> bool:
    """A word where a name stands ("his sister ruby", "mr waffles my bunny"): any word but a small or a function
    word; the place in the sentence says it is a name, whatever else it can mean."""
    return word.isalpha() and word not in _NOT_NAMES and not lang.pos_of(word) & {"ADP", "DET", "PRON", "CCONJ",
                                                                                   "SCONJ", "AUX", "PART"}


_NOT_NAMES = frozenset("back here there home done new sorry ok okay fine good great sure ready late away the a an too well either "
                       "so just not also still now monday tuesday wednesday thursday friday saturday sunday january "
                       "february march september october november december christmas easter".split())


def _naming_weight(found: re.Match) -> int:
    """Which naming phrase names the one in the photos: "we call him Biscuit" over "a bakery called Crumb & Co";
    the first of equals."""
    if found.group("called"):
        before = re.search(r"([\w-]+)\s+called\s", found.string[:found.end()])
        noun = before.group(1).lower() if before else ""
        if noun and noun not in _ANIMATE and noun not in ("is", "was", "he's", "she's", "it's", "be", "get", "gets"):
            return -1 - found.start() / 10_000  # a place or a business, not who is in the photos
    return -found.start() / 10_000


_HOW_MANY = re.compile(r"\b(?:\d+|two|three|four|five|six|seven|eight|a\s+few|some)\s+(?:more\s+)?of\s+"
                       r"(?=(?:my|our|his|her|the)\b)", re.I)


def parse_introduction(text: str) -> tuple[str, list[str]] | None:
    """Who the photos show and what else the user calls them; a name ends where what is said of them begins ("Harold
    from our trip last summer", "Mia, she is 4")."""
    text = re.sub(r"\b(these|they|those|u|we)\s+r\b", r"\1 are", text, flags=re.I)  # "these r my galaxy customs"
    text = re.sub(rf"(?<=\w)\s*{lang.EMOJI}+\s*(?=(?:my|our|the|a|an)\b)", ", ", text)  # "this is gerald 🌿 my monstera"
    found = _introduction_said_plainly(text)
    if found is None:
        if len(re.findall(r"[A-Z]", text)) > 8 and not re.search(r"[a-z]", text):
            text = text.lower()  # "THIS IS CALEB HE IS THE YOUNGEST OF MY FIVE"
        found = _parse_introduction_text(text)
    if found is None:
        return None
    name, aliases = found
    aliases = list(dict.fromkeys(re.sub(r"\s+(?:too|also|as\s+well)$", "", alias) for alias in aliases))  # "our daughter too"
    if name.lower() in ("and", "or", "but", "so", "then", "he", "she", "they", "it", "we", "i", "with", "who", "that"):
        return None  # "this is my dog and he is tired": no name said
    kind = re.search(rf"\b{re.escape(name)}\s+(?P<kind>[a-z]+)(?=\s*(?:[.!,;]|$))", text)
    if kind and kind.group("kind") in _THINGS - _ANIMATE and name[:1].isupper():
        name = f"{name} {kind.group('kind')}"  # "I call it Luna mug": the mug's name, as said
    mine = re.match(r"^(?:my|our)\s+(?:new\s+)?(?P<what>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){0,2})$", name, re.I)
    if mine and not any(w in _ANIMATE for w in mine.group("what").lower().split()):
        # "these are my galaxy customs": nothing named, so what it is, as a name (and "my galaxy customs")
        return mine.group("what").title(), list(dict.fromkeys([name.lower(), *aliases]))
    if name.lower() in ("me", "myself"):
        own = _OWN_NAME.search(text)
        said = next((g for g in (own.groups() if own else ()) if g), None)
        if said and _name_slot(said.lower()) and not lang.pos_of(said.lower()) & ({"ADJ", "ADV"} if said[0].isupper() else {
                "VERB", "ADJ", "ADV"}) and said.lower() not in _NOT_NAMES | {"me", "myself", "us", "thanks", "cheers", "thx",
                                                                             "hi", "hello", "lol", "please", "pls"}:
            return said[:1].upper() + said[1:], ["me"]  # "these are me. Ken.", "this is me, chloe", "me (theo, bass)"
        return name, [alias for alias in aliases if alias.lower() in ("me", "myself")]
    nick = _NICKNAME.search(text)
    said = nick.group("nick") if nick else ""
    if said and said.lower() not in re.findall(r"[a-z]+", name.lower()) and said.lower() not in [a.lower() for a in aliases] \
            and _name_slot(said.lower()) and not lang.pos_of(said.lower()) & ({"ADV"} if said[0].isupper() else {"VERB", "ADV"}):
        aliases = [*aliases, said.lower()]  # "Harold ... Everyone called him Harry": Harry too
    return name, aliases


_OWN_NAME = re.compile(r"(?:^|[.!?]\s+)(?P<alone>[A-Z][\w'-]*)\s*[.!]*\s*$|\bme\s*,\s*(?P<after>[A-Za-z][\w'-]*)\W*$|"
                       r"\bme\s*\(\s*(?P<bracket>[A-Za-z][\w'-]*)\s*[,;)]|"
                       r"\bme\s+(?:attached|here|below|above|incoming)\s*\(\s*(?P<later>[A-Za-z][\w'-]*)\s*[,;)]")
"""The user's own name said with photos of them: "these are me. Ken.", "this is me, chloe", "here's me (theo, guitar)"."""
_NICKNAME = re.compile(r"\b(?:we|everyone|everybody|they|people|friends|family|most\s+people|all|(?:the\s+)?(?:kids|grandkids|"
                       r"boys|girls|team|neighbours|neighbors|family))\s+(?:all\s+|just\s+|"
                       r"always\s+|usually\s+)?(?:call|calls|called)\s+(?:him|her|them|it)\s+['\"]?(?P<nick>[A-Za-z][\w'-]*)",
                       re.I)
"""Another name the one in the photos answers to: "we call him Rafa", "Everyone called him Harry"."""


def _introduction_said_plainly(text: str) -> tuple[str, list[str]] | None:
    """The forms that say outright which name to keep: "his full name is Sir Reginald Bunsworth but just save him as
    Reggie", "It's spelled A-M-A-R-A, we call her Mimi", "her name is Juniper but everyone calls her Junie", "I'd like
    you to learn her. She's Bonnie."."""
    saved = re.search(r"\b(?:but\s+)?(?:just\s+)?(?:save|call|name|store|keep)\s+(?:him|her|it|them)\s+as\s+['\"]?(?P<name>[A-Za-z][\w'-]*)",
                      text, re.I)
    full = re.search(r"\b(?:full|real|proper|official)\s+name\s+is\s+(?P<full>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,3})", text)
    if saved and full and _name_slot(saved.group("name").lower()):
        name = saved.group("name")
        return name[:1].upper() + name[1:], [full.group("full")]
    known = re.search(r"\bbut\s+(?:literally\s+|just\s+)?(?:everyone|we|everybody|people|they|i)\s+(?:all\s+)?(?:just\s+)?"
                      r"(?:call|calls)\s+(?:her|him|it|them)\s+['\"]?(?P<nick>[A-Za-z][\w'-]*)", text, re.I)
    if full and known and known.start() > full.start() and _name_slot(known.group("nick").lower()):
        name = known.group("nick")  # "His full name is Sir Reginald but everyone calls him Reggie": Reggie
        return name[:1].upper() + name[1:], [full.group("full")]
    quoted = re.search(r"\b(?:call|name)\s+(?:us|them|it|him|her|these|this)\s+(?:as\s+)?['\"\u2018\u201c](?P<name>[A-Za-z]"
                       r"[\w'-]*(?:\s+[\w'&-]+){0,3})['\"\u2019\u201d]", text, re.I)
    if quoted:  # "photos of us together from our holidays. Call us 'Sofia e Marco'"
        name = quoted.group("name")
        return name[:1].upper() + name[1:], ["us"] if re.search(r"\bcall\s+us\b", text, re.I) else []
    pics = re.match(rf"^\W*(?P<kin>(?:my|our)\s+(?:{'|'.join(sorted(_ANIMATE))}))\s+(?P<name>[a-z][\w'-]*)(?:'s)?\s+(?:pics?|"
                    r"photos?|pictures?|snaps?|shots?)\b", text, re.I)
    if pics and _name_slot(pics.group("name").lower()) and not lang.pos_of(pics.group("name").lower()) & {"VERB", "ADJ",
                                                                                                        "ADV"}:
        name = pics.group("name")  # "my dog bruno pics attached, hes a bassett hound"
        return name[:1].upper() + name[1:], [pics.group("kin").lower()]
    call = re.search(r"\bcall\s+(?:it|him|her|them)\s+['\"]?(?P<name>[a-z][\w'-]*)['\"]?\W*$", text)
    if call and _name_slot(call.group("name")) and not lang.pos_of(call.group("name")) & {"VERB", "ADJ", "ADV"} and \
            call.group("name") not in _NOT_NAMES:  # "this is my bike. call it zoomer"
        kind = re.search(r"\b(?:my|our)\s+(?P<kind>[a-z]+)\b", text[:call.start()])
        return call.group("name").capitalize(), [f"my {kind.group('kind')}"] if kind else []
    shown = re.search(r"\b(?:these\s+are|this\s+is|here\s+(?:is|are)|here's|they're|they\s+are)\s+(?:all\s+)?(?:of\s+)?(?:her|him|"
                      r"them)[.!]+\s+(?P<name>[A-Z][\w'-]*)\s*[.!]", text)
    if shown and _name_slot(shown.group("name").lower()):  # "These are of her. Peggy. (Margaret on the certificate ...)"
        return shown.group("name"), []
    here = re.search(r"\bhere\s+(?:she|he|they)\s+(?:is|are)[.!,]*\s+(?P<name>[A-Za-z][\w'-]*)\s*(?:[.!,]|$)", text, re.I)
    if here and _name_slot(here.group("name").lower()) and not lang.pos_of(here.group("name").lower()) & {
            "VERB", "ADJ", "ADV", "INTJ"}:  # "here she is. beatrice. everyone calls her auntie bea"
        name = here.group("name")
        nick = re.search(r"\b(?:calls?|called)\s+(?:her|him|them)\s+(?P<nick>[a-z]+(?:\s+[a-z]+)?)\W*$", text, re.I)
        return name[:1].upper() + name[1:], [nick.group("nick").lower()] if nick else []
    he_is = re.search(r"(?:^|[.!?]\s+)(?:[Hh]e|[Ss]he)\s+is\s+(?P<name>[A-Z][\w'-]*)\s*(?:,|\.|$)", text)
    if he_is and _name_slot(he_is.group("name").lower()) and not lang.pos_of(he_is.group("name").lower()) & {"ADJ", "ADV"}:
        known_as = re.search(r"\b(?:refer\s+to|know|knows|call|calls|called)\s+(?:him|her)\s+(?:as\s+)?['\"\u2018\u201c]?(?:the\s+)?"
                             r"(?P<nick>[A-Za-z][\w-]*(?:'[a-z]+)?)",
                             text, re.I)  # "He is Harold, although the team refer to him as 'the Professor'"
        return he_is.group("name"), [f"the {known_as.group('nick').lower()}"] if known_as else []
    animate = "|".join(sorted(_ANIMATE))
    low = re.search(r"\b(?:his|her|their|its)\s+name\s+(?:is|was|'s)\s+(?P<name>[a-z][\w'-]*)\b", text) or re.search(
        rf"\b(?:this\s+is|meet|here's|here\s+is)\s+(?:my|our)\s+(?:\w+\s+)?(?:{animate})\s+(?P<name>[a-z][\w'-]*)\b(?=\s+(?:hes|"
        r"shes|he's|she's|he|she|it's|its|and|who|lol|is|was)\b|\s*[^\w\s]|\s*$)", text) or re.search(
        r"^\W*(?:she|he)\s+is\s+(?P<name>[a-z][\w'-]*)\s*,", text) or re.search(
        rf"^\W*(?:my|our)\s+(?:late\s+|old\s+)?(?:{animate})\s+(?P<name>[a-z][\w'-]*)\s+(?:had|has|was|passed|died|turned|"
        r"just|is)\b", text)
    kinds = lang.pos_of(low.group("name")) if low else frozenset()
    if low and _name_slot(low.group("name")) and (not kinds or "NOUN" in kinds and not kinds & {"ADJ", "ADV", "INTJ"}) and \
            not (low.group("name").endswith("ing") and "VERB" in kinds) and low.group("name") not in _NOT_NAMES | {"him", "her", "them", "it", "me"}:
        # "his name was walter but everyone called him pop", "this is my cat biscuit hes a orange tabby", "she is
        # clover, she is white", "my horse duchess had to be put down on sunday": a name said in lower case
        name = low.group("name").capitalize()
        nick = _NICKNAME.search(text)
        kin = re.search(rf"\b((?:my|our)\s+(?:late\s+|old\s+)?(?:{animate}))\s+{re.escape(low.group('name'))}\b", text, re.I)
        aliases = ([nick.group("nick").lower()] if nick and nick.group("nick").lower() != low.group("name") else []) + (
            [kin.group(1).lower()] if kin else [])
        return name, aliases
    spelled = re.search(r"\bspelled\s+(?P<letters>[A-Za-z](?:\s*[-.]\s*[A-Za-z]){2,})", text, re.I)
    if spelled:
        name = re.sub(r"[\s.-]", "", spelled.group("letters")).capitalize()
        called = re.search(r"\b(?:we|everyone|they|people)\s+(?:all\s+)?(?:call|calls)\s+(?:her|him|them)\s+(?P<nick>[A-Za-z][\w'-]*)",
                           text, re.I)
        kin = _KIN.search(text)
        aliases = ([called.group("nick").lower()] if called else []) + ([kin.group(0).lower()] if kin and kin.group(1).split()[
            -1].lower() in _ANIMATE else [])
        return name, aliases
    named = re.search(r"\b(?:her|his|its|their)\s+name\s+is\s+(?P<name>[A-Z][\w'-]*)\s+but\s+(?:literally\s+|just\s+)?(?:everyone|we|"
                      r"everybody|people|they|i)\s+(?:all\s+)?(?:call|calls)\s+(?:her|him|it|them)\s+(?P<nick>[A-Za-z][\w'-]*)", text)
    if named:
        return named.group("name"), [named.group("nick").lower()]
    enrolling = re.search(r"\b(?:enrol(?:l)?ing|adding|registering)\s+(?P<name>[a-z][\w'-]*)\s*,\s*(?P<alias>(?:the|our|my)\s+"
                          r"(?:[a-z]+\s+)?[a-z]+)\b", text, re.I)
    if enrolling and _name_slot(enrolling.group("name").lower()) and enrolling.group("name").lower() not in (
            "him", "her", "them", "it", "me", "my", "our", "the", "some", "more", "another"):
        name = enrolling.group("name")  # "ok also enrolling gus, the office cat"
        return name[:1].upper() + name[1:], [enrolling.group("alias").lower()]
    was = re.search(rf"\b(?P<kin>(?i:my|our)\s+(?i:late\s+)?(?:{'|'.join(sorted(_ANIMATE))}))\s+(?:was|is)\s+(?P<name>[A-Z][\w'-]*)\b"
                    rf"(?!\s+(?:and|or)\b)", text)
    if was and _name_slot(was.group("name").lower()):  # "My wife was Margaret. Peg, to everyone who knew her."
        nick = re.search(r"\b(?P<nick>[A-Z][\w'-]*),\s+to\s+(?:everyone|everybody|all|most|friends|family|us)\b", text)
        return was.group("name"), [was.group("kin").lower(), *([nick.group("nick").lower()] if nick else [])]
    this = re.match(r"^\W*(?:this\s+is|here'?s|meet)\s+(?P<name>[a-z][\w'-]*)\s*,?\s+(?:he|she|they|it)(?:'s|\s+is|\s+are)\b", text,
                    re.I)
    if this and _name_slot(this.group("name").lower()) and not lang.pos_of(this.group("name").lower()) & {
            "ADJ", "VERB", "ADV"} and this.group("name").lower() not in ("my", "our", "me", "him", "her"):
        name = this.group("name")  # "THIS IS CALEB HE IS THE YOUNGEST OF MY FIVE"
        return name[:1].upper() + name[1:].lower(), []
    shes = re.search(r"(?:^|[.!?]\s+)(?:[Ss]he|[Hh]e|[Ii]t)(?:'s|\s+is)\s+(?P<name>[A-Z][\w'-]*)\s*[.!]", text)
    if shes and re.search(r"\b(?:learn|remember|save|enrol|enroll)\s+(?:her|him|it)\b", text, re.I) and \
            _name_slot(shes.group("name").lower()) and not lang.pos_of(shes.group("name").lower()) & {"ADJ", "VERB", "ADV"}:
        thing = re.search(r"\b(?:restor(?:ed|ing)|built|bought|have|own|got)\s+(?:a|an|my|our)\s+(?:\d{2,4}\s+)?(?P<what>(?:[A-Z][\w-]*\s+)*"
                          r"[A-Z][\w-]*)", text)
        bike = ["the bike"] if re.search(r"\b(?:motorbike|motorcycle|bike|bonneville|harley|ducati|triumph|vespa|norton|"
                                         r"kawasaki|yamaha)\b", text, re.I) else []
        return shes.group("name"), ([f"the {thing.group('what').split()[-1].lower()}"] if thing else []) + bike
    return None


def _parse_introduction_text(text: str) -> tuple[str, list[str]] | None:
    own = re.search(r"\b(?:me|myself)\s*\(\s*(?:(?:it'?s|i'?m|aka|name'?s)\s+)?(?P<a>[a-z][\w'-]*)\s*\)", text, re.I)
    if own and _SELF.search(text) and not lang.pos_of(own.group("a").lower()) & {"VERB", "ADJ", "ADV"} and \
            own.group("a").lower() not in _NOT_NAMES and own.group("a").lower() not in \
            lang.DETERMINERS:  # "4 selfies of me (jaz)": Jaz, who is "me"
        said = own.group("a")
        return (said[:1].upper() + said[1:] if said.islower() else said), ["me"]
    if len(re.sub(r"\s*\([^()]{12,}\)", "", text).split()) >= 3:
        text = re.sub(r"\s*\([^()]{12,}\)", "", text)  # "(we're called Static Goose, don't ask)": an aside
    sender = re.match(r"^\W*(?P<name>[a-z][\w-]*)\s+(?:finally\s+|just\s+|has\s+|have\s+)?(?:sent|shared|gave\s+me|uploaded|"
                      r"texted|emailed)\s+(?:me\s+|us\s+)?(?:(?:the|her|his|their|some|my|over)\s+)?(?:pics|photos|pictures|"
                      r"selfies)\b", text, re.I)
    if sender and _name_slot(sender.group("name").lower()) and not lang.pos_of(sender.group("name").lower()) & {
            "VERB", "ADJ", "ADV"} and sender.group("name").lower() not in _NOT_NAMES:
        role = re.search(r"\b(?:she|he|they)(?:'s|s|\s+is|'re|\s+are)\s+(?P<alias>(?:our|my|the)\s+[a-z]+)\b", text, re.I)
        said = sender.group("name")  # "priya finally sent pics, she's our wizard": Priya, "our wizard"
        return said[:1].upper() + said[1:], [role.group("alias").lower()] if role else []
    here = re.search(r"\bhere'?s\s+(?P<name>[a-z][\w-]*)\W*$", text, re.I)
    if here and _name_slot(here.group("name").lower()) and not lang.pos_of(here.group("name").lower()) & {
            "ADJ", "ADV"} and not here.group("name").lower().endswith(("ing", "ed")) and here.group("name").lower() not in _NOT_NAMES | lang.DETERMINERS | {
            "me", "us", "him", "her", "them", "it", "some", "more", "another", "one"}:
        whose = re.search(rf"\b(?:my|our|their|his|her)\s+(?P<kind>{'|'.join(sorted(_ANIMATE))})\b", text[:here.start()], re.I)
        said = here.group("name")  # "ohh need their dog in it too, heres dolly": Dolly, "the dog"
        return said[:1].upper() + said[1:], [f"the {whose.group('kind').lower()}"] if whose else []
    kin = _PHOTOS_OF_KIN.search(text)
    if kin and _name_slot(kin.group("name").lower()) and not _NAMED.search(text):
        # "I have some photographs of my grandson Leo who is 6": Leo, "my grandson"
        alias = kin.group("alias").lower()
        return kin.group("name"), [alias] + [short for short in [_short_alias(alias)] if short and short != alias]
    found = _introduced(text)
    if found is None:
        return None
    name, aliases = found
    aliases = [re.split(r"\s*[,;]\s*", alias)[0] for alias in aliases]  # "our grey tabby, she's 2"
    aliases = list(dict.fromkeys([*aliases, *(short for short in map(_short_alias, aliases) if short)]))
    said = re.match(r"^((?:(?:Mr|Mrs|Ms|Mx|Dr)\.?\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)(?:\s*,\s*\S.*|\s+(?:from|at|in|on|"
                    r"during|when|who|with|by|last|taken|here|there|and\s+(?:he|she|they|it)|(?:he|she|it|they)(?:'s|s|"
                    r"\s+is|\s+are|'re|\s+was)|hes|shes)\b.*)$", name)
    name = said.group(1) if said else name
    pronoun = re.match(r"^(?:he|she|they|it)(?:'s|s|\s+is|\s+are|'re)\b", name, re.I)
    kin_named = [alias for alias in aliases if len(alias.split()) >= 3 and alias.split()[-2] in _ANIMATE]
    if pronoun and kin_named:  # "these are of her brother Tommy, he is 7": Tommy, "her brother"
        words = kin_named[0].split()
        return words[-1].capitalize(), [" ".join(words[:-1]), *(a for a in aliases if a != kin_named[0])]
    return name, aliases


_PHOTOS_OF_KIN = re.compile(r"\b(?:photos?|photographs?|pictures?|pics?|shots?|snaps?|images?)\s+of\s+(?P<alias>(?:my|our)"
                            r"\s+(?:[a-z]+\s+)?(?:grandson|granddaughter|grandchild|grandkid|niece|nephew|son|daughter|"
                            r"husband|wife|partner|boyfriend|girlfriend|brother|sister|cousin|mom|mum|dad|mother|father|"
                            r"grandma|grandpa|dog|cat|puppy|kitten|horse|pony|parrot|rabbit|bunny|hamster))\s*,?\s+"
                            r"(?P<name>[A-Z][\w-]*)\b")
"""Photos of someone said with who they are, then their name: "photographs of my grandson Leo who is 6"."""


def _introduced(text: str) -> tuple[str, list[str]] | None:
    """Who the photos show and what else the user calls them (see `_parse_introduction`); an article is not part of
    a name ("our new candle, the Luna Jar" is Luna Jar), and a kind said of them is one more way to call them ("his
    name is Mr Wiggles, hes a grey bunny": "the bunny")."""
    # "this is me, Ana, so you can make me too": what the photos are for is no part of who they show
    text = re.sub(r",?\s+so\s+(?:that\s+)?(?:you|u|we|i|it)\s+(?:can|could|will|'ll|are\s+able\s+to)\b[^.!?]*", "",
                  text, flags=re.I)
    text = _REMEMBER_SLIP.sub("remember", text)
    made = re.search(r"[,\s]+(?:and\s+)?(?:i|we)\s+(?:\w+\s+)?(?:painted|made|built|drew|designed|took|bought|knitted|sewed|"
                     r"found|crocheted|restored|carved|printed|customi[sz]ed|decorated|sewn|modded)\b(?:\s+(?:her|him|it|"
                     r"them|these|this|myself))?", text, re.I)
    if made and re.search(r"\b(?:this\s+is|these\s+are|here's|here\s+is|meet)\b", text[:made.start()], re.I):
        text = text[:made.start()]  # "yo this is my guitar nova, i built her w my uncle over the summer": who it is
    told = re.match(r"^(.*?\b(?:this\s+is|meet|here's|here\s+is)\s+[A-Za-z][\w-]*\s*,?\s*(?:my|our|his|her|their)\s+[a-z]+(?:\s+[a-z]+){0,2})"
                    r"\s*,\s*\S.*$",
                    text, re.I)
    if told:  # "this is gerald, my monstera, he is 4 years old and my pride and joy": who, and what is told of them
        text = told.group(1)
    # "this is my cat luna remember her pls", "this is my wife Ania, please remember also": the ask after who
    text = _ASKED_AFTER.sub("", text)
    shown_as = _NAME_IN_BRACKETS.search(text) or _NAME_THEN_WHO.search(text)
    if shown_as and _name_slot(shown_as.group("name").lower()) and not lang.pos_of(shown_as.group("name").lower()) & {
            "INTJ", "ADJ", "ADV", "VERB"}:  # "our company logo (Brightleaf)", "Peanut!! that's our class hamster"
        alias = shown_as.group("alias").lower()
        return shown_as.group("name"), [alias] + [short for short in [_short_alias(alias)] if short and short != alias]
    tail = _NAME_AT_END.search(text)  # "here are 4 of him, he's Leo", "heres pics of him, hes nugget"
    if tail and _name_slot(tail.group("name").lower()) and not tail.group("name").lower().endswith(("ing", "ed")) and \
            not lang.pos_of(tail.group("name").lower()) & {"ADJ", "ADV", "VERB", "INTJ", "NUM"}:
        said = tail.group("name")
        kin = _KIN.search(text[:tail.start()])
        return said[:1].upper() + said[1:], [kin.group(0).lower()] if kin and kin.group(1).split()[-1].lower() in \
            _ANIMATE else []
    the_name = _THE_NAME.search(text)  # "aight sending 5. pixel is the name"
    found = _parse_introduction(text) if the_name is None else (the_name.group("name")[:1].upper() +
                                                                 the_name.group("name")[1:], [])
    if found is None:
        return None
    name, aliases = found
    name = re.sub(r"(?:[,\s]+(?:btw|too|as\s+well|please|pls|plz|thanks|thx|ty|lol|haha+))+\W*$", "", name, flags=re.I)
    name = name.strip("'\"\u2018\u2019\u201c\u201d ")  # "Save it as 'Aurora' please": Aurora
    owned = re.fullmatch(r"(?P<alias>(?:my|our)\s+[a-z]+(?:\s+[a-z]+)?)\s+(?P<name>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)", name)
    if owned and not aliases:  # "here's my cat Samosa btw": Samosa, "my cat"
        name, aliases = owned.group("name"), [owned.group("alias").lower()]
    whose = re.fullmatch(r"(?P<name>.+?),?\s+(?P<alias>(?:my|our|her|his|their)\s+[a-z]+(?:\s+[a-z]+)?)", name)
    if whose and not aliases:  # "this is tofu my cat": Tofu, "my cat"
        name, aliases = whose.group("name"), [whose.group("alias").lower()]
    if not aliases:  # "and this is her little brother, call him Sam": what he is to someone already enrolled
        related = re.search(r"\b(?:is|are)\s+(?P<alias>(?:his|her|their)\s+(?:[a-z]+\s+)?(?:brother|sister|son|"
                            r"daughter|mom|mum|dad|mother|father|twin|baby|friend|dog|cat|puppy|kitten|grandma|"
                            r"grandpa))\b", text, re.I)
        if related:
            aliases = [related.group("alias").lower()]
    if not aliases and name.lower() not in ("me", "myself", "us"):
        # "i have a dog, his name is Toby", "my band finally has a logo ... call it Static": what they are to the
        # user is one more way to call them ("my dog", "the logo")
        had = re.search(r"\b(?:i|we|my\s+\w+|our\s+\w+)\s+(?:\w+\s+)?(?:have|has|got|made|designed|built|adopted)\s+"
                        r"(?:a|an)\s+(?:new\s+)?(?P<noun>[a-z]+)\b(?=\s*(?:[,.;!]|$|\s+(?:and|lol|his|her|its|named|"
                        r"called)\b))", text, re.I)
        noun = had.group("noun").lower() if had else ""
        noun = "" if noun in ("band", "team", "group", "club", "crew", "family", "class", "company", "business", "shop",
                              "party", "gang", "squad", "choir") else noun  # "me and my mates have a band": not him
        if not noun:  # "6 shots of our new water bottle. Save it as Aurora": the bottle
            shown = re.search(r"\b(?:photos?|pics?|pictures?|shots?|images?|snaps?)\s+of\s+(?:my|our)\s+(?:new\s+|"
                              r"latest\s+)?(?:[a-z]+\s+)?(?P<noun>[a-z]+)\b(?=\s*(?:[,.;!\u2014-]|$|\s+(?:and|"
                              r"called|named)\b))", text, re.I)
            noun = shown.group("noun").lower() if shown else ""
        if noun and "NOUN" in lang.pos_of(noun) and noun != name.lower():
            aliases = [f"my {noun}"]
    name = re.sub(r"^(?:the|a|an)\s+(?=[A-Z])", "", name)
    kin_then_name = next((re.fullmatch(r"(?P<alias>(?:my|our)\s+(?:[a-z]+\s+)?(?P<noun>[a-z]+))\s+(?P<name>[a-z][\w-]+)", a,
                                       re.I) for a in [name, *aliases] if re.fullmatch(
        r"(?:my|our)\s+(?:[a-z]+\s+)?[a-z]+\s+[a-z][\w-]+", a, re.I)), None)
    if kin_then_name and (len(name.split()) >= 3 or re.match(r"(?:my|our)\s", name, re.I)) and (
            kin_then_name.group("noun").lower() in _ANIMATE or any(
            kin_then_name.group("noun") in group for group in _KIN_WORDS)) and _name_slot(kin_then_name.group("name")) \
            and not lang.pos_of(kin_then_name.group("name")) & {"ADJ", "ADV"} and \
            not kin_then_name.group("name").endswith(("ing", "ed")):
        # "this is my dad hector, retiring next month": Hector, "my dad" (not "Retiring next month")
        name, aliases = kin_then_name.group("name").capitalize(), [kin_then_name.group("alias").lower()]
    kind = re.search(r"\b(?:he|she|it)(?:'s|s|\s+is)\s+(?:a\s+|an\s+|(?=[a-z]+\W*$|[a-z]+\s*[,.;!]))(?:(?:[a-z-]+)\s+){0,3}?(?P<noun>[a-z]+)\b"
                     r"(?=\s*(?:$|[,.;!]|\s+(?:with|who|that|and|from|of)\b))", text, re.I)
    noun = kind.group("noun").lower() if kind else ""
    if noun in _KINDS and noun != name.lower() and \
            not any(noun in alias.split() for alias in aliases):
        aliases = [*aliases, f"the {noun}"]
    return name, aliases + [short for short in map(_short_alias, aliases) if short and short not in aliases]


_NAME_IN_BRACKETS = re.compile(r"\b(?P<alias>(?:my|our)\s+(?:[a-z]+\s+){0,2}[a-z]+)\s*\((?:called\s+|named\s+)?"
                               r"(?P<name>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)\)")
"""A name in brackets after what it is to the user: "our company logo (Brightleaf)"."""
_NAME_THEN_WHO = re.compile(r"^\W*(?P<name>[A-Z][\w-]*)\s*(?:!+|\.|,|\s[-\u2014\u2013])\s*(?:that's|thats|this\s+is|"
                            r"he's|hes|she's|shes|it's|its|they're)\s+(?P<alias>(?:my|our)\s+(?:[a-z][a-z']*\s+){0,2}?"
                            r"[a-z]+)(?=\s*(?:[.!?,;:]|$)|\s+(?:and|here|these|with|in|lol)\b|\s+[^\w\s])")
"""A name said first, then who it is: "Peanut!! that's our class hamster 🐹 here's 3 pics of him"."""
_ASKED_AFTER = re.compile(r"(?<=\w)[,.!\s]+(?:(?:please|pls|plz|can\s+you|could\s+you|pls\s+can\s+you)\s+)?"
                          r"(?:remember|save|learn|keep)(?:\s+(?:her|him|them|it|this|these|those))?"
                          r"(?:\s+(?:also|too|as\s+well|please|pls|plz|for\s+me|thanks|thx|ty))*[\s.!?]*$", re.I)
_TELLING_APART = frozenset("other second third first older younger oldest youngest eldest elder middle twin "
                           "1st 2nd 3rd".split())
_NAME_AT_END = re.compile(r"\b(?:of|pics?|photos?|pictures?)\s+(?:him|her|it)\W*\s*(?:he's|hes|she's|shes|he\s+is|she\s+is|"
                          r"it's|its)\s+(?:called\s+|named\s+)?(?P<name>[A-Za-z][\w-]*)[\s.!]*$", re.I)
"""Photos of someone, then their name: "here are 4 of him, he's Leo"."""
_THE_NAME = re.compile(r"(?:^|[.!?,;:]\s*)(?:and\s+|so\s+)?(?P<name>[A-Za-z][\w-]*)\s+(?:is|will\s+be|'ll\s+be)\s+"
                       r"(?:the|his|her|its|their)\s+name\b", re.I)


def _short_alias(alias: str) -> str | None:
    """What a longer alias is called for short: "our new puppy" -> "our puppy", "her little brother" -> "her
    brother", "our signature pastry" -> "our pastry" (the owner's word and the last noun)."""
    words = alias.split()
    if len(words) < 3 or words[0] not in ("my", "our", "his", "her", "their") or "NOUN" not in lang.pos_of(words[-1]) \
            or set(words[1:-1]) & _TELLING_APART:
        return None  # "my other cat" is not "my cat"
    return f"{words[0]} {words[-1]}"


_REMEMBER_SLIP = re.compile(r"\b(?:" + "|".join(slip for slip, word in lang.SHORTHAND.items() if word == "remember")
                            + r")\b", re.I)
"""The slips of "remember" the language module spells out, for the names read from the text as typed."""


def _parse_introduction(text: str) -> tuple[str, list[str]] | None:
    """ "this is my dog Rex" -> ("Rex", ["my dog"]); "this is me" -> ("me", []); "meet Rex, my dog" -> same;
    "here are shots of our new sneaker. Let's call it Volt" -> ("Volt", ["our new sneaker"])."""
    text = _HOW_MANY.sub("", text)  # "here are 3 of my guy Dot": the count is not part of a name
    text = re.sub(r"((?:^|[.!?]\s+)\W*(?:(?:ok|okay|so|and|cool|right)[,\s]+)?(?:here's|heres|here\s+(?:is|are)|these\s+are)\s+)(?:\d+|two|three|"
                  r"four|five|six|seven|eight|a\s+few|some)\s+(?:more\s+)?(?:(?:different\s+)?(?:angles|views|shots|pics|photos|"
                  r"pictures|images|snaps)\s+)?of\s+", r"\1", text, flags=re.I)  # "here's 8 of Sunny", "5 angles of"
    text = _REMEMBER_SLIP.sub("remember", text)  # "can u rember it as Speckle Mug"
    named = max(_NAMED.finditer(text), key=_naming_weight, default=None)
    if named:
        name = named.group("name") or named.group("other") or named.group("calls") or named.group("called") or \
            named.group("meet") or named.group("iam") or named.group("goes") or named.group("is") or named.group("ours") or \
            named.group("igo") or named.group("lownamed") or named.group("lowiam")
        if named.group("lowcalled") or named.group("lowas"):
            # "we're called static moths", "save me as pixelpete": a chosen name, kept as they spell it
            said = named.group("lowcalled") or named.group("lowas")
            return said, ["me"] if (named.group("who") or "").lower() in ("me", "myself") else []
        if named.group("lowiam") and not _plain_name(named.group("lowiam")):
            named = None  # "i'm back.", "im tired": how they are, not who
        elif named.group("lownamed") and not _plain_name(named.group("lownamed"), nouns=True):
            named = None
        else:
            name = name[:1].upper() + name[1:]
    if named:
        if named.group("iam") or named.group("igo") or named.group("lowiam"):
            return name, ["me"]  # "Now some photos of me. I am Margaret.", "I go by Ravenwing", "i'm jay"
        if re.search(r"(?:^|[.!?,;]\s*|\band\s+)my\s+name(?:'s|\s+is)\b", text, re.I):
            return name, ["me"]  # "Here are 5 photos. My name is Priya.": the user
        whose = re.search(r"\b([a-z]+?)(?:'s|s'|s)?\s+name(?:'s|\s+is)\b", text, re.I)
        if whose and whose.group(1).lower() in _ANIMATE | {"dad", "mom", "mum", "grandma", "grandpa", "husband", "wife"}:
            return name, [f"my {whose.group(1).lower()}"]  # "Dad's name is Gerald", "my cats name is pancake"
        about = re.search(r"(?:^|\b(?:of|is|are|save|add|remember|enroll|enrol|learn|draw)\s+|'s\s+)((?:my|our)\s+[\w\s-]+?)(?=[,.;!?]|\s+(?:named|called)\b|"
                          r"$)", text, re.I)
        if about and re.search(r"\b(?:pics?|photos?|pictures?|selfies?|headshots?|profile|avatar|pfp)$",
                               re.sub(r"\s+(?:lol|lmao|haha\w*|tbh|ngl)$", "", about.group(1).lower())):
            about = None  # "I'm tired of my old profile pic lol. Name is Priya": a picture of theirs, not who
        alias = re.sub(r"\s+(?:lol|lmao|haha\w*|tbh|ngl|obviously)$", "", about.group(1).lower()) if about else ""
        alias = re.sub(r"\s+(?:at|in|on|from|with|during|today|yesterday|last|this|when|for|because|so)\b.*$", "", alias)
        has = re.fullmatch(r"(?:my|our)\s+\w+\s+(?:has|have|had|got|owns)\s+(?:an?\s+)?(?:[\w-]+\s+)?(?P<noun>[a-z]+)", alias)
        if has:
            alias = f"the {has.group('noun')}"  # "my son has a teddy called Mr Buttons": the teddy
        if not about and name and _OF_ME.search(text) and not re.search(r"\bcalls?\s+(?:him|her|it|them)\b", text, re.I):
            return name, ["me"]  # "4 pics of me. name's Kit."
        return name, [alias] if about and name.lower() not in about.group(1).lower() else []
    appositive = _APPOSITIVE.search(text)
    if appositive:  # "something funny for Marco, my husband. These are some photos of him."
        return appositive.group("name"), [appositive.group("alias").lower()]
    presented = _SAID_WITH.search(text)
    if presented and presented.start() > 0 and _name_slot(presented.group("name").lower()):
        return presented.group("name"), []  # "remember my dog too, here's Pepper."
    # "my cat Mochi 🐱 got 3 pics of her": an emoji between two clauses ends the first
    text = re.sub(rf"(?<=\w)\s*{lang._EMOJI}+\s*(?=\w)(?!(?:my|our|his|her|their|the|a|an)\b)", ". ", text)
    text = _AROUND.sub(" ", text).strip()
    sentences = [part for part in re.split(r"(?<=[.!?])" + lang.NOT_A_TITLE + r"\s+|\s+[-\u2014\u2013]\s+",
                                                 text.strip()) if part]
    sentences = [part for part in sentences if not lang.is_small_talk(lang.words(part))] or sentences
    asks = any(_asks_a_change(sentence) for sentence in sentences)
    introduced = [f for f in (_introduction(sentence) for sentence in sentences) if f]
    loose = [(found, bool(_PRESENTS.search(sentence))) for sentence in sentences
             if not _asks_a_change(sentence) and not _INTRO.match(intents.clean(sentence))
             for found in [_loose_introduction(sentence)] if found]
    candidates = introduced + [found for found, _ in loose]
    if not candidates:
        return None
    # "these are my twins. first up, this is Leo": a name said as a name beats a description of who they are;
    # "need to make a graphic for our team, the Rams. heres our mascot guy rocky": the sentence that presents them
    presented = [found for found, presents in loose if presents and found[0].lower() not in ("me", "myself", "us")] \
        if not introduced else []
    pool = presented or candidates
    found = next((f for f in pool if _said_as_name(f[0], text)), pool[0])
    kin_named = next((f for f in candidates if re.search(  # "We're Tom and Lena ... We want our dog Waffles on it"
        rf"\b(?:my|our)\s+(?:[a-z]+\s+)?(?:{'|'.join(sorted(_KINDS))})\s+{re.escape(f[0])}\b", text, re.I)), None)
    found = kin_named if kin_named and not found[1] else found  # unless the first is said with who it is to them
    name, aliases = found
    name = re.sub(r"\s*\([^)]*\)?", "", name).strip() or name  # "me (smiling)": a remark in brackets is no name
    if name.lower() in ("me", "myself") or _SELF.search(text):
        own = re.search(r"\b(?:me|myself)\s*(?:\(\s*(?:(?:it'?s|i'?m|aka|name'?s)\s+)?(?P<a>[a-z][\w'-]*)\s*\)|,?\s+aka\s+"
                        r"(?P<b>[a-z][\w'-]*))", text, re.I)
        if own and not lang.pos_of((own.group("a") or own.group("b")).lower()) and (own.group("a") or own.group("b")).lower() \
                not in lang.DETERMINERS:
            said = own.group("a") or own.group("b")  # "4 selfies of me (jaz)": Jaz, who is "me"
            return (said[:1].upper() + said[1:] if said.islower() else said), ["me"]
    if name.lower() in ("me", "myself", "us"):
        return name.lower(), aliases
    if name.lower() in ("picture", "pictures", "photo", "photos", "image", "images", "pic", "pics", "drawing", "upload"):
        return None  # "I upload my picture. What shape is this?": a photo, no one introduced
    if asks and not re.search(rf"\b{re.escape(name[:1].upper() + name[1:])}\b", text):
        return None  # "this my lamp lol. make it look like an album cover": an edit, no one introduced
    return (name[:1].upper() + name[1:] if name.islower() else name), aliases


_PRESENTS = re.compile(r"\b(?:here'?s|heres|here\s+(?:is|are)|this\s+is|these\s+are|meet|(?:pics?|photos?|photographs?|pictures?|"
                       r"shots?|selfies?)\s+of)\b", re.I)


def _asks_a_change(sentence: str) -> bool:
    """An edit asked in the sentence ("make it look like an album cover"), not a purpose or a story ("need to make a
    hype graphic", "my son has helped me to put them on here")."""
    return any(not re.search(r"\b(?:need|needs|want|wants|trying|have|has|going|got|me|us|him|her)\s+to\s+$|"
                             r"\b(?:let\s+me|lemme|let's|lets|i'?ll|i\s+will|we'?ll|we\s+will|gonna)\s+$",
                             sentence[:found.start()], re.I) for found in _NOT_A_NAME.finditer(sentence))


def _said_as_name(name: str, text: str) -> bool:
    """Whether `name` is written as a proper name in the text (capitalized, and not only as a sentence's first word)."""
    if name.lower() in ("me", "myself", "us") or not name[:1].isupper():
        return name.lower() in ("me", "myself", "us")
    return bool(re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(name)}\b", text)) and not name.lower().startswith(
        ("my ", "our "))


def _introduction(text: str) -> tuple[str, list[str]] | None:
    """One sentence that introduces someone: "this is my dog Rex", "they're of my late husband, Harold"."""
    if _NOT_A_NAME.search(text):
        return None
    match = _INTRO.match(intents.clean(text))
    if not match:
        return None
    who = match.group("who").strip()
    who = re.sub(r"\s+(?:in\s+(?:all|each|every\s+one)\s+of\s+(?:them|these|those)|in\s+(?:all\s+|every\s+|each\s+)?(?"
                 r":the\s+|these\s+)?"
                 r"(?:photos?|pics?|pictures?|shots?))$", "", who, flags=re.I)  # "my husband Raj in all of them"
    who = re.sub(r"^(?:of|about|all)\s+", "", who, flags=re.I)  # "these are all dev"
    who = re.sub(r"^(?:called|named)\s+(?:the\s+(?=[A-Z]))?", "", who)  # "it's called the Volt Runner, here are pics"
    # "mr waffles my bunny plushie ive had him since i was 4": a new clause says more about them, not who they are
    who = re.sub(r"\s+(?:i've|ive|i'd|i\s+(?:have|had|got|was|am)|we've|we\s+(?:have|had|got))\b.*$", "", who,
                 flags=re.I)
    if who.lower() in ("him", "her", "them", "it", "this", "these", "those", "that"):
        return None  # "pls remember him": who is said elsewhere
    who = re.sub(r",\s*(?:he|she|they|it|we|who)\s+(?!is\b|are\b|'s\b|"
                 r"'re\b).*$", "", who, flags=re.I)  # ", she wears ..."
    titled = re.match(r"^(?P<name>[A-Z][\w-]*)\s+(?P<alias>the\s+[a-z]+)\s*(?:,|$)", who)
    owner = re.match(r"^(?P<name>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)\s+(?P<alias>(?:my|our)\s+[a-z][a-z\s-]*?)\W*$", who)
    if owner:  # "Meet Zippy 🤖 our brand mascot!"
        return owner.group("name"), [owner.group("alias")]
    owner = re.match(r"^(?P<name>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?P<alias>(?:my|our)\s+[a-z][a-z\s-]*?)(?:\s+(?:from|"
                     r"since|that|who|which)\b.*)?\W*$", who)
    if owner and all(word in _TITLES or _name_slot(word) for word in owner.group("name").split()):
        # "mr waffles my bunny plushie": a name typed in lower case, then what it is to them
        return " ".join(word.capitalize() for word in owner.group("name").split()), [owner.group("alias")]
    if titled:  # "Pip the fox, the main character of my picture book"
        return titled.group("name"), [titled.group("alias")]
    if "," in who and len(who.split(",")[0].split()) <= 4 and re.search(r"\b[A-Z]", who.split(",")[0]) and \
            len(who.split()) > 6:
        who = who.split(",")[0].strip()  # "Nana Bea, who turns 80 next week and loves ..."
    owned = re.search(r",\s*((?:my|our)\s+(?:[a-z]+\s+){0,2})([A-Z][\w-]*)$", who)
    if owned:  # "the real star of the show, our cat Pickles"
        return owned.group(2), [owned.group(1).strip().lower()]
    if re.match(r"^(?:(?:my|a|an|the|this|some|our)\s+)?(?:\w+\s+)?(?:photo|picture|pic|image|drawing|sketche?|shot|"
                r"snap|"
                r"file|upload)s?(?:\s+of\s+(?:him|her|them|it|me|us))?$", who, re.I):
        return None  # "here is my picture": an upload, not an introduction
    said_of = re.match(r"^(?P<head>(?:my|our)\s+(?:[a-z]+\s+)?[a-z]+\s+[A-Za-z][\w-]*)\s*(?:,\s*|\s+(?=(?:he|she|they)\s+[a-z]+s?\b))"
                       r"(?:he|she|it|they)(?:'s|s|'re|\s+is|\s+are|\s+[a-z]+)\s", who, re.I)
    who = said_of.group("head") if said_of else who  # "my flatmate oskar, he's hopeless at selfies"
    if len(who.split()) > 6 or (re.match(r"^(?:an?|the|some|this|that)\b", who, re.I)
                                and not re.search(r"\b(?!I\b)[A-Z]", who)):
        return None  # "a test tile from our set": a picture, not someone with a name
    if re.fullmatch(r"(?:my|our)\s+(?:face|selfies?|self)", who, re.I):
        return "me", []
    shots = re.match(r"^(?:\d+|a\s+few|some|two|three|four|five|six|a\s+couple(?:\s+of)?)?\s*(?:photos?|pics?|pictures"
                     r"?|"
                     r"selfies?|shots?|images?|snaps?)\s*,\s*(?P<intro>.+)$", who, re.I)
    if shots:  # "these are 5 selfies, I'm Jordan"
        said = re.match(r"^(?:(?P<me>i'm|i\s+am|im)|he's|she's|it's|they're|this\s+is|that's)\s+(?P<name>[A-Za-z][\w-]*"
                        r"(?:\s+[A-Z][\w-]*)?)\W*$", shots.group("intro"), re.I)
        if said:
            return said.group("name"), ["me"] if said.group("me") else []
    name, comma, alias = (part.strip() for part in who.partition(","))
    if comma and re.match(r"^(?:my|our)\s+", name, re.I) and re.match(
            r"^(?:he's|she's|it's|they're|hes|shes|its|theyre|he|she|it|they|save|remember|learn|keep|store|"
            r"please|pls)\b", alias, re.I):
        who = name  # "my cat nugget, save her": the tail asks or describes; the name is in the head
    elif comma:
        if name.lower() in ("me", "myself") and re.fullmatch(r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?", alias):
            return alias, ["me"]  # "this is me, Ana"
        if name.lower() in ("him", "her", "them", "it", "this", "these") or re.match(r"^(?:my|our|his|her|their)\s",
                                                                                           name, re.I):
            name, alias = re.sub(r"^(?:he's|she's|it's|they're|this\s+is)\s+", "", alias, flags=re.I), name
            alias = "" if alias.lower() in ("him", "her", "them", "it", "this", "these") else alias.lower()
        if re.match(r"^(?:he|she|it|they)(?:'s|s|'re|\s+is|\s+are)\s", alias, re.I):
            alias = ""  # "meet Biscuit, she's a golden retriever": what she is, read as a kind above
        return name, [alias] if alias else []
    who = re.sub(r"^(?:the\s+)?(?:photos?|pictures?)\s+of\s+", "", who, flags=re.I)
    words = who.split()
    if words[0].lower() in ("his", "her", "their") and len(words) >= 3 and words[-1][0].isupper():
        return words[-1], []  # "this is his puppy Waffles": whose it is, not what the user calls it
    if words[0].lower() in ("his", "her", "their") and len(words) == 3 and words[1].lower() in _ANIMATE and \
            _name_slot(words[2].lower()):
        return words[2], [" ".join(words[:2]).lower()]  # "and this is his sister ruby": Ruby, "his sister"
    if words[0].lower() in ("my", "our") and len(words) >= 3 and (
            words[-1][0].isupper() or words[-2].lower() in _ANIMATE):
        return words[-1], [" ".join(words[:-1]).lower()]
    if words[0].lower() in ("my", "our") and len(words) >= 3 and words[-2].lower() in ("named", "called"):
        return words[-1], [" ".join(words[:-2]).lower()]
    return (who.lower() if who.lower() in ("me", "myself", "us") else who), []


_PEOPLE = frozenset("boy girl son daughter husband wife partner boyfriend girlfriend baby kid toddler brother sister mom "
                    "mum dad mother father grandma grandpa granny nan friend buddy bestie bff roommate flatmate housemate "
                    "cousin aunt auntie uncle niece nephew grandson granddaughter fiance fiancee hubby nana nonna teta bf gf "
                    "bae mate pal homie bro sis colleague coworker neighbour neighbor guy mascot".split())
"""Who someone is to the user ("my flatmate oskar"): the word before a name, a person's."""
_KINDS = frozenset(
    "cat kitty kitten dog pup puppy doggo parrot bird budgie hamster rabbit bunny horse pony fish goldfish turtle "
    "tortoise lizard gecko snake ferret pig guinea rat mouse cow goat chicken hen duck lamb bulldog poodle labrador bear "
    "retriever terrier corgi pug beagle husky spaniel toy teddy doll plush car bike robot".split())
"""What an animal or a thing is ("a grey bunny"): a name for it that nothing else in a picture is likely to share."""
_ANIMATE = _KINDS | _PEOPLE
"""Who or what a name is given to: "my cat nugget", "my boy tank" (the word after one of these is its name)."""
_SELF = re.compile(r"\b(?:me|myself|my\s+face|my\s+selfies?|i'm|i\s+am|of\s+me)\b", re.I)
_KIN = re.compile(r"\b(?:my|our)\s+((?:[a-z][a-z-]*\s+)?[a-z]+?)(?=\s*(?:,|\(|\)|\.|$|\s+[A-Z]|\s+(?:named|called|is|'s)\b))")


_APPOSITIVE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?P<name>[A-Z][\w-]*),\s+(?P<alias>(?:my|our)\s+(?:[a-z]+\s+)?(?:"
                         + "|".join(sorted(_ANIMATE)) + r"))\b")
"""Someone named with who they are to the user in apposition, anywhere in the message: "for Marco, my husband"."""
_SAID_WITH = re.compile(r"\b(?:here's|here\s+is|this\s+is|meet)\s+(?P<name>[A-Z][\w-]*)(?=\s*(?:[.!,;]|$))")
"""A name presented after another clause: "remember my dog too, here's Pepper."."""


def _loose_introduction(text: str) -> tuple[str, list[str]] | None:
    """Photos with a name somewhere in the words: "my corgi biscuit", "Luna (my cat)", "remember him, he's Rocky"."""
    said = intents.clean(text)
    if re.match(r"\W*(?:how|what|why|when|where|do|does|did)\b", said, re.I):
        return None  # "How do I save it to my phone?": a question, no one introduced
    pet = re.search(r"\b(my|our)\s+((?:[a-z]+(?:'s)?\s+){0,2}?([a-z]+))\s+([a-z][\w-]*?)(?:'s\b|(?=\s*(?:,|$)|\s+(?:passed|died|is|was|has|"
                    r"had|who|loves|loved|wants?|wanted|needs?|asked|says|said|would|will|just|finally|also|he|she|they|"
                    r"owes|lol|lmao|bday|birthday|turns|graduates|and|from)\b))", said,
                    re.I)  # "my cat smokey passed away last month", "my cousin yara wants one too", "my bf leo's bday"
    if pet and pet.group(3).lower() in _ANIMATE and pet.group(4).lower() not in _ANIMATE \
            and pet.group(4).lower() not in _NOT_NAMES:
        return pet.group(4), [f"{pet.group(1)} {pet.group(2)}".lower()]  # "my corgi biscuit"
    tokens = re.findall(r"[A-Za-z][\w'-]*", said)
    names = [w for i, w in enumerate(tokens) if w[0].isupper() and w not in ("I", "I'm", "I'd", "OK", "Ok")
             and w.lower() not in _NOT_NAMES  # "died on Tuesday"
             and not (w.isupper() and len(w) <= 3)  # "D&D", "DM", "RPG": not names
             and w.lower() not in ("how", "what", "why", "when", "where", "who", "which", "whats", "hows")
             and (i > 0 or w.lower() not in _OPENERS and _name_slot(w.lower()) and (
                 len(tokens) > 1 or not lang.pos_of(w.lower()) - {"NOUN", "PROPN"}) and (
                 not lang.pos_of(w.lower()) or lang.pos_of(w.lower()) & {"NOUN", "PROPN"}))]  # "Olivia!!", not "Can"
    # (nor "Uploading 3 shots of that bottle")
    after = re.search(r"\b(?:he's|she's|it's|named|called|name's|this\s+is|that's|these\s+are|here'?s|here\s+is)\s+"
                      r"(?!(?:my|our|me|him|her|them|it|us|some|the|a|an)\b)([A-Za-z][\w-]*)\s*$", said, re.I)
    kin = _KIN.search(said)
    if names:
        name = re.sub(r"'s$", "", names[-1])
        whole = re.search(rf"(?:\b[A-Z][\w-]*\s+){{1,2}}{re.escape(names[-1])}\b", said)
        if whole and all(w in names and w.lower() not in _OPENERS for w in whole.group(0).split()):
            name = re.sub(r"'s$", "", whole.group(0))  # "Kestrel Vane": a name of two words
    elif after:
        name = after.group(1)
    elif kin and len(tokens) > len(kin.group(0).split()):
        owned = kin.group(0).lower().split()
        if tokens[-1].lower() == owned[-1] and lang.pos_of(tokens[-1].lower()) & {"NOUN"} and not set(owned[:-1]) & (
                _ANIMATE | _THINGS):
            return None  # "these are refs of my original character": who they are, no name ("my guitar nova" names)
        name = tokens[-1]
    elif _SELF.search(said):
        return "me", []
    else:
        return None
    alias = kin.group(0).lower() if kin and name.lower() not in kin.group(0).lower() else None
    return name, [alias] if alias else []


_OPENERS = frozenset("this these that those here meet my our remember save learn photos pics pictures please thank thanks "
                     "sorry hello dear good".split())


def fold(text: str) -> str:
    """Accents off ("Tomás" is "Tomas" as typed on a plain keyboard)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _sound(word: str) -> str:
    """A word as it sounds for a name's spelling: "Sofia" and "Sophia" are one name, "Sparkey" and "Sparky" too."""
    word = fold(word).lower().replace("ph", "f").replace("ck", "k")
    return re.sub(r"(?<=.)(?:ey|ie|ee|y)$", "i", word)


def _near(said: str, known: str) -> bool:
    """One typing slip apart (a letter missing, extra, wrong or two swapped), or sounding the same."""
    a, b = _sound(said), _sound(known)
    if a == b:
        return True
    if a[0] != b[0] or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and
                                  a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def spelled(text: str, subjects: list[dict[str, Any]]) -> str:
    """The text with a subject's name or alias word written as enrolled where the user slipped ("bisquit" for
    Biscuit, "sophias" for Sophia's, "my daugther" for my daughter, "tomas" for Tomás). Only words that are no
    English word of their own are read as a slip."""
    words = {fold(w): w for subject in subjects for label in [subject["name"], *subject["aliases"]]
             for w in re.findall(r"[^\W\d_]{4,}", label)}
    names = {fold(subject["name"]).lower(): subject["name"] for subject in subjects
             if re.fullmatch(r"[^\W\d_]{3}", subject["name"])}
    # "mias turn", "leos bday": a short name's possessive, its apostrophe left out
    text = re.sub(r"\b([^\W\d_]{3})s\b", lambda found: names[found.group(1).lower()] + "'s"
                  if found.group(1).lower() in names else found.group(0), text) if names else text
    if not words:
        return text

    enrolled = {w.lower() for w in words}

    def fix(found: re.Match) -> str:
        said = found.group(0)
        if fold(said).lower() in enrolled or lang.pos_of(said.lower()) or _kin_or_title(said.lower()):
            return said  # "nonna" is no slip of "nonno"
        owner = re.sub(r"'?s$", "", said, flags=re.I)
        if owner != said and len(owner) >= 4:
            known = next((w for w in words.values() if _sound(owner) == _sound(w)), None)
            if known is not None:
                return known + "'s"  # "sophias first day": Sophia's
        return next((w for w in words.values() if _near(said, w)), said)

    return re.sub(r"[^\W\d_][\w']{3,}", fix, text)


_LEAD = r"^\W*(?:(?:ok|okay|now|and|then|so|next|also|oh|right)[,.!:\s]+)*"


def mentioned_subject(text: str, subjects: list[dict[str, Any]]) -> str | None:
    """The first enrolled subject the text names (by name, alias or the telling part of a longer name), if any;
    a slip of the keyboard in a name is forgiven, and an alias's noun opens a message on its own ("mascot holding
    a sign" with "our mascot" enrolled)."""
    text = fold(spelled(text, subjects))
    for subject in subjects:
        for label in [fold(label) for label in [subject["name"], *subject["aliases"]]]:
            kind = re.fullmatch(r"(?:my|our|the)\s+([a-z]{3,})", label, re.IGNORECASE)
            if kind and re.match(_LEAD + rf"{re.escape(kind.group(1))}\b(?!\s+(?:is|was|has|'s|are)\b)", text,
                                 re.IGNORECASE):
                return subject["name"]
    first: tuple[tuple[bool, bool, int], str] | None = None  # "ziggy and betsy together": the one named first
    names = {fold(x) for subject in subjects for x in [subject["name"], *_short_names(subject["name"])]}
    for subject in subjects:
        shorts = {fold(x) for x in _short_names(subject["name"])} - {fold(x) for x in subject["aliases"]}
        for label in sorted([fold(x) for x in [subject["name"], *subject["aliases"], *_short_names(subject["name"]),
                                               *_kind_of_name(subject["name"])]], key=len, reverse=True):
            if label.lower() == "me":
                said = list(re.finditer(r"\b(me|myself)\b(?!\s+(?:a|an|the|some|\d)\b)", text, re.IGNORECASE))[:1]
            else:
                said = [found for found in re.finditer(rf"\b{_label_pattern(label)}\b", text, re.IGNORECASE)
                        if not _in_style_name(text, found) and not _common_noun(text, found) and not (
                            label in shorts and _before_a_noun(text, found))]
            # "my son has this old bunny, Mr Buttons": the one who tells of it is not the one it is about; "Granny
            # wants one too - granny reading a story": where she is in the picture, not where she asks
            tells = [bool(re.match(_TELLING, text[found.end():], re.IGNORECASE)) for found in said]
            pick = tells.index(False) if False in tells else 0
            found = said[pick] if said else None
            at = found.start() if found else None
            telling = found is not None and tells[pick]
            # "my boy has been begging me for a picture of the horse": the one the picture is of
            pictured = at is not None and bool(re.search(r"\b(?:picture|pic|image|drawing|portrait|painting|photo|one)s?\s+of"
                                                         r"\s+$", text[:at], re.IGNORECASE))
            # a name before an alias: "my son has this old bunny, Mr Buttons" is about Mr Buttons
            rank = (not pictured, telling, label not in names and telling, at if at is not None else 0, -len(label))
            # the longest label said there wins: "sam's dog" is the dog
            if at is not None and (first is None or rank < first[0]):
                first = (rank, subject["name"])
    return first[1] if first else None


_TELLING = (r"\s+(?:has|had|have|is|was|wants|want|wanted|loves|loved|asked|says|said|keeps|kept|got|gets|needs|thinks|"
            r"would|will|'s\s+(?:got|been|always|never))\b")
"""A subject's label followed by one of these tells of someone, not whom the picture shows."""


def _common_noun(text: str, found: re.Match) -> bool:
    """ "a biscuit tin", "some pickles": a name that is also a word, said as the word (with an article)."""
    said = found.group(0)
    kinds = lang.pos_of(said.lower())
    return " " not in said and ("NOUN" in kinds or "ADJ" in kinds and said.islower()) and bool(re.search(
        r"\b(?:a|an|some|any|another|two|three|few|many|random|plain|regular|generic)\s+(?:(?:actual|real|ordinary|"
        r"normal|regular|random|plain|generic|whole|fresh|ripe)\s+)?$", text[:found.start()], re.I))


def _before_a_noun(text: str, found: re.Match) -> bool:
    """ "koi fish" where the sneakers are Koi Kicks: a word of a longer name, said as part of another thing's name."""
    after = re.match(r"\s+([a-z]+)\b", text[found.end():])
    word = after.group(1) if after else ""
    return bool(word) and "NOUN" in lang.pos_of(word) and not word.endswith(("ing", "ed")) and not lang.pos_of(word) & {
        "ADP", "DET", "PRON", "AUX", "CCONJ"} and word not in ("and", "or", "with", "in", "on", "at", "as", "to", "for")


def _in_style_name(text: str, found: re.Match) -> bool:
    """A name that is a word of a style's name where it stands ("a pixel art dungeon" is no picture of Pixel)."""
    after = re.match(r"\s+([a-z-]+)", text[found.end():], re.IGNORECASE)
    before = re.search(r"([a-z-]+)\s+$", text[:found.start()], re.IGNORECASE)
    said = found.group(0).lower()
    return (after is not None and f"{said} {after.group(1).lower()}" in intents.rewrite.STYLES) or \
        (before is not None and f"{before.group(1).lower()} {said}" in intents.rewrite.STYLES)


_NOT_OWNED = r"(?<!\ba\s)(?<!\ban\s)(?<!\bsome\s)(?<!\bhis\s)(?<!\bher\s)(?<!\btheir\s)(?<!\byour\s)(?<!\bits\s)"
"""Where an alias said without its "my" or "the" still names the subject: not after another owner or an article."""


def _label_pattern(label: str) -> str:
    """ "my cat" also answers to "our cat" and "the cat", "my grandmother" to "my grandma": the owner's words vary,
    the one they mean is the same."""
    owned = re.match(r"^(?:my|our|the)\s+(.+)$", label, re.IGNORECASE)
    if owned:
        *lead, last = owned.group(1).lower().split()
        kin = next((group for group in _KIN_WORDS if last in group), (last,))
        if len(kin) == 1 and len(last) >= 6:  # "the stang" for "the mustang": a name's clipped end, no word itself
            kin = (last, *(last[i:] for i in range(2, len(last) - 3) if not lang.pos_of(last[i:])))
        said = "|".join(re.escape(" ".join([*lead, word])) for word in sorted(kin, key=len, reverse=True))
        said = said.replace("'", r"\s?'?")  # "the kids' hamster", however its apostrophe is spaced or left out
        said = rf"(?:{said})(?:s(?=\s+(?:birthday|bday|b-day|party|first|new|favou?rite|school|wedding|anniversary|"\
               rf"graduation|name|room|class|team)\b))?"  # "my sons birthday": the apostrophe left out
        if not lead and kin in _KIN_WORDS[:4]:  # "make grandma young again", "dad on a golf course": a name in itself
            return rf"(?:(?:my|our|the)\s+(?:same\s+)?)?(?<!\ba\s)(?<!\ban\s){said}"
        if owned.group(1)[:1].isupper() or lead:  # "my Joanie" is Joanie; "the new can" is "new can. on a pier"
            return rf"(?:(?:my|our|the)\s+(?:same\s+)?|{_NOT_OWNED}){said}"
        return rf"(?:my|our|the)\s+(?:same\s+)?{said}"
    return re.sub(r"\\\.(?=\\ )", r"\\.?", re.escape(label))  # "Mr. Nibbles" is "Mr Nibbles" too


_KIN_WORDS = (frozenset("grandma grandmother granny gran nan nana nanna nonna abuela abuelita oma dadi nani babcia "
                        "babushka yiayia yaya lola halmoni".split()),
              frozenset("grandpa grandfather granddad grandad gramps nonno abuelo abuelito opa dada dadaji nanaji "
                        "dziadek dedushka papou lolo".split()),
              frozenset("mom mum mother mama mommy mummy".split()), frozenset("dad father papa daddy".split()),
              frozenset("dog doggo doggy pup puppy".split()), frozenset("cat kitty kitten tabby calico".split()),
              frozenset("horse mare stallion gelding filly colt foal".split()),
              frozenset("bunny rabbit".split()), frozenset("son boy".split()),
              frozenset("daughter daugther duaghter dauther girl".split()),
              frozenset("husband hubby groom".split()), frozenset("wife wifey bride".split()))
"""Words for the same one: an alias said one way answers to the others."""
_TITLES = frozenset("old young little lil big sir lady lord dame captain capt mr mrs ms miss dr doctor professor prof "
                    "king queen prince princess uncle aunt auntie nonna nonno grandma grandpa granny nana papa mama "
                    "baby saint st general major".split())


def _kin_or_title(word: str) -> bool:
    """ "nonna", "grandpa", "auntie": a word for who someone is in a family, or a title before a name."""
    return word in _TITLES or any(word in group for group in _KIN_WORDS)


def _same_kind(word: str, other: str) -> bool:
    """ "tabby" and "cat", "mare" and "horse": one kind, said two ways."""
    return word == other or any(word in group and other in group for group in _KIN_WORDS)


def _kind_of_name(name: str) -> list[str]:
    """ "the candle" for Fig Candle, "the necklace" for Tide Necklace: a product named for what it is."""
    words = name.split()
    if len(words) < 2 or words[0].lower().rstrip(".") in _TITLES or "NOUN" not in lang.pos_of(words[-1].lower()):
        return []
    return [f"the {words[-1].lower()}"]


def _short_names(name: str) -> list[str]:
    """What a longer name is called for short: "old betsy" -> "betsy", "Sir Nibbles" -> "Nibbles", "Nonna Pina" ->
    "Pina" (a title before it, or a word that is nobody's common noun)."""
    words = name.split()
    if len(words) < 2:
        return []
    short = [words[-1]] if words[0].lower().rstrip(".") in _TITLES else []
    short += [w for w in words if not lang.pos_of(w.lower()) and w not in short and len(w) > 2]
    return [w for w in short if w.lower() not in lang.DETERMINERS and w.lower() not in ("the", "our", "my", "his", "her")]


def _register_rule(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    if not facts.attached_image_ids or facts.prefer not in (None, "register_subject"):
        return None
    if len(facts.attached_image_ids) == 1 and _NOT_A_NAME.search(text) and not _NAMED.search(text):
        return None  # "Icon test. Ring → make it blue": one picture to change, no one named
    known = facts.extras.get("subjects", [])
    again = mentioned_subject(text, known) if _MORE_OF.search(text) else None
    if again is not None:  # "here are 3 more of me then", "more pics of Rex": photos of someone enrolled already
        return "register_subject", {"name": again}
    introduced = parse_introduction(text)
    bare = re.match(r"^\W*(?P<name>[A-Za-z][\w]*(?:-[\w]+)*)\b", text)
    if bare and facts.previous_text and facts.previous_answered_in_words and re.search(
            r"\b(?:naming|calling|called|named|name)\s+(?:it|him|her|them)?\W*$", facts.previous_text, re.I) and \
            not lang.pos_of(bare.group("name").lower()) & {"VERB", "ADV", "ADJ"}:
        return "register_subject", {"name": bare.group("name")}  # "finally finished my mech suit, naming it", "UNIT-7"
    if introduced is None and _SENT_TAIL.search(text):  # "this is my husband Marco, i put 4 photo"
        text = _SENT_TAIL.sub("", text) or text
        introduced = parse_introduction(text)
    fixed = _named_in(text, corrections_only=True)
    if fixed is not None and introduced is not None and fixed[0] != introduced[0] and _said_as_name(fixed[0], text):
        introduced = fixed[0], introduced[1]  # "He's Kiwi. Wait no, Kiki."
    quoted = re.search(r"['\"\u2018\u201c](?P<name>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,3})['\"\u2019\u201d]", text)
    if quoted and introduced is not None and introduced[0] in quoted.group("name").split():
        introduced = quoted.group("name"), introduced[1]  # "our signature one, the 'Moss Mug'"
    unnamed = introduced is None or introduced[0].lower() in ("him", "her", "them", "it") or (
        re.search(r"\b(?:of|it's|its|that's)\s+(?:him|her|them)\b", text, re.I) and not _said_as_name(introduced[0], text)
        and not re.search(rf"(?:^|[.!?]\s+){re.escape(introduced[0])}\s*[.!]", text))  # "These are of her. Peggy."
    if unnamed and facts.previous_text and facts.previous_answered_in_words and \
            re.search(r"\b(?:him|her|them|it|these|this|they|those|photos?|pics?|pictures?|selfies?|here\s+(?:you|ya|u)\s+go|"
                      r"there\s+(?:you|ya|u)\s+go|sent|sending|send|attached|uploaded|done)\b", text, re.I):
        # "my son has a teddy called Mr Buttons, can i put it in pictures?" answered, then "here are 4 pics of him"
        introduced = parse_introduction(facts.previous_text) or introduced
    if unnamed and re.search(r"\b(?:him|her|them)\b", text, re.I) and (
            introduced is None or introduced[0].lower() in ("him", "her", "them", "it")):
        # "hes a golden retriever named Waffles" a few messages back, then "ok here are some pics of him"
        enrolled = {fold(subject["name"]).lower() for subject in known}
        introduced = next((found for said in reversed(facts.history)
                           if (found := parse_introduction(said)) and found[0].lower() not in (
                               "me", "myself", "us", "him", "her", "them", "it") and _said_as_name(found[0], said) and
                           fold(found[0]).lower() not in enrolled), introduced)
    if (introduced is None or introduced[0].lower() in ("him", "her", "them", "it", "he", "she", "they")) and known and \
            _just_enrolled(facts) and not _NOT_A_NAME.search(text):
        # "and two more from the side, the label is clearer on these", "ek aur": more photos of the one just enrolled
        return "register_subject", {"name": known[-1]["name"]}
    if (introduced is None or introduced[0].lower() in ("him", "her", "them", "it", "he", "she", "they")) and \
            len(facts.attached_image_ids) >= 2:
        # several photos: whoever was named as the one to enrol ("my daughter Ava ... Can I upload her photos here?",
        # then "ok sending now, these are the best ones I have")
        enrolled = {fold(subject["name"]).lower() for subject in known}
        introduced = _named_in(text) or next((found for said in reversed(facts.history)
                                              if (found := _named_in(said) or _titled(said)) and
                                              fold(found[0]).lower() not in enrolled), None)
    if introduced is None or introduced[0].lower() in ("him", "her", "them", "it", "he", "she", "they"):
        return None
    name, aliases = introduced
    if name.lower() in ("me", "myself"):  # "can you put me in the next one? i'm priya", then "ok here's me"
        said = next((found.group("name") for earlier in reversed(facts.history[-4:]) for found in [_SAID_OWN_NAME.search(
            earlier)] if found and _plain_name(found.group("name").lower(), nouns=True)), None)
        name, aliases = (said[:1].upper() + said[1:], ["me"]) if said else (name, aliases)
    if name.lower() not in ("me", "myself", "us"):  # what it is, when no alias says so
        before = facts.previous_text if facts.previous_answered_in_words and facts.previous_text and \
            fold(name).lower() in fold(facts.previous_text).lower() else None  # the message before, if it named them
        kinds = _kinds_said(text, before, name)
        if not kinds and before is None and facts.talk and facts.previous_answered_in_words and \
                re.search(r"\b(?:him|her|them|it|this|these|they)\b", text, re.I) and not _SELF.search(text):
            # "we just brought home our puppy!!!" answered, then "here are some pics of him, his name is Waffles":
            # the puppy; what the talk before the photos called the one it was about
            kinds = _kinds_said("", " ".join(facts.talk), name, self_too=False)
        aliases = [*aliases, *(kind for kind in kinds
                               if not any(_same_kind(kind.split()[-1], word) for alias in aliases
                                          for word in alias.split()))]
    if name.lower() not in ("me", "myself", "us") and not any(alias.lower().startswith(("my ", "our ")) for alias in aliases):
        kin = next((found.group(1).lower() for said in (text, *reversed(facts.history)) for found in [re.search(
            rf"\b((?:my|our)\s+(?:late\s+|little\s+|baby\s+|big\s+)?(?:{'|'.join(sorted(_ANIMATE))}))\s*,?\s+"
            rf"{re.escape(name)}\b", said, re.I)] if found), None)
        if not kin and re.search(r"\b(?:her|his|their|its)\s+name(?:'s|\s+is|\s+was)\b|\b(?:she|he|they)(?:'s|\s+is|'re|"
                                 r"\s+are)\s+(?:called|named)\b", text, re.I):
            whose = {found.group(1).lower() for found in re.finditer(
                rf"\b((?:my|our)\s+(?:late\s+|little\s+|baby\s+|big\s+)?(?:{'|'.join(sorted(_ANIMATE))}))\b", text, re.I)}
            kin = whose.pop() if len(whose) == 1 else None
            # "my grandma is turning 90 ... I have 7 photos of her here, her name is Rosa": Rosa is "my grandma"
        if kin:  # "I want to add my wife Greta", then "Here are six photos of Greta": she is "my wife" too
            aliases = [*aliases, kin]
    added = re.search(r"\b(?:adding|add|learn|enrol+ing|enrol+|saving|save|remember)\s+(?P<my>(?:my|our)\s+)?(?P<kin>[a-z]+)\s+"
                      r"(?:too|as\s+well|also)\b", text, re.I)
    kin_word = added.group("kin").lower() if added else ""
    if kin_word and kin_word != name.lower() and (kin_word in _ANIMATE or _kin_or_title(kin_word)) and not any(
            kin_word in alias.split() for alias in aliases):
        aliases = [*aliases, f"{(added.group('my') or '').lower()}{kin_word}"]  # "ok adding nonna too ... her name is Carla"
    if name.lower() not in ("me", "myself", "us") and "me" not in aliases and _OF_ME.search(text):
        aliases = [*aliases, "me"]  # "attaching a few selfies. Name me Ms Okafor."
    args: dict[str, Any] = {"name": name}
    if aliases:
        args["aliases"] = aliases
    return "register_subject", args


def _titled(said: str) -> tuple[str, list[str]] | None:
    """ "our teacher ms hale is leaving": a title and a name in lower case (Ms Hale, "our teacher")."""
    found = re.search(r"\b(?:(?P<kin>(?:my|our)\s+[a-z]+)\s+)?(?P<title>ms|mrs|mr|miss|dr|mx)\.?\s+(?P<name>[a-z][\w'-]+)\b",
                      said, re.I)
    if not found or lang.pos_of(found.group("name").lower()) & {"VERB", "ADV"}:
        return None
    name = f"{found.group('title').capitalize()} {found.group('name').capitalize()}"
    return name, [found.group("kin").lower()] if found.group("kin") else []


_SAID_OWN_NAME = re.compile(r"\b(?:i'm|i\s+am|im|my\s+name\s+is|my\s+name's|call\s+me)\s+(?P<name>[A-Za-z][\w'-]*)(?:\W*$|"
                            r"\s*[,.!]|\s+(?:and|im|i'm|i\s+am|from)\b)", re.I)
"""The user's name said at the end of an earlier message: "can you put me in the next one? i'm priya"."""
_OF_ME = re.compile(r"\b(?:selfies?|name\s+me|call\s+me|(?:pics?|photos?|pictures?|shots?)\s+of\s+(?:me|myself)|this\s+is\s+me|"
                    r"that's\s+me|these\s+are\s+(?:all\s+)?me|it's\s+me|save\s+me\s+as|(?:pics?|photos?|pictures?|shots?|"
                    r"them|they|these)\s+(?:are|r)\s+(?:all\s+)?(?:of\s+)?me|pictures?\s+of\s+myself)\b", re.I)
"""Photos of the user: "attaching a few selfies. Name me Ms Okafor" enrols "me" as Ms Okafor."""
_SENT_TAIL = re.compile(r"[,.;!\s]+(?:(?:and|so)\s+)?(?:i|we)\s*(?:'ve|\s+have)?\s+(?:put|attached|added|sent|uploaded|send|"
                        r"attach|upload|include|included)\s+(?:\d+|two|three|four|five|six|seven|eight|a\s+few|some|them|these|"
                        r"the)\b[^.!?,]*[.!?]*\s*$", re.I)
"""What a message with photos says of the photos themselves, after who they show: ", i put 4 photo"."""
_NAME_SAID = (
    re.compile(r"\b(?:his|her|their|its|it's|my|the|our)\s+name(?:'s|s|\s+is)\s+(?P<name>[A-Za-z][\w-]*(?:\s+[A-Z][\w-]*)?)"),
    re.compile(r"\b(?:named|called|se\s+llama|s'appelle|si\s+chiama|hei(?:ß|ss)t|se\s+chama|chama-se|naam)\s+(?:the\s+(?=[A-Z]))?"
               r"(?P<name>[A-Za-z][\w-]*(?:\s+[A-Z][\w-]*)?)"),
    re.compile(r"\b(?:my|our)\s+(?:[a-z]+\s+)?(?:" + "|".join(sorted(_ANIMATE)) + r"|product|mascot|character|plush|"
               r"plushie|mini|figure|figurine|oc)\s+(?P<name>[A-Z][\w-]*)\b"),
    re.compile(r"\b(?:this\s+is|meet|he's|hes|she's|shes|it's|its)\s+(?P<name>[A-Z][\w-]*)\b"),
    re.compile(r"^\W*(?P<name>[A-Za-z][\w-]*)\W+(?:\d+|a\s+few|some|two|three|four|five|six|seven|eight)\s+(?:pics?|photos?|"
               r"pictures?|shots?)\W*$", re.I),  # "duchess. 8 pics"
)
_CORRECTED = (
    re.compile(r"\bno[,.!\s]+(?:(?:wait|sorry|oops|i\s+mean)[,.!\s]+)?(?:(?:it's|its|he's|she's|hes|shes)\s+)?"
               r"(?P<name>[A-Z][\w-]*)\b"),
    re.compile(r"\b(?:it's|its|he's|she's|hes|shes)\s+(?P<name>[A-Z][\w-]*)\s+with\s+an?\s+[A-Za-z]\b"),
)
_SELFIES_BY = re.compile(r"\b(?:selfies?|pics?\s+of\s+me|photos?\s+of\s+me)\b.*\b(?:i'm|im|i\s+am)\s+(?P<name>[A-Za-z][\w-]*)\W*$",
                         re.I)


def _named_in(text: str, corrections_only: bool = False) -> tuple[str, list[str]] | None:
    """The name a message gives someone to enrol, wherever in it: "her name is Kaitlin", "its called Wildflower Honey",
    "my daughter Ava"; a correction wins ("wait its Caitlin with a C", "He's Kiwi. Wait no, Kiki")."""
    for pattern in _CORRECTED:
        found = [m for m in pattern.finditer(text) if _name_slot(m.group("name").lower())]
        if found:
            return found[-1].group("name"), []
    if corrections_only:
        return None
    selfies = _SELFIES_BY.search(text)
    if selfies and _plain_name(selfies.group("name")):
        return selfies.group("name").capitalize(), ["me"]
    for pattern in _NAME_SAID:
        found = [m for m in pattern.finditer(text) if m.group("name").lower() not in _NOT_NAMES and
                 _name_slot(m.group("name").split()[0].lower())]
        if found:
            name = found[-1].group("name")
            return (name if name[0].isupper() else name.capitalize()), []
    return None


_THINGS = frozenset(
    "mug cup lamp bottle doll mascot plush plushie bowl vase mini miniature figure figurine statue sculpture guitar "
    "sneaker sneakers shoe shoes boot boots backpack bag handbag candle necklace ring bracelet watch hat cake cookie "
    "car truck van bike motorbike scooter boat teddy toy puppet robot chair sofa table clock kettle teapot jar "
    "soap perfume jacket dress sweater scarf quilt blanket poster logo sign pendant earrings keyboard camera "
    "puppy kitten pony hamster rabbit bunny parrot tortoise turtle horse dog cat tabby calico mare stallion gelding "
    "foal filly colt bear".split()) | frozenset(
    "mustang fastback corvette camaro jeep pickup motorcycle convertible coupe sedan hatchback minivan tractor vespa "
    "harley impala beetle cadillac porsche ferrari bronco charger chevelle miata".split())
_CARS = frozenset("mustang fastback corvette camaro jeep pickup convertible coupe sedan hatchback minivan impala beetle "
                  "cadillac porsche ferrari bronco charger chevelle miata".split())
"""What an enrolled thing or animal is, said when it is enrolled: "our new desk lamp, the Halo" is also "the lamp"."""


_THEIRS = frozenset("he she it they his her its their who that which loves likes has with".split())
"""Where what is said of them stops being what they are: "Leo, he loves his bike"."""


def _kinds_said(text: str, before: str | None, name: str, self_too: bool = True) -> list[str]:
    """ "the lamp" for "Launching our new desk lamp, the Halo": what the photos show, said as a kind, in the message
    or in the one before it that named them; not a thing of theirs ("Leo, he loves his bike" is not "the bike")."""
    if self_too and _SELF.search(f"{text} {before or ''}"):
        return []
    anchors = (r"\b(?:my|our|this|the|a|an)\s+", rf"\b{re.escape(name)}\s*,\s+")  # "Driftline, insulated steel bottle"
    for said in (text, before or ""):
        for anchor in anchors:
            for found in re.finditer(anchor, said, re.I):
                words = re.match(r"[\w\s-]*", said[found.end():]).group(0).lower().split()[:5]
                words = words[:next((i for i, word in enumerate(words) if word in _THEIRS or word in ("called", "named")),
                                    len(words))]  # "a bookshop called Dog Ear Books": no dog
                kind = next((word for i, word in reversed(list(enumerate(words))) if word in _THINGS or word == "can"
                             and (i == 0 or words[i - 1] in ("new", "tall", "slim", "limited"))), None)
                # "grey cat plush": a plush; "launching a new can": a can ("my dog can you": no can)
                if kind and kind not in name.lower().split():
                    # "got a 72 mustang fastback i restored ... call her Eleanor": the mustang, and a car
                    more = [w for w in words if w in _CARS and w != kind]
                    return [f"the {kind}", *(f"the {w}" for w in more)] + (["my car"] if kind in _CARS else [])
    return []


_MORE_OF = re.compile(r"\b(?:more|extra|additional|newer|better)\s+(?:(?:photos?|pics?|pictures?|shots?|selfies?|"
                      r"images?|snaps?)\s+)?of\b", re.I)


def _shown(facts: TurnFacts) -> tuple[str, ...]:
    """The subjects the current picture shows (an edit of a picture of Pancake still shows her)."""
    return next((image.subjects for image in references.ledger(facts.extras.get("images", []))
                 if image.id == facts.current_image_id), ())


_ALIVE = frozenset("person people man men woman women girl boy child children kid kids lady guy figure character knight "
                   "witch wizard princess prince queen king hero heroine warrior astronaut pirate he she him her they "
                   "portrait face selfie".split())


def _drawn_last(facts: TurnFacts) -> tuple[str, ...]:
    """The subjects of the conversation's latest picture of any subject."""
    return next((image.subjects for image in reversed(references.ledger(facts.extras.get("images", [])))
                 if image.subjects), ())


def _just_enrolled(facts: TurnFacts) -> bool:
    """Photos were enrolled last, with nothing but talk since ("is it safe?" answered, then "draw her as a
    princess")."""
    on_screen = next((image for image in facts.extras.get("images") or [] if image.get("id") == facts.current_image_id),
                     None)
    return facts.previous_action == "register" or (facts.previous_action == "reply" and facts.last_action == "register"
                                                   and (on_screen is None or on_screen.get("operation") == "upload"))


def _pointed_at(facts: TurnFacts) -> tuple[str, ...]:
    """Who "her" or "him" can mean: the subjects the current picture shows; right after photos were enrolled, the
    one just enrolled; while a picture of no one is on screen, the subject drawn last in the conversation."""
    shown = _shown(facts)
    known = facts.extras.get("subjects", [])
    if known and _just_enrolled(facts) and known[-1]["name"] not in shown and facts.previous_action == "register":
        return (known[-1]["name"],)  # "Her portrait: ..." right after her photos, whoever is on screen: her
    if shown or not known:
        return shown
    if _just_enrolled(facts):
        return (known[-1]["name"],)
    described = re.sub(r"\b(?:no|without)\s+\w+", "", facts.current_prompt or "", flags=re.I)  # "no character"
    if set(re.findall(r"[a-z]+", described.lower())) & (_ALIVE | _ANIMATE):
        return ()  # "put her in a market" on a picture of a witch: the witch
    drawn = _drawn_last(facts)
    return tuple(name for name in drawn if subject_entry(name, facts))


_ON_SCREEN = re.compile(
    r"\b(?:in|on|into|onto|at|by|beside|behind|under|over|near|against|toward|towards|next\s+to|in\s+front\s+of|"
    r"on\s+top\s+of|up\s+at|out\s+of)\s+(?:it|this\s+one|that\s+one|the\s+same\s+(?:picture|pic|one|image|scene|card|"
    r"photo))\b(?!\s*(?:is|was|'s)\b)|\b(?:in|into)\s+this\W*$|"
    r"\bin\s+(?:there|here)\b|"
    r"\b(?:(?:left|right|other|far)\s+(?:hand\s+)?(?:side|corner|edge)|front|top|middle|edge|corner|bottom|side)\s+of\s+"
    r"(?:it|this|that|the\s+(?:picture|pic|image|banner|poster|card|scene))\b|"
    r"\b(?:at|on|in|by|around|between)\s+(?P<who>his|her|their)\s+(?:feet|lap|shoulders?|side|arms?|knees?|head|back|"
    r"hands?|paws?|legs)\b|"
    r"\b(?:against|beside|next\s+to|behind)\s+(?P<whom>him|her|them)\b", re.I)
"""Where a subject is put into the picture on screen: "in front of it", "at her feet in that one", "in there"."""
_IDIOMS = re.compile(r"\b(?:(?:i'm|im|i\s+am|we're|we\s+are|you're|he's|she's|they're)\s+at\s+it|at\s+it\s+again|go\s+for\s+it|"
                     r"get\s+on\s+with\s+it|make\s+it\s+in\s+time|in\s+it\s+together|(?:i'm|im)\s+on\s+it)\b", re.I)
"""Words that sound like "it" in the picture and are not: "while I'm at it", "go for it"."""
_ON_SCREEN_TAIL = re.compile(r"[,\s]*\b(?:in|into)\s+this\W*$|[,\s]*\b(?:in|into)\s+(?:it|this\s+one|that\s+one|there|here|the\s+same\s+(?:picture|"
                             r"pic|one|image|scene|card|photo))\b(?:\s*(?:too|as\s+well))?|\s+(?:wants?|wanna|would\s+like|'d\s+"
                             r"like)\s+to\s+be\b|(?<=\w)\W+$", re.I)

_WORN = lang.WORN


def _wears(said_after: str) -> bool:
    """Whether the words after "put her" / "make him" name something worn ("in a sparkly dress"), not a place."""
    return bool(set(re.findall(r"[a-z]+", said_after[:40].lower())) & _WORN)

_ROLES = ("jedi sith wizard witch warlock sorcerer sorceress mage knight paladin superhero superheroine hero heroine villain "
          "pirate astronaut viking ninja samurai cowboy cowgirl elf dwarf vampire zombie werewolf mermaid merman fairy "
          "princess prince queen king emperor empress warrior soldier gladiator spartan pharaoh chef detective firefighter "
          "pilot racer rockstar popstar ghost cyborg alien monk ranger rogue barbarian druid bard cleric explorer "
          "adventurer spy gangster mobster sheriff president god goddess angel demon santa elf clown mummy caveman "
          "cavewoman robot android superman supergirl batman spiderman anime character cartoon muppet figurine "
          "footballer athlete boxer wrestler surfer skater dj rapper hacker netrunner doctor nurse scientist teacher "
          "lawyer businessman businesswoman ceo farmer fisherman gardener artist musician guitarist drummer singer "
          "dancer ballerina magician jester lumberjack mechanic barista baker sailor captain general admiral commander "
          "officer cop agent assassin mercenary hunter archer necromancer shaman priest nun duke duchess noble peasant "
          "gnome goblin orc troll giant titan centaur hobbit halfling tiefling dragon").split()
_MADE_INTO = re.compile(r"\b(?:make|turn|draw|paint|do|render)\s+me\s+(?:into\s+|as\s+)?(?P<as>(?:a|an)\s+(?:[\w-]+\s+){0,2}?"
                        r"(?:" + "|".join(_ROLES) + r")s?)\b", re.I)
"""Someone enrolled as "me" asking to be made into someone: "yo make me a jedi", "make me a dnd wizard"."""

_MY_ONE = r"(?:my|our)\s+(?:guy|girl|boy|man|lady|dude|buddy|character|oc|hero|heroine|little\s+(?:guy|one|man|lady))"
"""What someone calls their own enrolled one without its name: "back to my guy. him at a tavern"."""


def _my_one(text: str, facts: TurnFacts) -> str | None:
    """The subject "back to my guy" means: the one drawn last in this conversation."""
    if not re.search(rf"\bback\s+to\s+{_MY_ONE}\b\s*[-\u2014\u2013:.,;!]+\s*\S", text, re.I):
        return None
    drawn = _drawn_last(facts)
    return next((name for name in drawn if subject_entry(name, facts)), None)


def _draw_subject_rule(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    if facts.has_image and intents._ADD_ONE.match(lang.normalize(text)):
        return None  # "my son says Mr Buttons needs a cape, can u add one": on the picture on screen
    if re.search(r"\b(?:in|as)\s+an?\s+(?:video|animation|gif|reel|clip)\b(?!\s+games?\b)|\b(?:video|animation|gif|reel)\s+(?:of|with|where)\b|"
                 r"\banimate\b", lang.normalize(text)) and not facts.attached_image_ids:
        return None  # "can u make her do a burnout in a video": no still of her, an answer
    if len(facts.attached_image_ids) == 1 and re.search(r"\b(?:drew|made|painted|sketched|did|took|coloured|colored)\s+"
                                                         r"(?:this|it|that)\b", text, re.I):
        return None  # "zeynep drew this can u make it colorful": their picture, to change
    near = re.search(r"(?:^|[.!?]\s+)\W*(?:(?:ok|okay|now|and|so|then)[,\s]+)*(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?"
                     r"(?:put|add|place|stick|give)\s+(?P<thing>(?:an?|some|the|two|three)\s+[\w\s-]{1,30}?)\s+(?:next\s+to|beside|near|"
                     r"behind|in\s+front\s+of|around|on|with)\s+(?:me|him|her|them|"
                     + "|".join(_labels(name, facts) for name in _shown(facts)) + r")\b", text, re.I)
    if near and mentioned_subject(near.group("thing"), facts.extras.get("subjects", [])) is None and _shown(facts) and \
            facts.current_prompt and facts.prefer in (None, "edit", "draw_subject"):
        # "Wallahi this is amazing. Now put a camel next to me": into the picture of them on screen
        change = text[near.start():].strip(" .!")
        return None if facts.prefer == "draw_subject" else (
            "edit_image", {"prompt": intents.merged_edit_prompt(facts.current_prompt, change)})
    if facts.prefer == "draw_subject":
        return _subject_drawn(text, facts)
    if facts.prefer is not None and facts.prefer != "edit":
        return None
    if _shown(facts) and references.variation_count(text) in ((n, "") for n in range(1, 9)):
        return None  # "could I see a few of her": more takes of the picture on screen
    if intents._asks_how(text) or intents.heard_you_can(text):
        return None  # "mum's birthday is saturday and i want to make her a card, any ideas?": advice first
    if not facts.attached_image_ids and intents.ENROL_WITHOUT_PHOTOS.search(lang.normalize(text)):
        return None  # "My wife was Margaret ... My daughter tells me you can learn a person from photographs.": talk
    known = facts.extras.get("subjects", [])
    said_first = text
    current = next((i for i in facts.extras.get("images", []) if i["id"] == facts.current_image_id), None)
    given = re.search(r"\bgive\s+(?:me|him|her|them|us)\s+(?P<what>(?:a|an|some|the)\s+.+?)[?.!]*$", text, re.I)
    if given and current and _shown(facts) and facts.current_prompt and \
            intents.decide(text, facts).kind == "draw":
        # "could you give me a pair of spectacles" while a picture of a subject is on screen: put them on
        prompt = intents.rewrite.edit_prompt(facts.current_prompt, f"add {given.group('what')}")
        return "edit_image", {"prompt": prompt}
    series = _series_take(text, facts)
    if series is not None:  # "sticker pack: mochi happy", then "now sad": the next sticker of her
        return series
    if facts.has_image and _THINKS.match(text):
        return None  # "cilla thinks the wallpaper should be greener": a change of the picture on screen, said for her
    together = _together(text, facts)
    if together is not None:
        return together
    mine = _my_one(text, facts)
    if mine is not None:  # "back to my guy. him at a tavern": the one drawn last, by name
        text = re.sub(rf"\b{_MY_ONE}\b", mine, text, count=1, flags=re.I)
    shown = _shown(facts)
    told = mentioned_subject(facts.previous_text, known) if facts.previous_text and \
        facts.previous_answered_in_words else None
    if told is None and (not facts.has_image or facts.current_prompt in (None, "", intents.rewrite.UNDESCRIBED)):
        # (an upload on screen, the photos just sent, is no picture of them yet)
        # "my daughter's birthday is friday", "shes turning 7 and obsessed with
        # mermaids", then "so can you draw her as a mermaid": the one the talk was about
        told = next((found for said in reversed(facts.talk[:-1]) if (found := mentioned_subject(said, known))), None)
    pointed = r"\b(him|her|them)\b"
    if told is None and known and _just_enrolled(facts) and facts.current_prompt in (None, "", intents.rewrite.UNDESCRIBED) \
            and re.match(r"^\W*(?:(?:ok|okay|now|so|great|perfect)[,.!\s]+)*(?:(?:can|could)\s+(?:you|u)\s+)?(?:please\s+)?"
                         r"(?:show|draw|put|paint|picture|(?:make|do|take|create)\s+(?:a|an|some)\s+(?:photos?|pics?|pictures?|"
                         r"shots?|images?)\s+of)\s+it\s+(?:on|in|at|by|next\s+to|under|inside)\b", text, re.I):
        told, pointed = known[-1]["name"], r"\b(it)\b"  # the photos just enrolled, then "Show it on a wooden table"
    meant = re.search(pointed, text, re.I) if told and mentioned_subject(text, known) is None else None
    if meant and not re.search(r"\b(?:for|to|about)\s+(?:him|her|them)\b", text, re.I):
        # "my roommate dev just passed the bar exam" answered, then "can you make him a superhero": him is Dev
        text = text[:meant.start()] + told + text[meant.end():]
    drawn = re.search(
        r"\b(?:draw|paint|sketch|show|render|do|make|depict|illustrate|imagine)\s+(?:just\s+|only\s+)?(him|her|them)\b(?!\s+(?:a|an|"
        r"some)\b)|"
        r"\b(?:one|another|picture|pic|image|photo|version|shot|portrait|drawing|painting|illustration|sketch|cartoon)\s+"
        r"(?:more\s+)?(?:with|of)\s+(him|her|them)\b|"
        r"(?:^\W*|,\s+|[.!?]\s+)(?:(?:ok|okay|now|and|then|perfect|great|so|also|next|maybe|perhaps|how\s+about|what\s+about|"
        r"another\s+thing|one\s+more\s+(?:concept|idea|"
        r"thing|one)|another\s+(?:one|idea|concept))[,.!:\s]+)*(?:just\s+)?"
        r"(him|her|them|my\s+(?:boy|girl|baby|buddy|little\s+(?:guy|one|man|lady|girl|boy))|the\s+little\s+"
        r"(?:guy|one|man|lady))\s+(?:like|as|at|in|on|riding|wearing|playing|flying|driving|sitting|dressed|"
        r"with|doing|eating|reading)\b|"
        r"^\W*(?:(?:ok|okay|now|and|then|so|let's|lets|let\s+us)[,.!:\s]+)*(?:start|begin|open|kick\s+off)\s+with\s+"
        r"(him|her|them)\s+\w+ing\b|"  # "let's start with her standing on a cliff"
        r"^\W*(?:(?:ok|okay|now|and|then|so|omg|oh|aww+|yay|cool|nice|great|perfect|wow)[,.!:\s]+)*(?:(?:can|could|would|"
        r"will)\s+(?:you|u|ya)\s+)?(?:please\s+|pls\s+)?(?:put|place|drop|set)\s+(him|her|them|she|he)\s+(?:in|on|at|into|"
        r"inside)\s+(?:an?|some)\s+\w+|"
        r"^\W*(?:(?:ok|okay|now|and|then|so|next)[,.!:\s]+)*(his|her|their)\s+(?:own\s+)?(?:headshot|portrait|picture|pic|"
        r"photo|one|version|turn|drawing|painting)\b|"  # "Her headshot: same style as mine, but ..."
        r"\b(?:draw|paint|sketch|show|do)\s+(my\s+(?:old|dear|sweet|lil|little|big)\s+(?:boy|girl|lady|baby|buddy))\s+(?:at|in|on|"
        r"as|with|like|\w+ing)\b|"  # "Now draw my old girl at a car show" (his Mustang, on screen)
        r"\b(?:make|do|draw|show)\s+(him|her|them)\s+(?=(?:in|at|on|inside)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?[A-Za-z])(?!(?:in|at|on|"
        r"inside)\s+(?:an?\s+|the\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+)?(?:" + "|".join(sorted(_WORN)) + r")\b)", text, re.I)
    # "now make him in Venice on gondola", "can you make her in a garden with flowers": a new place for them
    pointed = _pointed_at(facts)
    if drawn and re.fullmatch(r"him|her|he|she|his", next(g for g in drawn.groups() if g), re.I) and pointed and all(
            any(label.lower() in ("me", "myself") for label in (subject_entry(name, facts) or {}).get("aliases", []))
            for name in pointed):
        others = [subject["name"] for subject in known if subject["name"] not in pointed and re.search(
            rf"\b(?:{_labels(subject['name'], facts)})\b", fold(facts.current_prompt or ""), re.I)]
        pointed = tuple(others) or pointed  # "ok can you do just him now?" after "me and my boyfriend": him
    worn = drawn and drawn.group(5) and _wears(text[drawn.end():])
    if drawn and (drawn.group(5) and shown and (worn or not re.search(r"\b(?:in|on|at|into|inside)\s+(?:an?|some)\s+[\w\s-]*?\b(?:in|on|at|"
                                                                     r"through|across|over)\s+\w", text[drawn.start():])) or not shown and not (drawn.group(2) or drawn.group(4) or drawn.group(5))
                  and not _just_enrolled(facts)):
        drawn = None  # with no one on screen only a new scene reaches back for her (right after her photos were
        # enrolled, "draw her at the beach" does too); with her on screen, "put her in a red dress" changes this one
    if mentioned_subject(text, known) is None and drawn and pointed and \
            intents.decide(text, facts).kind in ("draw", "edit"):
        # "ok now draw her floating in space", "lets try one with her on Route 66", "my boy like a pilot over the
        # mountains" while a picture of a subject is on screen: a new picture of that subject
        said = next(i for i in range(1, 9) if drawn.group(i))
        # "one more of her at the beach", "make him in Venice on gondola": another picture, not a change
        another = said in (2, 6, 7, 8) or not shown or bool(
            said == 1 and re.match(r"\s+(?:in|at|on|inside)\s", text[drawn.end(1):]) and not _wears(text[drawn.end(1):]))
        text = text[:drawn.start(said)] + pointed[0] + text[drawn.end(said):]
    else:
        another = False
    role = _MADE_INTO.search(text)
    me = next((s["name"] for s in known if any(label.lower() in ("me", "myself") for label in s.get("aliases", []))), None)
    if role and me:  # "yo make me a jedi": me, as one
        text = f"{text[:role.start()]}draw {me} as {role.group('as')}{text[role.end():]}"
    myself = re.search(r"\b(?:one|a\s+picture|a\s+pic|an\s+image|a\s+version|a\s+photo|another(?:\s+one)?)\s+(?:where|in\s+"
                       r"which|with)\s+(?:i'm|i\s+am|im|i'm\s+just|me)\s+(?=\w+ing\b)", text, re.I)
    if myself and any(label.lower() in ("me", "myself") for s in known for label in s.get("aliases", [])):
        text = text[:myself.start()] + "me " + text[myself.end():]  # "now one where I'm holding a loaf": me
    own = _OWN_ONE.match(spelled(text, known))
    if own and mentioned_subject(own.group("who"), known):  # "teddy keeps asking for his own one where hes a reindeer"
        what = own.group("as")
        cast = "as " if re.match(r"(?:an?|the)\s", what, re.I) else ""
        text = f"{own.group('who')} {cast}{what}"
    asking = lang.request_part(text)
    if asking and asking != text and re.search(r"\bsame\s+(?:[\w-]+\s+)?(?:for|with|of)\b", text, re.I):
        asking = text  # "do the same treatment for me, sitting at an easel": the same picture, of me, and more
    if asking and asking != text:
        # "For the flyers (...) I'd like me standing on the porch ... My designer will add the logo": the sentence
        # that names them asks for them; "my twins Rosie and Finn are obsessed with dinosaurs. Could you do a picture
        # of Finn riding a T-rex?": the one asked for
        asks = _asking_sentences(text, known)
        named = {found for said in lang.sentences(asking) for found in [mentioned_subject(said, known)] if found}
        if len(asks) == 1 and (mentioned_subject(asking, known) is None or len(named) > 1 and
                               lang.sentences(asking)[-1].strip() == asks[0].strip()):
            asking = asks[0]
    if asking and asking != text and mentioned_subject(asking, known) is None:
        named = mentioned_subject(text, known)
        pointed = re.search(r"\b(?:of\s+)?(him|her|them)\b", asking, re.I)
        if named is None or pointed is None:
            return None  # "Walter and I will have been married fifty years ... Please draw a bouquet": not of Walter
        # "my daughter turns 6 on saturday, can you make a picture of her as a princess": her is the daughter
        text = asking[:pointed.start(1)] + named + asking[pointed.end(1):]
    elif asking and asking != text and lang.normalize(text).find(lang.normalize(asking)[:30]) > 0:
        text = _one_of_the_story(asking, text)  # "... my sister had the idea of a poster - could you do one of Dad as
        # a golfer?": the ask
        # after the story (not "Could you do one of the kid too? ... maybe him in armor", where the ask comes first)
    text = _one_of_the_story(text, text)  # "he's obsessed with dinosaurs, so could you draw Sam riding one?"
    wants = re.match(r"^\W*(?:(?:ok|okay|now|and|so|then)[,\s]+)*(?P<who>[\w-]+(?:\s+[\w-]+)?)\s+(?:wants?|would\s+like|asked\s+for|"
                     r"needs?)\s+(?:one|a\s+(?:picture|pic|portrait|drawing)|another)\s+(?:of\s+(?:herself|himself|themselves|"
                     r"her|him|them)\s+)?(?P<as>(?:as|like|in|at|on|riding|with)\s+[^,.!?]+)", spelled(text, known), re.I)
    if wants and mentioned_subject(wants.group("who"), known):
        text = f"{wants.group('who')} {wants.group('as')}"  # "aves wants one of herself as a mermaid, she's 10": Ava, one
    turn = re.match(r"^\W*(?:(?:ok|okay|now|and|so)[,\s]+)*(?P<who>[\w-]+(?:\s+[\w-]+)?)(?:'s|s)\s+turn\W*\s*(?:(?:she|he|"
                    r"they)\s+wants?\s+to\s+be\s+(?P<be>.+)|(?P<rest>.+))$", spelled(text, known), re.I)
    if turn and mentioned_subject(turn.group("who"), known):  # "mias turn she wants to be a mermaid": Mia as one
        text = f"{turn.group('who')} as {turn.group('be')}" if turn.group("be") else \
            f"{turn.group('who')} {turn.group('rest')}"
    cast_as = _next_as(text, known)
    if cast_as:  # "ok gus next. he's a wrestler": Gus as a wrestler
        text = cast_as
    subject = mentioned_subject(text, known)
    asked = re.search(r"(?:^|[.!?,;]\s*)(?:(?:so|and|but|now)\s+)?(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:do|draw|paint|"
                      r"make|show)\s+(?P<who>[^.!?,;]+)", text, re.I)
    named = mentioned_subject(asked.group("who"), known) if asked and asked.start() > 0 else None
    if named is not None and named != subject:  # "mam's 60th is coming up ... can you do Benji on the beach": Benji
        subject = named
    swapped = re.search(r"\b(?:swap|switch|replace|trade)\s+(?P<old>[\w' ]+?)\s+(?:out\s+)?(?:for|with)\s+(?P<new>.+)$", text, re.I)
    wanted = mentioned_subject(swapped.group("new"), known) if swapped else None
    if wanted is not None and wanted not in shown:  # "now swap nibbles for pepper": Pepper, in the picture on screen
        subject = wanted
    where = re.search(r"\b(?:one|a\s+picture|a\s+pic|a\s+version|another(?:\s+one)?)\s+(?:where|in\s+which)\s+"
                      r"(?:she|he|they)(?:'s|s|'re|re|\s+is|\s+are)\s+(?P<as>(?:a|an)\s)?", text, re.I)
    if subject is None and where and shown:
        # "ok now do one where she's a pirate captain" after a picture of Miso: a new one of Miso as a pirate captain
        subject = shown[0]
        rest = text[where.start("as"):] if where.group("as") else text[where.end():]
        text = f"{text[:where.start()]}{subject}{' as ' if where.group('as') else ' '}{rest}"
        another = True
    told = re.search(r"\b(she|he|they)\s+(?:is|are|'s|'re)\s+\w+ing\b", text, re.I)
    if subject is None and told and shown and intents.decide(text, facts).kind == "draw":
        # "Now another: she is cooking pasta in an old kitchen" after a picture of Nonna Pina: her again
        subject = shown[0]
        text = text[:told.start()] + subject + text[told.end(1) + len(re.match(r"\s+(?:is|are|'s|'re)", text[
            told.end(1):]).group(0)):]
    if subject is None or _denied(text, subject, facts) or _told_of_any(text, facts) or \
            _only_for_them(text, subject, facts):
        asked = _told_then_asked(said_first, known)
        # "sam's gonna be mad she didnt get a solo one. do her as a DJ": the last sentence asks, for her
        return _draw_subject_rule(asked, facts) if asked != said_first else None
    labels = _labels(subject, facts)
    described = re.sub(r"\W+", " ", (facts.current_prompt or "").lower())
    given = re.match(rf"^\W*(?:(?:ok|okay|now|and|lol|lmao|haha\w*|omg|(?:can|could|would)\s+(?:you|u)|please|pls)[,!.\s]+)*"
                     rf"(?:give|hand)\s+(?:{labels})\s+(?:an?|some|the|his|her|their|two|three)\s", text, re.I)
    if given and re.search(rf"\b(?:{labels})\b", described, re.I):
        return None  # "give butter a guitar" on "Peanut and Butter as a rock band": a change of the picture of them
    placed = re.search(rf"\b(?:put|add|stick|place|pop|drop|perch|sit|seat|set|stand|park|plop)\s+(?:{labels})\s+(?:(?:in|on|into|onto)\s+(?:it|this|that|"
                       rf"there|the\s+(?:picture|scene|image|pic|card|poster|photo|one))\b|(?P<at>(?:in|on|into|onto|at|by|behind|in\s+front\s+of|"
                       rf"next\s+to|beside|under)\s+the\s+(?P<thing>[\w-]+(?:\s+of\s+the\s+[\w-]+)?)))", text, re.I)
    if placed and placed.group("thing") and not any(re.search(rf"\b{re.escape(word)}\b", described) for word in
                                                    placed.group("thing").lower().split() if word not in ("of", "the")):
        placed = None  # "put Rex in the garden": a new scene, not the garden on screen
    if placed and facts.current_prompt and subject not in shown:
        # "put mochi in it", "Put my two monkeys in the boat with him": the picture on screen, with them in it
        extra = re.sub(r"^\W+|[\s.!?]+$", "", text[placed.end():])
        extra = "" if re.fullmatch(r"(?:with|next\s+to|beside|and)\s+(?:him|her|them|it)|(?:too|as\s+well|please|pls)",
                                   extra, re.I) else extra
        where = f" {placed.group('at')}" if placed.group("at") else ""
        prompt = f"{_room_for(facts.current_prompt, subject, facts)}, with {subject}{where}" + (
            f" {extra}" if len(extra.split()) >= 2 else "")
        return "generate_with_subject", {"subject": subject, "prompt": prompt}
    into = _ON_SCREEN.search(_IDIOMS.sub(" ", text)) if facts.current_prompt and subject not in shown and not placed \
        else None
    if into and (intents.decide(text, facts).kind in ("draw", "edit") or re.match(
            r"^\W*(?:(?:ok|okay|so|and|now|oh|aw+)\W+)*(?:could|can|would|will|may|might)\s+(?!(?:he|she|they|it)\b)", text,
            re.I)):
        # "put my paladin in front of it", "Would it be possible to have Biscuit sitting at her feet in that one?":
        # the picture on screen, with them in it
        said = _ON_SCREEN_TAIL.sub("", text)
        said = re.sub(rf"\b(?:{labels})\b", subject, said, count=1, flags=re.I)
        said = intents.draw_prompt(_without_need(said, labels)) or subject
        said = re.sub(r"^(?:(?:ok|okay|now|and|so|haha|lol)[,\s]+)*(?:put|add|stick|place|pop|drop|park|sit|stand|throw|toss|"
                      r"chuck|slap|have|get|"
                      r"(?:(?:wants?|wanna|would\s+like)\s+to\s+)?be)\s+", "", said, flags=re.I)
        if not re.search(rf"\b{re.escape(subject)}\b", said, re.I):
            said = f"{subject} {said}"
        return "generate_with_subject", {"subject": subject,
                                         "prompt": f"{_room_for(facts.current_prompt, subject, facts)}, with {said}"}
    mine = _like_mine(text, subject, facts)
    if mine:  # "Her portrait: same look as mine, but a red dress": the user's picture, of her, with what differs
        return "generate_with_subject", {"subject": subject, "prompt": mine}
    cast = re.search(rf"\bsame\s+(?:[\w-]+)\b.*\b(?:{labels})\b|"
                     rf"\b(?:{labels})\b.*\b(?:the\s+)?same\s+(?:way|setup|set-up|scene|setting|thing|pose|idea|look|"
                     rf"treatment|style|again)\b|"
                     rf"^\W*(?:(?:ok|okay|now|and|haha+|lol|cute|nice|so)[!,.\s]+)*(?:do|draw|make)\s+(?:{labels})\s+"
                     rf"(?:too|as\s+well|also)(?=\W*$|\W+[a-z]+\s+(?:one|version)\b)|"
                     rf"\bsame\s+(?:again\s+)?(?:but\s+)?(?:for|with|of)\s+(?:{labels})\b|"
                     rf"\b(?:make|turn)\s+(?:it|that|this|him|her|them)\s+(?:into\s+)?(?:{labels})\b(?!\s+\w+ing\b)|"
                     rf"\b(?:with|use|put)\s+(?:{labels})\s+(?:instead|in\s+(?:its|his|her|their)\s+place)\b|"
                     rf"\b(?:swap|replace)\s+(?:it|him|her|them|the\s+[\w-]+)\s+(?:for|with)\s+(?:{labels})\b|"
                     rf"\b(?:swap|switch|replace|trade)\s+(?:[\w']+\s+){{1,2}}?(?:out\s+)?(?:for|with)\s+(?:{labels})\b", text,
                     re.I)
    scene = intents.draws.SAME_LOOK.sub("", text) if cast and intents.draws.SAME_LOOK.search(text) else ""
    scene = re.sub(rf"^\W*(?:(?:ok|okay|now|and|then|so)[,\s]+)*(?:{labels})\b", "", scene, flags=re.I).strip(" ,.")
    if cast and facts.current_prompt and len(scene.split()) >= 3 and re.search(r"\b\w+ing\b|\b(?:in|on|at|by)\s|"
                                                                            r"^(?:as|like)\s+(?:an?|the)\s", scene):
        # "now kenji going absolutely mental on the drums, same style": his own scene, in the look on screen
        drawn_like = intents.draws.matching_draw(re.sub(rf"\b(?:{labels})\b", subject, text, count=1, flags=re.I),
                                                 facts.current_prompt)
        if drawn_like:
            return "generate_with_subject", {"subject": subject, "prompt": drawn_like}
    if cast and facts.current_prompt and subject not in shown:
        # "now the same scene, but with our cat instead", "make it kiwi instead of some random parrot": the
        # picture on screen again, with the subject in it
        prompt = named_again(facts.current_prompt, subject_entry(shown[0], facts)) if shown and subject_entry(
            shown[0], facts) else facts.current_prompt
        for other in shown:  # "Sam in a spacesuit near Saturn", then "and the same for my daughter": Mia in it
            prompt = re.sub(rf"\b{re.escape(other)}\b", subject, prompt)
        if prompt == facts.current_prompt:
            prompt = _cast_in(prompt, subject)
        mood = re.match(r"^\W*(?P<mood>[a-z]+)\s+(?:one|version)\b", text[cast.end():], re.I)
        if mood and mood.group("mood").lower() in _MOODS and _SERIES.search(prompt):
            prompt = _with_mood(prompt, mood.group("mood").lower())  # "ok do the dog too, happy one first"
        more = re.match(r"^\s*[,;:-]\s*(?P<more>(?:\w+ing|in|on|at|with|holding|wearing)\b[^.!?]*)", text[cast.end():])
        doing = re.match(r"^\s+(?P<act>\w+ing\b[^.!?,]*)", text[cast.end():])
        but = re.match(r"^\W*but\s+(?P<change>[^.!?]+)", text[cast.end():], re.I)
        if more and len(more.group("more").split()) >= 2:  # "..., sitting at an easel"
            prompt = f"{prompt}, {more.group('more').strip()}"
        elif doing and len(doing.group("act").split()) >= 2:  # "same shot but mira singing into a mic": her own act
            act = re.search(rf"\b{re.escape(subject)}\s+(?P<old>\w+ing\b(?:\s+(?!(?:on|in|at|by|under|near|beside|behind|"
                            rf"inside|through|across|over|with|under)\b)[\w'-]+)*)", prompt)
            prompt = prompt[:act.start("old")] + doing.group("act").strip() + prompt[act.end("old"):] if act else \
                f"{prompt}, {doing.group('act').strip()}"
        elif but:  # "same for ava but she'd want a unicorn hoodie"
            prompt = intents.merged_edit_prompt(prompt, but.group("change").strip())
        return "generate_with_subject", {"subject": subject, "prompt": prompt}
    back = re.search(rf"\b(?:back\s+to|again\s+with)\s+(?:{labels}|me|{_MY_ONE})\b\s*[-\u2014\u2013:.,;!]+\s*(?P<rest>.+)$|"
                     rf"^\W*(?:(?:ok|okay|now|and|then|so)[,\s]+)*(?:{labels})\s+again\b[,.\s]+(?:(?:but|this\s+time|"
                     rf"now)[,\s]+)*(?P<again>.+)$", text, re.I)
    rest = back and (back.group("rest") or back.group("again"))
    if rest and len(rest.split()) >= 3 and not references.picks_back(rest):
        # "ok back to my dog - him at the vet", "The boat again, this time out in a storm": a new scene of them
        rest = re.sub(r"^(?:him|her|them|me|it|she|he)\b", subject, rest, flags=re.I)
        text = rest if re.search(rf"\b(?:{labels})\b", rest, re.I) or rest.startswith(subject) else \
            f"{subject} {rest}"
        another = True
    intent = intents.decide(text, facts)
    if intent.kind == "select" and re.search(rf"(?:{labels})\s+(?:\w+ing|in|on|at|with|as|wearing)\b", text, re.I) \
            and not re.search(rf"\b(?:back\s+to|go\s+with|keep)\s+(?:the\s+)?(?:{labels})\s+(?:one\s+)?(?:with|in|on|at|"
                              rf"wearing)\s+(?:(?:the|a|an|her|his|their)\s+)?\w|\b(?:go\s+back\s+to|back\s+to)\s+(?:the\s+)?"
                              rf"(?:{labels})\s+\w+ing\W*$", text, re.I) \
            and not re.search(rf"\b(?:picture|pic|image|one|version|photo|shot)\s+(?:of|with|wi|w/)\s+(?:{labels})\b", text,
                              re.I):
        intent = intents.Intent("generate_image", {}, "draw")  # "now the familiar leaping over a stream, back to
        # watercolor": a new scene of them, in the style of before
    judged = re.match(rf"^\W*(?:{labels})(?:\s+(?:looks?|is|seems?)|'s)\s+(?:\w+\s+){{0,2}}?(?:too|so|kinda|a\s+bit|way)\b",
                      text, re.I)  # "pip looks way too big make her tiny": the picture on screen judged
    leads = not judged and re.match(rf"^\W*(?:now\s+|and\s+)?(?:{labels})\b", text, re.I) and len(text.split()) > 3 or re.match(
        rf"^\W*(?:(?:ok|okay|so|now|and|then)[,\s]+)*(?:put|place|show|draw)\s+(?:{labels}|me)\s+(?:in|on|at|into|insi"
        rf"de)\s+"
        r"(?:an?|some)\b", text, re.I) or re.match(
        rf"^\W*(?:(?:ok|okay|so|now|and|then|next)[,:\s]+)*(?:make|draw|show|paint|do)\s+(?:{labels})\s+\w+ing\b.*?\b"
        r"(?:in|at|on|near|by|under|inside|beside|through|across)\s+", text, re.I) or re.search(
        rf"\b(?:i'd\s+like|i\s+would\s+like|i\s+want|i\s+need|can\s+i\s+(?:get|have))\s+(?:{labels})\s+\w+ing\b.*?\b"
        r"(?:in|at|on|near|by|under|inside|beside|through|across)\s+(?:an?|the|some)\b", text, re.I) or re.search(
        rf"(?:^|[.!?]\s+)\W*(?:(?:ok|okay|so|now|and|then|next|hmm+)[,:\s]+)*(?:do|draw|show|paint)\s+(?:{labels})\s+(?:with|in|"
        rf"at|on|as|by|under|\w+ing)\b", text, re.I)
    there = re.search(rf"\b(?:make|draw|show|paint|do)\s+(?:{labels})\s+(?:in|at|inside)\s+the\s+(?:[\w-]+\s+)?(?P<place>[\w-]+)",
                      text, re.I)
    if there and not leads and there.group("place").lower() not in _WORN and not re.search(
            rf"\b{re.escape(there.group('place').lower())}", described):
        leads = there  # "can u make buttons in the frozen aisle wearing a tiny scarf" with him on screen: a new place
    # "ok now put me in a library", "Now make Pepper sleeping near fireplace in winter house": a new scene of them
    tried = re.search(rf"\b(?:let'?s|lets|let\s+us|let\s+me)\s+(?:try|do|see|have|make|get|draw)\s+(?:(?:him|her|them)\b|"
                      rf"(?:{labels})\b)\s*(?=(?:\w+ing|in|on|at|as|with|wearing|dressed)\b)", text, re.I)
    if tried and intent.kind in ("reply", "draw"):  # "... i can make pictures of biscuit so lets try him sitting in a
        # pumpkin patch": the one named, in the scene the ask gives
        text, intent = f"{subject} {text[tried.end():]}", intents.Intent("generate_image", {}, "draw")
    if intent.kind == "reply" and re.match(rf"^\W*(?:(?:ok|okay|so|now|and|then|next)[,:\s]+)*(?:make|draw|show|paint|do)\s+"
                                           rf"(?:just\s+)?(?:{labels})\s+(?:\w+ing|in|at|on|as|with|wearing|under|by)\b",
                                           re.sub(rf"\s*{lang.EMOJI}+\s*", " ", intents.clean(text)), re.I):
        intent = intents.Intent("generate_image", {}, "draw")  # "ok do just him at the gym lifting", him told of before
    if intent.kind == "reply" and not facts.has_image and intents._draw_or_edit(lang.normalize(text), facts) == "edit":
        intent = intents.Intent("generate_image", {}, "draw")  # "put my lil bro in a dinosaur costume": nothing to edit
    if subject in shown and facts.current_prompt and re.match(
            rf"^\W*(?:(?:hmm+|ok|okay|so|and|oh|now)[,!.\s]+)*(?:can|could|would|may)\s+(?:{labels})\s+(?:have|get|wear|hold|"
            rf"be\s+wearing|be\s+holding)\b", text, re.I) and not another:
        # "hmm can Ellie bean have purple hair in it" with her on screen: this picture, changed
        return "edit_image", {"prompt": intents.merged_edit_prompt(facts.current_prompt, text)}
    part = re.match(rf"^\W*(?:(?:ok|okay|now|and|so|pls|please)[,\s]+)*(?:make|give|change|turn|colou?r|dye|cut)\s+(?:{labels})(?:'s|s)?\s+"
                    r"(?P<part>hair|eyes|beard|moustache|mustache|skin|dress|shirt|jacket|hat|outfit|coat|shoes|glasses|smile|"
                    r"fur|tail|ears|collar|bow)\b(?P<rest>[^.!?,]*)", text, re.I)
    if part and facts.current_prompt and not another and (subject in shown or re.search(rf"\b(?:{labels})\b",
                                                                                        fold(facts.current_prompt), re.I)):
        # "make dani hair more short, in real life she have short hair lol" with Dani on screen: this picture, changed
        change = f"make the {part.group('part').lower()}{part.group('rest')}"
        return "edit_image", {"prompt": intents.merged_edit_prompt(facts.current_prompt, change)}
    if intent.kind == "draw" or (intent.kind == "edit" and (subject not in shown or leads or another)):
        asks = _asking_sentences(text, known)
        if len(asks) == 1 and len(lang.sentences(text)) > 2 and len((intents.draw_prompt(asks[0]) or "").split()) >= 5:
            text = asks[0]  # "Bit of context: ... What I need right now is a headshot of me in a navy blazer ... It'll
            # go on the website": the picture is the sentence that asks for them
        parts = lang.sentences(text)
        scene = re.match(r"^\W*(?:(?:ok|okay|so|and|then|like)[,\s]+)*(?:him|her|them)\s+(?P<rest>(?:as|in|on|at|wearing|dressed|"
                         r"with|\w+ing)\b.+)$", parts[-1], re.I) if len(parts) >= 2 else None
        if scene and mentioned_subject(" ".join(parts[:-1]), known) == subject:
            text = f"{subject} {scene.group('rest')}"  # "ok one of teo too or there'll be war. him as a firefighter"
        prompt = _like_mine(text, subject, facts) or intents.draw_prompt(_without_need(text, labels))
        if prompt:
            return "generate_with_subject", {"subject": subject, "prompt": prompt}
    return None


_MOODS = frozenset(
    "happy sad angry mad sleepy tired surprised shocked excited crying laughing confused scared shy proud grumpy bored "
    "hungry silly cool loving love thinking waving dancing hype hyped smug annoyed nervous sick cheeky curious sneaky "
    "pensive worried joyful furious cute evil derp dizzy sassy chill relaxed celebrating party cozy lonely calm".split())
"""What a sticker or emote of someone shows, one per picture of a series."""
_SERIES = re.compile(r"\b(?:stickers?|emotes?|emojis?|emoticons?|reactions?|expressions?|moods?|pack|series|set)\b", re.I)


def _with_mood(prompt: str, mood: str) -> str:
    """A sticker's prompt with its mood said anew: "mochi happy, cartoon style" -> "mochi sad, cartoon style"."""
    said = [found for found in re.finditer(r"[a-z]+", prompt.lower()) if found.group(0) in _MOODS]
    if said:
        return prompt[:said[-1].start()] + mood + prompt[said[-1].end():]
    return f"{prompt}, {mood}"


def _series_take(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    """The next picture of a series of a subject: "now sad", "angry 😾", "ok a sleepy one" after a sticker of them."""
    shown = _shown(facts)
    if not shown or not facts.current_prompt or not (_SERIES.search(facts.current_prompt) or re.search(
            r"\bthrough\s+the\s+(?:seasons|years|day|ages|decades)\b", facts.current_prompt, re.I)):
        return None
    step = re.fullmatch(r"\W*(?:(?:ok|okay|now|and|then|also)[,!.\s]+)*(?:next|now|then)(?:\s+(?:one|up|is))?[:,\s]+(?P<word>[a-z]+)"
                        r"(?:\s+(?:one|pls|please))?\W*", intents.clean(text), re.I)
    group = next((name for name in ("season", "time", "weather") if step and step.group("word").lower() in
                  intents.rewrite.GROUPS[name]), None)
    if step and group:  # "reggie through the seasons. start with fall ...", then "next one winter"
        entry = subject_entry(shown[0], facts)
        prompt = named_again(facts.current_prompt, entry) if entry else facts.current_prompt
        said = step.group("word").lower()
        for word in sorted(intents.rewrite.GROUPS[group], key=len, reverse=True):
            prompt = re.sub(rf"\b{re.escape(word)}\b", said, prompt, flags=re.I) if word != said else prompt
        if not re.search(rf"\b{said}\b", prompt, re.I):
            prompt = f"{prompt}, {said}"
        return "generate_with_subject", {"subject": shown[0], "prompt": prompt}
    said = re.fullmatch(r"\W*(?:(?:ok|okay|now|and|next|then|also)[,!.\s]+)*(?:(?:a|an|the|one)\s+)?(?:(?:more|really|very|super)\s+)?"
                        r"(?P<mood>[a-z]+)(?:\s+(?:one|version|face|mood|next|too|pls|please))*\W*", intents.clean(text), re.I)
    if not said or said.group("mood").lower() not in _MOODS:
        return None
    entry = subject_entry(shown[0], facts)
    prompt = named_again(facts.current_prompt, entry) if entry else facts.current_prompt
    return "generate_with_subject", {"subject": shown[0], "prompt": _with_mood(prompt, said.group("mood").lower())}


def _enrolled_me(facts: TurnFacts) -> str | None:
    """The subject the user enrolled as "me", if any."""
    return next((s["name"] for s in facts.extras.get("subjects", []) if "me" in [a.lower() for a in s["aliases"]]), None)


def _like_mine(text: str, subject: str, facts: TurnFacts) -> str | None:
    """ "Her headshot: same style as mine, but a green blouse": the last picture of the user (enrolled as "me"), of
    her, with what differs."""
    said = re.search(r"\bsame\s+(?:[\w-]+\s+)?(?:style|look|way|thing|setup|pose|vibe)?\s*as\s+(?:mine|me|my\s+(?:one|own|"
                     r"headshot|portrait|picture|pic|photo))\b(?P<rest>.*)$", text, re.I)
    me = _enrolled_me(facts)
    if not said or me is None or me == subject:
        return None
    mine = [image for image in reversed(references.ledger(facts.extras.get("images", []))) if me in image.subjects
            and image.prompt]
    kinds = [word for word in re.findall(r"[a-z]+", text[:said.start()].lower()) if word in (
        "headshot", "portrait", "picture", "photo", "drawing", "painting", "avatar", "card", "poster", "selfie")]
    mine = [image for image in mine if any(kind in image.prompt.lower() for kind in kinds)] or mine
    if not mine:
        return None
    prompt = re.sub(rf"\b(?:{_labels(me, facts)})\b", subject, named_again(mine[0].prompt, subject_entry(me, facts)),
                    count=1, flags=re.I)
    if subject not in prompt:
        prompt = _cast_in(prompt, subject)
    rest = re.sub(r"^[\s,;:.-]*(?:(?:but|and|just|only|with)\s+)*", "", said.group("rest")).strip(" .!")
    if rest:
        change = rest if re.match(r"(?:make|add|give|change|put|swap|replace)\b", rest, re.I) else f"with {rest}"
        prompt = intents.merged_edit_prompt(prompt, change)
    return prompt


_TOGETHER = re.compile(r"^\W*(?:(?:ok|okay|now|and|so|then|can\s+(?:we|i|you)\s+(?:get|have|do|see)|could\s+(?:we|i|you)\s+"
                       r"(?:get|have|do|see)|(?:let's\s+)?(?:do|draw|make|show|put|add)|maybe|how\s+about)[,\s]+)*(?:(?:just\s+)?(?:"
                       r"both\s+of\s+(?:them|us|em)|the\s+two\s+of\s+(?:them|us)|both|the\s+(?:two|three|four)\s+of\s+us|all\s+"
                       r"(?:three|four)\s+of\s+us)|(?:them|us)\s+(?:both|all|two|three))\b(?P<rest>.*)$", re.I)
"""The subjects drawn last, together: "now both of us together", "Can we get both of them together on a rug by the
tree?", "now the three of us at a table in there"."""


_THINKS = re.compile(r"^\W*(?:(?:ok|so|and|hmm+|lol)[,\s]+)*(?:[\w'-]+|my\s+[\w-]+)\s+(?:thinks?|says?|said|reckons?|feels?)\s+"
                     r"(?:that\s+)?(?:(?:the\s+[\w-]+|it|this|that|his|her)\s+(?:should|could|would|needs?\s+to|must|"
                     r"looks?)\b|[\w-]+\s+not\s+[\w-]+\W*$)", re.I)
"""Someone's view of the picture on screen, passed on: "marco thinks the shelf should be wood not white", "she says
yellow not red"."""
_TOGETHER_ASKED = re.compile(
    r"\b(?:make|draw|do|paint|show|get|want|like|need|have)\b[^.?!]{0,30}?\b(?:(?:group\s+)?(?:one|picture|pic|image|photo|"
    r"portrait|drawing|shot)\s+of\s+)?(?:all\s+(?:three|four|of)\s+(?:of\s+)?us|both\s+of\s+us|the\s+(?:two|three|four)\s+of\s+us|"
    r"us\s+(?:both|all|two|three))\b(?P<rest>.*)$|"
    r"^\W*(?:(?:ok|okay|now|and|so|then)[,\s]+)*us\b(?=\s+(?:at|in|on|as|by|with|under|riding|\w+ing)\b)(?P<rest2>.*)$|"
    r"\b(?:group\s+)?(?:one|picture|pic|image|photo|portrait|drawing|painting|shot)\s+of\s+(?:all\s+(?:three|four|of)\s+"
    r"(?:of\s+)?us|both\s+of\s+us|the\s+(?:two|three|four)\s+of\s+us|us\s+(?:both|all|two|three))\b(?P<rest3>.*)$", re.I)
"""The user and the others drawn last, asked for together: "can you make a group one of all three of us in a tavern",
"us at a diner"."""


def _together(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    """The subjects of the last pictures of subjects, in one picture: where the message says, or in the scene on
    screen. The tool draws one subject (the user for "us", else the first of them drawn) and the prompt names the
    others."""
    said = _TOGETHER.match(intents.clean(text)) or _TOGETHER_ASKED.search(intents.clean(text))
    if not said or re.search(r"\bor\s+(?:only|just)\b|\bat\s+a\s+time\b|\bis\s+(?:it|that)\s+possible\b", text, re.I) or any(
            alias.lower() in ("us", "we", "the two of us", "both of us", "the three of us", "all of us")
            for subject in facts.extras.get("subjects", []) for alias in subject.get("aliases", [])):
        return None  # "can you draw all three of us in one picture or only one at a time?" asks; "us" enrolled as us
    seen: list[str] = []
    for image in reversed(references.ledger(facts.extras.get("images", []))):
        seen += [name for name in image.subjects if name not in seen and subject_entry(name, facts)]
        if image.subjects:  # "me and my boyfriend as a pixar-style couple": the one drawn is named beside the other
            seen += [subject["name"] for subject in facts.extras.get("subjects", []) if subject["name"] not in seen and
                     re.search(rf"\b(?:{_labels(subject['name'], facts)})\b", fold(image.prompt or ""), re.I) and
                     subject["name"] not in image.subjects and not any(
                         label.lower() in ("me", "myself") for label in subject.get("aliases", []))]
    rest_said = next((said.group(key) for key in ("rest", "rest2", "rest3") if key in said.re.groupindex and said.group(key)), "")
    named = mentioned_subject(rest_said, facts.extras.get("subjects", []))
    us = re.search(r"\b(?:us|we)\b", said.group(0), re.I)
    me = _enrolled_me(facts)
    count = {"three": 3, "four": 4}.get(next(iter(re.findall(r"\b(three|four)\b", said.group(0).lower())), ""), 2)
    cast = [name for name in (me if us else None, named) if name] + seen
    cast = list(dict.fromkeys(cast))[:count]
    if len(cast) < 2:
        return None
    order = [*reversed(seen), *(name for name in cast if name not in seen)]
    names = sorted(cast, key=order.index)  # the first of them drawn first: the one the tool draws
    said_at = {name: found.start() for name in names for found in [re.search(
        rf"\b(?:{_labels(name, facts)})\b", fold(text), re.I)] if found}
    if len(said_at) == len(names) and len(names) > 1:  # "the two of them together, Meg and Bess": as they are named
        names = sorted(names, key=said_at.get)
    if us and me in names:  # "us": the user first
        names = [me, *(name for name in names if name != me)]
    first = names[0]
    together = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 2 else " and ".join(names)
    rest = re.sub(r"^\s*together\b", "", rest_said, flags=re.I)
    there = re.search(r"[,\s]*\b(?:in|into)\s+(?:it|there|here|this\s+one|that\s+one)\b", rest, re.I) or re.match(
        r"^\W*(?:(?:ok|okay|now|and|so|then)[,\s]+)*(?:add|put|stick|pop)\b", intents.clean(text), re.I)
    # "now add the two of us sitting on the boxes eating takeout": into the scene on screen
    rest = re.sub(r"[,\s]*\b(?:in|into)\s+(?:it|there|here|this\s+one|that\s+one)\b", "", rest, flags=re.I)
    rest = re.sub(r"^[,\s]*(?:me\s+and\s+(?:him|her|them)|(?:him|her|them)\s+and\s+me)\b[,\s]*", " ", rest, flags=re.I)
    place = re.search(r"\b(?:on|in|at|by|under|inside|near|beside|around|over)\s+(?:(?:an?|the|some|our|my)\s+)?(?!it\b|"
                      r"there\b|here\b)[a-z]\w+|\b[a-z]{3,}ing\b", re.sub(r"\bfor\s+(?:an?|the|our|my|his|her|their)\s+[\w-]+"
                                                                   r"(?:\s+[\w-]+)?", "", rest, flags=re.I), re.I)
    if there and facts.current_prompt:  # "now the three of us at a table in there": the scene on screen, with them
        return "generate_with_subject", {"subject": first, "prompt": f"{_room_for(facts.current_prompt, first, facts)}, "
                                                                     f"with {together}"
                                                                     f"{' ' + rest.strip(' ,') if rest.strip(' ,') else ''}"}
    if place or not facts.current_prompt:
        prompt = intents.draw_prompt(f"{together} together{rest}") or f"{together} together"
    else:
        prompt = facts.current_prompt
        for name in _shown(facts):
            prompt = re.sub(rf"\b{re.escape(name)}\b", together, prompt, count=1)
        if prompt == facts.current_prompt:
            prompt = f"{together} together, {prompt}"
    return "generate_with_subject", {"subject": first, "prompt": prompt}


def _room_for(prompt: str, subject: str, facts: TurnFacts) -> str:
    """The scene on screen without what kept its subject out ("..., no mascot this time"), for the subject put in."""
    entry = subject_entry(subject, facts) or {"aliases": []}
    kinds = {label.split()[-1].lower() for label in [subject, *entry["aliases"]]} | _ALIVE | _ANIMATE | {
        "mascot", "mascots", "robot", "product", "products", "persons", "animals", "pets", "dogs", "cats", "humans",
        "characters", "figures", "faces", "subject"}
    return re.sub(rf",?\s*\b(?:no|without)\s+(?:(?:the|our|my|any)\s+)?(?:{'|'.join(map(re.escape, sorted(kinds)))})\b"
                  rf"(?:\s+(?:this\s+time|in\s+it|at\s+all|whatsoever))?", "", prompt, flags=re.I).strip(" ,")


def _asking_sentences(text: str, known: list[dict[str, Any]]) -> list[str]:
    """The sentences that name a subject and ask for a picture ("I'd like me standing on the porch ...")."""
    return [said for said in lang.sentences(re.sub(r"\s*\([^()]{0,80}\)", "", text)) if mentioned_subject(said, known)
            and re.search(r"\b(?:i'd\s+(?:like|love)|i\s+would\s+(?:like|love)|i\s+want|i\s+need|can\s+(?:you|u)|could\s+"
                          r"(?:you|u)|would\s+(?:you|u)|might\s+you|please|draw|paint|sketch|show\s+(?:me|us)|make\s+(?:me|us|"
                          r"a|an|one))\b", said, re.I)]


def _one_of_the_story(asking: str, text: str) -> str:
    """The ask, with "one" that stands for what the story said they love: "she loves unicorns, so can you show Lila
    riding one?" -> "can you show Lila riding a unicorn?"."""
    one = re.search(r"\b(riding|on|with|holding|hugging|feeding|petting|inside|driving|beside|next\s+to)\s+one\b", asking, re.I)
    said = text[:text.find(asking[:20])] if asking != text else text[:one.start()] if one else ""
    loved = re.search(r"\b(?:loves?|likes?|adores?|into|obsessed\s+with|crazy\s+about|mad\s+about)\s+(?P<things>[a-z]+s)\b",
                      said, re.I)
    if not loved or not one:
        return asking
    things = loved.group("things").lower()
    thing = things[:-3] + "y" if things.endswith("ies") else things[:-1]
    return asking[:one.start()] + f"{one.group(1)} {intents.rewrite._article(thing)} {thing}" + asking[one.end():]


def _cast_in(prompt: str, name: str) -> str:
    """A scene's description with `name` as the one it shows: "an ordinary ginger cat chasing a ball of yarn" ->
    "Whiskers chasing a ball of yarn"; a description that does not open with who it shows gets the name first."""
    lead = re.match(r"^(?:(?:an?|the|some|one)\s+)?(?:[\w-]+\s+){0,3}?[\w-]+(?=\s+(?:\w+ing|in|on|at|with|wearing|"
                    r"under|by|near|as|from|and)\b|\s*,|\s*$)", prompt)
    if lead and len(lead.group(0).split()) <= 5 and "NOUN" in lang.pos_of(lead.group(0).split()[-1].lower()) and \
            not re.search(r"\b(?:of|in|on|at|with|for|by)\b", lead.group(0), re.I):  # "watercolor of a lighthouse"
        return name + prompt[lead.end():]
    return f"{name}, {prompt}"


def subject_entry(name: str | None, facts: TurnFacts) -> dict[str, Any] | None:
    """The enrolled subject called `name`, as the turn facts list it (id, name, aliases, phrase)."""
    return next((s for s in facts.extras.get("subjects", []) if s["name"] == name), None)


def _labels(subject: str, facts: TurnFacts) -> str:
    """A pattern for the subject's name and its aliases."""
    entry = subject_entry(subject, facts) or {"aliases": []}
    return "|".join(_label_pattern(label) for label in [subject, *entry["aliases"]])


def _denied(text: str, subject: str, facts: TurnFacts) -> bool:
    """ "a random golden retriever puppy in the snow, not rex", "not me, just some guy": someone else."""
    labels = _labels(subject, facts)
    if re.search(r"\b(?:no|not|without)\s+(?:him|her|them)(?:\s+in\s+(?:it|this|that|the\s+picture))?\W*$", text, re.I):
        return True  # "my son wants a dinosaur too, just a t rex roaring, no him in it"
    return bool(re.search(rf"\b(?:not|no|none\s+of|without|except|isn't|instead\s+of|nothing\s+to\s+do\s+with|unrelated\s+to|"
                          rf"(?:doesn'?t|does\s+not|don'?t|needn'?t)\s+"
                          rf"(?:have\s+to\s+|need\s+to\s+)?be)\s+(?:my\s+|our\s+)?(?:{labels})\b", text, re.I))


def _only_for_them(text: str, subject: str, facts: TurnFacts) -> bool:
    """ "a birthday cake for Milo's party", "something Ava would like, maybe a cartoon alien": made for them, not of
    them (every time they are named, it is as whom the picture is for)."""
    labels = _labels(subject, facts)
    folded = fold(text)
    said = list(re.finditer(rf"\b(?:{labels})\b", folded, re.I))
    if not said or re.search(r"\b(?:same|one|version|too|also)\s+for\s+\S+\s*$|\bsame\s+[\w-]+\s+for\s+\S+|"
                             r"\b(?:draw|paint|show|make)\s+(?:him|her|them)\b|\b(?:with|of)\s+(?:him|her|them)\b|"
                             r"\b(?:he|she|they)(?:'s|\s+is|\s+are)\s+\w+ing\b", text, re.I):
        return False
    return all(re.search(r"\bfor\s+(?:my\s+|our\s+)?$", folded[:found.start()], re.I) and not re.search(
        r"\b(?:same|one|version|too)\s+for\s+(?:my\s+|our\s+)?$|\b(?:swap|switch|replace|trade|exchange|change|sub)\b"
        r"(?:\s+[\w']+){0,4}\s+for\s+(?:my\s+|our\s+)?$", folded[:found.start()], re.I) or re.match(
        r"(?:'s)?\s+(?:would|'d|might|will|could)\s+(?:really\s+|totally\s+)?(?:like|love|enjoy|want|wanna|eat|chase|play"
        r"|adore)\b", folded[found.end():], re.I) or re.match(
        r"(?:'s|s)\s+(?:\d+\w*\s+)?(?:birthday|bday|b-day|party|wedding|anniversary|graduation|retirement|christening)\s+"
        r"(?:is|was|'s|on|next|this|coming|tomorrow|today|in\s+\w+\s+(?:days|weeks))\b",
        folded[found.end():], re.I) or re.match(
        r"\s+(?:wants?|wanted|would\s+like|asked\s+for|asks\s+for)\s+(?:a|an|some)\s+(?:(?:picture|pic|drawing|poster|card|"
        r"image)\s+(?:of|with)\s+)?(?!(?:him|her|them|himself|herself|themselves)\b)(?:an?\s+)?(?:[\w-]+)",
        folded[found.end():], re.I) and not re.search(r"\b(?:of|with)\s+(?:him|her|them|himself|herself)\b", text, re.I)
        or re.search(r"\b(?:that|which|what)\s+$", folded[:found.start()], re.I)
        and re.match(r"\s+(?:would|'d|might|will|could|likes|loves|wants)\b", folded[found.end():], re.I)
        for found in said)


def _subject_drawn(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    """A new picture of the subject the message names, or of the one on screen it points at ("now draw him again
    but way older"), when a second look says the message asks for one."""
    plain = _draw_subject_rule(text, dataclasses.replace(facts, prefer=None))
    if plain is not None and plain[0] == "generate_with_subject":
        return plain  # "do that with Luna instead": the picture on screen, with her in it
    subject = mentioned_subject(text, facts.extras.get("subjects", []))
    shown = _shown(facts)
    if subject is None and shown and re.search(r"\b(?:him|her|them|he|she|they|his|hers)\b", text, re.I):
        subject = shown[0]
    told = _told_of_any(text, facts)
    prompt = intents.draw_prompt(_without_need(text, _labels(subject, facts))) if subject is not None and not _denied(
        text, subject, facts) and not _only_for_them(text, subject, facts) and not told else None
    return ("generate_with_subject", {"subject": subject, "prompt": prompt}) if prompt else None


def _told_of(text: str, subject: str, facts: TurnFacts) -> bool:
    """ "Duke is fourteen now, you know", "aww waffles is such a drama queen irl too": news of them, no request."""
    labels = _labels(subject, facts)
    text = intents._RHETORICAL.sub("", text)  # "..., can you believe it": nothing is asked
    said = re.match(rf"^\W*(?:(?:aww+|lol|haha+|omg|oh|ah|yes|yeah|fun\s+fact|btw|fyi|honestly|ha|update|news|good\s+news|"
                    rf"great\s+news|guess\s+what)\W+)*(?:[^.!?:\u2014\u2013]{{0,60}}(?:[:\u2014\u2013]|\s-)\s*)?(?:{labels})"
                    rf"(?:'s\s+(?:turning|getting|going|gonna|not)\b|(?:'s)?\s+(?:is|was|has|had|turns|turned|hisses|saw|said|says|went|found|left|died|ate|broke|ran|came|looks|loves|loved|hates|hated|really|still|would|will|"
                    rf"just|always|never|can't|cannot|gets|got|used\s+to|done|won|graduated|passed|started|learned|learnt|lost|"
                    rf"scored|finished|stole|steals|chewed|chews|bit|bites|escaped|keeps\s+(?!asking|wanting|begging|"
                    rf"requesting|saying)\w+ing|kept\s+(?!asking|wanting|begging)\w+ing)\b)", fold(text), re.I)
    # "Thank you! The children adore Nibbles": thanks, then what people feel about them
    said = said or re.match(rf"^\W*(?:(?:fyi|btw|so|omg|lol|oh|update|news|good\s+news|great\s+news|guess\s+what)\W+)*"
                            rf"(?:[^.!?:\u2014\u2013]{{0,60}}[:\u2014\u2013]\s*)?(?:(?:my|our)\s+(?:[\w'-]+\s+){{0,2}}?)?(?:{labels})\b",
                            fold(text), re.I) and intents.is_news(text)  # "theo rolled a nat 1 last session lmao"
    said = said or re.match(rf"^\W*(?:thank\s+you|thanks|thank\s+u|ty|cheers)\b[^.!?]*[.!?]+\s*[^.!?]*\b(?:adore|adores|"
                            rf"love|loves|miss|misses|adored|loved|missed)\s+(?:{labels})\b", fold(text), re.I)
    return bool(said) and not re.search(r"\b(?:draw|paint|sketch|make|show|picture|pic|image|render|can\s+(?:you|u)|"
                                        r"(?:give|add|put|turn|change|remove|fix)\s+(?:him|her|them|it|the)|"
                                        r"too\s+\w|more|less|bigger|smaller|should|needs?|wrong|off|weird|odd|"
                                        r"could\s+(?:you|u)|(?:can|could|would)\s+(?:he|she|they|it)\s+be|let's|lets|"
                                        r"how\s+about|i\s+want|i'd\s+like)\b", text, re.I)


def _told_of_any(text: str, facts: TurnFacts) -> bool:
    """News of any enrolled subject ("mochi is NOT thrilled about tofu" is news of Mochi, whoever else is named)."""
    return any(_told_of(text, subject["name"], facts) for subject in facts.extras.get("subjects", []))


def _without_need(text: str, labels: str) -> str:
    """ "Need Zippy waving from a rooftop": the need is the request, not the picture."""
    return re.sub(rf"^\W*(?:(?:i|we)\s+)?(?:need|want|wanna\s+see)\s+(?=(?:{labels})\b)", "", text, flags=re.I)


def _subject_takes_rule(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    """ "try that again", "3 variations" of a picture of Mochi: more takes of Mochi, not of a generic cat."""
    shown = _shown(facts)
    if facts.prefer not in (None, "variations") or not shown or not facts.current_prompt:
        return None
    intent = intents.decide(text, facts)
    subject = subject_entry(shown[0], facts)
    if intent.kind != "variations" or subject is None or not isinstance(intent.args.get("prompt"), str):
        return None
    args: dict[str, Any] = {"subject": subject["name"], "prompt": named_again(intent.args["prompt"], subject)}
    if int(intent.args.get("n") or 1) > 1:
        args["n"] = intent.args["n"]
    return "generate_with_subject", args


def named_again(prompt: str, subject: dict[str, Any]) -> str:
    """A subject picture's prompt with the subject's name back in place of the phrase the model knows it by ("a cat
    chasing a laser dot" -> "Mochi chasing a laser dot"), so drawing it again names the subject once."""
    phrase = subject.get("phrase")
    if phrase and re.search(rf"\b{re.escape(phrase)}\b", prompt, re.I):
        return re.sub(rf"\b{re.escape(phrase)}\b", subject["name"].replace("\\", r"\\"), prompt, count=1, flags=re.I)
    return prompt


_OWN_ONE = re.compile(r"^\W*(?:(?:ok|okay|now|and|so|lol|haha\w*)[,\s]+)*(?P<who>[\w'-]+(?:\s+(?!keeps?\b|is\b|was\b)[\w'-]+)?)\s+(?:keeps?\s+asking\s+for|"
                      r"(?:is\s+|'s\s+)?(?:begging|asking)\s+(?:me\s+)?for|wants?|needs?|would\s+like)\s+(?:his|her|their)\s+own(?:\s+"
                      r"(?:one|picture|pic|portrait|drawing))?\s+(?:where|in\s+which)\s+(?:he|she|they)(?:'s|s|\s+is|'re|\s+are)\s+"
                      r"(?P<as>[^,.!?]+?)(?:\s+(?:lol|haha\w*|lmao|xd))?\W*$", re.I)
"""One of their own asked for someone: "teddy keeps asking for his own one where hes a reindeer lol"."""
_NEXT_AS = re.compile(r"^\W*(?:(?:ok|okay|now|and|so|then|omg+|lol|haha\w*|lmao+)[,!.\s]+)*(?P<who>[\w'-]+(?:\s+[\w'-]+)?)"
                      r"(?:\s+next|,?\s+but)\W+(?:he|she|they|it)(?:'s|s|\s+is|'re|\s+are)\s+(?:(?:now|gonna\s+be|going\s+to\s+be)\s+)?"
                      r"(?P<as>(?:a|an)\s[^.!?]+?)(?P<rest>(?:,\s*(?:same\s+[\w\s]+|this\s+time|too|please|pls))?)\W*$", re.I)


def _next_as(text: str, known: list[dict[str, Any]]) -> str | None:
    """ "ok gus next. he's a wrestler", "now mochi, but she's a duchess, same style": the one named, drawn as what
    is said of them (as an ask, not news)."""
    found = _NEXT_AS.match(text)
    if not found or mentioned_subject(found.group("who"), known) is None:
        return None
    return f"{found.group('who')} as {found.group('as')}{found.group('rest')}"


def _told_then_asked(text: str, known: list[dict[str, Any]]) -> str:
    """ "sam's gonna be mad she didnt get a solo one. do her as a DJ", "need a birthday pic for my wife. her as a jazz
    singer": the last sentence asks, and "her" is the one the sentences before it named."""
    said = lang.sentences(text)
    if len(said) < 2:
        return text
    ask = said[-1]
    pointed = re.search(r"\b(him|her)\b", ask, re.I)  # ("them" after "my dog found a friend: Zippy!" is both)
    who = mentioned_subject(" ".join(said[:-1]), known) if pointed else None
    if who is None or mentioned_subject(ask, known) is not None or not (
            lang.ACTION.match(lang.normalize(ask)) or re.match(r"^\W*(?:(?:and|so|now|ok)\s+)?(?:him|her)\s+(?:as|in|at|on|"
                                                            r"riding|wearing|with|\w+ing)\b", ask, re.I)):
        return text
    return ask[:pointed.start()] + who + ask[pointed.end():]


def _news_rule(text: str, facts: TurnFacts) -> tuple[str, dict] | None:
    """ "Duke is fourteen now, you know": news of an enrolled subject is answered in words."""
    if facts.attached_image_ids:
        return None
    if re.match(r"^\W*(?:(?:ok|okay|so|and|right|now|next)[,\s]+)*(?:one|another)\s+(?:more\s+)?(?:for|of|with)\b",
                lang.normalize(text)):
        return None  # "Now one for the wedding side of the business - Bluebell done up with ribbons": a picture asked
    if intents.is_news(text):  # "Rex ate my sock again lol", "she actually won her first ribbon yesterday!!"
        return IN_WORDS, {}
    known = facts.extras.get("subjects", [])
    if mentioned_subject(text, known) is None or not _told_of_any(text, facts) or _next_as(text, known) or \
            _OWN_ONE.match(text):
        return None
    if any(lang.ACTION.match(lang.normalize(said)) for said in lang.sentences(text)[1:]):
        return None  # "Lil is going to be jealous lol. do her as a fairy": told, then asked
    return IN_WORDS, {}


SUBJECT_RULES = (RouterRule("register_subject", 30, _register_rule),
                 RouterRule("subject_news", 35, _news_rule),
                 RouterRule("draw_subject", 40, _draw_subject_rule),
                 RouterRule("subject_takes", 45, _subject_takes_rule))


@dataclass
class SubjectCapability:
    """register_subject and generate_with_subject."""

    name: str = "subjects"
    rules: Sequence[RouterRule] = field(default=SUBJECT_RULES)
    _services: Services | None = None

    def tools(self, services: Services) -> list[BaseTool]:
        self._services = services
        return create_subject_tools(services.subjects)

    def describe(self, turn: TurnView) -> tuple[str | None, dict[str, Any]]:
        if self._services is None:
            return None, {}
        subjects = self._services.subjects.subjects.list_subjects(turn.user)
        facts = {"subjects": [{"id": s.id, "name": s.name, "aliases": list(s.aliases),
                               "phrase": s.phrase} for s in subjects]}
        lines = ["When the user attaches photos and says who or what they show (\"this is my dog Rex\"), call "
                 "register_subject. To draw a registered subject, call generate_with_subject with its name."]
        if subjects:
            listed = "; ".join(
                f"{s.name}" + (f" (also {', '.join(s.aliases)})" if s.aliases else "") + f" [{s.status}]"
                for s in subjects)
            lines.append(f"The user's subjects: {listed}.")
        else:
            lines.append("The user has no registered subjects yet.")
        return "\n".join(lines), facts
