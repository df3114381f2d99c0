"""Edit prompts the way a person would write them: the whole picture after a change ("a red fox" + "make it blue" ->
"a blue fox"): swaps replace, contradictions are resolved, colour words replace colour words, and several changes in
one message all apply. The words both sides share (colours, styles, times and places) live here; draw prompts are in
`draws`.
"""

from __future__ import annotations

import re

from chatcanvas.agent import language as lang

COLORS = (
    "sky blue", "ginger", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "grey",
    "cyan",
    "magenta", "teal", "violet", "gold", "golden", "silver", "beige", "turquoise", "navy", "maroon", "crimson",
    "lime", "olive", "tan", "cream", "ivory", "lavender", "coral", "mint", "peach", "aqua", "bronze", "copper",
    "indigo", "scarlet", "emerald", "amber", "charcoal", "khaki", "burgundy", "rose", "lilac", "fuchsia",
    "cognac", "taupe", "mauve", "ochre", "periwinkle", "chartreuse", "cerulean", "vermilion",
)
COMPARATIVE_COLORS = {"redder": "red", "bluer": "blue", "greener": "green", "pinker": "pink", "yellower": "yellow",
                      "whiter": "white", "blacker": "black", "browner": "brown", "purpler": "purple", "greyer": "grey",
                      "grayer": "gray", "oranger": "orange"}
TONES = ("dark", "light", "pale", "bright", "deep", "pastel", "neon", "vivid", "hot", "baby", "royal", "golden",
         "navy", "forest", "lime", "muted", "soft", "rich", "dusty", "blush", "warm", "cool", "icy", "dusky", "sage",
         "mint", "olive", "powder", "electric", "burnt", "hunter", "bottle", "emerald", "highland", "racing", "midnight",
         "army", "kelly", "cherry", "blood", "lemon", "mustard", "brick", "slate", "jet", "pitch", "candy",
         "jade", "ruby", "sapphire", "cobalt", "seafoam", "bubblegum", "matte", "glossy", "metallic", "pearl")
_COLOR = "|".join(COLORS)
_TONE = "|".join(TONES)
COLOR_PHRASE = re.compile(rf"\b(?:(?:{_TONE})[\s-]+)*(?:{_COLOR})(?:-(?:{_COLOR}))?(?:[\s-]+(?:and|&)[\s-]+(?:{_COLOR}))?\b")

# words of which a picture has one: a new one replaces the old ("night" replaces "daylight")
GROUPS: dict[str, dict[str, str]] = {
    "time": {"day": "during the day", "daytime": "in daytime", "daylight": "in daylight", "morning": "in the morning",
             "noon": "at noon", "midday": "at midday", "afternoon": "in the afternoon", "evening": "in the evening",
             "dusk": "at dusk", "sunset": "at sunset", "sunrise": "at sunrise", "dawn": "at dawn",
             "twilight": "at twilight", "night": "at night", "nighttime": "at nighttime", "midnight": "at midnight",
             "night time": "at night time", "golden hour": "at golden hour", "sundown": "at sundown"},
    "season": {"spring": "in spring", "summer": "in summer", "autumn": "in autumn", "winter": "in winter",
               "springtime": "in springtime", "summertime": "in summertime", "wintertime": "in wintertime"},
    "weather": {"sunny": "sunny", "rainy": "rainy", "snowy": "snowy", "cloudy": "cloudy", "foggy": "foggy",
                "misty": "misty", "stormy": "stormy", "overcast": "overcast", "calm": "calm", "windy": "windy"},
    "size": {"small": "small", "little": "little", "tiny": "tiny", "medium": "medium", "big": "big", "large": "large",
             "huge": "huge", "giant": "giant"},
    "position": {"top left": "in the top left corner", "top right": "in the top right corner",
                 "bottom left": "in the bottom left corner", "bottom right": "in the bottom right corner",
                 "center": "in the center", "middle": "in the middle", "left": "on the left",
                 "right": "on the right", "top": "at the top", "bottom": "at the bottom"},
}
STYLES_SAID = ("watercolor painting", "watercolor", "oil painting", "acrylic painting", "pencil sketch",
               "charcoal sketch",
          "ink drawing", "line art", "pixel art", "3d render", "cartoon", "anime", "manga", "comic book", "comic", "photo",
          "photograph", "photorealistic", "realistic", "sketch", "painting", "drawing", "illustration",
          "vector art", "flat illustration", "low poly", "claymation", "origami", "stained glass", "mosaic",
          "impressionist", "cubist", "surreal", "art deco", "art nouveau", "vintage poster", "poster", "diagram",
          "blueprint", "technical drawing", "fashion sketch", "storybook illustration", "children's book",
          "studio ghibli", "pop art", "graffiti", "ukiyo-e", "woodcut", "noir", "cyberpunk", "steampunk",
          "line drawing", "pencil drawing", "charcoal drawing", "oil paint", "neon sign", "black and white")
STYLES = tuple(sorted(STYLES_SAID, key=len, reverse=True))
ANTONYMS = {"long": ("short",), "short": ("long",), "dark": ("light", "bright"), "light": ("dark",),
            "bright": ("dark", "dim", "moody", "gloomy"), "moody": ("bright", "cheerful"),
            "big": ("small", "little", "tiny"), "small": ("big", "large", "huge"), "large": ("small", "little"),
            "wide": ("narrow",), "narrow": ("wide",), "thick": ("thin",), "thin": ("thick",), "old": ("new", "young"),
            "young": ("old",), "new": ("old",), "happy": ("sad",), "sad": ("happy",), "hot": ("cold",),
            "cold": ("hot", "warm"), "warm": ("cold", "cool"), "cool": ("warm",), "wet": ("dry",), "dry": ("wet",),
            "empty": ("crowded", "full", "busy"), "crowded": ("empty", "quiet"), "busy": ("empty", "quiet"),
            "calm": ("stormy", "rough"), "stormy": ("calm",), "clean": ("dirty", "messy", "cluttered"), "dirty": ("clean",),
            "messy": ("clean", "tidy", "neat"), "tidy": ("messy", "cluttered"), "cluttered": ("clean", "tidy", "minimal"),
            "modern": ("vintage", "old", "ancient"), "vintage": ("modern",), "simple": ("detailed", "ornate"),
            "detailed": ("simple", "minimal"), "minimal": ("detailed", "busy"), "tall": ("short",),
            "open": ("closed",), "closed": ("open",), "high": ("low",), "low": ("high",)}
ATTRIBUTE_NOUNS = frozenset(
    "background sky lighting light colors color palette style mood tone contrast saturation border frame "
    "foreground text font sleeves sleeve hair eyes weather season scene shadows shadow atmosphere vibe".split())
_GENERIC_PICTURE = r"(?:picture|pic|image|img|visual|graphic|artwork|art|one|version|thing)"
_STYLE_NOUN = (r"(?:photo|photograph|drawing|painting|sketch|illustration|watercolor|render|rendering|portrait|"
               r"poster|logo|wallpaper|label|diagram|icon|cartoon|comic|mockup|mock-up|banner|sticker|card|cover|"
               r"doodle|print|infographic|scene|shot|closeup|close-up|snapshot|still life|landscape|blueprint)")
VERB_MEDIUM = {"paint": "a painting of", "sketch": "a sketch of", "illustrate": "an illustration of",
               "doodle": "a doodle of", "photograph": "a photo of", "watercolor": "a watercolor of"}
_EDIT_LEAD = re.compile(r"^(?:make|turn|change|set|get|have|keep|color|colour|recolor|dye|paint)\s+"
                        r"(?:it|this|that|everything|the\s+(?:picture|image|whole\s+thing|thing))\s+", re.I)


# ------------------------------------------------------------------------------------------------- edits

_COLORIZE = re.compile(r"\b(?:make|turn|put|have|get|bring)\s+(?:it|this|that|them|these|him|her|the\s+(?:old\s+)?(?:photo|"
                       r"picture|image|pic|photograph)s?)\s+(?:back\s+)?(?:in(?:to)?\s+)?(?:full\s+)?colou?r(?:ed)?(?!\w)|"
                       r"\bcolou?ri[sz](?:e|ed|ing)\b|\badd\s+colou?rs?\s+to\s+(?:it|this|that|the\s+(?:old\s+)?(?:photo|"
                       r"picture|image|pic|photograph))\b|\bin\s+colou?r\s+instead\s+of\s+black\s+and\s+white\b", re.I)
"""A black-and-white photo to be coloured: "can you make it color", "colorize this"."""


def edit_prompt(current: str | None, instruction: str) -> str:
    """The whole picture after the change. With no earlier description, the change itself describes it."""
    instruction = re.sub(rf"(?<=\w)\s*{lang.EMOJI}+\s*(?=\w)", ". ", instruction)  # "orange 🙄 kids": two sentences
    instruction, kept = _kept_part(instruction)
    # "make it blue and save it": the file is asked for besides, it is no part of the picture
    instruction = re.sub(r"(?:\s*,\s*|\s+)(?:and\s+|then\s+)?(?:save|download|export)\s+(?:it|this|that|them)\b[^.!?]*",
                         "", instruction, flags=re.I)
    # "make the bench plain wood again but keep the tomatoes": what stays is there already; "again" says nothing new
    instruction = re.sub(r"\s*,?\s*\b(?:but|and|while|just)\s+(?:still\s+|please\s+)?keep(?:ing)?\s+(?:the|his|her|its|their|my|"
                         r"our|everything|it|all)\b[^,.!?]*", "", instruction, flags=re.I)
    instruction = re.sub(r"(?<=\w)\s+again\b(?=\s*(?:$|[,.!?]|\bplease\b|\bpls\b))", "", instruction, flags=re.I)
    # "no pipe actually wife says its a bad example": the change, then someone's reason for it
    # "make the blanket the blue knitted one my mum made": make the blanket blue knitted
    instruction = re.sub(r"\b(make|turn)\s+(the\s+[\w-]+)\s+(?:the|a|an)\s+((?:[\w-]+\s+){1,3}?)one\b(?:\s+(?:my|our|his|her|"
                         r"that|which|she|he|they|we|i|from|in|at|on|with|you)\s+[^,.!?]*)?", r"\1 \2 \3", instruction, flags=re.I)
    instruction = re.sub(r"^(?:(?:can|could)\s+(?:you|u)\s+)?(?:do|make|try)\s+(?:me\s+|us\s+)?(?:like\s+|just\s+|maybe\s+)?an?\s+((?:[\w-]+\s+){1,3}?)version\b",
                         r"\1version", instruction, flags=re.I)  # "do a token version": a token version
    reason = _SOMEONES_REASON.search(instruction)
    if reason and len(re.findall(r"\w+", instruction[:reason.start()])) >= 2:
        instruction = instruction[:reason.start()] + instruction[reason.end():]
    instruction = _SAME_BUT.sub(_what_differs, instruction)
    instruction = _WISHED.sub(_as_a_change, instruction)
    instruction = _WEARING.sub(r"with \g<who> \g<how>", instruction)
    instruction = _CAUSED.sub(_doing, instruction)
    instruction = re.sub(r"^\W*(?:(?:so|and|ok|hmm+)[,\s]+)*(?:can|could|would)\s+(?P<x>(?:the|his|her|its|their)\s+[\w-]+)\s+be\s+"
                         r"(?P<y>(?:in|on|at|under|over|behind|beside|inside|next\s+to|in\s+front\s+of)\s+[^?]+)\??\s*$",
                         r"with \g<x> \g<y>", instruction, flags=re.I)  # "can the sword be in her left hand"
    instruction = _WORN_ON.sub(_put_on, instruction)
    base = current.strip().rstrip(".") if current else (kept or UNDESCRIBED)
    if _COLORIZE.search(instruction):  # "heres an old photo of my grandpa from the 60s can you make it color"
        return re.sub(r",?\s*\b(?:black[\s-]+and[\s-]+white|b&w|monochrome|monochromatic|gr[ae]yscale|sepia)\b", "",
                      base).strip(" ,") + ", in full color"
    instruction = _spelled_as_in(instruction, base)
    instruction = re.sub(r"\s*\([^()]{0,60}\)", "", instruction)  # "(long story lol)", "(don't ask)": asides
    instruction = re.sub(r"\bback\s+ground\b", "background", instruction, flags=re.I)
    said = lang.sentences(instruction)
    opening = _JUDGED.match(lang.normalize(said[0])) if len(said) > 1 else None
    judged = None
    if opening and not re.search(r"\b(?:make|turn|add|remove|put|change|swap|replace|give|move|drop|lose)\b",
                                 lang.normalize(said[0])[opening.end():]) and not re.match(
            r"^(?:(?:can|could|would|will)\s+(?:you|u)\s+|please\s+)+(?:make|turn|add|remove|put|change|give)\b",
            lang.normalize(said[0])):  # not "Could you make it more sad feeling? Gray sky": both change it
        # "nah the countertop looks cheap. white marble": what the next words change
        judged = opening.group("thing") or opening.group("what") or opening.group("clash")
        instruction = " ".join(said[1:])
    changes = [edit_instruction(change)
               for change in _plain_changes(split_changes(edit_instruction(instruction)), judged)]
    for change in changes:
        if change:
            base = apply_change(base, change)
    warm = r"\b(?:summer|spring|summertime|springtime|heatwave|tropical)\b"
    if current and re.search(warm, base) and not re.search(warm, current):
        base = re.sub(r"\b(?:snowy|snow-covered|frosty|icy)\s+", "", base)  # "a snowy forest", then summer: a forest
        base = re.sub(r"\s+(?:with|in|under|covered\s+in)\s+(?:the\s+|some\s+)?(?:falling\s+)?snow(?:flakes)?\b|,\s*(?:falling\s+)?"
                      r"snow(?:flakes)?(?:\s+falling)?(?=\s*(?:,|$))", "", base)  # "window with snow", then summer
    return restore_case(_fix_articles(re.sub(r"\s+,", ",", re.sub(r"\s+", " ", base)).strip(" ,")), instruction)


_SOMEONES_REASON = re.compile(r"(?<=\w)\s+(?:(?:cos|because|since|as)\s+)?(?:(?:my|our|the)\s+[\w-]+|wife|husband|hubby|partner|"
                              r"kids?|son|daughter|mum|mom|dad|boss|client|he|she|they|everyone)\s+(?:says?|said|thinks?)\s+(?:that\s+)?"
                              r"(?:it's|its|it\s+is|that's|thats|they're|it\s+looks|it\s+was)\b[^.!?]*", re.I)
_SAME_BUT = re.compile(r"^\W*(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?(?:(?:do|make|draw|try)\s+)?"
                       r"(?:it|that|this|the\s+same|same)(?:\s+(?:thing|one|picture|image|again))?\s*,?\s+but\s+(?P<rest>.+)$",
                       re.I)


def _what_differs(found: re.Match) -> str:
    """ "can you do the same but green" -> "make it green"; "same but at night" -> "at night"."""
    rest = re.sub(r"^in\s+(?=\w+\W*$)", "", found.group("rest").strip())
    words = lang.words(rest).tokens
    if 1 <= len(words) <= 2 and "ADJ" in lang.pos_of(words[-1]) and not re.match(r"(?i)with\b", rest):
        return f"make it {rest}"
    return rest


_WISHED = re.compile(r"^\W*it\s+(?:would|'d)\s+be\s+\w+\s+if\s+(?P<thing>(?:the|his|her|its|their)\s+[\w\s-]+?)"
                     r"\s+(?:was|were)\s+(?P<how>[\w\s-]+?)\W*$", re.I)


def _as_a_change(found: re.Match) -> str:
    """What a wish for the picture asks ("it would be nice if the circle was bigger", the frame already read):
    "make the circle bigger"; "the students were wearing white" -> "the students wearing white"."""
    how = found.group("how")
    if re.match(r"\w+ing\b", how):
        return f"with {found.group('thing')} {how}"
    return f"make {found.group('thing')} {how}"


_WEARING = re.compile(r"^\W*(?P<who>(?:the|his|her|their)\s+[\w-]+(?:\s+(?!(?:are|were|is|was)\b)[\w-]+)?)\s+"
                      r"(?:(?:are|were|is|was)\s+)?(?P<how>(?:wearing|dressed\s+in)\s+[\w\s-]+?)\W*$", re.I)
"""Clothes for someone in the picture ("the students wearing white"): what they wear, not a colour for them."""
_CAUSED = re.compile(r"\b(?:make|have|let)\s+(?P<who>(?:the|his|her|their|its|my|our)\s+[\w-]+|him|her|them|[A-Z][\w-]+)\s+"
                     r"(?P<verb>[a-z]+)\b(?P<rest>[^,.!?]*)")
"""Someone in the picture made to do something ("make the otter hold the can"): them, doing it."""
_NOT_DOINGS = frozenset("look looks feel seem appear be more less bigger smaller a an the some wear".split())


def _doing(found: re.Match) -> str:
    verb = found.group("verb").lower()
    kinds = lang.pos_of(verb)
    who = found.group("who").split()[-1].lower()
    if "VERB" not in kinds or "ADJ" in kinds or verb in _NOT_DOINGS or verb.endswith(("ing", "ed", "er", "est", "ly", "s")) \
            or not found.group("rest").strip() or "ADJ" in lang.pos_of(who) or re.fullmatch(_COLOR, verb) or \
            re.match(rf"\s*(?:{_COLOR})\b", found.group("rest")):
        return found.group(0)  # "make the sky blue", "make him bigger", "make the volcano erupt", "make the blue
    # background a sunset", "make the background mint green": a look, or a change said as it is
    return f"with {found.group('who')} {gerund(verb)}{found.group('rest')}"


