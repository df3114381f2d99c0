"""Reading an English chat message's structure: its words and their parts of speech, the request frame around the
description ("could you please ...", "I'd love to see ..."), questions, small talk and chat shorthand.

The parts of speech come from LemmInflect's English lexicon (shipped with the package, nothing downloaded), so a
verb nobody listed here ("depict", "mock up", "whip up") still reads as a verb. English only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DETERMINERS = frozenset(
    "a an the some this that these those my our your his her their its another any every several many few couple "
    "pair one two three four five six seven eight nine ten twelve".split())
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "a couple": 2, "couple": 2, "a few": 3, "few": 3, "several": 3, "a pair": 2}
PREPOSITIONS = frozenset(
    "in on at with without of over under by near behind above below beside besides into onto from for through "
    "across around inside outside against along among between during like as to towards toward underneath atop "
    "beneath next upon within".split())
PRONOUNS = frozenset("it this that these those them him her she he they its one ones".split())
PARTICLES = frozenset("up out together down off".split())

# chat shorthand and common slips, read as the words they stand for
SHORTHAND = {
    "foto": "photo", "fotos": "photos", "ppl": "people", "pirat": "pirate", "sunglases": "sunglasses",
    "em": "them", "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "u": "you", "ur": "your", "r": "are",
    "thx": "thanks", "thnx": "thanks", "ty": "thanks", "tks": "thanks", "img": "image", "pic": "picture",
    "pics": "pictures", "pix": "pictures", "bg": "background", "b4": "before", "beter": "better", "bettr": "better",
    "wanna": "want to", "gimme": "give me", "veggies": "vegetables", "veggie": "vegetable",
    "lemme": "let me", "gonna": "going to", "gotta": "got to", "cuz": "because", "coz": "because", "bc": "because",
    "im": "i'm", "id": "i'd", "ive": "i've", "dont": "don't", "cant": "can't", "thats": "that's", "whats": "what's",
    "lets": "let's", "hows": "how's", "colour": "color", "colours": "colors", "coloured": "colored",
    "grey": "gray", "centre": "center", "centred": "centered", "favourite": "favorite", "w/": "with",
    "w/o": "without", "wat": "what", "wut": "what", "kinda": "kind of", "sorta": "sort of", "cud": "could",
    "wud": "would", "shud": "should", "abt": "about", "pleaseee": "please", "pleasee": "please", "nite": "night",
    "tho": "though", "insted": "instead", "instad": "instead", "intead": "instead", "insteed": "instead", "myslef": "myself", "mysefl": "myself", "myelf": "myself", "thru": "through", "bigg": "big", "teh": "the", "adn": "and", "whta": "what", "waht": "what",
    "helo": "hello", "hellp": "hello", "cna": "can", "yuo": "you",
    "rmember": "remember", "remembr": "remember", "remmeber": "remember",
    "rememeber": "remember", "nd": "and", "n": "and",
    "agian": "again", "agin": "again", "anothr": "another", "anotehr": "another", "w": "with", "wi": "with", "gn": "good night", "gnite": "good night", "rmv": "remove",
    "alt": "alternative", "alts": "alternatives", "orig": "original", "bacc": "back", "diff": "different",
    "ngl": "not going to lie", "tbh": "to be honest", "imo": "in my opinion", "srs": "seriously", "rn": "right now",
    "v1": "version 1", "v2": "version 2", "v3": "version 3", "v4": "version 4", "hes": "he's", "shes": "she's",
    "theyre": "they're", "youre": "you're", "isnt": "isn't", "doesnt": "doesn't", "didnt": "didn't",
    "wont": "won't", "havent": "haven't", "rember": "remember", "remeber": "remember", "lern": "learn", "lrn": "learn",
}
# words a slip is checked against: the ones whose meaning the decisions and rewrites depend on
KEY_WORDS = (
    "draw", "paint", "sketch", "create", "generate", "render", "illustrate", "design", "picture", "image",
    "background", "change", "remove", "replace", "another", "again", "variation", "variations", "version",
    "versions", "options", "previous", "undo", "please", "purple", "yellow", "orange", "green", "black", "white",
    "brown", "circle", "square", "triangle", "star", "ring", "cross", "instead", "watercolor", "bigger",
    "smaller", "darker", "brighter", "lighter", "center", "corner", "striped", "checkered", "without",
    "first", "second", "third", "better", "earlier", "original",
)
POLITE_END = re.compile(
    r"(?:[\s,]*\b(?:please|thanks|thank you|thank u|cheers|kindly|if you can|if you could|if possible|por favor|"
    r"bitte|danke|merci|s'il vous pla[iî]t|grazie|per favore|obrigad[oa]|gracias|dziękuję|dziekuje|teşekkürler|"
    r"shukriya|dhanyavaad|arigato|cảm ơn|"
    r"for me|real quick|quickly|asap|now|too|as well|also|lol|haha|ok|okay|tia|:\)|:d|x+|"
    r"if (?:that's|that is|it's|it is) (?:alright|all right|ok|okay|fine)|if you don't mind)\b[\s.!?,]*)+$")

_REQUEST = (
    r"(?:(?:ok(?:ay)?|so|and|then|now|next|also|hey|hi|hello|yo|um+|uh+|hmm+|well|alright|right|cool|great|nice|"
    r"please|kindly|just|maybe|perhaps|actually|oh|ah|wait|lol|thanks|sure|yes|yeah|yep|ooh|go ahead and|lastly|finally|"
    r"firstly)"
    r"[\s,!.:;-]+|(?:no|nah)(?:\s*[,!.:;-]+\s*|\s+(?=(?:make|change|turn|add|remove|put|go|undo|the|it|i|we|let's|do|"
    r"draw|try|give|show|back|wait|not|just|actually|revert|keep|use|that|this|get|delete|drop|lose|ditch|swap|replace|"
    r"move|take|bring|switch|less|bigger|smaller|darker|lighter|can|could|please|let|maybe|instead)\b)|(?<=nah)\s+(?=more\b))"
    r"|(?:(?:a\s+)?quick\s+(?:one|request|thing|q)|(?:new\s+)?request|prompt|idea|task|update|plot\s+twist(?:\s+from\s+"
    r"\w+)?|from\s+(?:that|this)\s+one|on\s+(?:that|this)\s+one|next\s+up)\s*[:-]\s*"
    r"|if\s+(?:it\s+(?:isn't|is\s+not|'s\s+not)\s+too\s+much\s+(?:trouble|bother)|you\s+(?:wouldn't|don't|do\s+not)\s+"
    r"mind|(?:at\s+all\s+)?possible|you\s+(?:can|could|have\s+(?:a\s+)?(?:moment|minute|time)))[\s,]+"
    r"|(?:would|could|will)\s+you\s+be\s+(?:so\s+kind\s+as|able|willing|kind\s+enough)\s+to\s+"
    r"|(?:i\s+am|i'm|we\s+are|we're)\s+writing\s+to\s+(?:enquire|inquire|ask)\s+(?:whether|if)\s+you\s+(?:are\s+able\s+to|"
    r"could|can|would\s+be\s+able\s+to|might)\s+"  # "I am writing to enquire whether you are able to produce ..."
    r"|(?:could|may|might|can)\s+i\s+(?:trouble|bother|ask)\s+you\s+(?:to|for)\s+"
    r"|(?:might|may|could|can)\s+i\s+(?:also\s+|please\s+|now\s+)?(?:see|have|get|ask\s+for)\s+"
    r"|(?:i\s+was|i'm|i\s+am|we\s+were|we're)\s+hoping\s+(?:(?:you\s+(?:could|would|might|can)\s+)|(?:to\s+(?:see|get|"
    r"have)\s+)|for\s+)?"
    r"|(?:is|would\s+it\s+be)\s+(?:it\s+)?possible\s+(?:to\s+|for\s+you\s+to\s+)?(?:get\s+|have\s+|see\s+)?"
    r"|(?:do|would)\s+you\s+think\s+you\s+(?:could|can)\s+"
    r"|(?:i|we)\s+should\s+(?:very\s+much\s+|so\s+)?(?:like|love)\s+(?:to\s+(?:see|have|get)\s+)?"
    r"|(?:i|we)\s+(?:should|would|'d)\s+be\s+(?:most\s+|very\s+|so\s+|really\s+|ever\s+so\s+)?(?:grateful|"
    r"obliged|thankful|delighted|happy)\s+if\s+you\s+(?:could|would|might|can)\s+(?:please\s+|kindly\s+)?"
    r"|(?:i|we)\s+(?:should|would|'d)\s+be\s+(?:most\s+|very\s+|so\s+|really\s+|ever\s+so\s+)?(?:grateful|obliged|thankful)\s+"
    r"for\s+"
    r"|(?:can|could|would|will|won't|can't|may|might)\s+(?:you|ya)\s+(?:please\s+|kindly\s+|maybe\s+|also\s+|just\s+|"
    r"possibly\s+)*"
    r"|would\s+you\s+mind\s+|do\s+you\s+mind\s+|mind\s+|"
    r"(?:i|we)\s*(?:'d|would|'ll|will)?\s*(?:really\s+|kinda\s+|also\s+|now\s+|next\s+)?(?:like|love|want|need|prefer|"
    r"require)\s+"
    r"(?:you\s+to\s+|to\s+(?:see|have|get|try)\s+|for\s+you\s+to\s+)?"
    r"|(?:i|we)\s+(?:want|need|wish\s+for|am\s+looking\s+for|'m\s+looking\s+for|meant|mean)\s+"
    r"|(?:i'm|im|i\s+am)\s+(?:looking\s+for|after|thinking|imagining|picturing)\s+(?:of\s+)?(?:something\s+like\s+)?"
    r"|(?:i|we)\s+(?:was|were)\s+(?:thinking|imagining|picturing)\s+(?:of\s+|about\s+)?(?:something\s+like\s+|maybe\s+)?"
    r"|looking\s+for\s+|need\s+(?=an?\b|\d|some\b|two\b|three\b|four\b)"
    r"|(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:get|have|see|grab)\s+"
    r"|(?:can|could|shall|should)\s+(?:we|i)\s+(?:please\s+|maybe\s+|also\s+|now\s+)?(?:do|try)\s+"
    r"|let(?:'s|s|\s+us|\s+me)\s+(?:see|have|get|try|do|go\s+with)?\s*"
    r"|(?:how|what)\s+about\s+|maybe\s+|time\s+for\s+|(?:give|show|get|bring|find|send)\s+(?:me|us)\s+"
    r"|is\s+it\s+possible\s+to\s+(?:get\s+|have\s+|see\s+)?|would\s+it\s+be\s+possible\s+to\s+"
    r"|any\s+chance\s+(?:you\s+could\s+|of\s+|for\s+)?|it\s+(?:would|'d)\s+be\s+(?:great|nice|cool|good|better|lovely|"
    r"awesome)\s+if\s+(?:you\s+could\s+)?"
    r"|(?:now|next|then)\s*[:,-]?\s+|(?:i'd|i\s+would)\s+(?:rather|prefer)\s+(?:have\s+|see\s+)?"
    r"|(?:can|could)\s+(?=(?:make|add|change|remove|put|turn|give|draw|show|do)\b)|(?:might|may)\s+i\s+(?:ask\s+for|"
    r"have|get|see)\s+|(?:he|she|they|my\s+\w+|the\s+client)\s+(?:says?|said|thinks?|"
    r"wants?\s+to\s+know\s+if)\s+(?:that\s+)?"
    r"|(?:he|she|they|my\s+\w+|our\s+\w+|the\s+client|chat|everyone|everybody|people)\s+(?:wants?|needs?|would\s+"
    r"like|'d\s+like|asked\s+for)\s+(?=an?\b|some\b|\d|me\s+as\b|us\s+as\b)|(?:please\s+)?you\s+(?=(?:draw|make|paint|"
    r"create|"
    r"show|give|do|put|add|change)\s+(?:me|us|my|our|a|an|the|some|her|him|it|this)\b)|(?:i|we)\s+(?:think|guess|feel"
    r"\s+like)\s+|please\s+|(?<=\s)(?:it|this|that)\s+(?=with(?:out)?\s+(?:an?|the|some|more|less|no)\b))"
)
REQUEST_FRAME = re.compile(rf"^(?:{_REQUEST})+", re.IGNORECASE)

GREETED = frozenset("there again all everyone dear friend friends folks guys team".split())
"""Who a greeting is said to, right after it: "hello there", "hi all", "hello dear"."""
GREETED_PATTERN = "|".join(sorted(GREETED))
GREETING = frozenset("hi hello hey heya hiya yo howdy sup hola greetings morning evening afternoon oi ola hallo hej "
                     "bonjour salaam salam namaste merhaba konnichiwa privet aloha".split())
THANKS = frozenset(
    "thanks thank thx ty cheers tysm grazie merci danke dank dankje dankjewel dankeschon gracias obrigado obrigada "
    "arigato arigatou dziekuje dzieki spasibo xiexie gamsahamnida kamsahamnida shukran tesekkurler dhanyavad "
    "dhanyawad shukriya salamat terima makasih tack takk kiitos efharisto toda mahalo asante cam camon ta".split())
"""Thanks, in English and in the languages people mix in."""
SMALL_TALK = THANKS | frozenset(
    "hi hello hey heya hiya yo howdy sup hola greetings good morning evening afternoon you "
    "great awesome nice cool perfect love it lovely beautiful wow ok okay k kk lol haha hahaha good job "
    "amazing excellent sweet neat fantastic brilliant super that's thats is looks this so very really much bye "
    "goodbye see ya later yes yeah yep yup sure no nope nah hmm oh ah ooh oooh ohh ahh aah whoa woah fine gorgeous wonderful stunning incredible "
    "exactly indeed alright right got great work done well much appreciated appreciate thank's a lot lots bunch "
    "solid legend legendary clutch "
    "omg wowww wowza niiice dope sick rad pretty cute splendid marvelous impressive nicely all good cool cool "
    "the there man dude mate buddy friend bot chatcanvas anyway okie okey kay fab fabulous glorious lovely "
    "hehe heh yay whoa woah haha ha thanx thnx many worries problem dear "
    "lmao lmfao rofl marvellous marvelous superb bravo muchas mil w gg lowkey highkey ngl fr frfr bruh deadass "
    "whatever merhaba namaste ciao salut "
    # greetings and praise in the languages people mix in
    "oi ola hallo hej bonjour salaam salam konnichiwa privet aloha vielen bitte "
    "mille molto muito beaucoup tres trop beau belle bello bella bellissimo bellissima bonito bonita linda "
    "lindo precioso preciosa bardzo gozaimasu xie habibi habibti tesekkur ederim bahut accha "
    "achha po ang kasih kak wah lucu bgt banget cam "
    "sana smh c'est cest est es muy que sehr schon sono hermoso hermosa magnifique genial "
    "jaja jajaja jajajaja jeje jejeje kkk kkkk rsrs xd xD fr frfr ngl tbh ugh meh argh sigh".split())
_THANKED = THANKS | frozenset(
    "mille vielen muchas beaucoup bardzo habibi tesekkur ederim po kasih kak sana wow omg aww awww yay wah ang bahut "
    "accha achha".split())
"""Thanks and what goes with them, said before a remark ("grazie mille you are very kind")."""
LEAVING = re.compile(
    r"^(?:(?:i\s+)?(?:gotta|got\s+to|have\s+to|need\s+to|must)\s+(?:go|run|head\s+(?:off|out)|get\s+back\s+to\s+"
    r"(?:the\s+|my\s+)?(?:ward|work|office|shift|class|desk|kids|meeting|job|lab|studio))|good\s*day|good\s*night|"
    r"(?:(?:ok|k|kk|thx|thanks|ty|cheers)\W+)*(?:back\s+to\s+(?:the\s+|my\s+)?(?:ward|work|office|shift|class|desk|"
    r"grind|meeting|job|lab|studio|homework|studying|lecture)|(?!.*\b(?:make|say|says|write|add|put|text|sign|reads?|draw|paint|wave|waving)\b)(?:[\w']+[\s,.!]+){0,6}(?:bye|goodbye|cya|"
    r"ttyl|gotta\s+go|good\s*night|gn|nighty?\s+night)\W*$)|"
    r"have\s+a\s+(?:good|nice|great|lovely|wonderful)\s+(?:day|one|evening|night|weekend))\b")
"""Leaving the chat: "gotta get back to the ward", "have a nice day"."""
FAREWELL_OR_STOP = re.compile(
    r"^(?:never\s*mind|nvm|forget\s+(?:it|that|about\s+it)|stop|cancel|no\s+thanks|that's\s+all|that\s+is\s+all|"
    r"i'm\s+done|im\s+done|done|bye|goodbye|see\s+you|later|quit|exit)\b|" + LEAVING.pattern, re.I)
WH_WORDS = frozenset("how why what who when where which whose whom".split())
AUX_WORDS = frozenset("is are was were do does did can could would will should shall may might have has had am "
                      "isn't aren't don't doesn't didn't".split())


@dataclass(frozen=True)
class Words:
    """A message split into lower-case words (punctuation kept apart), shorthand expanded."""

    text: str
    tokens: tuple[str, ...]

    def has(self, *words: str) -> bool:
        return any(w in self.tokens for w in words)


def unshouted(text: str) -> str:
    """A message typed with caps lock on ("CAN YOU DRAW HIM ON A SHIP") in plain case; words in quotes keep theirs
    (text to write on the picture)."""
    letters = re.findall(r"[A-Za-z]", re.sub(r"[\"\u201c][^\"\u201d]*[\"\u201d]", "", text))
    if len(letters) < 12 or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return text
    return re.sub(r"[\"\u201c][^\"\u201d]*[\"\u201d]|[^\"\u201c]+", lambda m: m.group(0) if m.group(0)[:1] in "\"\u201c" else
                  m.group(0).lower(), text)


def as_typed(text: str) -> str:
    """What the user meant to type: a word corrected after it ("a cup of coffin *coffee lol autocorrect": a cup of
    coffee) and the marks of a dictated message said as words ("it's raining period", "inside comma like cozy")."""
    text = re.sub(r"\b([A-Za-z][\w'-]*)\s+\*\s*([A-Za-z][\w'-]*)\b(?!\*)",
                  lambda m: m.group(2) if m.group(1)[:2].lower() == m.group(2)[:2].lower() else m.group(0), text)
    text = re.sub(r"\s*\b(?:(?:lol|ugh|stupid|damn|dumb|sorry)\s+)?auto-?correct(?:\s+(?:lol|smh|ugh))?\b", "", text, flags=re.I)
    if not re.search(r"[,.!?;]", text) and re.search(r"\b(?:period|comma|question\s+mark|full\s+stop)\b", text, re.I):
        text = re.sub(r"\s+comma\b\s*", ", ", text, flags=re.I)
        text = re.sub(r"\s+(?:period|full\s+stop)\b(?=\s+\w|\s*$)\s*", ". ", text, flags=re.I)
        text = re.sub(r"\s+question\s+mark\b\s*", "? ", text, flags=re.I)
    return text.strip()


def normalize(text: str) -> str:
    """Lower case, shorthand and slips spelled out, curly quotes straightened, runs of spaces and marks folded."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", " ", text)  # emoji
    text = re.sub(r"([!?.])\1+", r"\1", text.lower())
    text = re.sub(r"\b(put|add|make|give|draw|include)\s+also\s+", r"also \1 ", text)  # "Can you put also glass of wine"
    text = re.sub(r"\binstead\s+(?!of\b|and\b|please\b|pls\b|thanks\b|though\b|tho\b|now\b|this\b|that\b|then\b|too\b)"
                  r"(?=[a-z])", "instead of ", text)  # "pizza instead spaghetti"
    text = re.sub(r"^((?:make|add|put|give|change|turn)\b[^+]*?)\s+\+\s+(?=[a-z])", r"\1 and ", text)  # "make it night + torches"
    text = re.sub(r"(?<=[a-z])\s+\+\s+(?=(?:get|make|add|remove|put|change|take|swap|replace|turn|give|lose|drop|ditch|"
                  r"move)\b)", " and ", text)  # "make the grass greener + get rid of the trampoline"
    text = re.sub(r"\(\s*(?:age\s+)?\d{1,2}\s*(?:yo|y/o|years?\s+old|yrs?)?\s*\)", " ", text)  # "my daughter (6)"
    text = re.sub(r"\b(bg|background|backdrop)\s*=\s*(?=\w)", r"\1: ", text)  # "bg = tavern at night"
    text = re.sub(r"^(?:the\s+)?([a-z]+)\s*=\s*(?=\w)", r"make the \1 ", text)  # "sky = stormy purple"
    text = re.sub(r"(?<=\w)\s+in\s+(?:the\s+)?back(?=\s*$|\s*[,.!])", " in the background", text)  # "castle in back"
    words = []
    found = re.findall(r"w/o|w/|->|=>|[^\W_]+(?:['-][^\W_]+)*|[^\s\w]|_", text)  # "café", "dziękuję": one word each
    for at, word in enumerate(found):
        if word in ("w", "l") and (at + 1 == len(found) or not found[at + 1][0].isalnum()):
            words.append(word)  # "W." (a win), not "with"
            continue
        words.append(SHORTHAND.get(word) or _fix_slip(word))
    out = " ".join(words)
    out = re.sub(r"\s+(?:na|yaar|no|ne|hai|eh|innit)(?=\s*[,.!?;]|$)", "", out) if len(words) > 2 else out  # tags
    out = re.sub(r"\s+([,.!?;:])", r"\1", out)
    out = re.sub(r"(?<![\w'])(['\"])\s+([^'\"]{1,60}?)\s+\1(?!\w)", r"\1\2\1", out)  # "' joyeux anniversaire '": quoted
    # "do like a generic shoe", "can you do just a dragon": a filler between the verb and what it makes
    out = re.sub(r"\b(do|make|draw|paint|show\s+me|give\s+me)\s+(?:like|just|maybe|kinda|kind\s+of|sort\s+of)\s+"
                 r"(?=(?:a|an|some|one)\b)", r"\1 ", out)
    return re.sub(r"\s+", " ", out).strip()