def gerund(verb: str) -> str:
    """ "hold" -> "holding", "wag" -> "wagging", "smile" -> "smiling", "lie" -> "lying"."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if len(verb) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb):
        return verb + verb[-1] + "ing"
    return verb + "ing"


_WORN_ON = re.compile(rf"^\W*(?:(?:i\s+(?:want|would\s+like|'d\s+like)|(?:and\s+)?(?:maybe|also|plus))\s+)?(?P<thing>"
                      rf"(?:(?:an?|some)\s+)?(?:(?:{_TONE})[\s-]+)*(?:{_COLOR})(?:\s+(?:and|&)\s+(?:{_COLOR}))?\s+[a-z][\w-]*"
                      rf"(?:\s+[a-z][\w-]*)?)\s+"
                      rf"(?:on|for)\s+(?P<where>him|her|it|them|(?:the|his|her|its|their)\s+[\w-]+)\W*$", re.I)
"""Something coloured put on someone ("red scarf on him", "I want a red beret on the head"): a thing to add, not a
colour for them."""


def _put_on(found: re.Match) -> str:
    thing = found.group("thing")
    last = thing.split()[-1].lower()
    kinds = lang.pos_of(last)  # a word the tagger does not know ("beret") is taken for a thing
    if kinds and "NOUN" not in kinds or COLOR_PHRASE.fullmatch(last):
        return found.group(0)  # "blue on the car", "dark red on the roof": a colour, read as before
    plural = last.endswith("s") and not last.endswith("ss")
    article = "" if re.match(r"(?i)(?:an?|some)\s", thing) or plural else "a "
    return f"add {article}{thing} on {found.group('where')}"


_WHO = (r"(?:(?:my|our|the|his|her|their)\s+)?(?:boss|client|clients|editor|legal|manager|team|customer|customers|"
        r"kid|kids|son|daughter|wife|husband|partner|mom|mum|dad|teacher|publisher|brand\s+team|marketing|he|she|they)")
_JUDGED = re.compile(r"^(?:(?:hmm+|ok|okay|so|but|and|ugh|meh|honestly|tbh|actually|nah|no|lol|omg|yeah)[,\s]+)*(?:the\s+|that\s+|those\s+|these\s+)?(?P<thing>[\w-]+(?:\s+"
                     r"[\w-]+)?)\s+(?:is|are|looks?|feels?|seems?|reads?)\s+(?:way\s+|kinda\s+|a\s+bit\s+|too\s+|so\s+|"
                     r"really\s+|just\s+|kind\s+of\s+|super\s+)*(?:much|strange|weird|odd|distracting|ugly|off|"
                     r"wrong|busy|creepy|cheesy|random|annoying|overkill|unnecessary|bad|silly|confusing|cluttered|cheap|dated|"
                     r"dead|fake|gloomy|messy|boring|dull|tacky|bland|lifeless|outdated|heavy|harsh|"
                     r"not\s+(?:really\s+|quite\s+)?(?:my|our|his|her|their|the)\s+(?:vibe|style|thing|taste|cup\s+of\s+tea))\b|"
                     r"^(?:(?:hmm+|ok|okay|so|but|and|ugh|meh|honestly|tbh|actually|nah|no|lol|omg|yeah)[,\s]+)*(?:the\s+|that\s+|those\s+|these\s+)?(?P<what>[\w-]+"
                     r"(?:\s+[\w-]+)?)\s+(?:makes?|made)\s+(?:it|everything|the\s+\w+)\s+(?:look\s+|feel\s+)?(?:\w+\s+){0,2}"
                     r"(?:gloomy|dark|sad|busy|cluttered|cheap|boring|scary|creepy|messy|depressing|cold|heavy|"
                     r"dull|flat|fake|weird)\b|"
                     r"^(?:(?:hmm+|ok|okay|so|but|and|ugh|meh|honestly|tbh|actually|nah|no|lol|omg|yeah)[,\s]+)*(?:the\s+|that\s+|"
                     r"those\s+|these\s+)?(?P<clash>[\w-]+(?:\s+[\w-]+)?)\s+(?:clashes|clash|fights|competes|doesn't\s+(?:go|work)|"
                     r"does\s+not\s+(?:go|work)|don't\s+(?:go|work))\s+with\b")  # "sage clashes with the floors"
_TAKE_IT = re.compile(r"^(?:take|drop|lose|remove|delete|ditch|cut|nix|scrap|kill|axe|get\s+rid\s+of|take\s+out)"
                      r"(?:\s+(?:it|them|that|those|this|these))?(?:\s+(?:out|off|away))?(?:\s+(?:please|entirely|too|"
                      r"completely|altogether))?$")
_COUNT_WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


def _plain_changes(changes: list[str], judged: str | None = None) -> list[str]:
    """Each change said as a change: "the sign is too much, take it out" removes the sign; "client wants
    scandinavian not mid century" is "scandinavian instead of mid century"; "the sofa goes light grey" makes the sofa
    light grey; "my boss hates orange" is the reason for the change beside it, not one."""
    plain: list[str] = []
    for change in changes:
        change = re.sub(r"^(?:and|so|but|also|plus)\s+", "", change)
        change = re.sub(r"\s+(?:too|actually|tho|though|anyway|anyways|lol|lmao|haha)$", "", change)
        if re.match(r"^(?:just|only)\s+(?:the\s+)?[\w\s-]+?\s+(?:on\s+(?:its|their|his|her)\s+own|alone|by\s+(?:itself|"
                    r"themselves|himself|herself))$", change):
            continue  # "just the sweater on its own": what stays, said after what goes
        asked = re.match(r"^(?:can|could|would)\s+(?:we|you|u|i)\s+(?:please\s+)?(?P<verb>[a-z]+)\b", change)
        if asked and "VERB" in lang.pos_of(asked.group("verb")) and asked.group("verb") not in ("be", "see", "get"):
            change = change[asked.start("verb"):]  # "can we lose the sneakers entirely"
        no_longer = re.match(r"^(?:the\s+)?(?P<thing>[\w-]+)\s+(?:shouldn't|shouldnt|should\s+not|mustn't|can't|cant|"
                             r"won't)\s+be\s+(?P<how>[\w-]+)(?:\s+any\s?more)?$", change)
        if no_longer:  # "city shouldnt be burning anymore": the word said of the city goes; "it" is the city next
            plain.append(f"unsay {no_longer.group('how')} of {no_longer.group('thing')}")
            judged = no_longer.group("thing")
            continue
        moved = re.match(r"^(?:move|take|put|bring|send)\s+(?:him|her|it|them|the\s+[\w-]+)\s+(?:off|out\s+of|away\s+from|"
                         r"from)\s+(?:the\s+|a\s+)?(?P<old>[\w\s-]+?)\s+(?:into|to|onto|in)\s+(?P<new>.+)$", change)
        if moved:  # "move him off the city street into a vineyard": one place for the other
            change = f"replace the {moved.group('old')} with {moved.group('new')}"
        like = re.match(r"^(?:like|maybe|say)\s+(?P<new>[\w\s-]+?)(?:\s+(?:maybe|perhaps|or\s+(?:something|so|whatever|"
                        r"similar)))?$", change)
        said_of = re.search(r"(?P<noun>[\w-]+)$", plain[-1]) if plain and like else None
        if said_of and _modifier_words(like.group("new")) and "NOUN" in lang.pos_of(said_of.group("noun")):
            change = f"make the {said_of.group('noun')} {like.group('new')}"  # "lighter table, like pale birch"
        tried = re.match(r"^(?:try|do|go\s+with|use)\s+(?:a|an|some)\s+(?P<mods>[\w\s-]+?)\s+(?P<noun>[\w-]+)$", change)
        if tried and _modifier_words(tried.group("mods")):  # "try a green roof": the roof's colour and material
            change = f"make the {tried.group('noun')} {tried.group('mods')} one"
        bare = re.match(rf"^(?:the\s+)?(?P<thing>[\w-]+)\s+(?P<new>(?:(?:{_TONE})\s+)*(?:{_COLOR}))(?:\s+instead)?$",
                        change)
        if bare and bare.group("thing") not in ("make", "turn", "paint", "color", "colour", "it", "and", "more", "less") \
                and not re.fullmatch(_TONE, bare.group("thing")) and \
                "NOUN" in lang.pos_of(bare.group("thing")):
            change = f"make the {bare.group('thing')} {bare.group('new')}"  # "door red instead"
        pointed = re.match(r"^(?:make|turn|paint|color|colour)\s+(?:it|them)\s+(?P<new>.+)$", change)
        if judged and pointed:  # "the lawn looks dead lol. make it greener": it is the lawn
            new = pointed.group("new")
            last = new.split()[-1]
            swapped = "NOUN" in lang.pos_of(last) and "ADJ" not in lang.pos_of(last) and not _modifier_words(new)
            change = f"replace the {judged} with {new}" if swapped else f"make the {judged} {new}"
            judged = None
        arrow = re.match(r"^(?:the\s+)?(?P<thing>[\w\s-]+?)\s*(?:->|=>|→|:)\s*(?:make|turn|paint|color|colour)\s+(?:it|them)\s+"
                         r"(?P<new>.+)$", change)
        if arrow:  # "Ring → make it blue"
            change = f"make the {arrow.group('thing')} {arrow.group('new')}"
        if re.match(r"^(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:can|could|should|may)\s+stay$|^(?:keep|leave)\s+(?:the\s+)?"
                    r"[\w-]+(?:\s+[\w-]+)?$|^(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:stays?|remains?)\b", change):
            continue  # "leaves can stay", "keep the leaves": nothing changes
        if re.match(r"^(?!.*\b(?:make|turn|add|remove|change|put|give|swap|replace)\b)[\w\s']+?\s+(?:won't|will\s+not|"
                    r"wouldn't|isn't|aren't|doesn't|don't|can't)\s+(?:be|look|work|fit|match|go)\b", change):
            continue  # "peonies won't be in season": a reason
        hates = re.match(rf"^{_WHO}\s+(?:hates?|dislikes?|thinks?|says?|said|feels?|finds?|can't\s+stand)\b.*?\b(?:(?:so\s+)?"
                         r"(?:can|could)\s+(?:we|you|u)\s+|so\s+)(?P<ask>.+)$", change)
        if hates:  # "my boss hates orange can we do it in blue tones instead"
            change = hates.group("ask")
        change = re.sub(r"^(?:can|could|would)\s+(?:we|you|u|i)\s+(?:please\s+)?(?=make|turn|change|get|have|do|add|"
                        r"put|swap|replace|use)\b", "", change).strip()
        change = re.sub(r"^(?:get|have|do)\s+(?=\S+(?:\s+\S+){0,3}\s+(?:instead\s+of|rather\s+than)\b)", "", change)
        change = re.sub(r"^do\s+it\s+in\s+(?=.+\binstead\b)", "", change)  # "do it in blue tones instead"
        change = re.sub(r"\s+on\s+(?:that|this)\s+one\b", "", change)  # "golden hour light on that one instead of"
        change = re.sub(rf"^(?:and\s+|so\s+)?{_WHO}\s+(?:wants?|needs?|asked\s+for|prefers?|would\s+like)\s+(?!it\b|"
                        r"this\b|that\b|them\b)", "", change)  # "client wants scandinavian not mid century"
        if re.match(rf"^(?:and\s+|so\s+)?{_WHO}\s+(?:hates?|dislikes?|thinks?|says?|said|feels?|finds?|can't\s+stand|"
                    r"isn't\s+a\s+fan)\b", change):
            continue  # "my boss hates orange": why, not what
        found = _JUDGED.match(change)
        if found:
            judged = found.group("thing") or found.group("what") or found.group("clash")
            tail = re.sub(r"^\W*(?:(?:actually|so|and|then|just|pls|please)\W+)*", "", change[found.end():])
            if _TAKE_IT.match(tail):  # "the lemon slices are distracting so drop them"
                plain.append(f"remove the {judged}")
                judged = None
            continue  # "the sign is too much actually": what the next words take away
        instead = re.match(r"^(?P<new>(?!(?:make|turn|do|try|use|have|get|put|add|remove|drop|lose|take|keep|leave|no|not)"
                           r"\b)[\w\s-]+?)(?:\s+instead)?$", change)
        if judged and instead and _modifier_words(instead.group("new")):  # "the countertop looks cheap. white marble"
            change = f"make the {judged} {instead.group('new')} one"
            judged = None
        elif judged and instead:  # "the rain makes it rather gloomy. Sunny morning instead"
            change = f"{instead.group('new')} instead of {judged}"
            judged = None
        if judged and _TAKE_IT.match(change):
            plain.append(f"remove the {judged}")
            judged = None
            continue
        rather = re.match(r"^(?:make|turn|change)\s+(?:the\s+)?(?P<thing>[\w-]+)\s+(?:into\s+|to\s+)?(?P<new>.+?)\s+(?:rather\s+"
                          r"than|instead\s+of)\s+(?P<old>.+)$", change)
        if rather and re.fullmatch(r"[a-z]+y", rather.group("old")) and "ADJ" in lang.pos_of(rather.group("old")) and \
                rather.group("thing") not in ("it", "this", "that", "them", "everything"):
            change = f"make the {rather.group('thing')} {rather.group('new')}"  # "make the sky blue instead of cloudy"
        elif rather:  # "make the flowers white roses rather than peonies"
            change = f"{rather.group('new')} instead of {rather.group('old')}"
        ground = re.match(r"^(?P<thing>[\w-]+)\s+not\s+(?P<old>[\w\s-]+?)\s*,?\s+(?:more\s+like|but|rather|instead)\s+"
                          r"(?P<new>.+)$", change)
        if ground:  # "bg not black pls, more like cream"
            change = f"make the {ground.group('thing')} {ground.group('new')}"
        said_not = re.match(r"^(?P<new>[\w-]+(?:\s+[\w-]+)?)\s+not\s+(?P<old>[\w-]+(?:\s+[\w-]+)?)$", change)
        if said_not and not re.match(r"^(?:make|turn|change|it|this|that|but|and)\b", said_not.group("new")):
            change = f"{said_not.group('new')} instead of {said_not.group('old')}"  # "scandinavian not mid century"
        goes = re.match(r"^(?:and\s+)?(?:the\s+|his\s+|her\s+|its\s+)(?P<thing>[\w-]+(?:\s+[\w-]+)?)\s+(?:goes|go|becomes?|"
                        r"turns?|gets?|should\s+be|can\s+be|could\s+be)\s+(?P<new>.+)$", change)
        if goes:  # "the sofa goes light grey"
            change = f"make the {goes.group('thing')} {goes.group('new')}"
        plain.append(change)
    return plain or changes


def _count_change(base: str, change: str) -> str | None:
    """ "make it five apples" on "three apples on a tree": the number changes."""
    said = re.match(rf"^(?:make\s+(?:it|that|them)\s+|now\s+)?(?P<n>\d+|{'|'.join(_COUNT_WORDS)})\s+(?P<noun>[a-z]+)$",
                    change)
    if not said:
        return None
    noun = said.group("noun")
    forms = '|'.join(map(re.escape, _forms(noun.rstrip('s'))))
    counted = re.search(rf"\b(?:\d+|{'|'.join(_COUNT_WORDS)})\s+(?P<between>(?:[\w-]+\s+)?)(?P<form>{forms})\b", base)
    had = counted or re.search(rf"\b(?:an?)\s+(?P<between>(?:[\w-]+\s+)?)(?P<form>{forms})\b", base)
    if not had:
        return None
    # "a three tier cake" -> "a two tier cake": a count said as the number before the noun keeps its form
    form = had.group("form") if counted else noun
    return base[:had.start()] + f"{said.group('n')} {had.group('between')}{form}" + base[had.end():]


def _spelled_as_in(instruction: str, base: str) -> str:
    """A slip of a word the picture's description has, read as that word: "the mountians" on "... mountains"."""
    known = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", base)}

    def fixed(match: re.Match) -> str:
        word = match.group(0)
        if word.lower() in known or lang.pos_of(word.lower()) or word.lower() in lang.UNLISTED_WORDS:
            return word
        return next((k for k in sorted(known) if abs(len(k) - len(word)) <= 1 and lang._one_edit(word.lower(), k) and
                     not _other_ending(word.lower(), k)), word)
    return re.sub(r"[A-Za-z]{5,}", fixed, instruction)


def _other_ending(word: str, known: str) -> bool:
    """ "abuela" beside "abuelo", "nonna" beside "nonno": another word by its last vowel, not a slip."""
    return len(word) == len(known) and word[:-1] == known[:-1] and word[-1] in "aeiou" and known[-1] in "aeiou"


_KEEPING = re.compile(r",?\s*(?:while\s+|but\s+|and\s+)?(?:leaving|keeping|keep|leave)\s+(?P<what>(?:the|a|an|my|his|"
                      r"her|"
                      r"its|their)\s+.+?)\s*(?:exactly\s+|just\s+)?(?:as\s+(?:it\s+is|they\s+are|is|it\s+was)|"
                      r"untouched|"
                      r"unchanged|the\s+same|intact|alone|as\s+before)[.!?]*$", re.I)
_IT_IS = re.compile(r"(?:^|[.!?]\s+|,\s*)(?:it's|it\s+is|this\s+is|that's)\s+(?:literally\s+|just\s+|basically\s+|"
                    r"only\s+)*"
                    r"(?P<what>(?:a|an)\s+[^.!?,]+?)(?:\s+(?:lol|haha|lmao))?(?=[.!?]|$)", re.I)


_KEEP_TOO = re.compile(r"[,.;]?\s*(?:and\s+|but\s+)?(?:keep|leave)\s+(?:the|his|her|its|their)\s+[\w\s-]{1,30}?\s+"
                       r"(?:too|as\s+well|though|tho|also|on|in)\W*$", re.I)


def _kept_part(instruction: str) -> tuple[str, str | None]:
    """The change without what it says stays ("..., leaving the red circle exactly as it is"), and that, said as a
    description: the words for a picture nothing else describes (an upload with no caption)."""
    instruction = _KEEP_TOO.sub("", instruction)  # "..., keep the monocle too": kept anyway
    kept = _KEEPING.search(instruction)
    if kept:
        what = re.sub(r"\b(?:the|my|his|her|its|their)\b", "a", kept.group("what"), count=1)
        what = re.sub(r"\s+and\s+(?:the|a)\s+(?=[\w\s-]*\b(?:background|backdrop)$)", " on a ", what)
        return instruction[:kept.start()].rstrip(" ,"), what
    said = _IT_IS.search(instruction)
    if said and len(said.group("what").split()) <= 10:
        return (instruction[:said.start()] + instruction[said.end():]).strip(" ,."), said.group("what")
    return instruction, None


def described_in(said: str) -> str | None:
    """What a message says a picture shows, if it says ("it's just a red circle on blue", "leaving the red circle
    as it is"): the words for an upload nothing else describes; where it was taken, when it says ("our family photo
    from the lake": a family at the lake)."""
    room = _room_said(said)
    if room:
        return room
    for sentence in lang.sentences(said):
        kept = _kept_part(sentence)[1]
        if kept:
            return kept
    place = _PHOTO_PLACE.search(said)
    where = f" at the {place.group('place').lower()}" if place else ""
    owned = re.search(r"\b(?:this\s+is|here's|here\s+is|meet|it's|these\s+are)\s+(?:my|our)\s+(?P<noun>[a-z]+)\b", said, re.I)
    shot = re.search(r"\b(?:pic|photo|picture|shot|snap)\s+of\s+(?:my|our)\s+(?P<what>[a-z]+(?:\s+[a-z]+)?)\b", said, re.I)
    made = re.search(r"\b(?<!you\s)(?<!u\s)(?:just\s+)?(?:knitted|knit|crocheted|sewed|sewn|made|baked|built|carved|painted|"
                     r"designed|restored|decorated|planted|grew|upcycled|refinished)\s+(?:this|these|a|an|my|our|the)\s+"
                     r"(?P<what>[a-z]+(?:\s+[a-z]+)?)\b", said, re.I)
    group = next((found for found in (shot, made) if found), None)
    if group:
        words = group.group("what").lower().split()
        words = words if "NOUN" in lang.pos_of(words[-1]) else words[:1]
        if "NOUN" in lang.pos_of(words[-1]) and words[-1] not in ("one", "thing", "stuff"):
            what = " ".join(words)  # "here's a pic of my market stall, can you ...": a market stall; "I knitted this
            return f"{_article(what)} {what}{where}"  # cardigan for my granddaughter": a cardigan
    team = re.search(r"\b(?:my|our|the|this|a)\s+(?P<what>[a-z]+)\s+(?:photo|pic|picture|shot|snap|selfie)s?\b", said, re.I)
    if team and "NOUN" in lang.pos_of(team.group("what").lower()) and "ADJ" not in lang.pos_of(
            team.group("what").lower()) and team.group("what").lower() not in ("old", "new", "best", "fav", "favourite", "favorite", "own"):
        what = team.group("what").lower()  # "heres our team photo from saturday": a team
        return f"{_article(what)} {what}{where}"
    if owned and "NOUN" in lang.pos_of(owned.group("noun").lower()):
        # "this is my cat Mochi": a cat
        return _article(owned.group("noun").lower()) + " " + owned.group("noun").lower() + where
    return f"a photo{where}" if where else None


_PHOTO_PLACE = re.compile(r"\b(?:photos?|pics?|pictures?|shots?|snaps?|selfies?|(?:took|snapped|shot)\s+(?:this|these|it|that)|taken)\b[^.!?,]{0,40}?"
                          r"\b(?:at|on|by|from|in)\s+(?:the\s+)?(?P<place>beach|lake|lakeside|park|mountains?|seaside|sea|"
                          r"river|forest|woods|zoo|farm|pool|harbou?r|pier|waterfall|snow|fair|festival|wedding|garden|"
                          r"dog\s+park|playground|campsite|cabin|cottage)\b", re.I)
"""Where an upload was taken, said as it is sent: "took this of ghost at the beach", "our family photo from the lake"."""


def _room_said(said: str) -> str | None:
    """ "Uploading the living room at 14 Harcourt Rd", "empty bedroom pic attached": the room an upload shows."""
    sent = re.search(r"\b(?:uploading|attaching|sending|here's|here\s+is|this\s+is)\s+(?:the|my|our|a|an)\s+(?P<what>(?:[a-z-]+\s+){0,2}?"
                     r"(?:room|bedroom|kitchen|bathroom|living\s+room|lounge|garden|backyard|yard|office|hallway|patio|"
                     r"porch|studio|shop|storefront|house|flat|apartment|space))\b|\b(?P<what2>(?:empty|bare|blank)\s+(?:[a-z-]+\s+)?"
                     r"(?:room|bedroom|kitchen|bathroom|living\s+room|lounge|office|space|flat|apartment))\b", said, re.I)
    if sent:  # "Uploading the living room at 14 Harcourt Rd. Stage it: ...": a living room
        what = (sent.group("what") or sent.group("what2")).lower()
        return f"{_article(what)} {what}"
    return None


def restore_case(prompt: str, said: str) -> str:
    """Names keep the capitals the user typed ("Rex surfing", "Eiffel Tower"); reading lower-cased them. Words
    keep the user's spelling too ("grey", "colour"), which reading spelled one way."""
    for spelled in set(re.findall(r"[a-z]+", said.lower())) & _SPELLINGS.keys():
        prompt = re.sub(rf"\b{_SPELLINGS[spelled]}\b", spelled, prompt)
    opening = {m.group(1).lower() for m in re.finditer(r"(?:^|[.!?]\s+)([A-Za-z][\w'-]*)", said)}
    capitals = {word.lower(): word for word in re.findall(r"[A-Za-z][\w'-]*", said)
                if word[0].isupper() and word.lower() not in _PLAIN_WORDS and not (
                    word.lower() in opening and word[1:].islower() and lang.pos_of(word.lower()) and
                    "NOUN" not in lang.pos_of(word.lower()))}
    if not capitals:
        return prompt
    return re.sub(r"[A-Za-z][\w'-]*", lambda m: capitals.get(m.group(0), m.group(0)), prompt)


_SPELLINGS = {said: meant for said, meant in lang.SHORTHAND.items()
              if said.isalpha() and meant.isalpha() and said[:2] == meant[:2] and len(said) > 3 and
              said not in ("thru", "pics", "thnx", "pleas", "pleasee", "pleaseee", "plse", "nite", "bigg", "wat", "wut",
                           "agian", "agin", "anothr", "anotehr", "shud", "cud", "wud", "teh")}
_PLAIN_WORDS = frozenset("a an the i and on in of with to at can could please draw make show give now hey hi ok so "
                         "would will let's lets what how".split())


_TOO = {"dark": "brighter", "bright": "darker", "light": "darker", "busy": "simpler", "cluttered": "tidier",
        "crowded": "emptier", "big": "smaller", "large": "smaller", "huge": "smaller", "small": "bigger",
        "tiny": "bigger", "long": "shorter", "short": "longer", "plain": "more detailed", "simple": "more detailed",
        "dull": "more vivid", "boring": "more lively", "saturated": "more muted", "colorful": "more muted",
        "cold": "warmer", "warm": "cooler", "sad": "happier", "gloomy": "brighter", "wide": "narrower",
        "narrow": "wider", "thin": "thicker", "thick": "thinner", "high": "lower", "low": "higher", "old": "newer",
        "modern": "more vintage", "messy": "tidier", "blurry": "sharper", "flat": "more three-dimensional"}
"""What "too X" asks for instead."""


_REMEMBERED_THING = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:and|but|oh|well|yes|though|also)[,\s]+)*(?:he|she|they)(?:'d)?\s+(?:always\s+|usually\s+|often\s+|"
    r"would\s+)?(?:had|has|have|wore|wears|wear|carried|carries|used\s+to\s+(?:have|wear|carry))\s+(?:on\s+)?"
    r"(?P<what>(?!(?:a|an|the|this|that)\s+(?:thing|soft\s+spot|habit|way|knack|temper|heart|fear|love|passion|problem|crush|"
    r"weakness|lot|good|bad|hard|great|tough)\b)(?:a|an|his|her|their|the|that|this|those|these|some)\s+[^.!?;]+?|[a-z]+\s+(?:hair|beard|moustache|mustache|"
    r"glasses))(?=\s*(?:[.!?;]|$|,\s*(?:even|though|although|but|and\s+(?:he|she)|always|like|which|that)\b|\s+(?:back\s+then|"
    r"by\s+then|in\s+those\s+days|then)\b))")
_REMEMBERED_LOOK = re.compile(
    r"(?:^|[.!?]\s+|,\s+|\bthough\s+|\bbut\s+)(?P<part>(?:her|his|their)\s+(?:hair|beard|moustache|mustache|eyes|skin|face|"
    r"glasses|smile|nose|cheeks|eyebrows))\s+(?:was|were|is|are)\s+(?:a\s+bit\s+|much\s+|way\s+|a\s+lot\s+|quite\s+)?"
    r"(?P<how>[a-z]+(?:er)?)\b")


def remembered(text: str) -> str | None:
    """A change told as a memory of the one in the picture: "He always had a pipe, even though he never lit it" ->
    "add a pipe"; "her hair was greyer by then" -> "make her hair greyer"; None when the message tells none."""
    said = lang.normalize(text)
    thing = _REMEMBERED_THING.search(said)
    if thing:
        what = re.sub(r"^(?:the|that|this)\s+\w+,\s*(?=(?:a|an)\s)", "", thing.group("what"))  # "the hat, a green fisherman hat"
        what = re.sub(r",\s*(?:always|like|just)\b.*$", "", what)
        return f"add {what}"
    look = _REMEMBERED_LOOK.search(said)
    if look and (lang.is_comparative(look.group("how")) or look.group("how") in COLORS or "ADJ" in lang.pos_of(
            look.group("how"))) and look.group("how") not in ("so", "very", "really", "just", "perfect", "fine", "right"):
        return f"make {look.group('part')} {look.group('how')}"
    return None


def edit_instruction(text: str) -> str:
    """The change itself: "could you make it blue please" -> "make it blue"; "she wants it pink" -> "make it pink"."""
    text = lang.strip_politeness(lang.normalize(lang.leading_small_talk(text)))
    text = re.sub(r"(?<!\w)w/(?=\s)", "with", text)  # "a mage w/ a staff"
    text = re.sub(r"^(?:a\s+|an\s+)?(?:splendid|lovely|wonderful|great|good|nice|fine|excellent|marvell?ous|brilliant|solid)\s+"
                  r"(?:effort|job|work|start|try|attempt|first\s+go)[.!]+\s+", "", text)  # "A splendid effort. Might he ..."
    text = re.sub(r"^(?:on\s+reflection|on\s+second\s+thoughts?|thinking\s+about\s+it|having\s+thought\s+about\s+it)[,\s]+", "",
                  text)
    text = re.sub(r"\s*;\s*(?:it|that|this|they|he|she)\b.*$", "", text)  # "...; it rather hides his ears": why
    text = re.sub(r"^(?:might|could|can|would|may)\s+(?P<who>he|she|it|they)\s+(?:also\s+|perhaps\s+)?(?:wear|have|hold|get)\s+",
                  lambda found: "give " + {"he": "him", "she": "her", "it": "it", "they": "them"}[found.group("who")] + " ",
                  text)  # "Might he also wear a top hat?"
    text = re.sub(rf"^(?:paint|draw|stencil|stick)\s+(?!(?:it|them|this|that|everything|the|his|her|their|my)\b)(?!(?:(?:{_TONE})\s+)?"
                  rf"(?:{_COLOR})\b)(?P<x>[\w\s-]+?)\s+(?P<on>on|onto|across|over)\s+(?=(?:the|his|her|their|my)\s)", r"add \g<x> \g<on> ",
                  text)  # "paint stars on the ceiling": stars on it, not a colour
    text = re.sub(r"^take\s+(?P<x>(?:the|his|her|its|their|that|those|these|this)\s+[\w\s-]+?)\s+(?:off|out|away)"
                  r"(?:\s+(?:again|please|now))*$", r"remove \g<x>", text)  # "take the top hat off again"
    text = re.sub(r"\s+(?:in|on|of)\s+(?:this|the|my)\s+(?:pic|picture|photo|image|one|shot)(?=\s|$)", "", text,
                  count=1)  # "make the sky in this pic purple"
    text = re.sub(rf"\b(?P<c>(?:{_COLOR}))\s+like\s+(?:a|an|the|in\s+a)\s+[\w\s-]+$", r"\g<c>", text)  # "purple like a sunset"
    text = re.sub(r"^(?:but|so|and\s+then)[,\s]+", "", text)  # "But please change the books to tablets"
    text = re.sub(r"[,\s]+(?:while\s+you(?:'re|\s+are)\s+at\s+it|if\s+you\s+(?:can|could|don't\s+mind)|when\s+you\s+get\s+a\s+"
                  r"(?:sec|second|chance|minute))\W*$", "", text)  # "make the sky bluer while you're at it"
    text = re.sub(rf"\b(?P<go>go|goes|going|fade|fades|fading|blend|blends|blending)\s+(?:from\s+)?(?P<a>(?:{_COLOR}))\s+(?:to|into|->)\s+"
                  rf"(?P<b>(?:{_COLOR}))(?:\s+gradient)?\b|\b(?P<a2>(?:{_COLOR}))\s+(?:to|into|->)\s+(?P<b2>(?:{_COLOR}))\s+gradient\b",
                  lambda found: (f"{found.group('go')} " if found.group("go") else "") +
                  f"{found.group('a') or found.group('a2')}-to-{found.group('b') or found.group('b2')} gradient", text)
    # "can the sky go orange to blue": a gradient (not "change the brown to blue")
    text = re.sub(r"^(?:can|could|would|should|will)\s+(?P<the>the|his|her|its|their)\s+(?P<thing>[\w-]+)\s+(?:go|turn|become)\s+"
                  rf"(?=(?:{_TONE}\s+)?(?:{_COLOR})\b)", r"make \g<the> \g<thing> ", text)  # "can the sky go orange ..."
    text = re.sub(r"^(?:the\s+)?(?:same|identical)\s+(?:one\s+|thing\s+|picture\s+|again\s+)?(?:but\s+)?(?:with\s+)?(?P<new>[\w\s-]+?)"
                  r"\s+instead\s+of\s+(?:the\s+)?(?P<old>[\w\s-]+)$", r"replace the \g<old> with \g<new>", text)
    # "the same but with pizza instead of spaghetti"
    text = re.sub(r"^(?:the\s+)?(?P<thing>[\w-]+)\s+(?:please\s+)?(?:make|do)\s+(?:it\s+)?(?P<how>(?:more|less)\s+[\w-]+|[a-z]{3,}er\b)",
                  lambda found: f"make the {found.group('thing')} {found.group('how')}" if "NOUN" in lang.pos_of(
                      found.group("thing")) and found.group("thing") not in lang.SMALL_TALK | {"now", "then", "so"}
                  else found.group(0), text)  # "the plate please make more dark"
    text = re.sub(r"\s+so\s+(?:that\s+)?(?:i|we|you|they|he|she|the\s+\w+|my\s+\w+|our\s+\w+)\s+(?:can|could|will|'ll|may|"
                  r"might)\s+(?!see\b).*$", "", text)  # "add a sun top left so i can label evaporation": what it is for goes
    text = re.sub(r"^(?:can|could|would)\s+(?:the|his|her|its|their)\s+[\w-]+(?:\s+(?:in|on)\s+(?:it|this|that))?\s+"
                  r"(?:have|get)\s+(?=(?:a|an|some|more)\s)", "add ", text)  # "can the coffee in it have some latte art"
    text = re.sub(rf"^no,?\s+(?:a|an|the)\s+(?P<c>(?:(?:{_TONE})\s+)?(?:{_COLOR}))\s+(?P<n>[\w-]+)\W*$",
                  r"make the \g<n> \g<c>", text)  # "no a RED cape": the cape, red
    text = re.sub(r",\s*as\s+(?:the|we|it|they|our|my|this|that|he|she|i)\b(?!\s+\w+\s+as\b).*$", "", text)
    # "change the date to 19 October, as the event has been postponed": why goes
    text = re.sub(r"\s+so\s+(?:that\s+)?(?:there's|there\s+is|there\s+will\s+be|we\s+have|i\s+have|we've\s+got)\s+(?P<r>room|space)\s+"
                  r"(?P<rest>for\s+.+)$", r", with empty \g<r> \g<rest>", text)  # "... so there's room for text on the right"
    text = re.sub(r"^(?:(?:bro|bruh|dude|man|yaar|mate|fam|boss|sir|ma'am|madam)[,!\s]+)+(?=[a-z])", "", text)  # "bro remove the laptop"
    text = re.sub(r"(?:^|(?<=\s))-\s+(?=[a-z])", ", ", text).strip(" ,")  # "- swap pumpkins for pinecones - add fairy lights"
    text = re.sub(r"^(?:virtually\s+)?(?:stage|furnish|decorate|style|dress)\s+(?:it|this|that|the\s+(?:room|space|photo|"
                  r"picture|place))(?:\s+(?:up|out))?\s*(?:[:,-]\s*|\s+with\s+)", "add ", text)  # "stage it: grey sectional sofa, ..."
    text = re.sub(r"^(?:change|switch|set)\s+the\s+(?:art\s+|drawing\s+|painting\s+)?style\s+(?:to|into)\s+(?:an?\s+)?"
                  r"(?P<new>[\w\s'-]+?)(?:\s+style)?(?=\s*(?:,|$))", r"turn it into \g<new> style", text)
    # "change the style to ink drawing, black and white only": that style for the old one
    text = re.sub(r"^(?:is|it\s+is|would\s+it\s+be|will\s+it\s+be)\s+(?:it\s+)?possible\s+(?:to\s+|that\s+you\s+)?(?=[a-z]+\s)", "", text)
    # "Is possible remove the cat?": remove the cat
    text = re.sub(r"\bmore\s+of\s+(?=[a-z])", "more ", text)  # "more of basil on top"
    text = re.sub(r"^make\s+(?P<how>(?:more|less)\s+[a-z]+|[a-z]+er)\s+(?P<thing>(?:the|his|her|its)\s+[\w-]+)(?=\W|$)",
                  r"make \g<thing> \g<how>", text)  # "make darker the sky"
    text = re.sub(r"(?:^|(?<=[,.;]\s))(?:also\s+|and\s+)?(?:the\s+)?(?P<x>[\w-]+(?:\s+[\w-]+)?)\s+(?:should\s+not|shouldn't|must\s+not|"
                  r"mustn't|does\s+not\s+need\s+to|doesn't\s+need\s+to)\s+be\s+(?:shown|visible|there|seen|in\s+(?:it|the\s+"
                  r"(?:picture|image|pic)))\b", r"remove the \g<x>", text)  # "the river should not be shown"
    text = re.sub(r"(remove\s+the\s+[\w\s-]+?),\s*(?:only|just)\s+the\s+[\w-]+(?:\s+[\w-]+)?$", r"\1", text)
    # "the river should not be shown, only the bridge": the rest stays as it is
    text = re.sub(r"^(?:change|make|turn)\s+(?:the\s+)?(?P<x>[\w-]+)\s+(?:to|into)\s+(?:an?\s+)?(?P<y>[\w-]+)\s+shape(?:d)?\b",
                  r"make the \g<x> \g<y>-shaped", text)  # "change nails to coffin shape"
    text = re.sub(r"^(?:(?:can|could|would|will|might|should)\s+there\s+be|(?:i'd|i\s+would)\s+like\s+there\s+to\s+be|"
                  r"there\s+should\s+be|let\s+there\s+be)\s+(?=(?:an?|some|more|two|three|\d+|lots|a\s+few)\b)", "add ", text)
    # "can there be a fishing rod in the boat": add one
    text = re.sub(r"^(give|make|turn|render|do|put)\s+(?:that|this|the)\s+(?:one|picture|pic|image|version)\b", r"\1 it", text)
    # "give that one a vintage postcard look": the picture picked
    text = re.sub(rf"^(?:give|make)\s+(?:her|him|it|them)\s+(?:an?\s+)?(?P<new>(?:(?:{_TONE})\s+)?(?:{_COLOR}))\s+(?P<thing>[\w-]+)\s+"
                  rf"(?:not|instead\s+of)\s+(?:an?\s+)?(?:(?:{_TONE})\s+)?(?:{_COLOR})\b", r"make the \g<thing> \g<new>", text)
    # "give her a purple tail not green": the tail, purple
    text = re.sub(r"\b(?P<verb>change|turn|make|switch|set)\s+(?P<the>the|his|her|its|their)\s+(?P<thing>[\w-]+(?:\s+[\w-]+)?)\s+"
                  r"colou?r\s+(?P<to>to|into|from)\b", r"\g<verb> the colour of \g<the> \g<thing> \g<to>", text)
    # "change the bottle colour to forest green": the bottle's colour
    text = re.sub(r"^(?:the\s+)?[\w-]+(?:'s|\s+is|\s+are)\s+(?:all\s+|just\s+)?(?:wrong|off|not\s+right)(?:\s+(?:tho|though))?"
                  r"\s*[,.;:]\s*(?=\w)", "", text)  # "paint's wrong tho, she's highland green not black": the fix
    text = re.sub(rf"^(?:(?:but|actually|no)[,\s]+)*(?:he|she|it|they|its)(?:'s|\s+is|\s+are|'re)?\s+(?P<new>(?:[\w-]+\s+){{0,2}}?"
                  rf"(?:{_COLOR}))\s+(?=(?:not|instead\s+of)\s+(?:[\w-]+\s+)?(?:{_COLOR})\b)",
                  lambda found: f"make it {found.group('new')} ", text)  # "she's highland green not black"
    text = re.sub(r"^(?:he|she|it|they)(?:\s+(?:is|are)|'s|'re)\s+(?:also\s+|now\s+)?(?=[a-z]+ing\s+(?:a|an|some|the|his|her|"
                  r"its|their)\b)", "", text)  # "he is holding a fish also": holding a fish
    text = re.sub(r"^(?:could|can|would|will|should)\s+(?:he|she|they|it)\s+(?:also\s+)?be\s+(?=[a-z]+ing\b)", "",
                  text)  # "could she be knitting a long scarf": knitting a long scarf
    text = re.sub(rf"^(?:[\w-]+(?:'s|s)?\s+|(?:his|her|its|their)\s+)?(?:the\s+)?(?P<thing>[\w-]+)\s+(?:(?:is|are|should\s+be|"
                  rf"must\s+be)\s+)?(?P<new>(?:{_COLOR}))\s+(?=(?:not|instead\s+of)\s+(?:{_COLOR})\b)",
                  lambda found: f"make the {found.group('thing')} {found.group('new')} ", text)
    # "lunas collar is red not blue", "the dress blue not pink": that colour, not the other
    text = re.sub(r"^(?:make|let|have)\s+(?:her|him|she|he|them|it)\s+(?:to\s+)?(?:wear|wears|wearing|put\s+on)\s+",
                  "wearing ", text)  # "make she wear flower crown": wearing a flower crown
    # "she is black with white feet", "he has a white blaze on his face tho": what they look like
    text = re.sub(r"^(?:(?:but|actually|well|oh|also|no|wait)\s+)*(?:he|she|it|they)(?:\s+(?:is|are)|'s|'re)\s+(?:actually\s+|"
                  r"really\s+|all\s+|mostly\s+)?(?=[a-z]+\s+(?:with|and)\b|[a-z]+\W*$)", "", text)
    text = re.sub(r"^(?:(?:but|actually|well|oh|also|no|wait)\s+)*(?:he|she|it|they)(?:\s+(?:has|have)|'s\s+got|\s+got)\s+"
                  r"(?:actually\s+)?(?=(?:a|an|no|[a-z]+)\s)", "with ", text)
    text = re.sub(r"\s+(?:tho|though|lol|haha+)\W*$", "", text)
    text = re.sub(r"(?:\s+(?:tho|though))?,?\s+(?:you\s+know|y'?know|like)\s*,?\s+(?:that|the|those)\s+(?P<what>(?:[\w-]+\s+){1,3}?"
                  r"(?:look|style|vibe|feel|effect|finish|aesthetic|colou?rs?|tones?))\b", r", \g<what>", text)
    # "more like an old postcard though, you know that faded vintage look": that look is the change too
    said = re.match(r"^make\s+(?:him|her|them)\s+(?P<how>[a-z]+)\W*$", text)
    if said and "ADJ" in lang.pos_of(said.group("how")) and "VERB" not in lang.pos_of(said.group("how")):
        text = f"make it {said.group('how')}"  # "make her happy": happy
    text = re.sub(r"(?<=\w),\s*(?:the\s+)?[\w-]+\s+(?:is|was|'s|are|were)\s+(?:way\s+|a\s+bit\s+|just\s+)?too\s+[\w-]+(?:\s+for\s+"
                  r"(?:me|us|them|him|her))?(?:\s+(?:honestly|tbh|lol|really))?\W*$", "", text)  # "..., three is too ambitious"
    text = re.sub(rf",\s*(?:(?:because|since|cause|cuz|coz)\s+.*|(?:the\s+)?(?:{_COLOR})\s+(?:is|was|'s)\s+(?:the|a|an|our|"
                  rf"my|their|his|her|too|so|kind\s+of|kinda)\b.*)$", "", text)  # "..., green is the other faction's color"
    text = re.sub(r"^(make|get)\s+(it|this|that|everything|the\s+[\w-]+)\s+(?:look|feel|seem)\s+(?:a\s+(?:bit|little|lot)\s+|"
                  r"slightly\s+|much\s+|way\s+)?(?=(?:more\s+|less\s+)?[\w-]+(?:\s*,|\s*$|\s+(?:and|like)\b))", r"make \2 ", text)  # "make it look moodier"
    too = re.match(r"^(?:(?:it's|it\s+is|its|it\s+looks|this\s+is|that's)\s+|(?P<thing>the\s+[\w-]+)\s+(?:is|are|looks?|'s)\s+)?"
                   r"(?:way\s+|a\s+bit\s+|a\s+little\s+|kinda\s+|slightly\s+|just\s+)?too\s+(?P<how>[a-z]+)\W*$", text)
    much = re.match(r"^(?:there's\s+|there\s+is\s+|it\s+has\s+)?(?:way\s+|a\s+bit\s+|just\s+)?too\s+much\s+(?P<what>[\w\s-]+?)\W*$", text)
    if much:  # "too much red", "there's too much going on"
        text = "make it simpler" if re.match(r"going\s+on|stuff|detail", much.group("what")) else \
            f"less {much.group('what')}"
    if too and too.group("how") in _TOO:  # "too dark" -> "make it brighter", "the mug is too big" -> "make the mug smaller"
        text = f"make {too.group('thing') or 'it'} {_TOO[too.group('how')]}"
    elif too:
        text = f"make {too.group('thing') or 'it'} less {too.group('how')}"
    text = re.sub(r"^(?:show|have|draw|render|set|put)\s+(?:it|this|that|them|everything)\s+(?=(?:in|at|on|during)\s+\w+\s+"
                  r"(?:instead\s+of|rather\s+than)\b)", "", text)  # "show it in summer instead of winter"
    text = re.sub(r"^(?:(?:lmf?a+o+|lo+l+|(?:ha){2,}h?|rofl|omg|xd|bruh|ok+)\b[,.!\s]+)+", "", text)  # "LMAO give it a hat"
    text = re.sub(r"\s+(?:in|on|to|into|of)\s+(?:this|the|my|that)\s+(?:photo|photograph|picture|image|pic|shot|"
                  r"upload)\b",
                  "", text)  # "add a vegetable patch along the fence in this photo": the photo is what is edited
    _, text = lang.strip_frame(text)
    text = re.sub(r"[,.;\s]+(?:can|could)\s+(?:you|u)\s+fix(?:\s+(?:it|that|this))?(?:\s+(?:pls|please|plz))?\W*$", "", text)
    more = re.match(r"^(?:[\w-]+'s\s+|the\s+|his\s+|her\s+|its\s+|their\s+)?(?P<thing>[\w-]+)\s+(?:is|are)\s+(?:actually\s+|really\s+)?"
                    r"(?:more|much\s+more|way\s+more)\s+(?P<how>[\w\s-]+?)\s+than\s+(?:that|this|shown|in\s+the\s+(?:picture|pic|"
                    r"image))\W*$", text)
    if more:  # "kiwi's feathers are more lime green than that": make the feathers lime green
        text = f"make the {more.group('thing')} {more.group('how')}"
    text = re.sub(rf"^(?:the\s+|his\s+|her\s+|its\s+|their\s+)?(?P<thing>(?!it\b|this\b|that\b)[a-z][\w-]*)\s+(?:a\s+bit\s+|"
                  rf"way\s+|much\s+|a\s+little\s+)?more\s+(?P<color>{_COLOR})\W*$", r"make the \g<thing> \g<color>", text)
    # "hair more blue": the hair blue
    text = re.sub(r"^(?:please\s+)?(?:you|u)\s+can\s+(?=[a-z]+\s)", "", text)  # "please you can put him a hat"
    text = re.sub(r"^(?:put|give)\s+(?:him|her|it|them)\s+(?=(?:an?|some|the)\s)", "add ", text)  # "put him a hat"
    text = re.sub(r"\b(an?)\s+([\w-]+)\s+of\s+(chef|pirate|cowboy|wizard|king|queen|princess|prince|witch|sailor|police|"
                  r"doctor|party|birthday|santa|clown|detective|knight|viking)\b", r"\1 \3 \2", text)  # "a hat of chef"
    too = re.match(rf"^(?:hmm+\s+|actually\s+|ok\s+)*(?:the\s+)?(?P<old>{COLOR_PHRASE.pattern})\s+(?:is|are|looks?|feels?|'s)\s+"
                   r"(?:(?:way\s+|a\s+bit\s+|a\s+little\s+)?too\s+\w+|a\s+bit\s+much|wrong|off|not\s+(?:it|right|great))[,.;!\s-]+"
                   r"(?:(?:try|go\s+with|use|do|make\s+it|maybe|how\s+about|let's\s+(?:try|do))\s+)?"
                   rf"(?P<new>{COLOR_PHRASE.pattern})(?:\s+instead)?\W*$", text)
    if too:  # "the green is too much, try navy blue"
        text = f"replace {too.group('old')} with {too.group('new')}"
    text = re.sub(rf"^(?:let's\s+)?(?:try|go\s+with|how\s+about|maybe)\s+(?=(?:{COLOR_PHRASE.pattern})(?:\s+instead)?\W*$)",
                  "make it ", text)  # "try navy blue"
    text = re.sub(r"^(?:(?:i|we)\s+(?:want|wanna|need|would\s+like|'d\s+like|would\s+love|'d\s+love)\s+to\s+|to\s+)(?=(?:add|"
                  r"put|make|change|turn|remove|swap|replace|give|move|take)\b)", "", text)  # "i want to add a hat"
    gerund = re.match(r"^(\w+ing)\b", text)  # "would you mind making it black and white"
    if gerund and lang.lemma(gerund.group(1), "VERB") in _EDIT_VERB_LEMMAS:
        text = lang.lemma(gerund.group(1), "VERB") + text[gerund.end():]
    text = re.sub(r"^(?:she|he|they|we|i|the client|my \w+)\s*(?:wants?|needs?|would like|'d like|would love|'d love|"
                  r"prefers?)\s+"
                  r"(?=it\b|this\b|that\b|the\b|them\b)", "make ", text)
    text = re.sub(r"^make\s+(the\s+\w+|it|this|them)\s+to\s+be\s+", r"make \1 ", text)
    text = re.sub(r"^(?:can|could|might|may|would|will)\s+(the\s+[\w-]+(?:\s+[\w-]+)?|it|this|that|they|she|he)\s+"
                  r"(?:be|become|turn|look|get)\s+(?:more\s+like\s+|like\s+|into\s+)?", r"make \1 ", text)
    text = re.sub(r"^(?:(?:a\s+)?(?:separate|different|unrelated|new)\s+(?:thing|one|topic)|separately|unrelated)\s*[:"
                  r",-]\s*", "",
                  text)
    text = re.sub(r"^(?:(?:a\s+)?quick\s+(?:one|request|thing|q)|(?:new\s+)?request|prompt|idea|task|update|plot\s+twi"
                  r"st"
                  r"(?:\s+from\s+\w+)?|from\s+(?:that|this)\s+one|on\s+(?:that|this)\s+one)\s*[:,-]\s*", "", text)
    text = re.sub(r"^(?:change|make|turn|fix|adjust|alter)\s+(the\s+[\w-]+(?:\s+[\w-]+)?|it)\s+so\s+(?:that\s+)?(?:it|"
                  r"they)\s+"
                  r"(?:is|are|looks?|becomes?|will\s+be)\s+", r"make \1 ", text)  # "change the square so that it is red"
    text = re.sub(r"^(?:can|could|might|may|would|will)\s+(the\s+[\w-]+(?:\s+[\w-]+)?|it|this|that|they)\s+be\s+"
                  r"(?:moved|placed|put|shifted|positioned)\s+(?:over\s+|across\s+)?", r"move \1 ", text)
    text = re.sub(r"^(?:and\s+)?(?:be\s+)?made\s+(?:rather\s+|quite\s+|a\s+bit\s+|a\s+little\s+|slightly\s+)?", "make it ",
                  text)  # "... and made rather small"
    text = re.sub(r"^(?:the\s+)?([\w-]+(?:\s+[\w-]+)?)\s+i\s+(?:want|need|would\s+like|'d\s+like|prefer)(?:\s+(?:it|"
                  r"them))?\s+(?:to\s+be\s+)?(?=\w)", r"make the \1 ", text)  # "the triangle i want green"
    text = re.sub(r"^(?:the\s+)?([\w-]+(?:\s+[\w-]+)?)\s+(?:should|must|needs?\s+to|has\s+to|ought\s+to)\s+have\s+",
                  "add ", text)  # "the castle should have lights in the windows"
    text = re.sub(r"^(?:now\s+)?(?:it|this|he|she|they)(?:'s|\s+is|\s+are|'re)\s+(?P<how>[a-z]+)(?:\s+now)?$",
                  r"make it \g<how>", text)  # "now it's sad"
    text = re.sub(r"^((?:add|put|include|insert)\s+(?:a\s+second|a\s+2nd|another|one\s+more|an?)\s+)([\w-]+)(.*?),\s*("
                  r"?:an?|the)\s+"
                  r"([\w\s-]+?)\s+one$", r"\1\4 \2\3", text)  # "add a second sneaker next to it, a black one"
    text = re.sub(r"^(?:mm+\s+|hmm+\s+)?(?:(?:it'?s|it\s+would\s+be|would\s+be)\s+)?(?:better|mejor|nicer|best)\s+"
                  r"(?=without\b|with\s+no\b|no\b)", "", text)  # "mmm mejor without the dog"
    text = re.sub(r"^(?:make|have)\s+it\s+look\s+(?:like\s+)?(?:it'?s|its|it\s+is)\s+", "make it ", text)
    text = re.sub(r"^[\w\s']{1,20}:\s*(?=(?:lose|remove|drop|add|make|put|swap|replace|change|turn|give|move)\b)", "",
                  text)  # "open it up: lose the upper cabinets"
    text = re.sub(rf"^make\s+(the\s+[\w-]+(?:\s+[\w-]+)?)\s+in\s+(?=(?:(?:{_TONE})\s+)*(?:{_COLOR})\b)", r"make \1 ", text)
    text = re.sub(r"^(?:and\s+)?(the\s+[\w\s-]+?)\s+(?:swapped|replaced|changed|switched)\s+(?:out\s+)?(?:for|with|to)"
                  r"\s+",
                  r"swap \1 for ", text)  # "the pendants swapped for black ones"
    text = re.sub(r"^.{1,60}?\s+(?:stays?|remains?|can\s+stay|should\s+stay)\s+(?:as\s+(?:it\s+is|they\s+are|is|they\s"
                  r"+were|"
                  r"it\s+was)|the\s+same|unchanged|put)$", "", text)  # "Marble island and oak floor stay as they are"
    text = re.sub(r"^give\s+(?:him|her|it|them|this|the\s+picture)\s+(?:an?\s+)?(?P<what>(?:[\w-]+\s+){0,3}(?:backgrou"
                  r"nd|"
                  r"backdrop))$", r"make the background \g<what>", text)  # "give him a plain beige background"
    text = re.sub(r"^(?:the\s+)?([\w\s-]+?)\s+(?:is|are)\s+not\s+(?:necessary|needed|required|wanted)\b.*$", r"remove the \1",
                  text)  # "wave is not necessary, maybe"
    worn = re.match(r"^(?:(?:can|could|should|would|will|might|may|let|have|make)\s+)?(?:he|she|they|it|him|her|them|"
                    r"the\s+[\w-]+)\s+(?:(?:should|could|can|must|will|needs?\s+to|has\s+to)\s+)?(?:wear|hold|carry|"
                    r"have|get|sport|rock|wield)s?\s+(?P<what>.+?)(?:\s+(?:too|as\s+well|also))?$", text)
    if worn:  # "can he wear a crown too", "have her hold a lantern": something given to the one in the picture
        text = f"add {worn.group('what')}"
    text = replacement(text)
    text = re.sub(r"^(?:put|add|bring|stick|pop|give\s+(?:him|her|it|them))\s+(?:back\s+)?(?:the\s+|his\s+|her\s+|its\s+|"
                  r"their\s+)?(?P<what>[\w\s-]+?)\s+back(?:\s+(?:on|in|onto|into)\s+(?:him|her|it|them|the\s+[\w-]+))?$",
                  r"add \g<what>", text)  # "put the bowler hat back on him": it comes back
    text = re.sub(r"^(?:do|make|redo|draw|try|show)\s+(?:it|this|that|one)\s+(?:again\s+)?(?:but\s+)?without\s+",
                  "remove ", text)  # "can u do it without the people?"
    text = re.sub(r"^think\s+(?:of\s+|about\s+)?(?=\w)", "add ", text)  # "think late afternoon sun through the window"
    text = re.sub(r"^zoom\s+in(?:\s+(?:on|to)\s+(?:it|this|that|the\s+[\w-]+))?$", "add close-up", text)
    text = re.sub(r"^only\s+(?:the\s+)?[\w-]+\s+is\s+enough$", "", text)
    text = re.sub(r"^(?:the\s+)?([\w-]+(?:\s+[\w-]+)?)\s*:\s*(?P<new>[\w\s-]+?),?\s+(?P<how>instead\s+of|rather\s+than|not)\s+",
                  r"make the \1 \g<new> \g<how> ", text)  # "Lighthouse beam: red instead of white."
    text = re.sub(rf"^(?:and\s+)?(?:the\s+)?(background|backdrop|bg|sky)\s+(?=(?:plain|striped|checkered|checked)\b|(?:(?:{_TONE})"
                  rf"\s+)*(?:{_COLOR})\b)", r"make the \1 ", text)  # "and the background striped please"
    text = re.sub(r"^(?:bg|background|backdrop)\s*:\s*", "make the background ", text)
    text = re.sub(r"^(?:colou?rs?|palette)\s*:\s*", "", text)
    text = re.sub(r",?\s*(?:and\s+)?(?:keep|leave)\s+(?:everything|all)\s+else(?:\s+the\s+same)?$|,?\s*(?:and\s+)?"
                  r"(?:keep|leave)\s+the\s+rest(?:\s+the\s+same)?$|,?\s*everything\s+else\s+(?:the\s+)?same$|"
                  r"^(?:and\s+)?same\s+(?:everything|all)\s+else$|^(?:and\s+)?(?:the\s+)?rest\s+(?:the\s+)?same$|"
                  r"^(?:the\s+)?colou?rs?\s+(?:stays?|remains?|is|are)\s+(?:the\s+)?same$", "", text)
    text = re.sub(rf"^((?:make|turn|change|paint|colou?r)\s+.+?\b(?:{_COLOR}))\s*,?\s+(?:rather\s+than|instead\s+of|no"
                  rf"t)\s+"
                  rf"(?:{_COLOR})$", r"\1", text)  # "make the square red rather than blue"
    text = re.sub(r"^(?:the\s+)?([\w-]+(?:\s+[\w-]+)?)\s+(?:out|gone|away|off)$", r"remove the \1", text)
    text = re.sub(r"^(it|this|that|them)\s+(?=\w+er\b|more\b|less\b|a\s+bit\b)", r"make \1 ", text)
    text = re.sub(r"^(?:make|have)\s+(the\s+\w+)\s+to\s+be\s+", r"make \1 ", text)
    text = re.sub(r"^(?:it|this|that|everything)\s+(?:should|could|must|needs to|has to|ought to)\s+(?:be|look)\s+",
                  "make it ", text)
    text = re.sub(r"^(?:it|this|that)\s+(?:is|looks|seems|feels)\s+too\s+(\w+)", r"less \1", text)
    text = re.sub(r"^(?:the\s+)?(\w+(?:\s+\w+)?)\s+(?:should|must|needs to|has to)\s+be\s+", r"make the \1 ", text)
    text = re.sub(r"^(?:what if|what would it look like|how would it look|imagine it)\s+(?:it\s+)?(?:was|were|is)?\s*",
                  "", text)
    text = re.sub(r"^(?:it|this|that|everything)\s+(?:is|looks|seems|feels)\s+(?:a\s+bit\s+|way\s+|much\s+)?"
                  r"too\s+(\w+)",
                  r"less \1", text)
    text = re.sub(r"\s+(?:instead|after all|anyway|anyways|then)$", "", lang.strip_politeness(text))
    text = re.sub(r"^(?:dust|sprinkle|drizzle|scatter|pour|splash|spray|spread|smear|sprinkle|throw|toss)\s+(?:some\s+|a\s+"
                  r"bit\s+of\s+|a\s+little\s+)?(?P<what>[\w\s-]+?)\s+(?P<where>(?:all\s+)?(?:over|on|onto|across|around)\s+"
                  r"(?:it|this|that|him|her|them))$", r"add \g<what> \g<where>", text)  # "dust some sugar over it"
    return re.sub(r"^(?:the\s+)?(\w+)\s+(?:is|are)\s+(?=(?:" + _COLOR + r")\b)", r"make the \1 ", text)