def words(text: str) -> Words:
    normalized = "".join(c for c in unicodedata.normalize("NFKD", normalize(text)) if not unicodedata.combining(c))
    # "dziękuję", "teşekkürler": read without their marks
    return Words(normalized, tuple(re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", normalized)))


UNLISTED_WORDS = frozenset("mage mages orc orcs elven dwarven lich liches paladin rogue kaiju mecha chibi anime "
                           "boho".split())
"""Words people draw that the English lexicon lacks: never read as a slip of another word ("mage" is not "image")."""


@lru_cache(maxsize=4096)
def _fix_slip(word: str) -> str:
    """A typo of a key word ("bakground", "purpel", "drwa") read as that word; real words are left alone."""
    if len(word) < 4 or not word.isalpha() or word in KEY_WORDS or pos_of(word) or word in UNLISTED_WORDS:
        return word
    if re.search(r"(\w)\1\1", word):  # "hiii", "sooo cool", "pleaseee"
        double = re.sub(r"(\w)\1+", r"\1\1", word)
        stretched = re.sub(r"(\w)\1\1+", r"\1", word)  # "actuallyyy": only the stretched letter was typed again
        if pos_of(double) or double in SMALL_TALK:
            return double
        return stretched if pos_of(stretched) else _fix_slip(re.sub(r"(\w)\1+", r"\1", word))
    for key in KEY_WORDS:
        if abs(len(key) - len(word)) <= 1 and _one_edit(word, key):
            return word if len(word) > len(key) and _left_out_of_a_word(word) else key
    swapped = {word[:at] + word[at + 1] + word[at] + word[at + 2:] for at in range(1, len(word) - 1)
               if (word[at] in "aeiou" and word[at + 1] in "aeiou") or "h" in word[at:at + 2] and not set(
                   word[at:at + 2]) & set("aeiou")}  # "nigth", "freind"; not "paris" -> "pairs", "marco" -> "macro"
    known = [said for said in swapped if pos_of(said) - {"PROPN", "X", "INTJ"}]
    if len(known) == 1 and len(word) >= 5 and word not in _CLOSED_WORDS:
        return known[0]
    doubled = {word[:at] + word[at - 1] + word[at:] for at in range(2, len(word) + 1)}
    known = [said for said in doubled if pos_of(said) & {"NOUN", "ADJ", "VERB"} and _base_form(said)]
    # "blosom", "ballon": a letter said once (a word's own form, not "blueer" for "bluer")
    return known[0] if len(known) == 1 and len(word) >= 5 else word
    # "nigth", "ligthhouse": two letters swapped (not "three", which the lexicon of open words does not list)


_CLOSED_WORDS = frozenset(
    "three seven eight eleven twelve fifteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "there their theirs these those which where while whilst about above after again below could would should might "
    "until under other every never since among along still quite maybe whose whom whether though although because "
    "unless being having doing yours ourselves themselves yourself myself himself herself itself nothing anything "
    "everything something someone anyone everyone nobody somebody anybody everybody before behind beside between "
    "beyond during inside outside through toward towards within without upon across around against".split())


def _base_form(word: str) -> bool:
    """Whether the lexicon lists `word` as a lemma of its own ("blossom"), not only as a form of another ("blueer")."""
    from lemminflect import getAllLemmas

    found = getAllLemmas(word)
    return any(word in lemmas for lemmas in found.values()) or any(
        word in (noun + "s", noun + "es") for noun in found.get("NOUN", ()))  # "eggs" for "egs"


def _left_out_of_a_word(word: str) -> bool:
    """Whether a letter left out of a word spells `word` ("ridng" from "riding"): then it is that word's slip, not a
    key word's with a letter too many ("ring")."""
    return any(pos_of(word[:at] + letter + word[at:]) - {"PROPN", "X", "INTJ"}
               for at in range(1, len(word) + 1) for letter in "abcdefghijklmnopqrstuvwxyz")


def _one_edit(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and \
            a[diffs[1]] == b[diffs[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@lru_cache(maxsize=8192)
def pos_of(word: str) -> frozenset[str]:
    """The parts of speech an English word can take (VERB, NOUN, ADJ, ADV...), from LemmInflect's lexicon."""
    from lemminflect import getAllLemmas

    return frozenset(getAllLemmas(word))


@lru_cache(maxsize=8192)
def lemma(word: str, pos: str) -> str:
    """The dictionary form: "shorter" -> "short", "sleeves" -> "sleeve"; the word itself when unknown."""
    from lemminflect import getAllLemmas

    found = getAllLemmas(word).get(pos)
    return found[0] if found else word


def can_be_verb(word: str) -> bool:
    """A base-form verb ("depict", "mock", "whip"): the form an imperative starts with."""
    return "VERB" in pos_of(word) and lemma(word, "VERB") == word


def is_comparative(word: str) -> bool:
    """ "shorter", "darker", "pinker": an adjective whose dictionary form is shorter than it is."""
    return word.endswith(("er", "ier")) and "ADJ" in pos_of(word) and lemma(word, "ADJ") != word


def strip_frame(text: str) -> tuple[str, str]:
    """Split off the request around a description: ("could you please ", "draw a fox") - returns (frame, rest)."""
    match = REQUEST_FRAME.match(text)
    if not match:
        return "", text
    return text[:match.end()], text[match.end():].lstrip(" ,:;-")


def strip_politeness(text: str) -> str:
    """ "a red fox please!!" -> "a red fox"; also leading "please"."""
    text = text.strip().strip(" .!?,;:")
    text = POLITE_END.sub("", text).strip(" .!?,;:")
    text = re.sub(r"(,\s*)?\b(?:please|pls|plz|kindly)\b(,?)\s*", lambda m: ", " if m.group(2) else " ",
                  text)  # "door red instead pls, blue door ...": the comma between the two stays
    text = re.sub(r",?\s*\bif\s+(?:at\s+all\s+possible|possible|that's\s+(?:all\s+right|alright|ok|okay|fine)|you\s+"
                  r"(?:don't|do\s+not|wouldn't)\s+mind(?:\s+my\s+saying\s+so|\s+me\s+saying\s+so)?|it's\s+not\s+too\s+"
                  r"much\s+trouble)\b,?", "", text)
    return re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,")


def _slang(token: str) -> str:
    """ "lmaoo" -> "lmao", "lolll" -> "lol", "hahahaha" -> "haha", "omggg" -> "omg", "woooow" -> "wow"."""
    for pattern, word in ((r"l+m+f?a+o+", "lmao"), (r"l+o+l+", "lol"), (r"(?:ha){2,}h?", "haha"), (r"(?:he){2,}h?", "hehe"),
                          (r"o+m+g+", "omg"), (r"w+o+w+", "wow"), (r"a+w+", "aww"), (r"b+r+u+h+", "bruh")):
        if re.fullmatch(pattern, token):
            return word
    return token


def is_small_talk(message: Words) -> bool:
    """Greetings, thanks, praise, yes/no: nothing but such words."""
    if bool(message.tokens) and all(t in SMALL_TALK or _slang(t) in SMALL_TALK for t in message.tokens):
        return True
    if re.fullmatch(r"(?:(?:ok|okay|lol|lowkey|honestly|ngl|tbh|hmm+)\s+)*(?:not\s+(?:bad|too\s+bad|half\s+bad)|oh\s+my\s+(?:god|gosh)|"
                    r"i'?m\s+(?:dead|crying|weak|screaming)|so\s+real|too\s+real)(?:\s+(?:lol|lmao\w*|ngl|tbh|honestly|fr))*\W*",
                    message.text):
        return True  # "ok lowkey not bad", "im dead"
    said = re.sub(r"\b(?:you|u)\s+(?:help(?:ed)?|helps)\s+(?:me|us)\s+(?:a\s+lot|so\s+much|very\s+much|a\s+ton)\b|"
                  r"\b(?:you|u)(?:'re|\s+are|\s+r)\s+(?:the\s+best|amazing|a\s+star|a\s+lifesaver|great|awesome|so\s+kind)\b|"
                  r"\bcam\s+on(?:\s+(?:them|em|anh|chi|ban))?\b|[,.!\s]+(?:over\s+and|peace|i'?m|[a-z]+)\s+out\W*$|\b(?:em|anh|chi|ji|yaar|bro|sis|habibi|amigo|amiga|mate)\b", " ", message.text)
    tokens = re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", said)
    return said != message.text and bool(tokens) and all(t in SMALL_TALK for t in tokens)
    # "ok cảm ơn em, you help me a lot": thanks, in two languages


def is_stop(message: Words) -> bool:
    return bool(FAREWELL_OR_STOP.match(message.text)) and len(message.tokens) <= 4


def is_question(message: Words) -> bool:
    """Asks something (ends with "?" or opens with a question word or an auxiliary verb)."""
    if message.text.rstrip().endswith("?"):
        return True
    tokens = list(message.tokens)
    if tokens[:2] in (["quick", "question"], ["random", "question"], ["real", "quick"]):
        tokens = tokens[2:]  # "quick question, where do the photos go?"
    while len(tokens) > 1 and tokens[0] in _FILLERS | GREETING | {",", "!"}:
        tokens.pop(0)  # "wait how does it work", "hi what can you do"
        if len(tokens) > 1 and tokens[0] in GREETED:
            tokens.pop(0)  # "hello there who are you"
    if len(tokens) > 1 and tokens[0] in ("do", "make", "have") and \
            tokens[1] in ("a", "an", "some", "another", "me", "us"):
        return False  # "do a shark doing homework": an imperative, not "do you ...?"
    if len(tokens) > 1 and tokens[0] == "do" and tokens[1] in ("it", "this", "that", "one", "same", "the"):
        return False  # "do the same but as a watercolor", "do it in blue" ("does it ...?" asks)
    if len(tokens) > 2 and tokens[0] == "do" and tokens[1] in ("him", "her", "them", "just", "only") and tokens[2] in (
            "as", "in", "at", "on", "with", "wearing", "riding", "holding", "dressed", "him", "her", "them", "like"):
        return False  # "do her as a tiefling wizard": draw her so
    return bool(tokens) and (tokens[0] in WH_WORDS or tokens[0] in AUX_WORDS or tokens[0] in (
        "what's", "whats", "where's", "who's", "how's", "why's", "when's", "which's"))


_FILLERS = frozenset("wait so um uh hmm ok okay like honestly well oh ah hey and".split())


_SELF_SUBJECT = re.compile(r"^(?:i|we|i'm|we're|i'll|we'll|i've|we've|i'd|hope|hoping|sending|"
                           r"you're|you\s+are|you've|you\s+rock|you\s+did|(?:just\s+)?wanted\s+to\s+(?:say|tell|"
                           r"let|thank|ask))\b")
_PRAISE = re.compile(r"^(?:(?:(?:oh\s+)?(?:that's\s+|thats\s+|it's\s+|its\s+)?(?:much|way|so\s+much|a\s+lot|far|loads|heaps)\s+)"
                     r"better(?:\s+now)?\W*$|ship\s+it|(?:that\s+)?works\s+for\s+me|all\s+set|we're\s+good|that'll\s+do|"
                     r"(?:ok\s+|okay\s+)?(?:lowkey\s+|highkey\s+|kinda\s+|kind\s+of\s+)?(?:fire|slaps|bussin|goes\s+ha"
                     r"rd|"
                     r"hits|a\s+vibe|so\s+good)\W*$|"
                     r"(?:not\s+going\s+to\s+lie|to\s+be\s+honest|in\s+my\s+opinion)$|"
                     r"perfect|great|awesome|lovely|beautiful|nice|cool|wonderful|splendid|amazing|excellent|"
                     r"fantastic|brilliant|gorgeous|stunning|love\s+(?:it|this|that)|that's\s+(?:it|the\s+one|perfect|"
                     r"great|all|exactly)|it's\s+(?:perfect|great|beautiful|lovely|wonderful|amazing|exactly)|"
                     r"exactly|interesting|isn't\s+it|aren't\s+they|what\s+a|marvell?ous|superb|delightful|charming|"
                     r"flattering|"
                     r"(?:it\s+)?is\s+(?:very\s+|so\s+|really\s+)?(?:perfect|great|beautiful|lovely|amazing|exactly|"
                     r"wonderful|nice|good|"
                     r"cute|funny)|"
                     r"how\s+(?:very\s+|so\s+|utterly\s+|absolutely\s+|truly\s+)?(?!about\b)[a-z]+(?=[.!]*$)|"
                     r"(?:it's\s+|this\s+is\s+)?(?:my\s+)?first\s+time\s+(?:using|trying|here|with|on)|new\s+here|"
                     r"(?:good|fair|great|valid)\s+(?:point|idea|call|question)|makes\s+sense|got\s+it|i\s+see|agreed|"
                     r"true(?=[.!]*$)|fair\s+enough|"
                     r"just\s+(?:testing|trying\s+(?:it|this)\s+out|looking|browsing|checking\s+(?:it|this)\s+out))\b")
_FRAMED_SELF = re.compile(r"^(?:i|we)\s+(?:was|were|am|are)\s+hoping|^(?:i'm|we're)\s+hoping|"
                          r"^(?:i|we)\s*(?:'d|would|'ll|will)?\s*(?:really\s+)?(?:like|love|want|need|prefer|wish|"
                          r"meant|mean|rather)\b(?!\s+(?:it|this|that|them|these|those)(?:\s+(?:too|also|as\s+well|so\s+"
                          r"much|a\s+lot|lots|very\s+much))*\W*$)|^i'm\s+(?:looking|after|thinking)|^(?:i|we)\s+(?:think|guess|feel)\b")


# a request made inside a longer sentence: "... if you could draw", "..., can you draw", "... and i'd love"
ASKS_SOMEWHERE = re.compile(r"\b(?:and\s+(?:would|'d)\s+(?:really\s+)?(?:like|love)\s+(?:an?|some|to\s+(?:see|have|get"
                            r"))\s|"
                            r"(?:if|whether)\s+you\s+(?:could|would|can|might)|(?:can|could|would|will|might)\s+(?:you|u|"
                            r"ya)\s+"
                            r"(?:please\s+|kindly\s+|maybe\s+|possibly\s+)*(?:draw|make|create|paint|render|"
                            r"design|sketch|do|show|give|generate|illustrate|add|change|turn|put)\b)")
ASKS_AT = re.compile(r"^(?:so\s+|and\s+|but\s+|now\s+)?(?:(?:can|could|would|will|might)\s+(?:you|u|ya)\b|"
                      r"(?:i'd|i\s+would|we'd|we\s+would|i'll|i|(?:i|we)\s+should)\s+(?:really\s+|"
                      r"very\s+much\s+|now\s+|also\s+|next\s+|then\s+)?(?:like|love|want|"
                      r"need|require)\b(?!\s+to\s+(?!see\b|have\b|get\b|try\b|make\b)\w)(?!\s+(?:it|this|that|them|these|those)(?:\s+"
                      r"(?:too|also|as\s+well|so\s+much|a\s+lot|lots|very\s+much))*\W*$)|"
                      r"please\s+(?!don't)\w+|(?:maybe|perhaps)\s+(?:also\s+)?(?:a|an|some|one)\b|"
                      r"(?:draw|make|create|paint|render|design|sketch|show|give|generate|"
                      r"illustrate)\s+(?:me|us|an?|the|some|my|our)\b)")


# what comes before a request without being one: "here's a photo I took, can you ...", "separately, could you ..."
_LEAD_IN = re.compile(r"(?i)^(?:here's|here\s+is|here\s+are|this\s+is|these\s+are|"
                      r"i\s+(?:took|made|drew|have|got|found))"
                      r"\b.*\b(?:photo|picture|pic|image|shot|drawing|sketch|snap|selfie)s?(?:\s+(?:i|we)\s+\w+)?$|"
                      r"^(?:separately|also|btw|anyway|anyways|next|quick\s+one|new\s+one|different\s+idea|unrelated|another\s+thing|"
                      r"one\s+more\s+thing|(?:another|new|next)\s+idea)$")
_REMARK_SUBJECTS = frozenset("that this it he she they that's it's he's she's they're my our his her their the".split())
ACTION = re.compile(r"\b(?:make|add|change|turn|put|draw|remove|give|do|show|try|swap|replace|move|undo|go|paint|"
                     r"create|render|generate|recolou?r|delete|erase|stage|furnish|decorate|declutter|retouch|restyle)\b")


def sentences(text: str) -> list[str]:
    """The sentences of a message; an emoji between words ends one ("my son painted this 🎨 could you ...")."""
    parts = [part.strip() for part in re.split(r"(?<=[.!?])" + NOT_A_TITLE + r"\s+|\s+[-\u2014\u2013]\s+|\s*" + _EMOJI +
                                               r"+\s*", text)
             if part.strip() and re.search(r"\w", part)]
    return parts or ([text.strip()] if text.strip() else [])


NOT_A_TITLE = "".join(rf"(?<!\b{title}\.)" for title in ("Mr", "mr", "Mrs", "mrs", "Ms", "ms", "Dr", "dr", "St", "Mx"))
"""A full stop that ends a title ("Mr. Nibbles"), not a sentence."""
EMOJI = _EMOJI = "[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u2728\u2764\uFE0F\u200D]"


_WISH = re.compile(r"^it\s+(?:would|'d)\s+be\s+(?:great|nice|cool|good|better|lovely|awesome)\s+if\s+(?!(?:i|we)\b)|"
                   r"^(?:(?:lastly|finally|firstly|next|now|then|also)[,\s]+)?(?:i|we)\s+(?:should|would|'d)\s+be\s+(?:most\s+|very\s+|"
                   r"so\s+|ever\s+so\s+)?(?:grateful|obliged|thankful)\s+for\s+(?:an?|some|one|two|three)\s+\w")
"""A wish for the picture: "it would be nice if the students were wearing white" (not "... if I could save it")."""


_THINKING_OF = re.compile(r"^(?:(?:i|we)\s+(?:was|were)|i'm|im|i\s+am|we're|we\s+are)\s+(?:thinking|imagining|picturing)\s+"
                          r"(?:of\s+|about\s+)?(?:something\s+like\s+|maybe\s+)?(?:an?|some|two|three)\s+\w")
"""What they have in mind: "I was thinking something like a cozy illustration of a croissant"."""


def is_aside(sentence: str) -> bool:
    """Talk around a request, not the request: thanks, praise, "I have a restaurant", "hope you're well"."""
    said = normalize(sentence)
    said = re.sub(r"^(?:(?:(?:ha){2,}h?|(?:ja){2,}|(?:je){2,}|k{3,}|haha+|hah|ha|lol|lmao|lmfao|rofl|wow|oh|ooh|ok|"
                  r"okay|"
                  r"hmm+|aw+|omg|yes|yeah|"
                  r"(?:hi|hey|hello)(?:\s+again)?|wait|um+|well|so|honestly|ngl|tbh|ok\s+so)"
                  r"[,!.\s]+)+", "", said)
    if re.match(r"^(?:oh\s+my(?:\s+goodness|\s+god|\s+gosh)?|oh\s+dear|my\s+my|dear\s+me|my(?:\s+goodness)?|goodness(?"
                r":\s+me)?|"
                r"quick\s+question|bless\s+(?:you|your\s+heart)|god\s+bless(?:\s+you)?|(?:(?:but|and|so)\s+)?(?:we|i)\s+(?:like|love)\s+it\s+(?:just\s+)?(?:as\s+it\s+is|t"
                r"he\s+way\s+it\s+is)|"
                r"(?:it's|that's|that\s+is|it\s+is)\s+quite\s+something|but\s+whatever)\W*$", said):
        return True  # "Oh my.", "we like it just as it is"
    if re.match(r"^(?:and\s+)?(?:he|she|it|they)(?:\s+(?:is|are)|'s|'re)\s+(?:also\s+)?[a-z]+ing\s+(?:a|an|some|the)\b.*\b(?:also|too|"
                r"as\s+well)\W*$", said):
        return False  # "he is holding a fish also": more for the picture
    if re.match(r"^(?:you\s+know|y'?know|like)\s*,?\s+(?:that|the|those)\s+(?:[\w-]+\s+){1,3}?(?:look|style|vibe|feel|effect|"
                r"finish|aesthetic|colou?rs?|tones?)\W*$", said):
        return False  # "..., you know that faded vintage look": what the look is
    if _TRYING_OUT.match(said) or _TOLD.search(said):
        return True  # "ok let's see if this thing actually works.", "a mod told me to save the seed"
    if re.match(r"^(?:it|this\s+one|that\s+one)?\s*(?:does\s+not|doesn't|doesnt|do\s+not|don't|dont|need\s+not|needn't)\s+"
                r"(?:need|have)\s+to\s+be\s+(?:\w+\s*){1,3}\W*$", said):
        return True  # "doesn't need to be Otis": what the request is not, said beside it
    if ASKS_SOMEWHERE.search(said) or ASKS_AT.match(said) or _WISH.match(said) or _THINKING_OF.match(said):
        return False  # "I should be most grateful if you could draw ...", "I should like a picture of": requests
    laughed = re.match(r"^(?:(?:ha){2,}h?|(?:ja){2,}|(?:je){2,}|lol|lmf?ao|rofl|omg|"
                       r"aw+)\b[,!.\s]*", normalize(sentence))
    message = words(said)
    if not message.tokens or is_small_talk(message) or _PRAISE.match(said):
        return True
    thanked = 0
    while thanked < len(message.tokens) - 1 and (message.tokens[thanked] in _THANKED or message.tokens[thanked] in (
            "you", "u") and thanked and message.tokens[thanked - 1] == "thank"):
        thanked += 1
    if thanked and is_comment(message.tokens[thanked:]):
        return True  # "grazie mille you are very kind", "tesekkurler my daughter is very happy"
    if len(message.tokens) == 1 and said.rstrip().endswith(("!", ".")) and not pos_of(message.tokens[0]) and \
            re.fullmatch(r"[a-z]+(?:issim[oa]|ique|ico|ica|oso|osa|ant|ante|ich|lich|ig)", message.tokens[0]):
        return True  # "Bellissima!!", "Magnifique!": a word of praise in the user's own language
    if laughed and not _CHANGE_CUE.search(said) and not ACTION.search(said) and not any(
            can_be_verb(t) and not pos_of(t) & {"NOUN", "ADJ"} for t in message.tokens):
        return True  # "lmao the tiny wings": laughing at a part of the picture
    if FAREWELL_OR_STOP.match(re.sub(r"^(?:and\s+)", "", said)) and len(message.tokens) <= 6 or LEAVING.match(said):
        return True  # "and good day.", "gotta get back to the ward"
    if _REPORTED_REQUEST.match(said):
        return False  # "she says make it big, like really big": her request, passed on
    thanked = re.match(r"^(?:and\s+)?(?:thank(?:s|\s+you|\s+u)?|many\s+thanks|cheers|much\s+appreciated)\b", said)
    if thanked and " but " not in said:
        return True  # "thank you ever so much for your patience"
    if _FRAMED_SELF.match(said):
        return False
    if re.search(r"\b(?:first|second|third|fourth|last|going\s+with|go\s+with|back\s+to|better|nicer|earlier|"
                 r"preferred|prefer|"
                 r"previous|original|again|other\s+one)\b", said):
        return False  # "we're going with the first of the two": a choice
    return bool(_SELF_SUBJECT.match(said)) or is_comment(message.tokens)


_TRYING_OUT = re.compile(r"^(?:(?:let's|lets|let\s+(?:me|us)|i\s+(?:want|wanted)\s+to|wanna|gonna|i'm\s+going\s+to)\s+"
                         r"(?:see|test|check|find\s+out|figure\s+out)\s+(?:if|whether|how\s+(?:good|well))\b|"
                         r"(?:just\s+)?testing(?:\s+(?:testing|this|you|it))*\W*$)")
_REPORTED_REQUEST = re.compile(r"^(?:he|she|they|my\s+\w+|our\s+\w+|the\s+\w+|chat|everyone)\s+(?:says?|said|wants?\s+"
                               r"(?:you\s+)?"
                               r"to|asked\s+(?:you\s+)?to|asks\s+(?:you\s+)?to)\s+(?:to\s+)?(?:make|add|change|turn|pu"
                               r"t|give|"
                               r"remove|draw|do|swap|move|another|one\s+more|again|more|try|can|could|undo|go\s+back)"
                               r"\b")
_TOLD = re.compile(r"^(?:fun\s+fact|random\s+fact|btw|by\s+the\s+way|fyi|side\s+note|just\s+so\s+you\s+know)\b(?!.*\b("
                   r"?:"
                   r"can|could|would|will)\s+you\b)|\b(?:told|tells|asked|said|says|suggested|recommended|warned)\s+"
                   r"(?:me|us|him|her|them)\s+(?:to|that|i|we)\b")
_PRONOUN_SUBJECTS = frozenset("i we you he she they it that this these those everyone everybody".split())
_CONTRACTED = frozenset("i'm we're you're he's she's it's that's they're i've we've you've they've i'll we'll you'll "
                        "he'll she'll they'll it'll i'd we'd he'd she'd they'd".split())
_FINITE = frozenset("is are was were am will would does did do has have had can could gonna isn't aren't wasn't "
                    "weren't won't doesn't don't didn't hasn't haven't can't couldn't".split())
_ADVERBS = frozenset("really so just genuinely totally actually definitely also still probably truly honestly "
                     "absolutely literally always never all kinda quite very even sure surely".split())
_PEOPLE_DETERMINERS = frozenset("my our your his her their".split())
# what people do about a picture rather than in it: the verbs of a comment on "the client will love this"
_REACTION_VERBS = frozenset("love like hate adore enjoy say think know laugh cry smile lose appreciate print post "
                            "flip freak scream die melt obsess "
                            "share use frame hang send remember believe agree approve sound seem want need".split())
# what makes a statement a request all the same: "it should be green", "she wants it pink", "the sky is too dark"
_CHANGE_CUE = re.compile(r"\b(?!'d\s+love\s+(?:this|it|that)(?:\s+(?:fr|so\s+much|lol))*$)"
                         r"(?:too(?!\W*$)|should|shouldn't|must|needs?|has\s+to|have\s+to|ought|could\s+use|would\s+look|"
                         r"would\s+be\s+(?:better|nicer|cooler)|wants?|'d\s+(?:like|love|prefer)|would\s+(?:like|love|"
                         r"prefer)|prefer|(?:'d|would|i|we)\s+rather|rather\s+(?:than|have|see|get|go|be|a|an|the)|"
                         r"instead|enough|more|less|bigger|smaller|missing|wrong)\b")


_LOOKS_OTHERWISE = re.compile(
    r"^(?:(?:but|actually|well|oh|um+|also|and|no|wait)\s+)*(?:he|she|they|it)(?:\s+(?:is|are|has|have)|'s|'re|\s+got|"
    r"'s\s+got)\s+(?:actually\s+|really\s+|all\s+|mostly\s+|got\s+)?(?:(?:a|an|no)\s+)?(?:(?:light|dark|pale|bright)\s+)?"
    r"(?:red|orange|yellow|green|blue|purple|pink|brown|black|white|gr[ae]y|golden|ginger|blond|blonde|tabby|spotted|"
    r"striped|curly|fluffy)\b")
"""What they really look like, said of the picture on screen: "she is black with white feet", "he has a white blaze
on his face tho" (a correction, not a comment)."""
THEN_ASKS = re.compile(r"(?:\b(?:lol|haha+|lmao|tho|though|but|so|week|month|year|tomorrow|today|tonight|soon|weekend)\s+|"
                       r",\s*)(?P<ask>(?:pls\s+|please\s+|just\s+|now\s+)?"
                        r"(?:(?:make|add|give|put|turn|change|remove|fix)\s+(?:it|him|her|them|the|a|an|some|his|its|"
                        r"something)|(?:can|could|would)\s+(?:the|his|her|its|their)\s+[\w-]+\s+\w+)"
                        r"\b.*)$")
"""A remark, then what to do about it: "she looks kinda mad lol make her happy"."""


def is_comment(tokens: tuple[str, ...]) -> bool:
    """A statement about the picture or the people around it, not a request: "he looks so proud", "my kids are
    gonna lose it", "the client will love this", "that is genuinely beautiful", "printing it now".

    Read from its structure: a subject (a pronoun, "my brother", "the kids") followed by a finite verb, or a
    gerund acting on "it"; unless it still asks for a change ("it should be green", "she wants it pink")."""
    if len(tokens) < 2:
        return False
    text = " ".join(tokens)
    if re.match(r"^(?:that|this|it)(?:'s|\s+is|\s+looks?|\s+feels?)\b", text) and re.search(
            r"\b(?:nice|great|perfect|lovely|cool|amazing|awesome|love\s+it|wow|gorgeous|beautiful)\W*$", text):
        return True  # "that looks way more premium, nice": praise of a change already made
    if _CHANGE_CUE.search(text) or _LOOKS_OTHERWISE.match(text) or THEN_ASKS.search(text):
        return False
    if re.match(r"^(?:my|our|his|her|the)\s+[\w'-]+(?:\s+[\w'-]+)?\s+(?:is\s+|are\s+|was\s+|were\s+)?(?:very|so|really|super|"
                r"soo+|too|veri)\s+(?:happy|glad|pleased|excited|thrilled|proud|surprised|delighted|touched|moved|"
                r"emotional|sad)\b", text):
        return True  # "my daughter very happy": how they took it
    first = tokens[0]
    joined = next((i for i in range(1, min(len(tokens) - 1, 4)) if tokens[i] == "and" and tokens[i + 1] in
                   ("i", "we", "me")), None)
    if joined is not None and (first in _PEOPLE_DETERMINERS | {"i", "we"} or joined == 1) and \
            _finite_at(tokens, joined + 2, True, True, "we"):
        return True  # "my husband and I have lived there for forty years"
    if first == "its" and pos_of(tokens[1]) & {"ADJ", "ADV"}:
        first = "it's"  # "its wonderful"
    if first.endswith("ing") and "VERB" in pos_of(first) and tokens[1] in ("it", "this", "that", "them", "these"):
        return True  # "printing it now", "posting this tomorrow"
    if tokens[:2] == ("going", "to") and len(tokens) > 3 and can_be_verb(tokens[2]) and tokens[3] in PRONOUNS:
        return True  # "gonna use it for my campaign"
    if first in _CONTRACTED:
        negated = any(t.endswith("n't") or t in ("not", "no") for t in tokens)
        return not (negated and first not in ("i'm", "we're", "i've", "we've", "i'll", "we'll", "i'd", "we'd"))
    if first in _PEOPLE_DETERMINERS and len(tokens) > 2 and tokens[1].endswith("'s") and tokens[2] in (
            "going", "gonna", "so", "been", "not", "never", "getting", "always", "totally", "really", "gotta"):
        return True  # "my kid's gonna see this lol": the kid is going to, not the kid's thing
    if first == "you" and tokens[1] in ("can", "could", "would", "will", "might", "may"):
        return False  # "you could make it red": a suggestion
    if first in _PRONOUN_SUBJECTS:
        return _finite_at(tokens, 1, plural=first not in ("he", "she", "it", "that", "this"), any_verb=True,
                          subject=first)
    if "NOUN" in pos_of(first) and not pos_of(first) & {"ADJ", "VERB"} and _finite_at(
            tokens, 1, plural=first.endswith("s"), any_verb=False, subject="the") and \
            lemma(tokens[1], "VERB") in _REACTION_VERBS:
        return True  # "client hates them"
    if first == "the" and re.search(r"\b(?:nicely|beautifully|perfectly|wonderfully|great|well|amazing|awesome|"
                                    r"gorgeous|lovely)$", text) and _finite_at(tokens, 2, True, True, "the"):
        return True  # "the edges bleed nicely"
    if first in _PEOPLE_DETERMINERS or first == "the":
        for head in (2, 3):
            if head < len(tokens) and _finite_at(tokens, head, plural=tokens[head - 1].endswith("s") or first != "the",
                                                 any_verb=first != "the", subject=first):
                return all(not pos_of(t) or "NOUN" in pos_of(t) or "ADJ" in pos_of(t) for t in tokens[1:head])
    return False


def _finite_at(tokens: tuple[str, ...], at: int, plural: bool, any_verb: bool, subject: str) -> bool:
    """A finite verb at tokens[at] (adverbs skipped): "is", "will", "says", "loved"; a base form after a plural."""
    while at < len(tokens) and tokens[at] in _ADVERBS:
        at += 1
    if at >= len(tokens):
        return False
    word = tokens[at]
    if word in _FINITE:
        negated = word.endswith("n't") or (at + 1 < len(tokens) and tokens[at + 1] == "not")
        narrative = re.search(r"\b(?:since|years|ever|anymore|any\s+more|these\s+days|in\s+ages)\b", " ".join(tokens))
        if negated and subject not in ("i", "we", "you", "my", "our", "your") and not narrative:
            return False  # "it isn't blue": a complaint that asks for a change
        if any_verb or word in ("will", "gonna") or (at + 1 < len(tokens) and tokens[at + 1] in ("going", "gonna")):
            return True
        return at + 1 < len(tokens) and lemma(tokens[at + 1], "VERB") in _REACTION_VERBS
    if "VERB" not in pos_of(word) or word.endswith("ing"):
        return False
    base = lemma(word, "VERB")
    if base == word and not plural:
        return False
    return any_verb or base in _REACTION_VERBS


def with_what_they_love(text: str) -> str:
    """ "a birthday card for my sister, who loves roses" -> "a birthday card with roses, for my sister": what the one
    it is for loves goes in the picture."""
    return re.sub(r"\bfor\s+(?P<who>(?:my|our|his|her)\s+[\w-]+),?\s+who\s+(?:loves?|adores?|likes?|is\s+(?:mad|crazy|nuts)\s+"
                  r"about)\s+(?P<what>[\w\s-]+?)(?=\s*(?:[.!?]|$))", r"with \g<what>, for \g<who>", text, flags=re.I)


def request_part(text: str) -> str:
    """The sentences of a message that ask for something; "" when it is all talk ("Thanks, I'll print it")."""
    text = with_what_they_love(text)
    kept, dropped = [], False
    for sentence in _after_second_thoughts(sentences(text)):
        parts, talk = [], False
        later = normalize(sentence).split(",", 1)[-1]
        said = words(normalize(sentence)).tokens
        if "," in sentence and said and said[0] in _REMARK_SUBJECTS and is_comment(said) and not _REPORTED_REQUEST.match(
                normalize(sentence)) and not ASKS_SOMEWHERE.search(
                normalize(sentence)) and not ACTION.search(later) and not re.search(r"\bbut\b", later) and \
                not ASKS_AT.match(later.strip()):
            dropped = True  # "that looks way more premium, nice": one remark, though a clause alone might ask
            continue
        clauses = re.split(r"(?<=[,;:])\s+|\s+(?=(?:and|so|but)\s+(?:i'd|i\s+would|i\s+(?:really\s+)?(?:need|want)|"
                           r"can\s+you|could\s+you|would\s+you|maybe|perhaps)\b)", sentence, flags=re.I)
        asks = [i for i, clause in enumerate(clauses) if i and ASKS_AT.match(normalize(clause))]
        if asks and all(is_aside(c.rstrip(",;:")) or re.match(r"(?i)^(?:for|as|since|because)\s", c) or re.fullmatch(
                r"(?i)(?:now|then|next|also|finally|lastly|ok|okay|so|well|right|alright|anyway|separately|secondly|"
                r"first|firstly)\W*", c) or
                        _LEAD_IN.match(c.rstrip(",;: ")) or (
                            len(c.split()) == 1 and pos_of(normalize(c).strip(",;: ")) & {"ADV"} and not
                            pos_of(normalize(c).strip(",;: ")) & {"NOUN", "ADJ"}) or (
                re.search(r"(?i)\b(?:is|are|was|were|am)\b", c) and not re.match(r"(?i)^(?:an?|the|some|\d+|one|two|"
                                                                                 r"three)\b", c))
                        for c in clauses[:asks[0]]):
            clauses, dropped = clauses[asks[0]:], True  # "my 4yo is learning shapes, can you draw ...": context
            clauses[0] = re.sub(r"^(?:and|so|but)\s+", "", clauses[0])
        for clause in clauses:
            # after the request has begun, "she is standing under a tree" goes on describing; only talk goes
            bare = clause.rstrip(",;:")
            if is_aside(bare) and not (parts and _describes(bare)) or (not parts and talk and _goes_on(bare)):
                dropped = talk = True
            else:
                parts.append(clause)
        if parts:
            kept.append(" ".join(parts).rstrip(",;:"))
    explicit = [i for i, sentence in enumerate(kept) if re.match(
        r"^(?:so\s+|now\s+)?(?:can|could|would|will)\s+(?:you|u)\b", normalize(sentence))]
    if explicit and explicit[0] and all(_PLAN.match(normalize(sentence)) or is_aside(sentence) or
                                        _NARRATES.search(normalize(sentence)) for sentence in kept[:explicit[0]]):
        kept = kept[explicit[0]:]  # "I would like to make her a wedding invitation. Could you draw ...?"
    if len(kept) > 1 and _NEEDS_PICTURES.match(normalize(kept[0])):
        kept, dropped = kept[1:], True
    if dropped and len(kept) == 1 and _lone_adjective(kept[0]):
        return ""  # "epic. my wife is going to laugh": a word of praise beside a comment
    return " ".join(kept)


_NARRATES = re.compile(r"\b(?:i|we|he|she|they)(?:'m|'re|'ve|'d|'ll|\s+(?:am|are|is|was|were|have|had|will|\w+ed|"
                       r"thought|told|said|got|went|came|know|knew|think|love|hate))\b")
"""Someone telling what happened or is happening ("we're doing this whole thing at the golf club", "I thought of
you"): the story around a request, not a picture's description."""


_SECOND_THOUGHT = re.compile(r"^(?:oh\s+|no\s+|hmm+\s+|um+\s+)?(?:wait|actually|scratch\s+that|never\s*mind|nvm|on\s+"
                             r"second\s+thought(?:s)?)\b(?:[,.!\s]+(?:no|nope|nah|sorry))?\b[,.!\s]*", re.I)


def _after_second_thoughts(kept: list[str]) -> list[str]:
    """ "one more of her and our dog at the beach? oh wait the dog isnt saved. just her at the beach then": what
    they settled on is what comes after the second thought (or in it, when it asks: "actually, make it a fox")."""
    turns = [i for i, sentence in enumerate(kept) if i and _SECOND_THOUGHT.match(sentence.strip())]
    if not turns:
        return kept
    last = turns[-1]
    rest = _SECOND_THOUGHT.sub("", kept[last].strip(), count=1)
    if ASKS_AT.match(normalize(rest)) or ACTION.match(normalize(rest)) or rest and not is_aside(rest) and not re.search(
            r"\b(?:is|isn't|isnt|are|aren't|was|wasn't|can't|cant|won't|doesn't|don't|do|does)\b", rest):
        later = kept[last + 1:]
        if later and rest.strip(" .!,").lower() in later[0].lower():
            return later  # "no wait a treehouse. a treehouse inside a giant mushroom": said again, in full
        return [rest, *later]  # "wait no, just him asleep on a sofa"
    return kept[last + 1:] or kept


_NEEDS_PICTURES = re.compile(r"^(?:(?:hi|hey|hello|ok|so)[,!.\s]+)*(?:(?:i|we)\s+)?(?:need|want|am\s+after|'m\s+after)\s+(?:some\s+|a\s+few\s+|"
                            r"new\s+|\d+\s+)?(?:[\w-]+\s+)?(?:photos|pictures|pics|images|shots|visuals|art|graphics)\s+"
                            r"for\s+(?:my|our|the|a)\s+[\w\s'-]+[.!]?$")
"""The job the pictures are for ("need listing photos for my shop."), said before what they show."""
_PLAN = re.compile(r"^(?:i|we)\s*(?:would|'d|want|need|am\s+trying|'m\s+trying|hope|plan|am\s+going|'m\s+going)\s*(?:l"
                   r"ike\s+)?"
                   r"to\s+(?:make|create|do|design|put\s+together|prepare|send|print|build|get)\b")
"""What the user means to make, before asking for the picture it needs."""


def _goes_on(clause: str) -> bool:
    """ "slows down a bit but still loves the park": a statement going on after talk, its subject said before."""
    tokens = words(clause).tokens
    return bool(tokens) and "VERB" in pos_of(tokens[0]) and not pos_of(tokens[0]) & {"NOUN", "AUX"} and \
        tokens[0] not in AUX_WORDS and \
        lemma(tokens[0], "VERB") != tokens[0] and not tokens[0].endswith("ing")


def _describes(clause: str) -> bool:
    """A statement that may still describe the picture ("she is standing under a cherry tree"), not talk about it."""
    said = normalize(clause)
    tokens = words(said).tokens
    if re.fullmatch(r"(?:(?:in\s+the|at|late|early|mid)\s+)?(?:morning|afternoon|evening|night|dusk|dawn|midday|noon)\W*", said):
        return True  # "..., people at small round tables, afternoon": the time of day in the picture
    if not is_comment(tokens) or _SELF_SUBJECT.match(said):
        return False
    reaction = any(lemma(t, "VERB") in _REACTION_VERBS or t in ("will", "gonna", "going") for t in tokens[1:4])
    return not reaction and tokens[0] not in ("i", "we", "you", "i'm", "we're", "you're", "that", "that's")


def _lone_adjective(sentence: str) -> bool:
    tokens = words(sentence).tokens
    if tokens and tokens[0] in ("original", "previous", "earlier", "other", "last", "first", "same", "older"):
        return False  # "nope. orig": a picture pointed at
    return len(tokens) == 1 and pos_of(tokens[0]) & {"ADJ"} == pos_of(tokens[0]) - {"NOUN", "ADV"} and \
        "ADJ" in pos_of(tokens[0]) and not is_comparative(tokens[0])


def leading_small_talk(text: str) -> str:
    """ "thanks! now add a hat" -> "now add a hat": a greeting or thanks before the first mark goes."""
    parts = re.split(r"(?<=[!.,;:])\s+", text, maxsplit=1)
    if len(parts) == 2 and (is_small_talk(words(parts[0])) or re.fullmatch(
            r"(?i)(?:hi|hey|hello|morning)\s+(?:again|there)[!.,;:]*", parts[0])):
        return parts[1]
    greeted = re.match(rf"(?i)(?:hi|hey|hello|heya|hiya|howdy)(?:\s+(?:{GREETED_PATTERN}))?\s+(?!kitty\b)(?=\w)", text)
    return text[greeted.end():] if greeted else text  # "hey there a blue car please"


WORN = frozenset("dress shirt hat cap jacket coat suit outfit costume sweater jumper hoodie scarf uniform gown robe "
                 "cape armor armour helmet glasses sunglasses crown tutu apron onesie pyjamas pajamas boots shoes "
                 "jersey kit tux tuxedo bikini swimsuit".split())
"""What someone wears: put "in" it they still stand where they are ("make her in the red dress"), and a new one
takes the old one's place ("give her a unicorn hoodie" where she wore a spiderman hoodie)."""


_SALUTATION = re.compile(r"^\s*(?:(?:dear|hello|good\s+(?:morning|afternoon|evening|day))(?:\s+(?:assistant|sir|madam|sir\s+or\s+"
                         r"madam|friend|computer|there|all|picture\s+maker|image\s+maker))?\s*[,:!]\s*\n+|dear\s+(?:assistant|sir|"
                         r"madam|sir\s+or\s+madam|friend|computer|picture\s+maker|image\s+maker|chatcanvas)\s*[,:!]\s*)", re.I)
_SIGN_OFF = re.compile(r"(?:(?<=[.!?])|(?<=\n)|^)\s*(?i:(?:(?:kind|warm|best|many|warmest|kindest)\s+)?regards|sincerely(?:\s+yours)?|"
                       r"yours\s+(?:sincerely|faithfully|truly)|with\s+(?:many\s+)?(?:thanks|gratitude|love|best\s+wishes)|"
                       r"best\s+wishes|warmly|respectfully|all\s+the\s+best|love)\s*[,.!]?\s*(?:\n\s*)?"
                       r"(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?(?:[A-Z][\w'-]*\.?\s*){0,3}$|\n\s*(?:[-\u2014\u2013]\s*)?(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?"
                       r"[A-Z][\w'-]*\.?(?:\s*[A-Z][\w'-]*\.?){0,2}\s*$")


def without_letter(text: str) -> str:
    """A message written as a letter, without its letter: "Dear assistant,\n\nCould the bench be blue?\n\nKind
    regards,\nMargaret" -> "Could the bench be blue?" (the salutation on a line of its own, the sign-off and the
    name under it)."""
    body = _SALUTATION.sub("", text)
    for _ in range(2):  # the name under the sign-off, then the sign-off
        body = _SIGN_OFF.sub("", body.rstrip())
    return body.strip() or text


_REACTION_OPENER = re.compile(r"^(?:oh\s+my\s+(?:god|gosh)|omg+|o+m+g+|aww+|lol+|lmf?ao+|(?:ha){2,}|(?:oh+\s+)?wo+w(?:\s+so\s+\w+)?|bruh+|"
                              r"i'?m\s+dead|dead|stop+|no\s+way)\b[\s,!.]*")


def is_reaction(text: str) -> bool:
    """A reaction to the picture, nothing asked: "oh my god his little hat", "wow so menacing 💀 hes asleep on my
    keyboard rn", "lmao his face"."""
    said = normalize(text)
    opener = _REACTION_OPENER.match(said)
    if not opener:
        return False
    rest = said[opener.end():]
    return len(rest.split()) <= 14 and not re.search(r"\b(?:i'd\s+like|i\s+would\s+like|i\s+want|i\s+need|give\s+me|show\s+me|"
                                                     r"let\s+me\s+see|how\s+about|what\s+about)\b", rest) and not re.search(
        r"(?<!right\s)\bnow\b|\b(?:make|add|put|give|change|turn|remove|draw|paint|show|do|try|can|could|would|please|pls|more|less|"
        r"another|again|undo|instead|swap|replace|redo|next|take|drop|lose|ditch|delete|move|fix|keep|bring|use|go|get|"
        r"too|should|needs?|want|wanna|let's|lets|zoom|crop|flip|rotate)\b|\bback\s+to\b|\?", rest)