_THING = r"(?:(?:a|an|the|some|two|three|\d+)\s+)?[\w-]+(?:\s+[\w-]+){0,2}?"
_NEW_THING = r"(?:a|an|some|two|three|four|\d+)\s+[^.,!?;'\"]+"
_DULL = (r"(?:boring|generic|creepy|ugly|clich[eé]|clich\s+é|too\s+much|much|weird|bland|meh|off|wrong|dull|cheesy|"
         r"tacky|lame|overdone|scary|dumb|silly|odd|not\s+(?:working|right|great|good))")
_LEAD = r"(?:.*?[:.!]\s*|.*?\b(?:says?|said|thinks?|feels?)\s+)?['\"]?\s*"
_REPLACEMENTS = (
    # "instead of bamboo, cherry blossoms", "she says instead of a unicorn, a dragon. a nice one"
    re.compile(r"^(?:(?:she|he|they|my\s+\w+)\s+(?:says?|said|wants?)\s*,?\s*)?instead\s+of\s+(?P<old>[\w\s-]{1,30}?),\s*"
               r"(?:(?:i\s+want|we\s+want|make\s+it|do|try|use)\s+)?(?P<new>[^,.;]+).*$"),
    # "ice cream out, birthday cake in"
    re.compile(rf"^(?:the\s+)?(?P<old>{_THING})\s+out\s*[,;]?\s*(?:and\s+)?(?P<new>{_THING})\s+in$"),
    # "not a dagger, a rose"
    re.compile(rf"^(?:and\s+|but\s+)?not\s+(?:the\s+|a\s+|an\s+)?(?P<old>[\w-]+(?:\s+[\w-]+)?)\s*[,;]\s*(?:but\s+)?"
               rf"(?P<new>{_NEW_THING})$"),
    # "could the beach be a rooftop at night instead", "she'd like the coin to be a green leaf instead"
    re.compile(rf"^{_LEAD}(?:.*?\b(?:like|want|wants|prefer|prefers)\s+)?(?:(?:can|could|should|would|might)\s+)?the\s+"
               rf"(?P<old>[\w-]+(?:\s+(?!to\b|be\b)[\w-]+)?)\s+(?:to\s+)?be\s+(?:more\s+like\s+)?(?P<new>{_NEW_THING})"
               rf"(?:\W.*)?$"),
    # "guitar feels generic, can we try a saxophone", "the armchair's boring. a throne made of fish instead lol",
    # "the robot is creepy, replace it with a friendly owl", "swans is too much cliché. could be two doves"
    re.compile(rf"^{_LEAD}(?:the\s+)?(?P<old>[\w-]+)(?:'s|\s+is|\s+are|\s+feels?|\s+looks?|\s+seems?)\s+"
               rf"(?:so\s+|too\s+|kinda\s+|a\s+bit\s+|way\s+|really\s+|just\s+)?{_DULL}(?:\s+[^.,;!?]*)?[.,;!?]?\s*"
               rf"(?:(?:so\s+)?(?:can|could)\s+(?:we|you|u)\s+(?:try|do|have|get|use|go\s+with|make\s+it)\s+|"
               rf"(?:try|use|do|have|go\s+with|maybe)\s+|replace\s+(?:it|them)\s+with\s+|swap\s+(?:it|them)\s+"
               rf"(?:for|with)\s+|(?:make\s+it|(?:it\s+|they\s+)?(?:could|should)\s+be)\s+)?(?P<new>{_NEW_THING})"
               rf"(?:\W.*)?$"),
)


def replacement(text: str) -> str:
    """One thing for another, however it is said: "X out, Y in", "not X, Y", "could the X be a Y instead",
    "the X is boring, can we try a Y" -> "replace the X with Y"."""
    for pattern in _REPLACEMENTS:
        found = pattern.match(text)
        last = found.group("old").split()[-1] if found else ""
        if found and (last not in lang.PRONOUNS or "NOUN" in lang.pos_of(last)):
            old = re.sub(r"^(?:a|an|the|some)\s+", "", found.group("old"))
            if old in ("it", "this", "that", "picture", "image", "one", "colors", "colours", "vibe", "mood"):
                continue
            thing = re.sub(r"\s+(?:instead|lol|lmao|haha|pls|please|too)$", "", found.group("new").strip())
            return f"replace the {old} with {thing}"
    return text


_EDIT_VERB_LEMMAS = frozenset("make turn change add remove put give swap replace move color paint render convert "
                              "transform switch set".split())


def split_changes(instruction: str) -> list[str]:
    """ "make the square red and the background purple" -> ["make the square red", "make the background purple"]."""
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|[.?!]\s|\band then\b|\bthen\b|\balso\b|\bplus\b|" + lang.EMOJI +
                                          r"+)\s*", instruction) if p.strip()]
    parts = [re.sub(r"^(?:and|but)\s+(?=(?:make|turn|change|add|put|give|remove|swap|replace)\b)", "", part)
             for part in parts]  # "..., and make it night with the desk lamp on"
    parts = [re.sub(r"^(?:(?:it|this|that)\s+)?(?:is|it's|its|looks?|'s)\s+(?:\w+\s+)?(?:good|great|nice|ok|okay|cool|fine|"
                    r"lovely|cute|pretty|perfect|close)\s*,?\s*but\s+(?=\w)", "", part) for part in parts]  # "is good but more cute"
    parts = [part for part in parts if not re.match(r"^like\s+(?:\d+\s*x|\d+\s+times|twice|double|triple|three\s+times)"
                                                   r"\b", part)]  # "bigger skeleton, like 3x the knight"
    parts = [piece for part in parts for piece in _with_split(part)]
    pair = re.compile(rf"\b({_COLOR})\s+and\s+({_COLOR})\b")  # "black and white" stays one colour
    changes: list[str] = []
    for part in parts:
        part = pair.sub("\\1\x00and\x00\\2", part)
        pieces = re.split(r"(?<!\x00)\s+and\s+(?:now\s+|then\s+|also\s+)?(?=(?:the|make|turn|change|add|remove|put|giv"
                          r"e|"
                          r"swap|replace|move|get|drop|lose|ditch|delete|erase|take|include|insert|place|set|flip|"
                          r"keep|leave|go|try|"
                          r"rotate|shift|shrink|enlarge|raise|lower|brighten|darken|lighten|"
                          r"more|less|a|an|some|two|three|four|five|several|few|\d+|with|without|no|it's|its|it\s+is|" +
                          _COLOR + r")\b)", part)
        for piece in pieces:
            if changes and re.fullmatch(r"(?:rather\s+than|instead\s+of)\s+[\w\s-]{1,24}", piece):
                changes[-1] = f"{changes[-1]} {piece}"  # "Background striped, rather than plain."
                continue
            if changes and re.fullmatch(r"(?:and\s+|but\s+)?not\s+(?:the\s+|a\s+|"
                                        r"an\s+)?[\w\s-]{1,24}?(?:\s+(?:anymore|any\s+more))?",
                                        piece):
                continue  # "make the star blue, not red": the old colour, said again
            if changes and re.match(rf"^(?:the\s+\w+(?:\s+\w+)?\s+(?:{_COLOR}|(?:{_TONE})\s+\w+))$", piece):
                verb = re.match(r"^(make|turn|paint|color|colour|change)\b", changes[-1])
                piece = f"{verb.group(1) if verb else 'make'} {piece}"
            changes.append(piece.replace("\x00", " "))
    # a remark among the changes ("lose the pipe, my kid's gonna see this lol", "..., is modern school") goes
    acting = [c for c in changes if not (
        lang.is_aside(c) and not re.match(r"^(?:and\s+)?(?:now\s+)?(?:it's|it\s+is|its|they're|they\s+are)\b", c)
        and not _JUDGED.match(c) and not re.fullmatch(r"(?:and\s+)?(?:morning|afternoon|evening|night|dusk|dawn)", c) or re.match(r"^(?:is|it's|its|it\s+is)\s+(?:a\s+)?(?:modern|for|because|since)\b", c) or _told(c)
        or re.match(r"^(?:he|she|they|i|we)\s+(?:really\s+|just\s+)?(?:don't|doesn't|does\s+not|do\s+not|didn't|hates?|"
                    r"can't\s+stand|is\s+allergic|isn't\s+into)\b", c)  # "he don't like cake can you believe": why
        or re.match(r"^(?!(?:it|this|that|make|turn|change|add|remove|put)\b).*\b(?:is|are)\s+(?:way\s+|a\s+bit\s+)?too\s+"
                    r"(?:much|many)\b", c))]  # "blue door + blue sky is too much blue": why, beside what
    if len(acting) > 1:  # "nah not pixel. gritty dark fantasy oil painting": the rejection is said by what follows
        acting = [c for c in acting if not re.fullmatch(r"(?:(?:nah|no|nope)[,\s]+)?not\s+(?:the\s+|a\s+|an\s+)?[\w\s-]{1,24}",
                                                        c)] or acting
    return (acting if len(changes) > 1 and acting else changes) or [instruction]


def _told(change: str) -> bool:
    """What happened, said among the changes: "she lost her teddy last week and got sad", "client just emailed",
    "turns out the owner wants it vegan" (someone did something; nothing to draw)."""
    if re.match(r"^(?:it\s+)?turns?\s+out\b", change):
        return True
    told = re.match(rf"^(?:{_WHO}|i|we|the\s+\w+|my\s+\w+)\s+(?:just\s+|already\s+|finally\s+)?(?P<verb>[a-z]+)\b", change)
    if not told:
        return False
    verb = told.group("verb")
    asks = re.search(r"\b(?:can|could|would|make|turn|add|remove|change|swap|replace|put|give|do|want|wants)\b", change)
    return verb not in ("is", "was", "are", "were", "has", "had", "should", "could", "would", "will", "can") and \
        "VERB" in lang.pos_of(verb) and lang.lemma(verb, "VERB") not in (verb, verb[:-1], verb[:-2]) and not asks


_TIMES = "|".join(sorted((re.escape(w) for w in [*GROUPS["time"], *GROUPS["season"]]), key=len, reverse=True))
_CHANGE_WITH = re.compile(r"^((?:make|turn|change|convert|set)\s+(?:it|this|everything|the\s+(?:time|season|weather|"
                          r"scene|setting|hour|mood|sky|sea|ocean|water|lighting|light))\s+[\w\s'-]+?)\s+with\s+(.+)$")


def _with_split(part: str) -> list[str]:
    """ "make it nighttime with stars" -> the change, then what comes with it ("add stars"); so for "same thing but at
    night with fireflies"."""
    timed = re.match(rf"^(?P<when>(?:(?:same|the\s+same)(?:\s+(?:thing|one|picture|scene))?\s+)?(?:but\s+)?(?:at|in|"
                     rf"during)\s+(?:the\s+)?(?:{_TIMES}))\s+with\s+(?P<what>(?!(?:a|the)\s+(?:background|backdrop)\b)"
                     rf".+)$",
                     part)
    if timed:
        return [re.sub(r"^(?:(?:the\s+)?same(?:\s+(?:thing|one|picture|scene))?\s+)?(?:but\s+)?", "",
                       timed.group("when")), f"add {timed.group('what')}"]
    match = _CHANGE_WITH.match(part)
    if not match or re.search(r"\b(?:background|backdrop)\b", match.group(2)) or match.group(2).startswith("no "):
        return [part]
    return [match.group(1), f"add {match.group(2)}"]


def _not_old(base: str, change: str) -> str | None:
    """ "make the forest dark and spooky not green and happy": the old words near the thing go, the new ones come."""
    match = re.match(r"^(?P<head>(?:make|turn|change|paint)\s+(?:the\s+)?(?P<noun>[\w-]+)\s+(?!from\b).+?)\s*,?\s+(?:n"
                     r"ot|instead\s+of|"
                     r"rather\s+than)\s+(?P<old>[\w\s,-]+)$", change)
    if not match:
        return None
    if match.group("noun") in ("it", "this", "that", "everything"):
        if re.match(r"^(?:an?|the|some)\s", match.group("old")):
            return None  # "make it a clock tower instead of a library": a swap, below
        for word in re.split(r"\s*(?:,|\band\b|\bor\b)\s*", match.group("old")):
            if word.strip() and len(word.split()) == 1 and word.strip() not in COLORS:
                base = re.sub(rf",?\s*\b{re.escape(word.strip())}\b\s*", " ", base, count=1).strip()
        return apply_change(re.sub(r"\s{2,}", " ", base), match.group("head"))  # "make it evening instead of sunny"
    found = _find_phrase(base, match.group("noun"))
    if found is None:
        return None
    head = base[:found[0]]
    for word in re.split(r"\s*(?:,|\band\b|\bor\b)\s*", match.group("old")):
        if word.strip():
            head = re.sub(rf"\b{re.escape(word.strip())}\s+(?=(?:[\w-]+\s+){{0,2}}$)", "", head, count=1)
    said = re.match(r"^(?:make|turn|change|paint)\s+(?:the\s+)?[\w-]+\s+(?P<new>.+)$", match.group("head")).group("new")
    if all(w == "and" or "ADJ" in lang.pos_of(w) for w in said.split()):  # "dark and spooky": before the thing
        return head + f"{said} " + base[found[0]:]
    return apply_change(head + base[found[0]:], match.group("head"))


def _same_kind(base: str, change: str) -> str | None:
    """ "make it a monster truck" on "a bunny driving a fire truck": the truck is now a monster truck."""
    said = re.fullmatch(r"(?:make|turn)\s+(?:it|this|that)\s+(?:into\s+)?(?:an?\s+)(?P<new>(?:[\w-]+\s+){1,2}(?P<noun>[\w-]+))",
                        change)
    if not said or said.group("noun") in GROUP_WORDS or COLOR_PHRASE.fullmatch(said.group("new").rsplit(" ", 1)[0]):
        return None
    found = re.search(rf"\b(?:(?:an?|the)\s+)?(?:[\w-]+\s+)?{re.escape(said.group('noun'))}\b", base)
    if not found or found.group(0).strip() == said.group("noun"):
        return None
    return base[:found.start()] + f"{_article(said.group('new'))} {said.group('new')}" + base[found.end():]


def _turned_into(base: str, change: str) -> str | None:
    """ "make it a wolf", "turn it into a wolf" on "a red fox in the snow": what the picture shows is now a wolf."""
    said = re.fullmatch(r"(?:make|turn)\s+(?:it|him|her)\s+(?:into\s+)?(?:an?\s+)(?P<new>(?:[\w-]+\s+){0,2}(?P<noun>[\w-]+))",
                        change)
    if not said or "NOUN" not in lang.pos_of(said.group("noun")) or said.group("noun") in _MEDIUM_NOUNS | _NOT_A_THING \
            or any(style in said.group("new") for style in STYLES) or COLOR_PHRASE.search(said.group("new")):
        return None
    lead = re.match(r"^(?:(?:an?|the|some|one)\s+)?(?:[\w-]+\s+){0,3}?(?P<head>[\w-]+)(?=\s+(?:\w+ing|in|on|at|with|"
                    r"wearing|under|by|near|from|and)\b|\s*,|\s*$)", base)
    if not lead or "NOUN" not in lang.pos_of(lead.group("head")) or re.search(r"\b(?:of|in|on|at|with)\b", lead.group(0)):
        return None
    colour = COLOR_PHRASE.search(lead.group(0))
    new = f"{colour.group(0)} {said.group('new')}" if colour else said.group("new")  # "a red sports car" -> "a red convertible"
    return f"{_article(new)} {new}" + base[lead.end():]


_NOT_A_THING = frozenset("scene version style look vibe mood picture image pic thing bit lot one background setting "
                         "night day morning evening theme color colour shade tone".split())


def _kind_of_day(base: str, change: str) -> str | None:
    """ "make it a grey rainy day": the day it is, in place of the time and weather said before."""
    said = re.match(r"^(?:make|turn)\s+it\s+(?:into\s+)?(?:a|an)\s+(?P<mods>(?:[\w-]+\s+){1,3})(?P<time>day|night|morning|evening|"
                    r"afternoon)$", change)
    if not said or not any(word in COLORS for word in said.group("mods").split()):
        return None
    kept = base
    for group in ("weather", "time"):
        for word in sorted(GROUPS[group], key=len, reverse=True):
            kept = re.sub(rf",?\s*\b(?:(?:at|in|during)\s+(?:the\s+)?)?{re.escape(word)}\b", "", kept)
    return f"{kept.strip(' ,')}, on a {said.group('mods')}{said.group('time')}"


def _gradient(base: str, change: str) -> str | None:
    """ "make the sky orange-to-blue gradient": that gradient in place of the thing's old colours."""
    said = re.match(rf"^(?:make|turn|change)\s+(?:the\s+)?(?P<thing>[\w-]+)\s+(?:to\s+|into\s+)?(?:an?\s+)?(?P<g>(?:{_COLOR})-to-"
                    rf"(?:{_COLOR})\s+gradient)(?:\s+instead)?$", change)
    if not said:
        return None
    thing = re.search(rf"(?:\b(?:(?:{_TONE}|{_COLOR}|gradient)\s+)+)?\b{re.escape(said.group('thing'))}\b", base)
    if thing is None:
        return f"{base}, {said.group('g')} {said.group('thing')}"
    return base[:thing.start()] + f"{said.group('g')} {said.group('thing')}" + base[thing.end():]


def _more_of_a_new_thing(base: str, change: str) -> str | None:
    """ "more basil on top" where no basil was said: basil, added (not "on top" moving the picture)."""
    more = re.match(r"^(?:more|extra|some\s+more)\s+(?P<what>[a-z]+)\b", change)
    if not more or "NOUN" not in lang.pos_of(more.group("what")) or more.group("what") in GROUP_WORDS or \
            more.group("what") in ATTRIBUTE_NOUNS or _find_phrase(base, more.group("what")) is not None:
        return None
    return f"{base}, with {change[more.end('what') - len(more.group('what')):]}"


def _shaped(base: str, change: str) -> str | None:
    """ "make the nails coffin-shaped": the shape said before the thing."""
    said = re.fullmatch(r"make\s+the\s+(?P<thing>[\w-]+)\s+(?P<shape>[\w]+-shaped)", change)
    found = _find_phrase(base, said.group("thing")) if said else None
    if found is None:
        return None
    before = re.search(r"(?:\b[\w]+-shaped\s+)$", base[:found[0]])
    start = before.start() if before else found[0]
    return base[:start] + f"{said.group('shape')} " + base[found[0]:]


def apply_change(base: str, change: str) -> str:
    every = re.fullmatch(rf"(?:make|turn|paint|color|colour)\s+(?:it|everything|them)\s+all\s+(?P<c>(?:(?:{_TONE})\s+)?(?:{_COLOR}))",
                         change)
    pair = re.search(rf"\b(?:{_COLOR})\s+(?:and|&)\s+(?:{_COLOR})\b", base) if every else None
    if pair:  # "make it all blue" on "koi fish, orange and blue": blue only
        return base[:pair.start()] + f"all {every.group('c')}" + base[pair.end():]
    only = re.fullmatch(rf"only\s+(?P<c>(?:{_COLOR})(?:\s+and\s+(?:{_COLOR}))?)(?:\s+colou?rs?)?", change)
    if only:  # "only pink and white": those colours, none else
        base = re.sub(rf",\s*(?:less|more|no)\s+(?:{_COLOR})\b(?=\s*(?:,|$))", "", base)
        pair = re.search(rf"\b(?:{_COLOR})\s+(?:and|&)\s+(?:{_COLOR})\b", base)
        if pair:  # "pink and gold icing": pink and white icing
            return base[:pair.start()] + only.group("c") + base[pair.end():]
        return f"{base}, {only.group('c')} colours only"
    change = re.sub(r"^(?:he|she|they)(?:'d|\s+would)?\s+(?:wants?|likes?|needs?|prefers?)\s+(?=(?:a|an|his|her|their|"
                    r"some)\s)", "add ", change)  # "she'd want a unicorn hoodie"
    unnamed = _MADE_SO.match(change.strip(" .!"))
    how = _SOFTENERS.sub("", unnamed.group("how")).strip() if unnamed else ""
    if unnamed and unnamed.group("thing") not in _NOT_A_THING_MADE_SO and (
            not COLOR_PHRASE.search(how) and _find_phrase(base, unnamed.group("thing")) is None and
            not lang.is_comparative(how) or
            COLOR_PHRASE.search(how) and len(how.split()) >= 2 and not COLOR_PHRASE.search(how.split()[-1]) and
            (how.split()[-1] in _MATERIALS or how.split()[-1].endswith(("ed", "en"))) and "," not in how and
            " and " not in how and "-" not in how):  # "make the blanket blue knitted": a blue knitted blanket
        result = _made_so(base, change)  # "make the sea a little more stormy" where no sea is said: a stormy sea
        if result is not None:
            return result
    for step in (_flipped, _more_of_a_new_thing, _shaped, _unsaid, _kind_of_day, _gradient, _count_change, _lightness,
                 _new_ground, _sized, _pattern_colours, _not_old, _from_to, _same_kind, _background_scene, _reshape,
                 _modifier_change, _swap,
                 _noun_for_noun, _remove, _recolor_change, _group_change, _style_change, _turned_into, _add, _made_so,
                 _degree):
        result = step(base, change)
        if result is not None:
            return result
    plain = _EDIT_LEAD.sub("", change)
    return f"{base}, {plain}"


def _unsaid(base: str, change: str) -> str | None:
    """ "the city shouldn't be burning": "a burning city" becomes "a city" (the word said of it goes)."""
    said = re.match(r"^unsay\s+(?P<how>[\w-]+)\s+of\s+(?P<thing>[\w-]+)$", change)
    if not said:
        return None
    found = _find_phrase(base, said.group("thing"))
    if found is None:
        return _without(base, said.group("how"))
    head = re.sub(rf"\b{re.escape(said.group('how'))}\s+(?=(?:[\w-]+\s+)?$)", "", base[:found[0]], count=1)
    return _fix_articles(head + base[found[0]:])


def _noun_for_noun(base: str, change: str) -> str | None:
    """ "make the rain snow", "turn the chopsticks forks": one thing said as another (a noun, not a colour,
    material, style, time or size) takes its place."""
    said = re.match(r"^(?:make|turn)\s+(?:the\s+)?(?P<old>[\w-]+)\s+(?P<new>[\w-]+)$", change)
    if not said:
        return None
    new = said.group("new")
    kinds = lang.pos_of(new)
    if "NOUN" not in kinds or "ADJ" in kinds or new in COLORS or new in _MATERIALS or new in GROUP_WORDS or \
            any(new == style for style in STYLES) or re.fullmatch(_TONE, new) or _find_phrase(base, said.group("old")) \
            is None:
        return None
    return _swap(base, f"swap the {said.group('old')} for {new}")


_MATERIALS = frozenset(
    "wood wooden marble stone glass metal metallic steel gold golden silver brass copper bronze iron plastic concrete "
    "brick leather velvet silk wool woolen cotton linen denim paper walnut oak pine birch maple mahogany granite "
    "ceramic porcelain terracotta chrome crystal rattan wicker bamboo cork slate clay tile tin thatch stucco satin "
    "suede tweed lace".split())


def _modifier_words(text: str) -> bool:
    """Only colours, tones and materials: "dark walnut", "wooden", "pale blue"."""
    words = text.split()
    return bool(words) and words[0] != "and" and words[-1] != "and" and all(
        w in _MATERIALS or w in COLORS or re.fullmatch(_TONE, w) or w == "and" for w in words)  # "glass and steel"


def _replace_modifiers(base: str, noun: str, new: str) -> str | None:
    """ "a marble counter" + ("counter", "wooden") -> "a wooden counter": the colour and material words before the
    noun give way to the new ones; other words ("minimalist") stay."""
    for form in [noun, *_forms(noun.split()[-1])]:  # "front door", else "door"
        found = re.search(rf"\b{re.escape(form)}\b", base)
        if not found:
            continue
        words = base[:found.start()].rstrip().split(" ") if base[:found.start()].strip() else []
        kept = list(words)
        while kept and _modifier_words(kept[-1]):
            kept.pop()
        span = next((i for i in range(len(kept) - 1, -1, -1) if kept[i] in lang.DETERMINERS or not kept[i].isalpha()
                     or kept[i] in ("of", "in", "on", "with", "and")), -1)
        colored = any(w in COLORS or re.fullmatch(_TONE, w) for w in new.split())
        made_of = any(w in _MATERIALS for w in new.split())
        kept = kept[:span + 1] + [w for w in kept[span + 1:] if not (  # "a navy double breasted suit" -> light grey
            colored and (w in COLORS or re.fullmatch(_TONE, w)) or made_of and w in _MATERIALS)]
        head = " ".join(kept)
        return f"{head} {new} {base[found.start():]}".strip() if head else f"{new} {base[found.start():]}"
    return None


def _modifier_change(base: str, change: str) -> str | None:
    """ "make the counter wooden", "make the desk dark walnut", "change the door to a dark green one"."""
    lead = r"^(?:make|turn|change|paint|do|have)\s+(?:the\s+)?"
    tail = r"(?:(?:a|an)\s+)?(?P<new>[\w\s-]+?)(?:\s+one)?(?:\s+instead)?$"
    match = re.match(lead + r"(?P<noun>[\w-]+(?:\s+[\w-]+)?)\s+(?:to|into)\s+" + tail, change) or \
        re.match(lead + r"(?P<noun>[\w-]+)\s+" + tail, change)
    if match and match.group("noun") in ("sky", "background", "backdrop") and lang.is_comparative(
            match.group("new")) and _find_phrase(base, match.group("noun")) is None:
        return f"{base}, {match.group('new')} {match.group('noun')}"  # "make the sky darker" -> "..., darker sky"
    if not match or match.group("noun") in ("it", "this", "that", "them", "everything", "background", "backdrop", "sky",
                                            "picture", "image", "photo", "whole", "scene"):
        return None
    noun, new = match.group("noun").split()[-1], re.sub(r"\s+colou?r$", "", match.group("new").strip())
    said_one = re.search(r"\bone(?:\s+instead)?$", change)
    if _modifier_words(new) and (said_one or any(w in _MATERIALS for w in new.split())):
        return _replace_modifiers(base, match.group("noun"), new)  # plain colours go through the recolouring below
    if len(new.split()) == 2 and new.split()[-1] in COLORS and new.split()[0].isalpha() and new.split()[0] not in \
            lang.DETERMINERS | {"and", "more", "less"} and not lang.pos_of(new.split()[0]) & {"VERB", "NOUN"} and \
            _find_phrase(base, noun) is None and match.group("noun") not in GROUP_WORDS:
        return f"{base}, {new} {match.group('noun')}"  # "make the tail sparkly teal": a sparkly teal tail
    single = new.split()[0] if len(new.split()) == 1 else ""
    sized = single in ("bigger", "smaller", "larger", "tinier", "huger", "littler")
    found = _find_phrase(base, noun) if single else None
    if single and found is not None and (sized or lang.is_comparative(single)):
        head = base[:found[0]]
        size = re.search(r"\b(small|little|tiny|medium|big|large|huge|giant)\s+(?:[\w-]+\s+){0,2}$", head)
        to = "small" if single in ("smaller", "tinier", "littler") else "big"  # as "make it smaller" does
        if sized and size:  # "make the circle smaller": a big circle becomes a small one
            return base[:size.start(1)] + to + base[size.end(1):]
        if sized:  # "a blue square" + "make the square bigger" -> "a big blue square"
            article = re.search(r"\b(?:an?|the)\s+(?=(?:[\w-]+\s+){0,2}$)", head)
            at = article.end() if article else found[0]
            return _fix_articles(base[:at] + f"{to} " + base[at:])
        plain = re.search(rf"\b({re.escape(single[:-3])}|{re.escape(single[:-2])}|"
                          rf"{re.escape(single[:-1])})\s+(?=(?:[\w-]+\s+)?$)",
                          head) if len(single) > 4 else None
        if plain:  # "a dark forest" + "darker" -> "a darker forest"
            return base[:plain.start(1)] + single + base[plain.end(1):]
        return base[:found[0]] + f"{single} " + base[found[0]:]  # "a fluffier cat"
    if single and found is None and lang.is_comparative(single) and not sized and match.group("noun") not in (
            "colors", "colours", "mood", "lighting", "light", "contrast"):
        return f"{base}, {single} {match.group('noun')}"  # "make the sky darker" -> "..., darker sky"
    if single and lang.pos_of(single) & {"ADJ"} and not sized and single not in GROUP_WORDS \
            and single not in COLORS and ("NOUN" not in lang.pos_of(single) or single in ANTONYMS):
        if found is None:
            return f"{base}, {single} {match.group('noun')}"  # "make the sky stormy" -> "..., stormy sky"
        head = base[:found[0]]
        opposite = re.search(rf"\b(?:{'|'.join(ANTONYMS.get(single, ('-',)))})\s+(?=(?:[\w-]+\s+)?$)", head)
        if opposite:  # "a messy desk" + "make the desk clean" -> "a clean desk"
            return head[:opposite.start()] + f"{single} " + head[opposite.end():] + base[found[0]:]
        return base[:found[0]] + f"{single} " + base[found[0]:]  # "make the cat fluffy" -> "a fluffy cat"
    return None


def _from_to(base: str, change: str) -> str | None:
    """ "change the star from yellow to green": the old word goes, near the thing named."""
    quoted = re.match(r"^(?:change|replace|swap|switch|rename|make)\s+(?:the\s+(?:word|label|text)\s+)?['\"](?P<old>[^'\"]{1,40})"
                      r"['\"]\s+(?:to|into|with|for)\s+['\"](?P<new>[^'\"]{1,40})['\"]\W*$", change)
    if quoted and re.search(rf"\b{re.escape(quoted.group('old'))}\b", base, re.I):
        # "change 'collection' to 'runoff'": the label said in the description
        return re.sub(rf"\b{re.escape(quoted.group('old'))}\b", quoted.group("new"), base, count=1, flags=re.I)
    match = re.match(r"^(?:change|turn|make|switch|swap|recolou?r|paint)\s+(?:the\s+)?(?P<what>[\w\s-]+?)\s+from\s+"
                     r"(?:a\s+|an\s+)?(?P<old>[\w\s-]+?)\s+(?:to|into)\s+(?:a\s+|an\s+)?(?P<new>[\w\s-]+)$", change)
    if not match:
        return None
    old, new = match.group("old").strip(), match.group("new").strip()
    if re.search(rf"\b{re.escape(old)}\b", base):
        return re.sub(rf"\b{re.escape(old)}\b", new, base, count=1)
    return apply_change(base, f"make the {match.group('what')} {new}")


_GROUND_PHRASE = re.compile(r"(?:,\s*|\s+)(?:on|against|with|in\s+front\s+of)\s+(?:a|an|the)\s+[^,]*?\b(?:background|"
                            r"backdrop)\b|,\s*[^,]*\bin\s+the\s+background\b|,\s*(?:[\w-]+\s+){0,3}(?:background|backdrop|bg)"
                            r"(?=\s*(?:,|$))")


_NEW_GROUND = re.compile(r"(?:(?:put|place|set|move|show|draw|have|do|with)\s+)*(?:(?:it|him|her|them)\s+)?"
                         r"(?P<prep>(?:on|against|in\s+front\s+of|over)\s+)?(?:(?:an?|the|some)\s+)?"
                         r"(?P<mods>(?:[\w-]+\s+){1,4}?)(?P<noun>background|backdrop|bg)"
                         r"(?:\s+(?:instead|now|this\s+time|too|behind(?:\s+(?:it|him|her|them))?))?")
_AFTERTHOUGHT = re.compile(r"(?:\s+(?:maybe|perhaps|please|pls|plz|instead|i\s+think|i\s+guess|ig|now))+$")
_KEPT_GROUND = frozenset("same current existing original old usual".split())
_SAME_GROUND = frozenset("same this that current existing original old usual plain simple different new other".split())


def _new_ground(base: str, change: str) -> str | None:
    """ "on a dark background", "put it on a starry backdrop", "dark background please": the new ground stands where
    the old one was said (a colour or a pattern alone is `recolor`'s and `_background_scene`'s)."""
    said = _AFTERTHOUGHT.sub("", change)
    match = _NEW_GROUND.fullmatch(said)
    if not match:
        return None
    mods = match.group("mods").strip()
    words = mods.split()
    if set(words) & _KEPT_GROUND and _GROUND_PHRASE.search(base):
        return base  # "on the same background": the one it has
    if mods in _TONE_OF:  # "on a darker background": the old one's colour, darker
        return _lightness(base, f"a {mods} {match.group('noun')}")
    if set(words) & _SAME_GROUND or COLOR_PHRASE.search(mods) or set(words) <= _PATTERN_WORDS or (
            not match.group("prep") and lang.pos_of(words[-1]) & {"NOUN", "ADJ"} == {"NOUN"}):  # a bookshelf: a scene
        if match.group("prep") and match.start("prep") > 0:
            return apply_change(base, said[match.start("prep"):])  # "put it on a blue background"
        return None
    noun = "background" if match.group("noun") == "bg" else match.group("noun")
    phrase = f"{(match.group('prep') or 'on ').strip()} {_article(words[0])} {mods} {noun}"
    ground = _GROUND_PHRASE.search(base)
    if ground is None:
        return f"{base.rstrip(' ,')}, {phrase}"
    lead = ", " if ground.group(0).startswith(",") else " "
    return base[:ground.start()] + lead + phrase + base[ground.end():]


_LIGHT_WORDS = ("dark", "light", "pale", "bright", "deep")
_TONE_OF = {"darker": "dark", "lighter": "light", "paler": "pale", "brighter": "bright", "deeper": "deep"}
_GREYS = ("white", "light grey", "grey", "dark grey", "black")
_DEGREE_WORDS = r"(?:(?:a\s+)?(?:bit|little|lot|touch|tad|much|way|slightly|somewhat|even|more)\s+)*"
_LIGHTNESS_CHANGE = re.compile(
    rf"(?:(?:make|turn|paint|colou?r|change|go)\s+)?(?:(?:the|his|her|its|their)\s+)(?P<noun>[\w-]+)\s+(?:to\s+)?"
    rf"{_DEGREE_WORDS}(?:more\s+)?(?P<tone>(?:dark|light|pale|bright|deep)(?:er)?|paler)|"
    rf"(?:(?:an?|the)\s+)?{_DEGREE_WORDS}(?P<tone2>(?:dark|light|pale|bright|deep)er|paler)\s+(?P<noun2>[\w-]+)|"
    rf"(?P<noun3>background|backdrop|sky)\s+{_DEGREE_WORDS}(?P<tone3>(?:dark|light|pale|bright|deep)(?:er)?|paler)")


_SIZE_CHANGE = re.compile(rf"(?:make\s+)?(?:(?:the|his|her|its)\s+(?P<noun>[\w-]+)\s+)?(?:an?\s+)?{_DEGREE_WORDS}"
                          r"(?P<size>smaller|bigger|larger|tinier)(?:\s+(?P<noun2>[\w-]+))?")


def _sized(base: str, change: str) -> str | None:
    """ "smaller circle", "make the circle a bit bigger": the circle said before, its size word changed (as "make the
    circle smaller" does); "a smaller star" where no star is said stays a new thing."""
    match = _SIZE_CHANGE.fullmatch(_AFTERTHOUGHT.sub("", change))
    if not match or bool(match.group("noun")) == bool(match.group("noun2")):
        return None
    noun = match.group("noun") or match.group("noun2")
    if change == f"make the {noun} {match.group('size')}" or _find_phrase(base, noun) is None:
        return None
    return apply_change(base, f"make the {noun} {match.group('size')}")


PATTERN_OF = {"stripes": "striped", "checks": "checkered"}
"""The pattern a background has, by what its parts are called ("red and white stripes": a striped background)."""
_PATTERNED = re.compile(rf"(?:(?:{COLOR_PHRASE.pattern})\s+)?(?P<pattern>striped|stripy|checkered|checked|checkerboard|"
                        r"polka-dot|dotted)\s+(?P<noun>background|backdrop)\b")


def _pattern_colours(base: str, change: str) -> str | None:
    """ "make it red and white stripes", "make the stripes red and white" on a striped background: its colours."""
    match = re.fullmatch(rf"(?:make\s+(?:it|them|the\s+(?:stripes|checks|background|backdrop))\s+)?(?:with\s+)?"
                         rf"(?P<colors>(?:{COLOR_PHRASE.pattern}))(?:\s+(?P<kind>stripes|striped|checks|checkered))?",
                         _AFTERTHOUGHT.sub("", change))
    ground = _PATTERNED.search(base)
    if not match or ground is None or not re.search(r"\s(?:and|&)\s", match.group("colors")) or not (
            match.group("kind") or re.match(r"make\s+the\s+(?:stripes|checks)\b", change)):
        return None
    pattern = PATTERN_OF.get(match.group("kind"), match.group("kind"))
    return base[:ground.start()] + f"{match.group('colors')} {pattern or ground.group('pattern')} " \
        f"{ground.group('noun')}" + base[ground.end():]


def _toned(old: str, tone: str) -> str:
    """The colour `old` made `tone`: "blue" darker is dark blue, "light blue" darker is blue, white darker is light
    grey, "dark red" dark stays dark red."""
    plain = _TONE_OF.get(tone, tone)
    words = old.split()
    had = [w for w in words if w in _LIGHT_WORDS]
    core = " ".join(w for w in words if w not in _LIGHT_WORDS)
    grey = "gray" if "gray" in old else "grey"
    ladder = [shade.replace("grey", grey) for shade in _GREYS]
    if " ".join(words).replace("gray", "grey") in _GREYS or core in ("white", "black"):
        at = ladder.index(" ".join(words)) if " ".join(words) in ladder else ladder.index(core)
        darker = plain in ("dark", "deep")
        if tone != plain:  # a step along white, light grey, grey, dark grey, black
            return ladder[min(at + 1, 4)] if darker else ladder[max(at - 1, 0)]
        return ladder[max(at, 3)] if darker else ladder[min(at, 1)]
    if tone == plain:
        return f"{plain} {core}"
    opposite = {"dark": ("light", "pale", "bright"), "deep": ("light", "pale"), "light": ("dark", "deep"),
                "pale": ("dark", "deep", "bright"), "bright": ("dark", "pale")}[plain]
    if any(w in opposite for w in had):
        return core  # "light blue" darker: blue
    if plain == "light" and "light" in had:
        return f"pale {core}"
    return f"{plain} {core}"


def _lightness(base: str, change: str) -> str | None:
    """ "make the background darker", "a lighter sky", "make the star dark": the colour said before it, toned."""
    match = _LIGHTNESS_CHANGE.fullmatch(_AFTERTHOUGHT.sub("", change))
    if not match:
        return None
    noun = match.group("noun") or match.group("noun2") or match.group("noun3")
    tone = match.group("tone") or match.group("tone2") or match.group("tone3")
    if noun in ("it", "them", "everything", "picture", "image", "one", "colour", "color", "colours", "colors"):
        return None
    nouns = r"(?:background|backdrop)" if noun in ("background", "backdrop", "bg") else re.escape(noun)
    said = re.search(rf"\b(?P<color>{COLOR_PHRASE.pattern})\s+(?P<between>(?:[\w-]+\s+){{0,2}}?){nouns}\b", base)
    if said is None or re.search(r"[,]|\b(?:on|with|and|in|of|a|an|the)\b", said.group("between")):
        if nouns.startswith("(?:background") and re.search(rf"\b{nouns}\b", base):
            ground = re.search(rf"\b(?:(?:{'|'.join(_LIGHT_WORDS)})(?:er)?\s+)?(?={nouns}\b)", base)
            return base[:ground.start()] + f"{tone} " + base[ground.end():]  # "a forest, dark background": light
        return None
    color = said.group("color")
    if " and " in color or "-" in color or "&" in color:
        return None  # two colours: which one is meant is not said
    return base[:said.start("color")] + _toned(color, tone) + base[said.end("color"):]


_PATTERN_WORDS = frozenset("plain simple striped stripy checkered checked checkerboard solid dotted polka-dot gradient".split())


def _background_scene(base: str, change: str) -> str | None:
    """ "make the background a rainy city street at night": a scene behind, not a colour; "turn the background
    checkered": its pattern."""
    other = re.fullmatch(r"(?:(?:and|use|with|try|maybe|go\s+with|put)\s+)*(?P<a>an?\s+)?(?P<what>(?!(?:plain|simple|solid|"
                         r"different|new|other|darker|lighter|brighter)\b)[\w-]+(?:\s+[\w-]+)?)\s+(?:background|backdrop|"
                         r"bg)(?:\s+(?:instead|behind(?:\s+(?:her|him|them|it))?))?", change)
    if other and re.search(r"\b(?:background|backdrop|bg)\b", base) and not COLOR_PHRASE.fullmatch(other.group("what")):
        change = f"make the background {other.group('a') or 'a '}{other.group('what')}"  # "a bookshelf backdrop instead"
    pattern = re.match(r"^(?:make|change|set|turn|switch|do)\s+(?:the\s+)?(?:background|backdrop|bg)\s+(?:to\s+|into\s"
                       r"+)?"
                       r"(?:an?\s+)?(?P<mods>(?:plain|simple|striped|stripy|checkered|checked|checkerboard|solid|dotte"
                       r"d|"
                       r"polka-dot|gradient)(?:\s+(?:" + COLOR_PHRASE.pattern + r"))?)(?:\s+(?:one|pattern|instead))*$",
                       change)
    if pattern and re.search(COLOR_PHRASE.pattern, pattern.group("mods")):
        return recolor(base, "background", pattern.group("mods"))  # "make the background plain green"
    if pattern:
        ground = re.search(r"\b(?:background|backdrop)\b", base)
        if ground:  # the words just before it that are its pattern and colours: the pattern changes, colours stay
            at, words = ground.start(), []
            while (before := re.search(r"([\w-]+)\s+$", base[:at])) and (
                    before.group(1) in _PATTERN_WORDS or _modifier_words(before.group(1))):
                at = before.start(1)
                words.insert(0, before.group(1))
            colors = [w for w in words if w not in _PATTERN_WORDS]
            pair = re.search(rf"(?:{COLOR_PHRASE.pattern})\s+(?:and|&)\s+$", base[:at]) if colors else None
            if pair:  # "a blue and yellow striped background": both colours stay
                colors = base[pair.start():at].split() + colors
                at = pair.start()
            said = [pattern.group("mods"), *colors]
            if colors and pattern.group("mods") not in ("plain", "simple", "solid"):
                said = [*colors, pattern.group("mods")]  # "blue and yellow checkered", as the shapes model says it
            return base[:at] + " ".join(said) + " " + base[ground.start():]
        return recolor(base, "background", pattern.group("mods"))
    match = re.match(r"^(?:make|change|set|turn|switch|replace)\s+(?:the\s+)?(?:background|backdrop|bg)\s+(?:to\s+|"
                     r"into\s+|"
                     r"with\s+|as\s+)?(?P<new>(?P<article>(?:an?|the|some)\s+)?.+)$", change)
    if not match or COLOR_PHRASE.fullmatch(re.sub(r"^(?:an?|the)\s+", "", match.group("new"))):
        return None
    first = match.group("new").split()[0]
    if not match.group("article") and (lang.pos_of(first) & {"ADJ", "ADV", "VERB", "DET", "PRON"} or
                                       COLOR_PHRASE.match(match.group("new")) or lang.is_comparative(first)):
        return None  # "make the background blurry", "make the background darker": how it looks, not what it is
    kind = re.fullmatch(r"(?:an?|the)\s+(?P<mods>[\w\s-]+?)\s+(?:one|background|backdrop)", match.group("new"))
    if kind:  # "replace the background with a striped one"
        return recolor(base, "background", kind.group("mods"))
    new = re.sub(r"\s+(?:background|backdrop)$", "", match.group("new"))
    if re.fullmatch(r"(?:an?|the)\s+(?:(?:plain|simple|striped|checkered|"
                    r"solid)\s+)?(?:[\w-]+\s+)?(?:" + COLOR_PHRASE.pattern
                    + r")", new):
        return None
    kept = _GROUND_PHRASE.sub("", base).strip(" ,")
    return f"{kept}, {new} in the background"


_SHAPE_WORDS = r"(?:circle|square|triangle|star|ring|cross|heart|diamond|oval|rectangle|hexagon)"


def _reshape(base: str, change: str) -> str | None:
    """ "make it a red triangle instead" on "a big yellow star ...": the thing becomes the new one, its size and place
    stay."""
    match = re.match(rf"^(?:make|turn|change)\s+(?:it|this|that)\s+(?:into\s+|to\s+)?(?:a|"
                     rf"an)\s+(?P<new>(?:[\w-]+\s+){{0,2}}"
                     rf"{_SHAPE_WORDS})(?:\s+instead)?$", change)
    if not match:
        return None
    old = re.search(rf"\b(?:(?:{_TONE})\s+)*(?:(?:{_COLOR})\s+)?{_SHAPE_WORDS}\b", base)
    if old is None:
        return None
    new = re.sub(r"^(?:small|medium|big|large|tiny|huge)\s+", "", match.group("new"))
    if not COLOR_PHRASE.match(new) and COLOR_PHRASE.match(old.group(0)):  # "a star instead": the colour stays
        new = f"{COLOR_PHRASE.match(old.group(0)).group(0)} {new}"
    return base[:old.start()] + new + base[old.end():]


_MADE_OF = {"wood": "wooden", "gold": "golden", "wool": "wool(?:l)?en", "silk": "silken", "oak": "oaken",
            "clay": "clayey", "earth": "earthen", "lead": "leaden", "flax": "flaxen"}
"""A material and the adjective a description may use for it."""


def _swap(base: str, change: str) -> str | None:
    patterns = (
        r"^(?:swap|switch|exchange|replace|substitute|trade|change|turn|make)\s+(?:out\s+)?(?:the\s+|a\s+|an\s+|"
        r"those\s+|"
        r"these\s+|all\s+the\s+)?(?P<old>.+?)\s+(?:for|with|to|into|by|in\s+to)\s+(?:a\s+|an\s+|some\s+)?(?P<new>.+)$",
        r"^(?:make|turn)\s+(?:the\s+)?(?P<old>[\w\s-]+?)\s+(?:into\s+)?(?:a|an)\s+(?!(?:touch|bit|little|tad|lot|"
        r"smidge|"
        r"hair|notch|shade)\b)(?P<new>[\w\s-]+?)(?:\s+instead)?$",
        r"^(?:use\s+|have\s+|put\s+)?(?:a\s+|an\s+|some\s+)?(?P<new>.+?)\s+(?:instead\s+of|rather\s+than)\s+(?:the\s+|"
        r"a\s+|an\s+)?"
        r"(?P<old>.+)$",
        r"^instead\s+of\s+(?:the\s+|a\s+|an\s+)?(?P<old>.+?)\s*,?\s+(?:use\s+|have\s+|put\s+|make\s+it\s+)?"
        r"(?:a\s+|an\s+|some\s+)?(?P<new>.+)$",
        r"^(?:the\s+)?(?P<old>.+?)\s*(?:->|=>|→)\s*(?P<new>.+)$",
        r"^(?:not\s+)(?:the\s+|a\s+|an\s+)?(?P<old>.+?)\s*,?\s+but\s+(?:a\s+|an\s+)?(?P<new>.+)$",
    )
    for pattern in patterns:
        match = re.match(pattern, change)
        if not match:
            continue
        old, new = match.group("old").strip(), re.sub(r"\s+instead$", "", match.group("new").strip())
        new = re.sub(r"\s+(?:instead\s+of|rather\s+than)\s+(?:the\s+|a\s+|an\s+)?[\w-]+$", "", new)  # said twice
        new = re.sub(r"^(?:it|this|that|them|him|her)\s+(?=(?:on|in|at|against|over|under|by|near|inside)\b)", "", new)
        placed = re.match(r"^(?:on|in|at|against|over|under|by|near|inside)\s", new)
        bare = re.escape(re.sub(r"^(?:the|a|an)\s+", "", old))
        spot = re.search(rf"\b(?:on|in|at|against|over|under|by|near|inside)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+)?"
                         rf"{bare}\b", base) if placed else None
        if spot:  # "on a basketball court instead of the white background"
            return base[:spot.start()] + new + base[spot.end():]
        new = re.sub(r"\s+ones?$", " " + old.split()[-1], new) if len(new.split()) > 1 else new  # "a square marble one"
        made = re.match(r"^(?:make|turn|paint|have|do)\s+(?:the\s+(?P<noun>[\w-]+)|it|them)\s+(?:an?\s+)?"
                        r"(?P<what>[\w-]+(?:\s+[\w-]+)?)$", new, re.I)
        if made and match.re.pattern == patterns[2]:
            new = made.group("what")  # "make the table marble instead of wood": marble for wood
            if made.group("noun") and _COLOR_ONLY.match(new) and _find_phrase(base, made.group("noun")):
                return recolor(base, made.group("noun"), new)  # "make the walls a warm beige instead of white"
        found = _find_phrase(base, old) if old not in ("it", "this", "that") else None
        if found is not None and match.re.pattern == patterns[1] and _COLOR_ONLY.match(new):
            return recolor(base, old.split()[-1], new)  # "make the walls a warm beige": the walls, beige
        if found is None and old.lower() in _MADE_OF:  # "instead of wood" where it says "a wooden table"
            made_of = re.search(rf"\b{_MADE_OF[old.lower()]}\b", base, re.I)
            found = (made_of.start(), made_of.end()) if made_of else None
        if _COLOR_ONLY.match(old) and _COLOR_ONLY.match(new) and re.search(rf"\b{re.escape(old)}\b", base):
            return re.sub(rf"\b{re.escape(old)}\b", new, base, count=1)  # "change the brown to blue"
        a_thing = re.search(rf"\b(?:with|for|to|into|by)\s+(?:a|an|some)\s+{re.escape(new)}$", change)  # "with a rose"
        if found is not None and _COLOR_ONLY.match(new) and match.re.pattern in (patterns[0], patterns[4]) and \
                not a_thing:
            color = re.sub(r"\s+colou?r$", "", new)  # "change hair to pink color"
            return recolor(base, old.split()[-1], color)
        head = old.split()[-1] if old.split() else ""
        if head in ("background", "backdrop", "bg") and re.search(r"\b(?:background|backdrop)$", new):
            return recolor(base, "background", re.sub(r"\s*\b(?:background|backdrop)$", "", new))  # "a striped one"
        if head in ("background", "backdrop", "bg") and not _COLOR_ONLY.match(new) and found is not None:
            scene = _background_scene(base, f"make the background {_with_article(new)}")  # "swap it for a beach"
            if scene is not None:
                return scene
        if found is None and head in ("background", "backdrop", "bg") and len(new.split()) <= 4 or \
                found is None and _COLOR_ONLY.match(new) and head == "sky":
            return recolor(base, "background" if head == "bg" else head, re.sub(r"\s+colou?r$", "", new))
        if found is None and _COLOR_ONLY.match(new) and match.re.pattern == patterns[0] and head not in (
                "it", "this", "that", "them", "him", "her", "everything", "all", "one") and (
                "NOUN" in lang.pos_of(head) or not lang.pos_of(head)):
            return recolor(base, head, re.sub(r"\s+colou?r$", "", new))  # "change her tutu to purple": a purple tutu
        weather = _WEATHER_ADJECTIVES.get(old.lower())
        if found is None and weather and re.search(rf"\b{weather}\b", base):  # "change the mist to a clear blue sky"
            return _add(_without(base, old.lower()), f"add {_with_article(new)}")
        if found is None and (_COLOR_ONLY.match(new) or new in GROUP_WORDS or re.search(r"\binstead\s+of\b", change)):
            return apply_change(base, new) if new != change else None  # "sunny instead of overcast"
        if found is None:
            if match.re.pattern in patterns[:2] and change.split()[0] in ("change", "turn", "make"):
                return None  # "turn it into a watercolor": a style, handled below
            return _add(base, f"add {new}")
        start = _described_from(base, found[0], old, new)
        kept_form = base[found[0]:found[1]]
        if new.split() and kept_form.split() and new.split()[-1] != kept_form.split()[-1] and \
                lang.lemma(new.split()[-1], "NOUN") == lang.lemma(kept_form.split()[-1], "NOUN"):
            new = " ".join([*new.split()[:-1], kept_form.split()[-1]])  # "black pendants" where it said "pendant lights"
        swapped = base[:start] + new + base[found[1]:]
        return re.sub(r"\b([a-z]+)\s+\1\b", r"\1", swapped, flags=re.I)  # "a friendly robot" -> "a friendly owl", said once
    return None


def _described_from(base: str, start: int, old: str, new: str) -> int:
    """Where the words describing the replaced thing begin: "a grey linen sofa" swapped for "a green velvet one"
    loses "grey linen" with the sofa: the words said of the old thing, and the colours or materials the new one
    names its own of (a black triangle swapped for a star stays black)."""
    said = set(old.lower().split())
    said |= {"grey", "gray"} if said & {"grey", "gray"} else set()  # said "grey" of a "gray sofa"
    new_words = new.lower().split()
    colored = any(w in COLORS or re.fullmatch(_TONE, w) for w in new_words)
    metal = {"brass", "gold", "golden", "silver", "copper", "bronze", "chrome", "steel"}
    made_of = any(w in _MATERIALS for w in new_words)
    while True:
        before = re.search(r"([\w-]+)\s+$", base[:start])
        word = before.group(1).lower() if before else ""
        if not word or word in lang.DETERMINERS or not (word in said or (colored and (
                word in COLORS or re.fullmatch(_TONE, word) or word in metal or word in _MATERIALS)) or (
                made_of and (word in _MATERIALS or word in COLORS))):  # "brown leather boots" -> "white sneakers"
            break
        start = before.start(1)
    run = re.search(r"((?:[\w-]+\s+){1,3})$", base[:start])  # "the grey sofa" said of "a grey sectional sofa"
    if run:
        words = run.group(1).split()
        cut = next((i for i, w in enumerate(words) if w.lower() in said), None)
        if cut is None and (colored or made_of) and new_words[-1:] != old.lower().split()[-1:]:
            cut = next((i + 1 for i in range(len(words) - 1, -1, -1) if words[i].lower() in lang.DETERMINERS or
                        re.fullmatch(_NOT_IN_NP, words[i].lower()) or words[i].lower() in ("to", "for")), 0)
            cut = cut if cut < len(words) else None  # "a grey sectional sofa" for "a cognac leather armchair"
        if cut is not None and not any(w.lower() in lang.DETERMINERS or w.lower() in ("and", "with", "of", "in", "on")
                                       for w in words[cut:]):
            start = run.start(1) + len(" ".join(words[:cut])) + (1 if cut else 0)
    return start


_COLOR_ONLY = re.compile(rf"^(?:(?:{_TONE})\s+)*(?:{_COLOR})(?:\s+(?:and|&)\s+(?:{_COLOR}))?(?:\s+colou?r)?$")
GROUP_WORDS = {word for group in GROUPS.values() for word in group}
_GROUP_ALT = "|".join(sorted((re.escape(w) for w in GROUP_WORDS), key=len, reverse=True))


def _find_phrase(base: str, phrase: str) -> tuple[int, int] | None:
    """Where `phrase` (or its head word, or its singular/plural) sits in base."""
    phrase = re.sub(r"^(?:the|a|an|some|those|these|all)\s+", "", phrase.strip())
    candidates = [phrase]
    words = phrase.split()
    if len(words) > 1:
        candidates.append(words[-1])
    for candidate in candidates:
        for form in _forms(candidate):
            match = re.search(rf"\b{re.escape(form)}\b", base)
            if match:
                start = match.start()
                for word in reversed(words[:-1] if candidate != phrase else []):  # "botanical illustration"
                    before = re.search(rf"\b{re.escape(word)}\s+(?:[\w-]+\s+)?$", base[:start])
                    if not before:
                        break
                    start = before.start()
                return start, match.end()
    if len(words) == 1 and len(phrase) >= 3:  # "swap sax for trumpet" on "... saxophone ...": a word said short
        longer = [found for found in re.finditer(rf"\b{re.escape(phrase)}[a-z]{{2,}}\b", base)
                  if not lang.pos_of(phrase) or not lang.pos_of(found.group(0)[len(phrase):])]
        # "sax" for "saxophone", "trom" for "trombone"; not "sun" for "sunset"
        if len({found.group(0) for found in longer}) == 1:
            return longer[0].start(), longer[0].end()
    return None


def _forms(word: str) -> list[str]:
    forms = [word]
    if word.endswith("s") and len(word) > 3:
        forms.append(word[:-1])
        if word.endswith("es"):
            forms.append(word[:-2])
    else:
        forms.extend([word + "s", word + "es"])
    return forms


_REMOVE_THING = re.compile(
    r"^(?:remove|delete|erase|drop|lose|ditch|hide|cut|kill|scrap|axe|nuke|strip|take\s+(?:out|away|off)|"
    r"get\s+rid\s+of|without|no\s+more|no|minus|don't\s+(?:want|need)|do\s+not\s+(?:want|need)|nix)\s+"
    r"(?:the\s+|a\s+|an\s+|any\s+|that\s+|those\s+|all\s+(?:the\s+)?|his\s+|her\s+|its\s+)?"
    r"(?P<thing>.+?)(?:\s+(?:off|out|away|from\s+(?:it|this|that|here|the\s+\w+)))?$")
_ADD_THING = re.compile(r"^(?:add|put|include|insert|place|stick|throw\s+in|toss\s+in|pop|slap|"
                        r"give\s+(?:it|him|her|them|the\s+[\w-]+))\s+(?P<what>.+?)"
                        r"(?:\s+(?:to|on|in|into|for)\s+(?:it|him|her|them|this|that|the\s+picture|the\s+image|"
                        r"the\s+photo))?$")
_FROM_PICTURE = re.compile(r"\s+(?:from|off|out\s+of)\s+(?:it|this|that|here|the|my)(?:\s+(?:photo|picture|image|pic|"
                           r"shot))?$")


def concepts(instruction: str) -> tuple[list[str], list[str]]:
    """What a message adds and what it takes away, as an inversion edit (LEDITS++) takes them: "remove the people
    and add a rainbow" -> (["a rainbow"], ["people"]). Changes of another kind ("make it night") name neither."""
    add: list[str] = []
    remove: list[str] = []
    for change in split_changes(edit_instruction(instruction)):
        change = edit_instruction(change)
        taken = _REMOVE_THING.match(change)
        if taken and not re.match(r"^(?:more|less|longer)\b", taken.group("thing")):
            remove.append(_FROM_PICTURE.sub("", taken.group("thing")).strip())
            continue
        added = _ADD_THING.match(change)
        if added:
            add.append(added.group("what").strip())
    return add, remove


def _remove(base: str, change: str) -> str | None:
    match = _REMOVE_THING.match(change)
    if not match:
        match = re.match(r"^take\s+(?:the\s+)?(?P<thing>.+?)\s+(?:off|out|away)$", change)
    if not match:
        return None
    thing = match.group("thing").strip()
    thing = re.sub(r"\s+(?:they|it|he|she)(?:'re|'s|re|\s+are|\s+is|\s+looks?|\s+feels?|\s+seems?)\b.*$", "", thing)
    thing = re.sub(r"\s+(?:entirely|completely|altogether|actually|too)$", "", thing)  # "lose the sneakers entirely"
    thing = re.sub(r"^(?P<how>[\w-]+)\s+(?:look|style|vibe|feel|effect|aesthetic|finish)$", r"\g<how>", thing)  # "the
    # painterly look": the word for it
    if thing in ("people", "person", "persons", "humans", "human", "figures", "anyone", "crowd"):
        for who in _PEOPLE:  # "no people": whoever the description has
            if re.search(rf"\b{who}\b", base):
                base = _without(base, who)
        return base
    if thing in ("background",):
        return re.sub(r",?\s*\b(?:on|against|with)\s+(?:an?\s+)?[\w\s-]*?background\b", "", base) + ", plain background"
    room = re.fullmatch(r"(?:the\s+)?(?:empty\s+|blank\s+)?(?:space|room|area|spot|gap|box)\s+(?:for|with)\s+(?P<what>.+)", thing)
    if room:  # "remove the space for sponsor logos": the part of the description that keeps it
        kept = re.sub(rf"(?:,\s*(?:and\s+)?|\s+(?:and|with)\s+)(?:an?\s+|the\s+|some\s+)?(?:empty\s+|blank\s+)?(?:space|room|area|spot|"
                      rf"gap|box)\b[^,]*?\b{re.escape(room.group('what'))}\b", "", base)
        if kept != base:
            return kept
    return _without(base, thing)


_WEATHER_ADJECTIVES = {"cloud": "cloudy", "rain": "rainy", "snow": "snowy", "storm": "stormy", "mist": "misty",
                       "fog": "foggy", "wind": "windy"}


def _without(base: str, thing: str) -> str:
    """The description with `thing` and the words about it gone."""
    thing = re.sub(r"\s+(?:anywhere|entirely|completely|altogether|at\s+all|please)$", "", thing)
    compound = re.search(rf"\b{re.escape(thing)}-(?:covered|filled|strewn|lined|stained|splattered|topped|laden)\s+", base) \
        if re.fullmatch(r"[a-z]+", thing) else None
    if compound:  # "remove the graffiti" on "a graffiti-covered brick wall": a brick wall
        return _fix_articles(base[:compound.start()] + base[compound.end():])
    if re.fullmatch(r"[a-z]+", thing) and not re.search(rf"\b{re.escape(thing)}(?:s|es)?\b", base):
        one = re.sub(r"(?<=[^s])s$", "", thing)
        stem = one[:-1] if one.endswith("e") else one
        said = re.search(rf"\b(?:{re.escape(stem)}(?:ing|ed|y)|{re.escape(one)}d)(?:\s+(?=[a-z])|(?=\s*(?:,|$)))", base)
        if said:  # "lose the steam" on "a steaming coffee mug": the word said of the mug goes, the mug stays
            return _fix_articles(base[:said.start()] + base[said.end():])
    forms = _forms(thing) + ([thing.split()[-1]] if " " in thing else [])
    forms += [_WEATHER_ADJECTIVES[f] for f in forms if f in _WEATHER_ADJECTIVES]  # "no clouds" on "a cloudy sky"
    head = thing.split()[-1] if thing.split() else thing
    forms += [found for found in re.findall(rf"\b[a-z]{{3,}}{re.escape(head)}\b", base) if len(head) >= 4]  # blackbirds
    for form in forms:
        parts = base.split(",")
        segment = next((i for i, part in enumerate(parts) if i and re.search(rf"\b{re.escape(form)}\b", part) and
                        len(part.split()) <= 5 and not re.search(
                            rf"\b\w+\s+(?:with|holding|wearing|and)\s+(?:an?\s+|the\s+|some\s+)?(?:[\w-]+\s+)?{re.escape(form)}\b",
                            part)), None)  # not "robot with a laptop": the robot stays
        if segment is not None:  # ", heavy stone pillars": the whole short part about it goes
            return ",".join(part for i, part in enumerate(parts) if i != segment).strip(" ,")
        clause = re.compile(rf",?\s*\b(?:with|wearing|holding|and|plus|featuring|has|having)\s+(?:an?\s+|the\s+|"
                            rf"some\s+|"
                            rf"his\s+|her\s+|its\s+)?(?:[\w-]+\s+){{0,2}}?{re.escape(form)}\b(?:(?:\s+[a-z]+ing\b"
                            rf"(?:\s+(?:next\s+to|in\s+front\s+of|on|in|at|over|under|near|by|above|below|behind|from)"
                            rf"\s+{_SHORT_NP})?)|\s+(?:next\s+to|in\s+front\s+of|on|at|over|under|near|by|above|below|"
                            rf"behind)"
                            rf"\s+{_SHORT_NP})?")
        stripped, count = clause.subn("", base, count=1)
        if count:
            return stripped.strip(" ,")
        phrase = re.compile(rf"(?:\b(?:in|on|at|under|during|with|through|over|across|by|near|beside|along|behind|above|below)"
                            rf"\s+(?=(?:an?|the|some)\s))?\b(?:an?\s+|the\s+|some\s+)?"
                            rf"(?:[\w-]+\s+){{0,1}}?{re.escape(form)}\b")
        if phrase.search(base):
            stripped = phrase.sub("", base, count=1)
            return re.sub(r"\s+(?:and|with|,)\s*$", "", re.sub(r"\s{2,}", " ", stripped)).strip(" ,")
    return base  # nothing of it was in the description: the description already leaves it out


_NOT_IN_NP = r"(?:in|on|at|with|and|by|near|from|of|under|over|behind|during|while)\b"
_SHORT_NP = rf"(?:(?:the|a|an|his|her|its|their|some|my)\s+)?(?:(?!{_NOT_IN_NP})[\w-]+\s+)?(?!{_NOT_IN_NP})[\w-]+"
"""A place said in a few words: "its head", "the front door"."""
_PEOPLE = ("woman", "man", "women", "men", "person", "people", "girl", "boy", "child", "children", "kid", "kids",
           "crowd", "couple", "family", "lady", "guy", "figure", "figures", "tourists", "surfer", "swimmers")


def _recolor_change(base: str, change: str) -> str | None:
    if re.search(r"\b(?:charcoal|ink|pencil|crayon|chalk|pastel|gold\s+leaf)\s+(?:sketch|drawing|style|art|illustration|"
                 r"portrait|rendering)\b", change):
        return None  # "charcoal sketch style": a medium, not a colour
    head, sep, tail = change.partition(" with ")
    if sep and COLOR_PHRASE.search(head) and not re.match(r"^(?:add|put|give|with)\b", head):
        recolored = _recolor_change(base, head)  # "red with a white stripe": the colour, then the addition
        return f"{recolored}, with {tail}" if recolored is not None else None
    for word, color in COMPARATIVE_COLORS.items():
        change = re.sub(rf"\b{word}\b", color, change)
    change = re.sub(r"\b((?:the|its|their|a)\s+sky)\s+(?=blue\b)", r"\1 a ", change)  # "make the sky blue": the sky, blue
    if re.match(r"^(?:the|a|an|his|her|its|their)\s+[\w-]+\s+(?:[\w-]+ed|fell|broke|ate|ran|lost|got|has|had)\b", change):
        return None  # "the unicorn dropped its ice cream": what happened, not a colour
    colors = [c for c in COLOR_PHRASE.finditer(change) if not re.search(r"\bice\s+$", change[:c.start()])]
    if not colors or re.search(r"\b(?:add|put|with|include|give|throw|toss|pop|slap|chuck|stick|insert|place)\b",
                               change.split()[0] if change else ""):
        return None
    if re.search(r"\b(?:more|less)\b", change) and not re.match(r"^(?:make|turn|change|the|its|his|her|their|can|"
                                                               r"could)\b", change):
        return None
    thing = re.match(rf"^(?:an?|some|another|one|two|three|four|\d+)\s+(?:[\w-]+\s+)?(?:{COLOR_PHRASE.pattern})\s+"
                     r"(?P<noun>[\w-]+)", change)
    if thing and thing.group("noun") not in ("shade", "tone", "colour", "color", "hue", "background", "backdrop",
                                             "one", "version") and "NOUN" in lang.pos_of(thing.group("noun")):
        return None  # "a black cross at the bottom": a new thing, added below
    color = colors[-1].group(0)
    if color == "black and white" and re.match(r"^(?:make|turn|change|render|convert)\s+(?:it|this|everything)\b",
                                               change):
        return None  # a style: "make it black and white"
    ground = re.search(rf"(?P<phrase>(?:[\w-]+\s+)?(?:{COLOR_PHRASE.pattern})\s+(?:backdrop|background))\b", change)
    if ground:  # "make it a plain grey backdrop": the user's own words for it
        phrase = re.sub(r"^(?:a|an|the|it|make|with|to|into|on)\s+", "", ground.group("phrase"))
        return recolor(base, "background", phrase)
    rest = COLOR_PHRASE.sub(" ", re.sub(r"\b(?:instead\s+of|rather\s+than)\s+(?:the\s+|a\s+|an\s+)?[\w-]+\W*$", "", change))
    # "make the sky blue instead of cloudy": the sky
    # "the cherries on top more red", "the sky a bit more purple": the thing, not where it is or how much
    rest = re.sub(r"\b(?:on|at|in|along|across)\s+(?:the\s+)?(?:top|bottom|left|right|sides?|front|back|edges?|"
                  r"middle|center|centre)\b|\b(?:more|less|much|bit|lot|way|even|slightly|little|tad|touch|far|"
                  r"kinda|somewhat|very|really|super|too)\b", " ", rest)
    rest = re.sub(r"\b(?:make|turn|change|paint|recolou?r|colou?r|dye|set|have|get|go|it|its|it's|this|that|them|these|"
                  r"those|they|all|both|the|to|his|her|their|my|our|your|"
                  r"into|in|a|an|be|is|should|could|one|everything|all|instead|please|shade|of|shades|ish|tone|"
                  r"colors|colored|version|with|on|and|background\s+color)\b", " ", rest)
    target_words = [w for w in rest.split() if w.isalpha()]
    target = target_words[-1] if target_words else None
    if len(target_words) == 2 and target_words[0] == "sky" and "ADJ" in lang.pos_of(target_words[1]):
        return recolor(base, "sky", f"{target_words[1]} {color}")  # "make the sky stormy purple": a stormy purple sky
    ground = next((w for w in target_words if w in ("background", "backdrop")), None)
    if ground:  # "make the background plain green"
        finish = [w for w in target_words if w in ("plain", "striped", "checkered", "solid", "simple")]
        return recolor(base, ground, " ".join([*finish, color]))
    if target and not (target in ("background", "sky") or "NOUN" in lang.pos_of(target) or not lang.pos_of(target)):
        target = None  # a word the lexicon does not know ("tutu", "sombrero") is a thing's name far more often than not
    if target is None and re.search(r"\b(?:them|these|those|both|all|everything)\b", change):
        colored = re.compile(rf"\b(?:(?:{_TONE})\s+)*(?:{_COLOR})\b(?!\s+(?:and\s+\w+\s+)?(?:background|backdrop))")
        if len(colored.findall(base)) > 1:  # "make them both blue": every thing's colour, not the background's
            return colored.sub(color, base)
    return recolor(base, target, color)


def recolor(base: str, target: str | None, color: str) -> str:
    """Give `target` (a noun, "background", or None for the main thing) the colour `color`, replacing its old one."""
    base = re.sub(r",?\s*\b(?:monochrome|monochromatic|grayscale|greyscale)\b", "", base).strip(" ,")
    if target in ("background", "backdrop", "bg"):
        named = color if re.search(r"\b(?:background|backdrop)$", color) else f"{color} background"
        ground = re.search(rf"(?:(?:plain|simple|striped|checkered)\s+)?(?:(?:{COLOR_PHRASE.pattern})\s+)?"
                           rf"(?:(?:striped|checkered|plain)\s+)?\b(?:background|backdrop)\b", base)
        if ground:
            return base[:ground.start()] + named + base[ground.end():]
        bare = re.search(rf"\s+(?:on|against)\s+(?:an?\s+)?(?:{COLOR_PHRASE.pattern})(?=\s*(?:,|$))", base)
        if bare:  # "a red circle on blue": that colour was the background
            return base[:bare.start()] + f" on {_article(named)} {named}" + base[bare.end():]
        return f"{base} on {_article(named)} {named}"
    spoken = re.search(rf"\b([a-z]+)\s+{re.escape(target)}\b", base) if target else None
    if spoken and spoken.group(1) not in lang.DETERMINERS and not COLOR_PHRASE.fullmatch(spoken.group(1)) and \
            spoken.group(1) in ("outer", "inner", "upper", "lower", "front", "back", "left", "right", "top", "bottom") \
            and not COLOR_PHRASE.search(base[max(0, spoken.start() - 20):spoken.start()]):
        return base[:spoken.start()] + f"{color} " + base[spoken.start():]  # "the outer core" -> "orange outer core"
    if target:
        for form in _forms(target):
            noun = re.search(rf"\b{re.escape(form)}\b", base)
            if noun:
                before = base[:noun.start()]
                near = list(COLOR_PHRASE.finditer(before))
                between = before[near[-1].end():].split() if near else []
                if near and len(between) <= 4 and all(
                        w not in lang.DETERMINERS and not w.endswith("ing") and (lang.pos_of(w) & {"ADJ", "NOUN", "VERB",
                                                                                                   "PROPN"} or
                                                                                 w.isalpha() and not lang.pos_of(w) or
                                                                                 w in _MATERIALS)
                        for w in between) and not re.search(r"[,;]", before[near[-1].end():]):
                    span = near[-1].span()
                    return base[:span[0]] + color + base[span[1]:]
                after = re.match(rf"^((?:\s+[\w-]+){{0,3}}\s*,\s*)(?:{COLOR_PHRASE.pattern})(?=\s*(?:,|$))", base[noun.end():])
                if after:  # "a leather boot, brown, high": the colour said after the noun
                    start = noun.end() + after.end(1)
                    return base[:start] + color + base[noun.end() + after.end():]
                return base[:noun.start()] + f"{color} " + base[noun.start():]
        return f"{base}, {color} {target}"
    for found in COLOR_PHRASE.finditer(base):
        if not re.match(r"\s*(?:(?:and\s+\w+\s+)?(?:striped|checkered|plain)\s+)?background\b", base[found.end():]):
            return base[:found.start()] + color + base[found.end():]
    article = re.match(r"^(?:an?|the|some|one|two|three|\d+)\s+(?:(?:big|small|little|large|tiny|huge|medium|"
                       r"cute|old|young)\s+)?", base)
    if article:
        return base[:article.end()] + f"{color} " + base[article.end():]
    return f"{color} {base}"


def _group_change(base: str, change: str) -> str | None:
    wet = re.fullmatch(r"(?:an?\s+)?(?P<how>rainy|snowy|foggy|misty|frosty|steamy|fogged|wet|icy)\s+(?P<thing>[a-z]+)", change)
    if wet and wet.group("thing") not in ("day", "days", "night", "nights", "morning", "evening", "afternoon", "sky",
                                           "weather", "season", "scene", "vibe", "mood", "look", "feel", "landscape"):
        return f"{base}, with {_with_article(change)}"  # "rainy window": a window with rain on it, put in
    adding = re.match(r"^(?:add|include|insert|with|plus|give|throw|toss|pop|slap|stick|chuck)\b|^(?:put|place|draw)\s+"
                      r"(?:an?|some|another|one|two|three)\b", change) or (
        re.match(r"^(?:an?|some|another|one|two|three|four|\d+)\s+\w", change) and _adds_thing(change) and not any(
            _group_word(change, group) for name, group in GROUPS.items() if name not in ("position", "size")))
    for name, group in GROUPS.items():
        if adding and (name != "position" or _adds_thing(change)):
            continue  # "add a snowy battlefield", "add a small square top left": the words belong to what is added
        said = _group_word(change, group)
        if said is None:
            continue
        if name == "size" and not re.match(r"^(?:make|turn|change|set)?\s*(?:it|this|that|the\s+\w+)?\s*(?:a\s+)?"
                                           r"(?:\w+\s+)?(?:small|little|tiny|medium|big|large|huge|giant)(?:\s+\w+)?$",
                                           change):
            continue
        if name == "position" and not re.search(r"\b(?:move|put|place|shift|make|in|on|at|to|into)\b", change) and \
                len(change.split()) > 2:
            continue
        old = _group_word(base, group)
        named = re.match(r"^(?:make|turn|change|set)\s+the\s+([\w-]+)\s", change)
        found = _find_phrase(base, named.group(1)) if named and name == "size" else None
        if found is not None:  # "make the mountains huge": the size of the mountains, not of the island
            head = base[:found[0]]
            size = re.search(rf"\b(?:{'|'.join(group)})\s+(?=(?:[\w-]+\s+)?$)", head)
            if size:
                return head[:size.start()] + f"{said} " + head[size.end():] + base[found[0]:]
            return _fix_articles(head + f"{said} " + base[found[0]:])
        if name == "size":
            if old is not None:
                return re.sub(rf"\b{old}\b", said, base, count=1)
            return recolor_like_insert(base, said)
        moved = re.match(r"^(?:move|put|place|shift|slide)\s+(?:the\s+)?(?P<thing>[\w-]+(?:\s+[\w-]+)?)\s+(?:over\s+)?(?:to|in|into|on|"
                         r"at)\b", change)
        found = _find_phrase(base, moved.group("thing")) if name == "position" and moved and moved.group("thing") not in (
            "it", "this", "that", "everything", "him", "her", "them") else None
        if found is not None:  # "move the eagle to the top right": the eagle, there (and nowhere else)
            head, tail = base[:found[1]], base[found[1]:]
            for phrase in sorted(set(GROUPS["position"].values()), key=len, reverse=True):
                tail = re.sub(rf"^(\s*){re.escape(phrase)}\b", r"\1", tail)
            return head + f" {GROUPS['position'][said]}" + tail
        if name == "position" and moved and moved.group("thing") not in ("it", "this", "that", "everything", "him", "her",
                                                                          "them", "me", "us") and \
                _find_phrase(base, moved.group("thing")) is None:
            # "move the picnic blanket over to the left": a thing of the picture no words named yet, placed
            return f"{base}, {_with_article(moved.group('thing'))} {GROUPS['position'][said]}"
        if name == "position":
            return _in_group(base, name, said, old)
        # "make it a calm sunny day": the time and the weather both change
        result = base
        for other in ("weather", "time", "season"):
            word = _group_word(change, GROUPS[other])
            if other == "time" and word == "day" and re.search(rf"\b(?:{'|'.join(GROUPS['weather'])})\s+day\b", change):
                continue  # "like a rainy day": the weather, not a time of day
            if word is not None:
                result = _in_group(result, other, _weather_words(change, word) if other == "weather" else word,
                                   _group_word(result, GROUPS[other]))
        more = re.search(r"\b(?:with|and)\s+(?:(?:the|some|a|an|lots\s+of|little)\s+)?(?P<what>[\w\s'-]+)$", change)
        if more and not re.search(rf"\b(?:{_GROUP_ALT})\b", more.group("what")) and not _find_phrase(result, more.group(
                "what")):
            result = f"{result}, with {more.group(0).split(None, 1)[1]}"  # "in the evening with candles on tables"
        return result
    return None


_WEATHER_NOUN = re.compile(r"\b(?:in|during|under|through|amid)\s+(?:a|an|the)?\s*(?:(?:heavy|light|raging|big|fierce|wild|"
                           r"violent|thick|dense|driving|pouring|summer|winter|thunder)\s+)?(?:storm|thunderstorm|rain|"
                           r"rainstorm|downpour|snow|snowstorm|blizzard|fog|mist|drizzle|hail)\b")


def _weather_words(change: str, word: str) -> str:
    """The weather words said together ("calm sunny"), in the order said."""
    run = re.search(rf"\b(?:(?:{'|'.join(GROUPS['weather'])})\s+(?:and\s+)?)*{word}\b(?:\s+(?:and\s+)?(?:"
                    rf"{'|'.join(GROUPS['weather'])})\b)*", change)
    return re.sub(r"\s+and\s+", " ", run.group(0)) if run else word


def _in_group(base: str, name: str, said: str, old: str | None) -> str:
    """`base` with the one word of a group (a time, a season, a weather, a place in the frame) now `said`."""
    group = GROUPS[name]
    phrase = group.get(said, said)
    if name == "weather":
        if old is not None:  # "a red car on a rainy street" -> "a red car on a sunny street"
            return re.sub(rf"\b{old}\b", said, base, count=1)
        storm = _WEATHER_NOUN.search(base)  # "a lighthouse in a storm" -> "a lighthouse on a calm sunny day"
        if storm:
            return base[:storm.start()] + f"on a {said} day" + base[storm.end():]
        return f"{base}, {said}"
    day = re.search(rf"\bon\s+an?\s+(?:(?:{'|'.join(GROUPS['weather'])})\s+)+day\b", base)
    if day and said in ("day", "daytime", "daylight"):
        if old is not None and old not in ("day", "daytime", "daylight"):  # "... on a calm day at night": day it is
            base = re.sub(rf"\s*\b(?:in|at|on|during)\s+(?:the\s+|a\s+)?{old}\b", "", base, count=1)
        return base  # "on a calm sunny day" says the time already
    if day and name == "time":
        return base[:day.start()] + phrase + base[day.end():]  # "a meadow on a sunny day" -> "a meadow at night"
    if old is not None and re.search(rf"\b{old}\s+(?:{_GROUP_ALT})\b", base):
        return re.sub(rf"\b{old}\b", said, base, count=1)  # "a summer afternoon" -> "a winter afternoon"
    if old is not None:
        spoken = re.compile(rf"(?:\b(?:in|at|on|during)\s+(?:the\s+|a\s+)?(?:(?!(?:{_GROUP_ALT})\b)\w+\s+)?)?"
                            rf"\b{old}\b(?:\s+corner)?")
        return spoken.sub(phrase, base, count=1)
    return f"{base}, {phrase}" if name != "position" else _place(base, phrase)


def _group_word(text: str, group: dict[str, str]) -> str | None:
    for word in sorted(group, key=len, reverse=True):
        if re.search(rf"\b{word}\b(?!\s+(?:rolls?|onions?|water|break|chicken|cleaning|greens?|mattress|board|time\s+of))", text) \
                and not re.search(rf"\b{word}\s+background\b", text):
            return word  # not "spring rolls"
    return None


def _place(base: str, phrase: str) -> str:
    ground = re.search(r"\s+on\s+an?\s+[\w\s-]*background\b", base)
    if ground:
        return base[:ground.start()] + f" {phrase}" + base[ground.start():]
    return f"{base} {phrase}"


def recolor_like_insert(base: str, word: str) -> str:
    article = re.match(r"^(?:an?|the|some)\s+", base)
    if article:
        return base[:article.end()] + f"{word} " + base[article.end():]
    return f"{word} {base}"


_MEDIUM_NOUNS = frozenset(
    "print painting drawing sketch illustration poster artwork art render rendering photo photograph cartoon comic "
    "mosaic engraving etching woodcut linocut collage tapestry mural fresco lithograph silhouette blueprint diagram "
    "infographic icon logo sticker emoji meme watercolour watercolor pastel gouache screenprint risograph".split())


def _style_change(base: str, change: str) -> str | None:
    said = next((s for s in STYLES if re.search(rf"\b{re.escape(s)}\b", change)), None)
    spans = sorted(found.span() for style in STYLES for found in re.finditer(rf"\b{re.escape(style)}\b", change))
    for start, end in spans:  # "black and white line art": styles said one after the other are one style
        joined = end
        for other_start, other_end in spans:
            if other_start >= joined and change[joined:other_start].strip() == "":
                joined = max(joined, other_end)
        if joined > end and len(change[start:joined]) > len(said or ""):
            said = change[start:joined]
    material = re.search(rf"\b([a-z][\w-]*)\s+{re.escape(said)}\b", change) if said else None
    kinds = lang.pos_of(material.group(1)) if material else frozenset()
    if material and material.group(1) not in _NOT_A_MEDIUM and (not kinds or kinds & {"NOUN", "ADJ"}) and not kinds & {
            "DET", "ADP", "PRON", "AUX", "PART", "CCONJ"}:
        said = f"{material.group(1)} {said}"  # "a crayon drawing", "a chalk sketch": what it is drawn with too
    style_of = re.search(r"\bin\s+the\s+style\s+of\s+(.+)$", change)
    styled = re.match(r"^(?:make|turn|change|convert|transform|redo|do|render)\s+(?:it|this|that|everything)\s+"
                      r"(?:into|as|in(?:to)?|to)\s+(?:an?\s+)?(?P<new>[\w\s'-]+?\s+style(?:\s+[\w-]+)?)$", change)
    if styled:  # "turn it into a van gogh style painting": the user's whole phrase
        new = styled.group("new")
        for old in STYLES:
            found = re.search(rf"(?:,\s*)?\b(?:as\s+)?(?:an?\s+)?{re.escape(old)}\b(?:\s+style)?", base)
            if found:
                joined = " " if re.search(r"[a-z]\s$", base[:found.start()]) else ", "  # "soft watercolor style"
                return (base[:found.start()].rstrip() + f"{joined}{new}" + base[found.end():]).strip(" ,")
        return f"{base}, {new}"
    recast = re.match(r"^(?:reinterpret|reimagine|render|redo|redraw|recreate|restyle|re-draw|do|show|draw|paint|make|"
                      r"turn|convert|transform)\s+(?:it|this|that|everything|them|the\s+(?:photo|picture|image|whole\s+"
                      r"thing))\s+(?:as|into|in)\s+(?:an?\s+)?(?P<new>[\w\s'-]+?)(?:\s+instead)?$", change)
    if said is None and style_of is None and recast and not COLOR_PHRASE.fullmatch(recast.group("new")) and (
            re.match(r"re", change) or recast.group("new").split()[-1] in _MEDIUM_NOUNS):
        return f"{base}, {recast.group('new')}"  # "reinterpret it as a linocut print": the user's words for it
    if said is None and style_of is None:
        return None
    new = f"in the style of {style_of.group(1)}" if style_of else said
    for old in STYLES:
        found = re.search(rf"(?:,\s*)?(?:\b(?:as\s+)?(?:an?\s+)?)?\b{re.escape(old)}\b(?:\s+style)?(?:\s+of\b)?", base)
        if found:
            if base[found.end() - 2:found.end()] == "of":
                return base[:found.start()] + f"{_article(new)} {new} of" + base[found.end():]
            return (base[:found.start()] + f", {new} style" + base[found.end():]).strip(" ,")
    return f"{base}, {new} style" if not style_of else f"{base}, {new}"


_NOT_A_MEDIUM = frozenset("a an the like look looks it this that more less as into in of my your our kid's kids "
                          "realistic proper real nice good simple original same whole entire other new old first "
                          "second last actual".split())


def _article(word: str) -> str:
    """ "an owl", "a unicorn", "a euro", "an hour"."""
    if re.match(r"(?:uni|use|usu|ute|eu|one|once|ur[aeiou])", word.lower()):
        return "a"
    return "an" if word[:1].lower() in "aeiou" or re.match(r"(?:hour|honest|honou?r|heir)", word.lower()) else "a"


def _add(base: str, change: str) -> str | None:
    pronouns = {"it", "him", "her", "them", "this", "that", "me", "us", "his", "its", "their"} | lang.DETERMINERS
    for who in (r"\w+", r"\w+\s+\w+"):  # "give the knight a sword", "give the old man a hat"
        give = re.match(rf"^give\s+(?:the\s+)?(?P<who>{who})\s+(?:a\s+|an\s+|some\s+)?(?P<what>.+)$", change)
        if give and not set(give.group("who").split()) & pronouns:
            found = _find_phrase(base.lower(), give.group("who").lower())  # "give Rex a party hat" on "Rex waving"
            if found and len(base.lower()) == len(base):
                return base[:found[1]] + f" with {_with_article(give.group('what'))}" + base[found[1]:]
    match = re.match(r"^(?:add|put|include|insert|place|stick|throw(?:\s+in)?|toss(?:\s+in)?|pop|slap|chuck|"
                     r"give\s+(?:it|him|her|them|me|us)|with|and|plus|"
                     r"also|now\s+with|have|needs?|maybe|try)\s+(?P<what>.+?)(?:\s+instead)?$", change)
    if not match and re.match(r"^(?:an?|some)\s+\w+", change):
        match = re.match(r"^(?P<what>.+?)(?:\s+instead)?$", change)  # "a unicorn hoodie (instead)"
    if not match:
        return None
    what = re.sub(r"(?<!\bnext)\s+(?:to|on|in)\s+(?:it|this|that|the\s+picture|the\s+image)$", "", match.group("what"))
    where = re.search(r"\s*\b(?:(?:in|at|on)\s+the\s+)?(?P<spot>(?:top|bottom)\s+(?:left|right))(?:\s+corner)?$", what)
    if where:  # "a small star top right" -> "a small star in the top right corner"
        what = what[:where.start()] + " " + GROUPS["position"][re.sub(r"\s+", " ", where.group("spot"))]
    scene = re.match(r"^(?P<objects>.+?)(?P<ground>\s+on\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}(?:background|backdrop))$",
                     base)
    if scene and re.match(r"^(?:an?|one|two|three|some|another)\s", what) and not re.search(
            r"\b(?:background|backdrop)\b", what):
        return f"{scene.group('objects')} and {what}{scene.group('ground')}"  # "a red circle and a blue square on ..."
    worn = re.fullmatch(r"(?:(?:a|an|his|her|their|the|my)\s+)?(?P<np>(?:[\w-]+\s+){0,2}(?P<head>[\w-]+))", what)
    head = worn.group("head") if worn else ""
    instead = re.search(r"\binstead\W*$", change) and len(head) > 2 and "NOUN" in lang.pos_of(head)
    on = re.search(rf"\b(?:(?:a|an|his|her|their|the|my)\s+)?(?:[\w-]+\s+){{0,2}}?{re.escape(head)}\b", base) \
        if head in lang.WORN or instead else None  # "warm white walls instead" where it says "soft sage green walls"
    if on:  # "give her a unicorn hoodie" where she wore "his spiderman hoodie": one hoodie, the new one
        said = what if re.match(r"(?:a|an|his|her|their|the|my)\s", what) else _with_article(worn.group("np"))
        return _fix_articles(base[:on.start()] + said + base[on.end():])
    return f"{base}, with {_with_article(what)}"


def _adds_thing(change: str) -> bool:
    """ "add a small blue square top left": something new is added (the place is where it goes)."""
    rest = re.sub(r"^(?:add|include|insert|with|plus|give|throw|toss|pop|slap|stick|chuck)(?:\s+in)?\s+", "", change)
    rest = re.sub(r"\b(?:in|at|on|to)?\s*(?:the\s+)?(?:top|bottom|left|right|center|centre|middle)(?:\s+(?:left|"
                  r"right))?"
                  r"(?:\s+corner)?\b", "", rest)
    return any("NOUN" in lang.pos_of(w) for w in rest.split() if w not in ("a", "an", "the", "some"))


_MASS = frozenset("rain snow fog mist smoke fire water grass sand light lightning steam sunlight moonlight confetti "
                  "glitter sparkles dust haze hail ice foam mud".split())


def _with_article(what: str) -> str:
    what = re.sub(r"[.,]?\s*(?:(?:and\s+)?(?:lots|loads|tons|plenty|a\s+lot)\s+of\s+(?:it|them))$", "", what).strip()
    if what.split()[0] in _MASS:
        return what
    head = re.split(r"\s+(?:in|on|at|near|next|by|under|over|behind|around|along|from|with)\b", what)[0]
    if re.match(r"^(?:an?|the|some|two|three|\d+|more|lots|many|his|her|its|their)\b", what) or head.endswith("s"):
        return what  # "flowers in front": several, no article
    if "NOUN" in lang.pos_of(what.split()[-1]) and len(what.split()) <= 3:
        return f"{_article(what)} {what}"
    return what


_STATES = ("up", "down", "on", "off", "open", "closed", "shut", "out", "in", "raised", "lowered")


def _flipped(base: str, change: str) -> str | None:
    """ "hood down" on "..., hood up": the thing the picture has, the other way."""
    said = re.fullmatch(rf"(?:(?:make|put|have|turn|with)\s+)?(?:the\s+|his\s+|her\s+|its\s+|their\s+)?(?P<thing>[\w-]+)\s+"
                        rf"(?P<state>{'|'.join(_STATES)})(?:\s+(?:instead|now|actually|please|pls))*", change.strip(" .!"))
    if not said or "NOUN" not in lang.pos_of(said.group("thing")):
        return None
    old = re.search(rf"\b{re.escape(said.group('thing'))}\s+(?P<state>{'|'.join(_STATES)})\b", base)
    if not old or old.group("state") == said.group("state"):
        return None
    return base[:old.start("state")] + said.group("state") + base[old.end("state"):]


_NOT_A_THING_MADE_SO = frozenset("background backdrop picture image photo pic whole colors colours colour color lighting "
                                  "light mood style vibe scene art drawing painting version one can will may might must "
                                  "size".split())
_MADE_SO = re.compile(r"^(?:make|turn|have|get)\s+(?:the|his|her|its|their|my|our)\s+(?P<thing>[\w-]+)\s+(?P<how>.+)$")
_SOFTENERS = re.compile(r"\b(?:(?:a\s+)?(?:bit|little|lot|touch|tad)|slightly|kind\s+of|kinda|sort\s+of|way|much|even|really|"
                        r"very|super|somewhat|abit)\s+")


def _made_so(base: str, change: str) -> str | None:
    """ "make the moon bigger and kinda glowy", "make the curtains linen", "make the bench plain wood", "make the sky a
    bit more dramatic": what is said of a thing goes before it (a colour or material in place of the old one); a
    thing the picture does not name yet comes with it."""
    said = _MADE_SO.match(change.strip(" .!"))
    if not said or "NOUN" not in lang.pos_of(said.group("thing")):
        return None
    thing = said.group("thing")
    hows = [_SOFTENERS.sub("", part).strip() for part in re.split(r"\s*(?:,|\band\b)\s*", said.group("how")) if part.strip()]
    for how in hows:
        words = how.split()
        if not 1 <= len(words) <= 3 or any(w in ("a", "an", "the", "it", "them", "into", "to", "like", "as", "with", "for",
                                                 "look", "be", "go", "so", "again", "too") for w in words) or \
                not (words[-1] in _MATERIALS or words[-1] in COLORS or words[-1] == "plain" or lang.is_comparative(words[-1])
                     or "ADJ" in lang.pos_of(words[-1]) or words[-1].endswith(("y", "ish", "er", "ed"))):
            return None
    for how in hows:
        found = _find_phrase(base, thing)
        if found is None:
            plural = thing.endswith("s") and not thing.endswith("ss")
            base = f"{base}, with {'' if plural else _article(how.split()[0]) + ' '}{how} {thing}"
            continue
        start = found[0]
        while True:  # the words said of it before that this one replaces: a colour by a colour or a material, a size
            before = re.search(r"([\w-]+)\s+$", base[:start])
            if not before:
                break
            word = before.group(1)
            replaced = (word in COLORS or word in _MATERIALS) and any(w in COLORS or w in _MATERIALS or w == "plain"
                                                                       for w in how.split()) or \
                word in GROUPS["size"] and any(lang.lemma(w, "ADJ") in GROUPS["size"] for w in how.split())
            if not replaced:
                break
            start = before.start()
        base = base[:start] + f"{how} " + base[found[0]:]
    return _fix_articles(base)


def _degree(base: str, change: str) -> str | None:
    """ "darker", "more moody", "shorter sleeves", "less fog": the old opposite goes, the new words stay."""
    change = _EDIT_LEAD.sub("", change)
    match = re.match(r"^(?:(?:a\s+)?(?:bit|little|lot|touch|tad|much|way|even|slightly|somewhat)\s+)*(?P<rest>.+)$",
                     change)
    rest = match.group("rest") if match else change
    words = rest.split()
    if not words:
        return None
    first = words[0]
    if first in ("more", "less", "fewer") or lang.is_comparative(first) or (
            "ADJ" in lang.pos_of(first) and len(words) <= 3):
        adjective = lang.lemma(first, "ADJ") if first not in ("more", "less", "fewer") else (
            words[1] if len(words) > 1 else "")
        if len(words) == 1 and adjective != first and adjective in GROUPS["size"]:
            return _group_change(base, f"make it {adjective}")  # "smaller": the size word replaces the old one
        for opposite in ANTONYMS.get(adjective, ()):
            base = re.sub(rf"\b{opposite}(?:er)?\b\s*", "", base)
        noun = words[-1] if len(words) > 1 and first not in ("more", "less", "fewer") else None
        if noun:
            found = _find_phrase(base, noun)
            if found:
                start = found[0]
                before = base[:start].rstrip().split()
                if before and "ADJ" in lang.pos_of(before[-1]) and before[-1] not in COLORS:
                    start = base.rfind(before[-1], 0, start)
                return base[:start] + rest + base[found[1]:]
        return f"{re.sub(r'[ ,]+$', '', base)}, {rest}"
    return None


UNDESCRIBED = "a picture"
"""What an edit starts from when the picture has no description (an upload on a model with no describer)."""


def _fix_articles(text: str) -> str:
    """ "a orange" -> "an orange", "an red" -> "a red" after a rewrite put a new word behind an article."""
    text = re.sub(r"\b([Aa])\s+(?=[aeiou]\w)(?!(?:uni|use|usu|ute|eu|one\b|once|ur[aeiou]))", r"\1n ", text)
    text = re.sub(r"\b([Aa])n\s+(?=(?:uni|use|usu|ute|eu|one\b|once|ur[aeiou]))", r"\1 ", text)
    return re.sub(r"\b([Aa])n\s+(?=[b-df-hj-np-tv-z]\w)(?!(?:hour|honest|honou?r|heir))", r"\1 ", text)
